"""An .ods is audited through a temporary .xlsx made by headless LibreOffice, under its own
sheet and cell names, and nothing is left behind."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from conftest import column

from xl_tools.audit import audit_workbook
from xl_tools.libreoffice.recalc import libreoffice_available, run_soffice

pytestmark = pytest.mark.skipif(not libreoffice_available(), reason="LibreOffice (soffice) is not installed")


def _to_ods(xlsx: Path, tmp_path: Path) -> Path:
    outdir = tmp_path / "ods"
    outdir.mkdir()
    run_soffice(["--calc", "--convert-to", "ods", "--outdir", str(outdir), str(xlsx)], tmp_path / "profile",
                timeout=120)
    return outdir / (xlsx.stem + ".ods")


@pytest.mark.spreadsheet
def test_ods_is_audited_under_its_own_names(book, tmp_path):
    sheet = column("A", 1, [1, 2, 3, 4, 5, 6]) | {"A7": ("=SUM(A1:A5)", 15), "B1": "Summa"}
    ods = _to_ods(book({"Utfall per region": sheet}), tmp_path)
    before = {p.name for p in Path(tempfile.gettempdir()).glob("xl_tools_ods_*")}
    report = audit_workbook(ods)
    assert report.file == str(ods)
    assert ("Utfall per region", "A7", "XL003") in {(f.sheet, f.cell, f.rule) for f in report.findings}
    assert any("OpenDocument" in note for note in report.notes)
    assert {p.name for p in Path(tempfile.gettempdir()).glob("xl_tools_ods_*")} == before


@pytest.mark.spreadsheet
def test_ods_renamed_to_xlsx_is_still_read_as_ods(book, tmp_path):
    ods = _to_ods(book({"S": column("A", 1, [1, 2, 3])}), tmp_path)
    renamed = ods.with_suffix(".xlsx")
    ods.rename(renamed)
    assert audit_workbook(renamed).sheet_order == ["S"]
