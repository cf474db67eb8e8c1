"""Headless LibreOffice: forced recalculation and the =FK_...() Calc functions.

These tests run LibreOffice for real; they are skipped only when soffice is absent.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from click.testing import CliRunner

from xl_tools.cli import cli
from xl_tools.errors import XlToolsError
from xl_tools.libreoffice import recalc
from xl_tools.libreoffice.recalc import (
    ensure_recalc_settings,
    libreoffice_available,
    recalculate,
)

needs_lo = pytest.mark.skipif(not libreoffice_available(), reason="LibreOffice (soffice) is not installed")


@pytest.fixture(scope="module")
def lo_profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An isolated LibreOffice profile shared by this module's tests."""
    return tmp_path_factory.mktemp("lo") / "profile"


def _wrong_cache_workbook(path: Path) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    ws.write("A1", 2)
    ws.write("A2", 3)
    ws.write_formula("A3", "=A1+A2", None, 999)  # deliberately wrong cached value
    ws.write_formula("B1", "=SUM(A1:A3)*2", None, -1)
    wb.close()
    return path


@pytest.mark.spreadsheet
@needs_lo
def test_recalculate_replaces_wrong_cached_values(tmp_path: Path, lo_profile: Path) -> None:
    src = _wrong_cache_workbook(tmp_path / "in.xlsx")
    assert openpyxl.load_workbook(src, data_only=True).active["A3"].value == 999
    dst = recalculate(src, tmp_path / "sub" / "out.xlsx", profile=lo_profile)
    assert dst == tmp_path / "sub" / "out.xlsx"
    ws = openpyxl.load_workbook(dst, data_only=True).active
    assert ws["A3"].value == 5
    assert ws["B1"].value == 20
    # The formulas themselves survive the round trip.
    assert openpyxl.load_workbook(dst).active["A3"].value == "=A1+A2"


@pytest.mark.spreadsheet
@needs_lo
def test_recalculate_default_profile_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              lo_profile: Path) -> None:
    monkeypatch.setenv("XL_TOOLS_LO_PROFILE", str(lo_profile))
    assert recalc.default_profile_dir() == lo_profile
    src = _wrong_cache_workbook(tmp_path / "in.xlsx")
    out = recalculate(src, tmp_path / "out.xlsx")
    assert openpyxl.load_workbook(out, data_only=True).active["A3"].value == 5
    assert "OOXMLRecalcMode" in (lo_profile / "user" / "registrymodifications.xcu").read_text()


def test_default_profile_is_under_cache_not_user_profile(monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path) -> None:
    monkeypatch.delenv("XL_TOOLS_LO_PROFILE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert recalc.default_profile_dir() == tmp_path / "xl_tools" / "lo-profile"


def test_ensure_recalc_settings_is_idempotent_and_keeps_other_items(tmp_path: Path) -> None:
    xcu = tmp_path / "user" / "registrymodifications.xcu"
    xcu.parent.mkdir(parents=True)
    xcu.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<oor:items xmlns:oor="http://openoffice.org/2001/registry">\n'
        '<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" '
        'oor:op="fuse"><value>1</value></prop></item>\n'
        '<item oor:path="/x/y"><prop oor:name="Keep" oor:op="fuse"><value>7</value></prop></item>\n'
        "</oor:items>\n", encoding="utf-8")
    ensure_recalc_settings(tmp_path)
    ensure_recalc_settings(tmp_path)
    text = xcu.read_text(encoding="utf-8")
    assert text.count('oor:name="OOXMLRecalcMode"') == 1
    assert text.count('oor:name="ODFRecalcMode"') == 1
    assert '<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value>' in text
    assert 'oor:name="Keep"' in text


def test_missing_soffice_gives_install_hint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XL_TOOLS_SOFFICE", str(tmp_path / "no-such-soffice"))
    assert not libreoffice_available()
    src = _wrong_cache_workbook(tmp_path / "in.xlsx")
    with pytest.raises(XlToolsError, match="apt-get install libreoffice-calc-nogui"):
        recalculate(src, tmp_path / "out.xlsx", profile=tmp_path / "p")


def test_missing_source_file(tmp_path: Path) -> None:
    with pytest.raises(XlToolsError, match="no such file"):
        recalculate(tmp_path / "nope.xlsx", tmp_path / "out.xlsx", profile=tmp_path / "p")


