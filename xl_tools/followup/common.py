"""Shared pieces of the follow-up workbooks: atomic writing, input carry-over, charts.

These wrap the agreement generator's machinery (:mod:`xl_tools.workbook`) so the
follow-up kinds write the same way: the in-memory :class:`~xl_tools.workbook.sheet.Sheet`
model, rendered by :func:`xl_tools.workbook.render.render`'s sheet writer, written to a
temporary file and renamed into place with a ``.bak-YYYYMMDD-HHMMSS.xlsx`` backup, refusing when the
file is open elsewhere.

Inputs are located through defined names ``in_<name>`` that each cover one column of
input cells; a row is identified by the text in column A of the same row (a länskod,
an activity id, a rate id ...), so regeneration carries over what users typed even if
rows move.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xlsxwriter

from xl_tools import __version__
from xl_tools.errors import XlToolsError
from xl_tools.safe_write import check_output, write_atomically
from xl_tools.workbook.render import STYLES, _render_sheet
from xl_tools.workbook.sheet import Sheet, quote

OK, FEL, SAKNAS = "OK", "FEL", "Saknas"
MKR = 1_000_000

# Styles the follow-up workbooks add to render.STYLES (percent with one decimal, Mkr input).
EXTRA_STYLES: dict[str, dict[str, Any]] = {
    "pct": {"num_format": "0.0%"},
    "pct_total": {"num_format": "0.0%", "bold": True, "top": 1, "bg_color": "#F2F2F2"},
    "pct_change": {"num_format": "+0.0%;-0.0%;0.0%"},
    "int_change": {"num_format": "+#,##0;-#,##0;0"},
    "mkr_sub": {"num_format": "0.000", "italic": True},
    "text_sub": {"italic": True, "indent": 1},
    "header_group": {"bold": True, "bg_color": "#BDD7EE", "border": 1, "align": "center"},
}


@dataclass
class Meta:
    """What :func:`render_book` needs to know about the template (title and id)."""

    id: str
    titel: str
    subject: str


@dataclass
class ChartSpec:
    """A chart with its own category and value ranges (the agreement charts assume region rows)."""

    sheet: str
    title: str
    categories: tuple[int, int, int]  # col, first row, last row (0-based)
    values: tuple[int, int, int]
    anchor: tuple[int, int]
    kind: str = "bar"
    num_format: str = "#,##0"
    axis_name: str = ""


@dataclass
class Book:
    """A laid-out follow-up workbook."""

    meta: Meta
    sheets: list[Sheet]
    names: dict[str, str]
    status: str
    charts: list[ChartSpec] = field(default_factory=list)

    def sheet(self, name: str) -> Sheet:
        return next(s for s in self.sheets if s.name == name)


def load_toml(path: Path) -> dict[str, Any]:
    """Read a template file, turning any problem into one readable line."""
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise XlToolsError(f"{path}: cannot read the template: {exc}") from None


def render_book(book: Book, path: Path) -> None:
    """Write ``book`` with XlsxWriter (same formats and sheet setup as the agreement workbooks)."""
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                          "default_date_format": "yyyy-mm-dd"})
    wb.set_properties({
        "title": book.meta.titel,
        "subject": book.meta.subject,
        "author": "xl_tools",
        "comments": f"Genererad av xl_tools {__version__} från mallen {book.meta.id}",
        "created": dt.datetime(2000, 1, 1),
    })
    wb.set_calc_mode("auto")
    formats = {key: wb.add_format({"font_name": "Calibri", "font_size": 10, **props})
               for key, props in {**STYLES, **EXTRA_STYLES}.items()}
    for sheet in book.sheets:
        _render_sheet(wb, sheet, formats)
    for spec in book.charts:
        _chart(wb, spec)
    for name, ref in sorted(book.names.items()):
        wb.define_name(name, ref)
    wb.close()


def _chart(wb: xlsxwriter.Workbook, spec: ChartSpec) -> None:
    ws = wb.get_worksheet_by_name(spec.sheet)
    chart = wb.add_chart({"type": spec.kind})
    name = quote(spec.sheet)

    def rng(col: int, first: int, last: int) -> str:
        return f"={name}!${col_letter(col)}${first + 1}:${col_letter(col)}${last + 1}"

    chart.add_series({"name": spec.title, "categories": rng(*spec.categories), "values": rng(*spec.values),
                      "data_labels": {"value": True, "num_format": spec.num_format}})
    chart.set_title({"name": spec.title, "name_font": {"size": 11}})
    axis = {"num_format": spec.num_format}
    if spec.axis_name:
        axis["name"] = spec.axis_name
    (chart.set_x_axis if spec.kind == "bar" else chart.set_y_axis)(axis)
    if spec.kind == "bar":
        chart.set_y_axis({"reverse": True})
    chart.set_legend({"none": True})
    chart.set_size({"width": 720, "height": 380})
    ws.insert_chart(spec.anchor[0], spec.anchor[1], chart)


def col_letter(col: int) -> str:
    """0 → ``A``, 27 → ``AB`` (zero-based, as the sheet model counts)."""
    from xlsxwriter.utility import xl_col_to_name

    return xl_col_to_name(col)


def put_facts(sheet: Sheet, title: str, facts: list[tuple[str, str]]) -> None:
    """An Info sheet's head: the title in A1, then one bold label and its text a row from row 3
    (Mall, Källa, Genererad, …)."""
    sheet.put(0, 0, title, "title")
    for i, (label, text) in enumerate(facts):
        sheet.put(2 + i, 0, label, "text_bold")
        sheet.put(2 + i, 1, text, "text")


def put_help(sheet: Sheet, first_row: int, lines: list[str]) -> None:
    """The "Så används arbetsboken" lines: the first bold, the rest plain, one a row."""
    for i, text in enumerate(lines):
        sheet.put(first_row + i, 0, text, "text_bold" if i == 0 else "text")


def write_atomic(book: Book, out: Path, *, backup: bool = True) -> Path | None:
    """Render ``book`` to ``out`` via a temporary file; keep the old file as a backup.

    Returns the backup's path (or None). Nothing is changed if rendering fails.
    """
    out = check_output(out)
    return write_atomically(out, lambda tmp: render_book(book, tmp), backup=backup)


@dataclass
class NamedInputs:
    """Input cells read back from a workbook: ``values[name][row key] = cell value``."""

    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    unplaced: list[str] = field(default_factory=list)
    carried: int = 0

    def get(self, name: str, key: str, default: Any = None) -> Any:
        return self.values.get(name, {}).get(key, default)


def read_named_inputs(path: Path, key_of: Callable[[Any], str | None] = lambda v: None if v is None else str(v)
                      ) -> NamedInputs:
    """Read every ``in_*`` named column of an existing workbook, keyed by column A of each row.

    ``key_of`` turns the column-A text into a row key (None: not an input row).
    """
    from openpyxl.utils.cell import range_boundaries

    from xl_tools.safe_open import open_workbook

    wb = open_workbook(path, data_only=True, what="the existing workbook", hint="Move it away and build again.")
    result = NamedInputs()
    for name, dn in sorted(wb.defined_names.items()):
        if not name.startswith("in_"):
            continue
        destinations = list(dn.destinations)
        if len(destinations) != 1 or destinations[0][0] not in wb.sheetnames:
            result.unplaced.append(f"{name}: its range is not one block of cells on an existing sheet")
            continue
        sheet_name, ref = destinations[0]
        ws = wb[sheet_name]
        min_col, min_row, _max_col, max_row = range_boundaries(ref.replace("$", ""))
        column = result.values.setdefault(name, {})
        for row in range(min_row, max_row + 1):
            key = key_of(ws.cell(row=row, column=1).value)
            value = ws.cell(row=row, column=min_col).value
            if key is None:
                if value not in (None, ""):
                    result.unplaced.append(f"{sheet_name}!{ws.cell(row=row, column=min_col).coordinate}: "
                                           "the row has no key in column A")
                continue
            column[key] = value
            result.carried += 1
    wb.close()
    return result


def status_text(errors: int, missing: int) -> str:
    """The workbook's overall status word."""
    if errors:
        return FEL
    return SAKNAS if missing else OK
