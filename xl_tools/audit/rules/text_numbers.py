"""XL004: a number stored as text (ignored by SUM, compared as text)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from xl_tools.audit.formula import Ref, references
from xl_tools.audit.model import Finding, Severity, Sheet
from xl_tools.audit.rules.base import AuditContext, rule
from xl_tools.i18n import _

_NUMBER_TEXT = re.compile(
    r"^\s*[-+−]?\d{1,3}(?:[ \u00a0\u202f]?\d{3})*(?:[.,]\d+)?\s*%?\s*$"
    r"|^\s*[-+−]?\d+(?:[.,]\d+)?\s*$"
)


def looks_numeric(text: str) -> bool:
    """``"1 234,5"``, ``"42"``, ``"-7.5"`` are numbers as text; codes with a leading zero
    (``"01"``, länskod) and longer identifiers are not."""
    stripped = text.strip()
    if not stripped or len(stripped) > 20:
        return False
    digits = stripped.lstrip("+-−")
    if len(digits) > 1 and digits[0] == "0" and digits[1].isdigit():
        return False
    return bool(_NUMBER_TEXT.match(stripped))


def _code_columns(sheet: Sheet) -> set[tuple[int, int]]:
    """Digit-only texts that belong to a column of codes: a run of such texts down a column
    in which one has a leading zero ("01", "03", …, "10", "12": länskod) is text by design."""
    digit_text = {key for key, c in sheet.cells.items()
                  if c.formula is None and c.kind == "s" and isinstance(c.value, str) and c.value.strip().isdigit()}
    codes: set[tuple[int, int]] = set()
    for row, col in sorted(digit_text, key=lambda k: (k[1], k[0])):
        if (row - 1, col) in digit_text:
            continue  # not the start of a run
        run = []
        r = row
        while (r, col) in digit_text:
            run.append((r, col))
            r += 1
        if any(len(v := str(sheet.cells[k].value).strip()) > 1 and v[0] == "0" for k in run):
            codes.update(run)
    return codes


@rule("XL004", Severity.WARNING, "Number stored as text")
def number_as_text(ctx: AuditContext) -> Iterator[Finding]:
    """A typed text that reads as a number. SUM and other functions skip it, so a total
    silently leaves it out: a warning when a formula's range covers it, else info.
    Codes with a leading zero (länskod "01") and the column of codes they stand in are not
    flagged."""
    for sheet in ctx.workbook.sheets:
        suspects = [c for c in sheet.cells.values()
                    if c.formula is None and c.kind == "s" and isinstance(c.value, str) and looks_numeric(c.value)]
        if not suspects:
            continue
        ranges: list[Ref] = [r for c in sheet.cells.values() if c.formula
                             for r in references(c.formula) if r.sheet is None and not r.is_cell]
        codes = _code_columns(sheet)
        for cell in suspects:
            if (cell.row, cell.col) in codes:
                continue
            used = any(r.contains(cell.row, cell.col) for r in ranges)
            severity = Severity.WARNING if used else Severity.INFO
            note = " " + _("A formula's range covers it, so the total leaves it out.") if used else ""
            yield Finding(sheet.name, cell.address, "XL004", severity,
                          _("{text} is text that looks like a number.").format(text=repr(cell.value)) + note,
                          _("Convert it to a number (Data > Text to Columns, or retype it)."))