@pytest.mark.spreadsheet
def test_timeout_kills_and_reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\nsleep 30\n")
    fake.chmod(0o755)
    monkeypatch.setenv("XL_TOOLS_SOFFICE", str(fake))
    src = _wrong_cache_workbook(tmp_path / "in.xlsx")
    with pytest.raises(XlToolsError, match="did not finish within 0.5 s"):
        recalculate(src, tmp_path / "out.xlsx", timeout=0.5, profile=tmp_path / "p")


@pytest.mark.spreadsheet
def test_no_output_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\necho 'Error: source file could not be loaded' >&2\nexit 0\n")
    fake.chmod(0o755)
    monkeypatch.setenv("XL_TOOLS_SOFFICE", str(fake))
    src = _wrong_cache_workbook(tmp_path / "in.xlsx")
    with pytest.raises(XlToolsError, match="could not recalculate in.xlsx.*source file could not be loaded"):
        recalculate(src, tmp_path / "out.xlsx", profile=tmp_path / "p")
    assert not (tmp_path / "out.xlsx").exists()


@pytest.mark.spreadsheet
@needs_lo
def test_not_a_spreadsheet_is_an_error(tmp_path: Path, lo_profile: Path) -> None:
    src = tmp_path / "broken.xlsx"
    src.write_bytes(b"PK\x03\x04 this is not a zip file")
    with pytest.raises(XlToolsError, match="could not recalculate broken.xlsx"):
        recalculate(src, tmp_path / "out.xlsx", profile=lo_profile, timeout=120)


# --------------------------------------------------------------------------- the =FK_...() functions in Calc


@pytest.mark.spreadsheet
def test_install_into_isolated_profile_registers_module(tmp_path: Path) -> None:
    from xl_tools.libreoffice import install as lo_install

    done = lo_install.install(tmp_path / "profile", create=True)
    xlb = (done.profile_user / "basic" / "Standard" / "script.xlb").read_text(encoding="utf-8")
    assert xlb.count('library:name="XlToolsUdfs"') == 1
    assert 'library:name="Module1"' in xlb or not libreoffice_available()
    script = done.script.read_text(encoding="utf-8")
    assert f"XL_TOOLS_PATH = {str(lo_install.xl_tools_path())!r}" in script
    # Installing again changes nothing twice.
    lo_install.install(tmp_path / "profile", create=True)
    assert (done.profile_user / "basic" / "Standard" / "script.xlb").read_text(encoding="utf-8") == xlb


def test_basic_module_is_valid_xml_with_every_function() -> None:
    import xml.etree.ElementTree as ET

    from xl_tools.libreoffice.install import BASIC_SOURCE

    root = ET.parse(BASIC_SOURCE).getroot()
    code = root.text or ""
    for name in ("FK_ANDEL", "FK_BEFOLKNING", "FK_FORDELA", "FK_REGIONER", "FK_REGION", "FK_KONTAKTER"):
        assert f"Function {name}(" in code


@pytest.mark.spreadsheet
def test_lo_script_imports_xl_tools_with_system_python(tmp_path: Path) -> None:
    """LibreOffice's Python is not ours: the installed script must find xl_tools by its recorded path."""
    import shutil
    import subprocess

    from xl_tools.libreoffice import install as lo_install

    system_python = shutil.which("python3", path="/usr/bin") or "/usr/bin/python3"
    if not Path(system_python).exists():
        pytest.skip("no system python3")
    done = lo_install.install(tmp_path / "profile", create=True)
    code = (f"import sys; sys.path.insert(0, {str(done.script.parent)!r}); import xl_tools_udfs as s; "
            "print(s.fk_andel('Norrbotten', 150000000.0, 2016.0, 'kronor')); print(s.fk_fordela(100.0, 2016.0)[0])")
    out = subprocess.run([system_python, "-I", "-c", code], check=False, capture_output=True, text=True, timeout=60,
                         cwd=tmp_path, env=recalc.soffice_env())
    assert out.returncode == 0, out.stderr
    from xl_tools import udfs

    assert out.stdout.split() == ["3765878.0", str(float(udfs.FK_FORDELA(100.0, 2016.0)[0][0]))]


@pytest.fixture(scope="module")
def udf_profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from xl_tools.libreoffice import install as lo_install

    profile = tmp_path_factory.mktemp("lo-udf") / "profile"
    result = CliRunner().invoke(cli, ["libreoffice", "install", "--profile", str(profile), "--create"])
    assert result.exit_code == 0, result.output
    assert lo_install.user_dir(profile).is_dir()
    return profile


