"""Shared pieces of the follow-up workbooks: atomic writing, input carry-over, charts.

These wrap the agreement generator's machinery (:mod:`xl_tools.workbook`) so the
follow-up kinds write the same way: the one in-memory model
(:class:`~xl_tools.workbook.sheet.Workbook` of :class:`~xl_tools.workbook.sheet.Sheet` s),
rendered by :func:`xl_tools.workbook.render.render`, written to a
temporary file and renamed into place with a ``.bak-YYYYMMDD-HHMMSS.xlsx`` backup, refusing when the
file is open elsewhere.

Inputs are located through defined names ``in_<name>`` that each cover one column of
input cells; a row is identified by the text in column A of the same row (a länskod,
an activity id, a rate id ...), so regeneration carries over what users typed even if
rows move.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from xl_tools.safe_write import check_output, write_atomically
from xl_tools.workbook.inputs import NamedInputs, read_named_inputs
from xl_tools.workbook.render import render
from xl_tools.workbook.sheet import Sheet, Workbook

__all__ = ["NamedInputs", "read_named_inputs"]

OK, FEL, SAKNAS = "OK", "FEL", "Saknas"
MKR = 1_000_000

def load_toml(path: Path) -> dict[str, Any]:
    """A follow-up template's data, read and schema-checked by the one template reader."""
    from xl_tools.pipeline import read_template

    return read_template(path).data


def col_letter(col: int) -> str:
    """0 → ``A``, 27 → ``AB`` (zero-based, as the sheet model counts)."""
    from xlsxwriter.utility import xl_col_to_name

    name: str = xl_col_to_name(col)  # (xlsxwriter has no type hints)
    return name


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
    """Render ``book`` to ``out`` via a temporary file; keep the old file as a backup.

    Returns the backup's path (or None). Nothing is changed if rendering fails.
    """
    out = check_output(out)
    return write_atomically(out, lambda tmp: render(book, tmp), backup=backup)


def status_text(errors: int, missing: int) -> str:
    """The workbook's overall status word."""
    if errors:
        return FEL
    return SAKNAS if missing else OK
