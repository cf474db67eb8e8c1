"""The reader and the rules on workbooks that a real spreadsheet made (tests/fixtures/xlsx/README.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from xl_tools.audit import audit_workbook
from xl_tools.audit.reader import read_workbook
from xl_tools.libreoffice.recalc import libreoffice_available, recalculate

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "xlsx"


def _formulas(path: Path) -> dict[str, tuple[str | None, object]]:
    sheet = read_workbook(path).sheets[0]
    return {c.address: (c.formula, c.value) for c in sheet.cells.values()}


def test_libreoffice_file_structure() -> None:
    wb = read_workbook(FIXTURES / "lo_features.xlsx")
    assert [(s.name, s.state) for s in wb.sheets] == [("Fördelning", "visible"), ("Dold", "hidden")]
    sheet = wb.sheets[0]
    assert sheet.hidden_rows == {4}
    assert sheet.hidden_cols == {5}
    assert wb.defined_names == {"Pott": "Fördelning!$F$1"}
    assert len(wb.external_links) == 1 and wb.external_links[0].endswith("xl_tools_fixture_linked.ods")


def test_libreoffice_file_formulas_and_cached_values() -> None:
    cells = _formulas(FIXTURES / "lo_features.xlsx")
    assert cells["C2"][0] == "B2/$B$7"
    assert cells["D2"] == ("ROUND(Pott*C2,0)", 609446.0)  # Calc's ';' is stored as Excel's ','
    assert cells["F3"][0] == "SUM(B2:B6*C2:C6)" and cells["F3"][1] == pytest.approx(1525184.57165395)
    assert cells["F5"] == ("[1]Blad1!A1", 42.0)
    assert cells["D7"] == ("SUM(D2:D6)", 1000000.0)
    assert cells["A5"] == (None, "Östergötland")


def test_excel_shared_formulas_and_inline_strings() -> None:
    wb = read_workbook(FIXTURES / "excel_shared.xlsx")
    assert wb.calc_mode == "manual"
    cells = _formulas(FIXTURES / "excel_shared.xlsx")
    assert cells["B1"] == (None, "Belopp")  # two rich-text runs of an inline string
    assert cells["A4"] == (None, "Gotland")
    assert [cells[f"C{r}"][0] for r in range(2, 6)] == ["B2*2+$B$2", "B3*2+$B$2", "B4*2+$B$2", "B5*2+$B$2"]
    assert cells["E2"] == ("C2+D2", 70.0)


def _rules(path: Path) -> set[tuple[str, str, str]]:
    return {(f.sheet, f.cell, f.rule) for f in audit_workbook(path).findings}


def test_auditor_on_libreoffice_file() -> None:
    found = _rules(FIXTURES / "lo_features.xlsx")
    assert ("", "", "XL017") in found and ("Fördelning", "F5", "XL017") in found
    assert ("Dold", "", "XL018") in found
    assert any(rule == "XL018" and sheet == "Fördelning" for sheet, _, rule in found)


def test_auditor_on_excel_file() -> None:
    assert ("", "", "XL015") in _rules(FIXTURES / "excel_shared.xlsx")


@pytest.mark.spreadsheet
@pytest.mark.skipif(not libreoffice_available(), reason="LibreOffice is not installed")
def test_excel_shared_read_by_libreoffice(tmp_path: Path) -> None:
    """LibreOffice expands the shared formulas and computes the values exactly as the reader reads them."""
    ours = _formulas(FIXTURES / "excel_shared.xlsx")
    theirs = _formulas(recalculate(FIXTURES / "excel_shared.xlsx", tmp_path / "by_libreoffice.xlsx"))
    assert {a: f for a, (f, _) in theirs.items() if f} == {a: f for a, (f, _) in ours.items() if f}
    assert {a: v for a, (_, v) in theirs.items()} == {a: v for a, (_, v) in ours.items()}
