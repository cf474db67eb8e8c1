"""XL001: a cell whose value is an Excel error (#REF!, #DIV/0!, #NAME?, #N/A, #VALUE!, …)."""

from __future__ import annotations

from collections.abc import Iterator

from xl_tools.audit.model import Finding, Severity
from xl_tools.audit.rules.base import AuditContext, rule

_EXPLAIN = {
    "#REF!": "refers to a cell that was deleted",
    "#DIV/0!": "divides by zero or by an empty cell",
    "#NAME?": "uses a name or function Excel does not know",
    "#N/A": "a lookup found no match",
    "#VALUE!": "calculates with text or a wrong type",
    "#NUM!": "gives an impossible number",
    "#NULL!": "uses two ranges that do not intersect",
}


@rule("XL001", Severity.ERROR, "Formula evaluates to an error")
def error_values(ctx: AuditContext) -> Iterator[Finding]:
    """Error value in a cell. A formula showing #REF! or #DIV/0! spreads the error to every
    cell that uses it; a typed error text is reported too."""
    for sheet in ctx.workbook.sheets:
        for cell in sheet.cells.values():
            if cell.kind != "e":
                continue
            what = _EXPLAIN.get(str(cell.value), "gives an error")
            kind = "formula" if cell.formula is not None else "cell"
            yield Finding(sheet.name, cell.address, "XL001", Severity.ERROR,
                          f"The {kind} shows {cell.value}: it {what}.",
                          "Fix the reference or wrap the calculation in IFERROR only if an error is expected.")
