"""The one in-memory workbook model: sheets of cells with a formula and the engine's value.

Every template kind lays out a :class:`Workbook` of :class:`Sheet` s;
:mod:`xl_tools.workbook.render` writes it with XlsxWriter. Every formula cell carries
the value the engine computed for it, so the file shows the right numbers even in viewers that do not recalculate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from xlsxwriter.utility import xl_rowcol_to_cell

MISSING = "Befolkning saknas"


@dataclass
class Cell:
    value: Any = None
    formula: str | None = None
    style: str = "text"
    is_input: bool = False


@dataclass
class Chart:
    title: str
    categories: tuple[int, int, int]  # col, first row, last row
    series: list[tuple[str, int]]  # (name, col)
    anchor: tuple[int, int]


@dataclass
class Sheet:
    name: str
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    widths: dict[int, float] = field(default_factory=dict)
    heights: dict[int, float] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int, Any, str]] = field(default_factory=list)
    validations: list[tuple[int, int, int, int, dict[str, Any]]] = field(default_factory=list)
    freeze: tuple[int, int] | None = None
    charts: list[Chart] = field(default_factory=list)
    protect: bool = True
    tab_color: str | None = None
    hidden_cols: set[int] = field(default_factory=set)  # helper columns kept out of view and print
    row_groups: list[tuple[int, int]] = field(default_factory=list)  # rows printed on one page

    def put(self, row: int, col: int, value: Any, style: str = "text") -> None:
        self.cells[(row, col)] = Cell(value=value, style=style)

    def header_row(self, row: int, headers: list[str], first_col: int = 0) -> None:
        """Column headings left to right from (row, first_col)."""
        for i, text in enumerate(headers):
            self.put(row, first_col + i, text, "header")

    def formula(self, row: int, col: int, formula: str, value: Any, style: str) -> None:
        if not formula.startswith("="):
            formula = "=" + formula
        self.cells[(row, col)] = Cell(value=value, formula=formula, style=style)

    def input(self, row: int, col: int, value: Any, style: str) -> None:
        self.cells[(row, col)] = Cell(value=value, style=style, is_input=True)

    def ref(self, row: int, col: int, *, abs_row: bool = False, abs_col: bool = False,
            external: bool = False) -> str:
        cell = xl_rowcol_to_cell(row, col, row_abs=abs_row, col_abs=abs_col)
        return f"{quote(self.name)}!{cell}" if external else cell

    def rng(self, first: int, last: int, col: int, *, external: bool = False, absolute: bool = True) -> str:
        a = xl_rowcol_to_cell(first, col, row_abs=absolute, col_abs=absolute)
        b = xl_rowcol_to_cell(last, col, row_abs=absolute, col_abs=absolute)
        return f"{quote(self.name)}!{a}:{b}" if external else f"{a}:{b}"


def plain_number(value: Fraction | int | float) -> int | float:
    """A Fraction as an int when whole, else a float (for the file's cached value)."""
    if isinstance(value, float):
        return value
    value = Fraction(value)
    return int(value) if value.denominator == 1 else float(value)



def quote(sheet_name: str) -> str:
    """Sheet name as it must appear in a formula."""
    if sheet_name.replace("_", "").isalnum() and not sheet_name[0].isdigit():
        return sheet_name
    return "'" + sheet_name.replace("'", "''") + "'"



@dataclass
class ChartSpec:
    """A chart with its own category and value ranges (a sheet's :class:`Chart` assumes region rows)."""

    sheet: str
    title: str
    categories: tuple[int, int, int]  # col, first row, last row (0-based)
    values: tuple[int, int, int]
    anchor: tuple[int, int]
    kind: str = "bar"
    num_format: str = "#,##0"
    axis_name: str = ""


@dataclass
class Workbook:
    """A laid-out workbook of any template kind, ready for :func:`xl_tools.workbook.render.render`."""

    template_id: str
    title: str
    subject: str
    sheets: list[Sheet]
    names: dict[str, str]
    status: str
    charts: list[ChartSpec] = field(default_factory=list)
    blocks: list[Any] = field(default_factory=list)  # the agreement kind's BlockResults
    failed: list[str] = field(default_factory=list)  # the labels of the checks that are FEL
    waiting: int = 0  # checks that wait for data (SAKNAS)

    def sheet(self, name: str) -> Sheet:
        return next(s for s in self.sheets if s.name == name)
