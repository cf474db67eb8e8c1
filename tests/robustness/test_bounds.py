"""Bounded input everywhere: amounts, counts, years and regions that once hung or crashed.

Probe defects D1 (A15, Y24, T09, P01–P03: ``1e-999999999`` and ``"1e99999999"`` hang),
D14 (C09, Y06, Y08, L05: superscript digits and long years), D17 (P05: largest-remainder with
öre, every face), D13 (I09: "1,000"), verify (``--no-python --no-libreoffice``; who differs).
Each CLI case runs in a subprocess under a time and memory cap.
"""

from __future__ import annotations

import time
from fractions import Fraction
from pathlib import Path

import pytest

from tests.robustness.harness import REPO, assert_one_line_error, run_capped
from xl_tools import api
from xl_tools.errors import AmountError, XlToolsError
from xl_tools.money import parse_amount
from xl_tools.udfs import ERROR_PREFIX, FK_ANDEL, FK_FORDELA, FK_KONTAKTER
from xl_tools.verify import verify_workbook

# Subprocesses under time and memory caps: the slow tier (left out by make test-fast).
pytestmark = pytest.mark.slow

SECONDS = 15


@pytest.mark.parametrize("args", [
    ("andel", "Norrbotten", "1e-999999999", "2016"),            # A15
    ("fordela", "1e-999999999", "2016"),                         # Y24
    ("andel", "Norrbotten", "1e999999999", "2016"),
    ("andel", "Norrbotten", "1" + "0" * 5000 + "e-5000", "2016"),
    ("andel", "²", "100", "2016"),                               # C09
    ("andel", "Norrbotten", "100", "²⁰¹⁶"),                      # Y06
    ("andel", "Norrbotten", "100", "9" * 5000),                  # Y08
    ("andel", "Norrbotten", "100", "1" * 131_000),               # L05
    ("fordela", "100,50", "2016", "-r", "largest-remainder"),    # P05
    ("andel", "Norrbotten", "100,50", "2016", "-r", "largest-remainder"),
])
def test_cli_bad_numbers_are_one_line_and_fast(args: tuple[str, ...]) -> None:
    run = run_capped(*args, seconds=SECONDS)
    assert_one_line_error(run)
    assert len(run.error_line()) <= 420  # a huge argument is cut, not echoed whole
    assert run.seconds < SECONDS


def test_template_belopp_tiny_exponent(tmp_path: Path) -> None:  # T09
    template = tmp_path / "t.toml"
    text = (REPO / "templates" / "sjukskrivning-2020-villkor3.toml").read_text(encoding="utf-8")
    template.write_text(text.replace("belopp = 500_000_000", 'belopp = "1e-999999999"', 1), encoding="utf-8")
    run = run_capped("generate", str(template), "-o", str(tmp_path / "x.xlsx"), seconds=SECONDS)
    assert_one_line_error(run, contains="belopp")
    assert not (tmp_path / "x.xlsx").exists()


@pytest.mark.parametrize("value", ["1e-999999999", "1e999999999", "9" * 100_000, "1e-99999", "0e-999999999"])
def test_parse_amount_is_instant(value: str) -> None:
    start = time.perf_counter()
    try:
        result = parse_amount(value)
        assert result == 0  # only zero times a power of ten is an amount here
    except AmountError as exc:
        assert "\n" not in str(exc)
    assert time.perf_counter() - start < 0.1


@pytest.mark.parametrize("value", ["1e99999999", "1e-999999999", "1" * 5000, float("inf"), float("nan"), 1e300,
                                   "²", "1,000", -1, "1,5"])
def test_counts_are_bounded(value: object) -> None:  # P01, I09, I11, I12
    from xl_tools.money import parse_count

    start = time.perf_counter()
    with pytest.raises(XlToolsError):
        parse_count(value)
    assert time.perf_counter() - start < 0.1


@pytest.mark.parametrize(("text", "expected"), [
    ("18 545", 18545), ("18\u00a0545", 18545), ("12,0", 12), ("1.000.000", 1_000_000), ("1,000,000", 1_000_000),
    ("0", 0), (7.0, 7), (" 3 ", 3), ("", None), (None, None),
])
def test_counts_read_the_swedish_way(text: object, expected: int | None) -> None:
    from xl_tools.money import parse_count

    assert parse_count(text) == expected


def test_one_parser_for_amounts_and_counts() -> None:
    """'1,000' is ambiguous for both (decimal comma or thousands?), '1 000' is a thousand for both."""
    from xl_tools.money import parse_count

    with pytest.raises(AmountError, match="ambiguous"):
        parse_amount("1,000")
    with pytest.raises(AmountError, match="ambiguous"):
        parse_count("1,000")
    assert parse_amount("1 000") == parse_count("1 000") == 1000
    assert parse_amount("1,5") == Fraction(3, 2)


@pytest.mark.parametrize("call", [
    lambda: FK_ANDEL("Norrbotten", "1e-999999999", 2016),                        # P02
    lambda: FK_FORDELA("1e-999999999", 2016)[0][0],
    lambda: FK_KONTAKTER(["1e99999999"] + [0] * 20, 50_000_000, 3000, 2016)[0][0],  # P03
    lambda: FK_KONTAKTER([100] * 21, 100.5, 3000, 2016, "largest-remainder")[0][0],  # P05, the contact rule
    lambda: FK_FORDELA(100.5, 2016, "largest-remainder")[0][0],
    lambda: FK_ANDEL("a" * 200_000, 100, 2016),
])
def test_udfs_answer_at_once_with_a_message(call) -> None:
    start = time.perf_counter()
    result = call()
    assert isinstance(result, str) and result.startswith(ERROR_PREFIX) and "\n" not in result
    assert time.perf_counter() - start < 1.0


