"""Shared fixtures: small workbooks written with XlsxWriter (with cached values)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import xlsxwriter

from xl_tools.audit import run_rules
from xl_tools.audit.reader import read_workbook
from xl_tools.audit.settings import DEFAULT

LOUD = DEFAULT.changed(quiet=frozenset())

# A sheet is {address: value}; a value "=..." is a formula, (formula, cached) gives its cached value.
SheetSpec = dict[str, object]


def write_book(path: Path, sheets: dict[str, SheetSpec], **options) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    for name, cells in sheets.items():
        ws = wb.add_worksheet(name)
        for address, value in cells.items():
            if isinstance(value, tuple):
                ws.write_formula(address, value[0], None, value[1])
            elif isinstance(value, str) and value.startswith("="):
                ws.write_formula(address, value)
            elif isinstance(value, str):
                ws.write_string(address, value)
            else:
                ws.write(address, value)
        if name in options.get("hidden", ()):
            ws.hide()
        if name in options.get("very_hidden", ()):
            ws.very_hidden()
        if name in options.get("protect", ()):
            unlocked = wb.add_format({"locked": False})
            ws.protect()
            for address in options.get("unlocked", ()):
                value = cells[address]
                formula, cached = value if isinstance(value, tuple) else (value, 0)
                ws.write_formula(address, formula, unlocked, cached)
        for row in options.get("hidden_rows", {}).get(name, ()):
            ws.set_row(row - 1, None, None, {"hidden": True})
    if options.get("manual"):
        wb.set_calc_mode("manual")
    wb.close()
    return path


@pytest.fixture
def book(tmp_path: Path) -> Callable[..., Path]:
    counter = iter(range(1000))

    def make(sheets: dict[str, SheetSpec], **options) -> Path:
        return write_book(tmp_path / f"book{next(counter)}.xlsx", sheets, **options)

    return make


@pytest.fixture
def findings(book) -> Callable[..., list]:
    """Build a workbook and return the findings of the given rule ids (each rule at its own
    severity: the cross-validated quiet list is tested apart)."""

    def run(rule_ids: str | list[str], sheets: dict[str, SheetSpec], **options) -> list:
        ids = [rule_ids] if isinstance(rule_ids, str) else rule_ids
        return run_rules(read_workbook(book(sheets, **options)), only=ids, settings=LOUD)

    return run


def column(col: str, start: int, values: list[object]) -> SheetSpec:
    """Cells ``col{start}``, ``col{start+1}``, … with the given values."""
    return {f"{col}{start + i}": v for i, v in enumerate(values)}
