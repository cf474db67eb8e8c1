"""Check a workbook three ways: its cached values, a Python recalculation, LibreOffice.

The generator stores the engine's value as each formula's cached value. This module
recalculates every formula with the ``formulas`` package (pure Python) and with
LibreOffice Calc headless (:func:`xl_tools.libreoffice.recalc.recalculate`), and
lists every formula cell where the three disagree.

Numbers are equal when they agree to 1e-9 relative (1e-6 absolute): shares and
exact amounts are floats in a spreadsheet; whole-krona amounts must agree exactly.
"""

from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xl_tools.errors import XlToolsError


@dataclass
class Mismatch:
    sheet: str
    cell: str
    formula: str
    cached: Any
    other: Any
    engine: str  # "formulas" or "libreoffice"

    def __str__(self) -> str:
        return f"{self.sheet}!{self.cell} {self.formula}: cached {self.cached!r}, {self.engine} {self.other!r}"


@dataclass
class VerifyReport:
    path: Path
    formula_cells: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches


def same(a: Any, b: Any) -> bool:
    """Spreadsheet equality of two cell values (see module docstring)."""
    if hasattr(b, "item"):
        b = b.item()
    if hasattr(a, "item"):
        a = a.item()
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)
    if a in (None, "") and b in (None, "", 0):
        return True
    return a == b


def formula_cells(path: Path) -> dict[tuple[str, str], tuple[str, Any]]:
    """Every formula cell: (sheet, A1) → (formula, cached value)."""
    import openpyxl

    formulas_wb = openpyxl.load_workbook(path)
    values_wb = openpyxl.load_workbook(path, data_only=True)
    cells: dict[tuple[str, str], tuple[str, Any]] = {}
    for ws in formulas_wb.worksheets:
        values = values_wb[ws.title]
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cells[(ws.title, cell.coordinate)] = (cell.value, values[cell.coordinate].value)
    return cells


def recalc_formulas(path: Path) -> dict[tuple[str, str], Any]:
    """Recalculate with the ``formulas`` package: (SHEET upper-case, A1) → value."""
    os.environ.setdefault("TQDM_DISABLE", "1")  # formulas shows a progress bar otherwise
    import formulas

    model = formulas.ExcelModel().loads(str(path)).finish()
    solution = model.calculate()
    result: dict[tuple[str, str], Any] = {}
    for key, value in solution.items():
        key = str(key)
        if "!" not in key:
            continue
        sheet_part, cell = key.rsplit("!", 1)
        if ":" in cell:
            continue
        sheet = sheet_part.split("]", 1)[-1].strip("'").replace("''", "'")
        inner = value.value[0][0] if hasattr(value, "value") else value
        result[(sheet.upper(), cell.upper())] = _plain(inner)
    return result


def recalc_libreoffice(path: Path) -> dict[tuple[str, str], Any]:
    """Recalculate with LibreOffice headless: (sheet, A1) → value."""
    import openpyxl

    from xl_tools.libreoffice.recalc import recalculate

    with tempfile.TemporaryDirectory() as tmp:
        out = recalculate(path, Path(tmp) / path.name)
        wb = openpyxl.load_workbook(out, data_only=True)
        return {(ws.title, c.coordinate): c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row}


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    text = str(value)
    if text in ("#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!"):
        return text
    if type(value).__name__ == "XlError":
        return text
    return value


def verify_workbook(path: str | Path, *, python: bool = True, libreoffice: bool = True) -> VerifyReport:
    """Compare cached values with a Python and a LibreOffice recalculation."""
    path = Path(path)
    if not path.exists():
        raise XlToolsError(f"No such workbook: {path}")
    cells = formula_cells(path)
    report = VerifyReport(path=path, formula_cells=len(cells))
    if python:
        calc = recalc_formulas(path)
        report.checked.append("formulas")
        for (sheet, cell), (formula, cached) in cells.items():
            other = calc.get((sheet.upper(), cell))
            if not same(cached, other):
                report.mismatches.append(Mismatch(sheet, cell, formula, cached, other, "formulas"))
    if libreoffice:
        lo = recalc_libreoffice(path)
        report.checked.append("libreoffice")
        for (sheet, cell), (formula, cached) in cells.items():
            other = lo.get((sheet, cell))
            if not same(cached, other):
                report.mismatches.append(Mismatch(sheet, cell, formula, cached, other, "libreoffice"))
    return report
