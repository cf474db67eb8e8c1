"""XL011: numbers typed into formulas ("magic numbers" such as ``*0.2271``)."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator

from xl_tools.audit.formula import function_calls, numeric_literals
from xl_tools.audit.model import Cell, Finding, Severity
from xl_tools.audit.rules.base import AuditContext, rule
from xl_tools.i18n import _
from xl_tools.money import format_number

ALLOWED = {0.0, 1.0, 100.0, 1000.0}
# Functions whose integer arguments are positions, digits or modes, not amounts.
_POSITIONAL = ("ROUND", "ROUNDUP", "ROUNDDOWN", "MROUND", "VLOOKUP", "HLOOKUP", "INDEX", "MATCH", "OFFSET",
               "CHOOSE", "LEFT", "RIGHT", "MID", "SUBTOTAL", "AGGREGATE", "WEEKDAY", "TEXT", "LARGE", "SMALL",
               "DATE", "TRUNC", "FIXED", "XLOOKUP", "RANK", "PERCENTILE", "QUARTILE", "DATEDIF", "EDATE",
               "EOMONTH", "NETWORKDAYS", "WORKDAY", "FIND", "SEARCH", "REPT", "DEC2HEX", "BASE")
_INT = re.compile(r"^-?\d+$")


def _power_of_ten(value: float) -> bool:
    """10, 100, 1 000 000, 0.001 …: unit conversions (kr → Mkr), not hidden inputs."""
    if value <= 0 or not math.isfinite(value):
        return False
    exponent = round(math.log10(value))
    return abs(exponent) <= 12 and value == 10.0 ** exponent


def magic_numbers(formula: str) -> list[float]:
    """The literals of a formula that deserve a named input cell."""
    literals = Counter(v for v in numeric_literals(formula) if v not in ALLOWED and not _power_of_ten(v))
    if not literals:
        return []
    upper = formula.upper()
    for name in _POSITIONAL:
        if name + "(" not in upper:
            continue
        for args in function_calls(formula, name):
            for arg in args[1:]:
                if _INT.match(arg):
                    literals[float(arg)] -= 1
    return [v for v, n in literals.items() if n > 0]


@rule("XL011", Severity.INFO, "Number typed into a formula")
def magic_number_rule(ctx: AuditContext) -> Iterator[Finding]:
    """A formula containing a number other than 0, 1 or a power of ten (unit conversions
    such as =C6/1000000 for Mkr are allowed; digits of ROUND,
    lookup column numbers and similar positions excepted). Such numbers are invisible
    inputs: put them in a labelled cell. Reported once per distinct copied formula, at
    its first cell, with the number of copies."""
    for sheet in ctx.workbook.sheets:
        groups: dict[str, list[Cell]] = {}
        for cell in sorted(sheet.formula_cells(), key=lambda c: (c.row, c.col)):
            form = ctx.r1c1(sheet, cell) or ""
            groups.setdefault(form, []).append(cell)
        for cells in groups.values():
            first = cells[0]
            numbers = magic_numbers(first.formula or "")
            if not numbers:
                continue
            shown = "; ".join(format_number(n) for n in numbers[:4])
            yield Finding(sheet.name, first.address, "XL011", Severity.INFO,
                          (_("The formula contains the number {numbers} (and {n} copies).") if len(cells) > 1 else
                           _("The formula contains the number {numbers}.")).format(numbers=shown, n=len(cells) - 1),
                          _("Put the number in a labelled input cell and refer to it."))