CELLS = [
    ("A1", '=FK_ANDEL("Norrbotten",150000000,2016)', ("Norrbotten", 150_000_000, 2016)),
    ("A2", '=FK_ANDEL("Norrbotten",150000000,2016,"kronor")', ("Norrbotten", 150_000_000, 2016, "kronor")),
    ("A3", '=FK_ANDEL("Skåne",1437000000,2022,"largest-remainder")',
     ("Skåne", 1_437_000_000, 2022, "largest-remainder")),
    ("A4", '=FK_ANDEL(H1,H2,H3)', ("Gotland", 300_000_000, 2016)),
    ("A5", '=FK_ANDEL("Gotland",1000000,DATE(2018,12,31))', ("Gotland", 1_000_000, "2018-12-31")),
    ("A6", '=FK_ANDEL("Gotland",1000000,"2018-12-31")', ("Gotland", 1_000_000, "2018-12-31")),
]


@pytest.mark.spreadsheet
@needs_lo
def test_fk_functions_in_libreoffice_match_python(tmp_path: Path, udf_profile: Path) -> None:
    from xl_tools import udfs

    src = tmp_path / "udfs.xlsx"
    wb = xlsxwriter.Workbook(str(src))
    ws = wb.add_worksheet()
    for cell, formula, _ in CELLS:
        ws.write_formula(cell, formula, None, -1)
    ws.write("H1", "Region Gotland")
    ws.write("H2", 300_000_000)
    ws.write("H3", 2016)
    ws.write_formula("C1", '=FK_BEFOLKNING("Gotland",2016)', None, -1)
    ws.write_formula("C2", '=FK_REGION("VGR")', None, "x")
    ws.write_formula("C3", '=FK_ANDEL("Xyz",1000000,2016)', None, 0)
    ws.write_formula("C4", '=FK_ANDEL("Gotland",1000000,2017)', None, 0)
    ws.write_formula("C5", "=SUM(B1:B21)", None, 0)
    ws.write_array_formula("B1:B21", '{=FK_FORDELA(100000000,2016,"largest-remainder")}')
    ws.write_array_formula("D1:D21", "{=FK_REGIONER()}")
    for i in range(21):
        ws.write(i, 4, 1000 * (i + 1))  # column E: contacts
    ws.write_array_formula("F1:F21", '{=FK_KONTAKTER(E1:E21,500000000,3000,2019,"kronor")}')
    wb.close()

    out = recalculate(src, tmp_path / "out.xlsx", profile=udf_profile)
    values = openpyxl.load_workbook(out, data_only=True).active

    for cell, _, args in CELLS:
        expected = udfs.FK_ANDEL(*args)
        assert values[cell].value == pytest.approx(expected, rel=1e-14, abs=1e-6), cell
    assert values["C1"].value == udfs.FK_BEFOLKNING("Gotland", 2016)
    assert values["C2"].value == "Västra Götaland"
    assert str(values["C3"].value).startswith("#FEL: Unknown region 'Xyz'")
    assert str(values["C4"].value).startswith("#FEL: No population data for 1 November 2017")
    fordela = udfs.FK_FORDELA(100_000_000, 2016, "largest-remainder")
    assert [values[f"B{i + 1}"].value for i in range(21)] == [row[0] for row in fordela]
    assert values["C5"].value == 100_000_000
    assert [values[f"D{i + 1}"].value for i in range(21)] == [row[0] for row in udfs.FK_REGIONER()]
    kontakter = udfs.FK_KONTAKTER([1000 * (i + 1) for i in range(21)], 500_000_000, 3000, 2019, "kronor")
    assert [values[f"F{i + 1}"].value for i in range(21)] == [row[0] for row in kontakter]
    # The formulas are still the functions (not frozen values) after LibreOffice saved the file.
    assert "FK_ANDEL" in str(openpyxl.load_workbook(out).active["A1"].value)


@pytest.mark.spreadsheet
@needs_lo
def test_without_install_the_functions_are_unknown(tmp_path: Path, lo_profile: Path) -> None:
    src = tmp_path / "u.xlsx"
    wb = xlsxwriter.Workbook(str(src))
    wb.add_worksheet().write_formula("A1", '=FK_ANDEL("Gotland",1000000,2016)', None, 42)
    wb.close()
    out = recalculate(src, tmp_path / "out.xlsx", profile=lo_profile)
    assert openpyxl.load_workbook(out, data_only=True).active["A1"].value == "#NAME?"
