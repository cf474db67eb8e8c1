"""XL016: lookups that use approximate match."""

from __future__ import annotations

from collections.abc import Iterator

from xl_tools.audit.formula import function_calls, functions
from xl_tools.audit.model import Finding, Severity
from xl_tools.audit.rules.base import AuditContext, rule
from xl_tools.i18n import _, excel_function

_TRUE = {"TRUE", "1"}


def approximate_lookups(formula: str) -> list[str]:
    """Names of the lookup calls in ``formula`` that match approximately."""
    names = set(functions(formula))
    found: list[str] = []
    for name in ("VLOOKUP", "HLOOKUP"):
        if name in names:
            for args in function_calls(formula, name):
                if len(args) == 3 or (len(args) >= 4 and args[3].upper() in _TRUE):
                    found.append(name)
    if "MATCH" in names:
        for args in function_calls(formula, "MATCH"):
            if len(args) == 2 or (len(args) >= 3 and args[2].strip() in ("1", "-1", "")):
                found.append("MATCH")
    if "XLOOKUP" in names:
        for args in function_calls(formula, "XLOOKUP"):
            if len(args) >= 5 and args[4].strip() in ("1", "-1"):
                found.append("XLOOKUP")
    if "LOOKUP" in names:
        found.append("LOOKUP")
    return found


@rule("XL016", Severity.WARNING, "Approximate-match lookup")
def approximate_lookup(ctx: AuditContext) -> Iterator[Finding]:
    """VLOOKUP/HLOOKUP without FALSE as 4th argument, MATCH without 0, LOOKUP, XLOOKUP with
    match mode ±1: on an unsorted table, or a key that is absent, they silently return a
    neighbouring row instead of #N/A."""
    for sheet in ctx.workbook.sheets:
        for cell in sheet.cells.values():
            if cell.formula is None or "LOOKUP" not in cell.formula.upper() and "MATCH" not in cell.formula.upper():
                continue
            found = approximate_lookups(cell.formula)
            if found:
                yield Finding(sheet.name, cell.address, "XL016", Severity.WARNING,
                              _("{function} uses approximate match: a missing key returns a neighbouring row.").format(
                                  function=excel_function(found[0])),
                              _("Add FALSE (VLOOKUP/HLOOKUP) or 0 (MATCH) as the last argument for an exact match."))
