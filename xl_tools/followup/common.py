"""Shared pieces of the follow-up workbooks: atomic writing, input carry-over, charts.

These wrap the agreement generator's machinery (:mod:`xl_tools.workbook`) so the
follow-up kinds write the same way: the one in-memory model
(:class:`~xl_tools.workbook.sheet.Workbook` of :class:`~xl_tools.workbook.sheet.Sheet` s),
rendered by :func:`xl_tools.workbook.render.render`, written to a
temporary file and renamed into place with a ``.bak.xlsx`` backup, refusing when the
file is open elsewhere.

Inputs are located through defined names ``in_<name>`` that each cover one column of
input cells; a row is identified by the text in column A of the same row (a länskod,
an activity id, a rate id ...), so regeneration carries over what users typed even if
rows move.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xl_tools.errors import XlToolsError
from xl_tools.safe_write import check_output, write_atomically
from xl_tools.workbook.render import render
from xl_tools.workbook.sheet import Sheet, Workbook

OK, FEL, SAKNAS = "OK", "FEL", "Saknas"
MKR = 1_000_000

def load_toml(path: Path) -> dict[str, Any]:
    """A follow-up template's data, read and schema-checked by the one template reader."""
    from xl_tools.pipeline import read_template

    return read_template(path).data


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


def write_atomic(book: Workbook, out: Path, *, backup: bool = True) -> Path | None:
    """Render ``book`` to ``out`` via a temporary file; keep the old file as ``.bak.xlsx``.

    Returns the backup's path (or None). Nothing is changed if rendering fails.
    """
    out = check_output(out)
    return write_atomically(out, lambda tmp: render(book, tmp), backup=backup)


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
    import openpyxl
    from openpyxl.utils.cell import range_boundaries

    if not zipfile.is_zipfile(path):
        raise XlToolsError(f"{path} is not an .xlsx workbook (corrupt, encrypted or another format); "
                           "move it away and build again.")
    try:
        wb = openpyxl.load_workbook(path, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds on damaged files
        raise XlToolsError(f"Cannot read the existing workbook {path}: {exc}. Move it away and build again.") \
            from None
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
