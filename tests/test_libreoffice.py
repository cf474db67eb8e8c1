"""Headless LibreOffice: forced recalculation and the =FK_...() Calc functions.

These tests run LibreOffice for real; they are skipped only when soffice is absent.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

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


def test_timeout_kills_and_reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\nsleep 30\n")
    fake.chmod(0o755)
    monkeypatch.setenv("XL_TOOLS_SOFFICE", str(fake))
    src = _wrong_cache_workbook(tmp_path / "in.xlsx")
    with pytest.raises(XlToolsError, match="did not finish within 0.5 s"):
        recalculate(src, tmp_path / "out.xlsx", timeout=0.5, profile=tmp_path / "p")


def test_no_output_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\necho 'Error: source file could not be loaded' >&2\nexit 0\n")
    fake.chmod(0o755)
    monkeypatch.setenv("XL_TOOLS_SOFFICE", str(fake))
    src = _wrong_cache_workbook(tmp_path / "in.xlsx")
    with pytest.raises(XlToolsError, match="could not recalculate in.xlsx.*source file could not be loaded"):
        recalculate(src, tmp_path / "out.xlsx", profile=tmp_path / "p")
    assert not (tmp_path / "out.xlsx").exists()


@needs_lo
def test_not_a_spreadsheet_is_an_error(tmp_path: Path, lo_profile: Path) -> None:
    src = tmp_path / "broken.xlsx"
    src.write_bytes(b"PK\x03\x04 this is not a zip file")
    with pytest.raises(XlToolsError, match="could not recalculate broken.xlsx"):
        recalculate(src, tmp_path / "out.xlsx", profile=lo_profile, timeout=120)