def test_api_kontakter_bounded() -> None:  # P01
    with pytest.raises(XlToolsError, match="contacts"):
        api.kontakter(["1e99999999"] + [0] * 20, 50_000_000, 3000, 2016)


def test_largest_remainder_never_pays_more_than_the_pot() -> None:
    alloc = api.kontakter([100] * 21, 100, 3000, 2016, "largest-remainder")
    assert alloc.total == 100


def test_verify_refuses_to_check_against_nothing() -> None:
    with pytest.raises(XlToolsError, match="Nothing to check against"):
        verify_workbook(REPO / "workbooks" / "sjukskrivning-2020-villkor3.xlsx", python=False, libreoffice=False)
    run = run_capped("verify", str(REPO / "workbooks" / "sjukskrivning-2020-villkor3.xlsx"), "--no-python",
                     "--no-libreoffice", seconds=SECONDS)
    assert_one_line_error(run, contains="Nothing to check against")
    assert "0 mismatch" not in run.stdout


def test_mismatch_names_who_agrees_and_who_differs() -> None:
    from xl_tools.verify import Mismatch

    m = Mismatch("Kontroll", "G27", "=SUMPRODUCT(--(G6:G26>E6:E26))", {"cached": 1, "formulas": 0, "libreoffice": 1})
    assert m.agreeing() == ["cached", "libreoffice"] and m.differing() == ["formulas"]
    assert str(m) == ("Kontroll!G27 =SUMPRODUCT(--(G6:G26>E6:E26)): the stored values and LibreOffice agree on 1; "
                      "formulas (Python) differs with 0.")
    none_agree = Mismatch("S", "A1", "=1", {"cached": 1, "formulas": 2, "libreoffice": 3})
    assert none_agree.agreeing() == [] and "no two agree" in str(none_agree)
    from xl_tools.verify import VerifyReport

    report = VerifyReport(path=Path("x.xlsx"), mismatches=[m, m, none_agree], checked=["formulas", "libreoffice"])
    assert report.summary() == "Formulas (Python) differ(s) from the others in 2 cell(s); no two agree in 1 cell(s)."


@pytest.mark.spreadsheet
def test_verify_progress_per_engine() -> None:
    messages: list[str] = []
    report = verify_workbook(REPO / "workbooks" / "sjukskrivning-2020-villkor3.xlsx", libreoffice=False,
                             progress=messages.append)
    assert report.checked == ["formulas"]
    assert any("formulas (Python)" in m for m in messages)
    assert not any("LibreOffice" in m for m in messages)


def test_verify_bounds_the_python_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    import xl_tools.verify as verify_module

    monkeypatch.setattr(verify_module, "MAX_PYTHON_CELLS", 10)
    with pytest.raises(XlToolsError, match="Use --no-python"):
        verify_workbook(REPO / "workbooks" / "sjukskrivning-2020-villkor3.xlsx", libreoffice=False)


def test_verify_cli_says_who_differs(tmp_path: Path) -> None:
    """A stored value edited by hand: both engines agree with each other, the stored value is the odd one."""
    import openpyxl

    from xl_tools.safe_open import open_workbook

    source = REPO / "workbooks" / "sjukskrivning-2020-villkor3.xlsx"
    wb = open_workbook(source, data_only=False)
    sheet, cell = next((ws.title, c.coordinate) for ws in wb.worksheets for row in ws.iter_rows() for c in row
                       if isinstance(c.value, str) and c.value.startswith("=SUM("))
    edited = tmp_path / "edited.xlsx"
    import shutil
    import zipfile

    shutil.copy(source, edited)
    values = openpyxl.load_workbook(edited, data_only=True)[sheet][cell].value
    assert isinstance(values, (int, float))
    # Change the stored (cached) value of that formula cell directly in the sheet XML.
    with zipfile.ZipFile(source) as zin:
        names = zin.namelist()
        parts = {n: zin.read(n) for n in names}
    index = [ws.title for ws in wb.worksheets].index(sheet) + 1
    part = f"xl/worksheets/sheet{index}.xml"
    text = parts[part].decode("utf-8")
    start = text.index(f'r="{cell}"')
    v_open = text.index("<v>", start)
    v_close = text.index("</v>", v_open)
    parts[part] = (text[:v_open + 3] + str(values + 7) + text[v_close:]).encode("utf-8")
    with zipfile.ZipFile(edited, "w", zipfile.ZIP_DEFLATED) as zout:
        for n in names:
            zout.writestr(n, parts[n])
    run = run_capped("verify", str(edited), "--no-libreoffice", seconds=120)
    assert run.code == 1, run.stderr
    assert f"{sheet}!{cell}" in run.stdout and "no two agree" in run.stdout  # two sources: who is right?
    assert "check with both engines" in run.stdout
    assert "Recalculating" in run.stderr and "formulas (Python)" in run.stderr
    from xl_tools.libreoffice.recalc import libreoffice_available

    if not libreoffice_available():
        return
    run = run_capped("verify", str(edited), seconds=180)
    assert run.code == 1, run.stderr
    assert (f"{sheet}!{cell} =SUM(" in run.stdout and "formulas (Python) and LibreOffice agree on" in run.stdout
            and "the stored values differs with" in run.stdout), run.stdout
    assert "The stored values differ(s) from the others in 1 cell(s)." in run.stdout
    assert "LibreOffice: 1 cell(s) differ" in run.stderr
