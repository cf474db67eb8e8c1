"""Helpers shared by the workbook generator tests (imported by name, unlike conftest)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl

from xl_tools.agreement import TEMPLATE_DIR

AGREEMENT_2017 = TEMPLATE_DIR / "sjukskrivning-2017-2018.toml"
FIXED_TIME = dt.datetime(2026, 1, 1, 12, 0)


def values(path: Path, sheet: str) -> openpyxl.worksheet.worksheet.Worksheet:
    """The cached values of one sheet."""
    return openpyxl.load_workbook(path, data_only=True)[sheet]


def find_row(ws, label: str, col: int = 1) -> int:
    for row in ws.iter_rows(min_col=col, max_col=col):
        cell = row[0]
        if cell.value == label:
            return cell.row
    raise AssertionError(f"{label!r} not found in column {col} of {ws.title}")


def header_col(ws, header: str, *, row: int = 5, nth: int = 0) -> int:
    hits = [c.column for c in ws[row] if c.value == header]
    assert len(hits) > nth, f"header {header!r} not found (found {len(hits)}) on {ws.title}"
    return hits[nth]


def type_inputs(path: Path, typed: dict[str, dict[str, object]]) -> None:
    """Type values into a workbook's input cells as a user would: {input name: {länskod: value}}."""
    from openpyxl.utils.cell import range_boundaries

    wb = openpyxl.load_workbook(path)
    for name, by_code in typed.items():
        (sheet, ref), = wb.defined_names[name].destinations
        ws = wb[sheet]
        min_col, min_row, _, max_row = range_boundaries(ref.replace("$", ""))
        rows = {ws.cell(r, 1).value: r for r in range(min_row, max_row + 1)}
        for code, value in by_code.items():
            ws.cell(rows[code], min_col).value = value
    wb.save(path)


def input_values(path: Path, name: str) -> dict[str, object]:
    from openpyxl.utils.cell import range_boundaries

    wb = openpyxl.load_workbook(path, data_only=True)
    (sheet, ref), = wb.defined_names[name].destinations
    ws = wb[sheet]
    min_col, min_row, _, max_row = range_boundaries(ref.replace("$", ""))
    return {ws.cell(r, 1).value: ws.cell(r, min_col).value for r in range(min_row, max_row + 1)}
