"""XL007: a doubled minus between two values (``=C14--C15``), almost always a typo."""

from __future__ import annotations

import re
from collections.abc import Iterator

from xl_tools.audit.formula import split_strings
from xl_tools.audit.model import Finding, Severity
from xl_tools.audit.rules.base import AuditContext, rule
from xl_tools.i18n import _

_QUOTED_SHEET = re.compile(r"'(?:[^']|'')*'!")
# a value (reference, number, name, closing bracket or percent) followed by two minus signs
_DOUBLE_MINUS = re.compile(r"[A-Za-z0-9_$.)%]\s*-\s*-")


def has_double_minus(formula: str) -> bool:
    """True for ``A1--B1`` or ``SUM(C14--C15)``; not for ``--(A1>0)`` or ``SUMPRODUCT(--(...))``,
    where the two minus signs turn TRUE/FALSE into 1/0 at the start of an argument."""
    for is_string, text in split_strings(formula):
        if not is_string and _DOUBLE_MINUS.search(_QUOTED_SHEET.sub("S!", text)):
            return True
    return False


@rule("XL007", Severity.WARNING, "Doubled minus between two values")
def double_minus(ctx: AuditContext) -> Iterator[Finding]:
    """A formula that subtracts a negated value, as in =C14--C15: that adds C15. Written on
    purpose it would be =C14+C15; usually one minus is a slip (or a lost reference between
    the two). Two minus signs at the start of an argument (--(A1>0)) are the usual way to
    turn TRUE/FALSE into 1/0 and are not flagged."""
    for sheet in ctx.workbook.sheets:
        for cell in sheet.formula_cells():
            if "-" in (cell.formula or "") and has_double_minus(cell.formula or ""):
                yield Finding(sheet.name, cell.address, "XL007", Severity.WARNING,
                              _("={formula} subtracts a negative value (two minus signs in a row), "
                                "which adds it.").format(formula=cell.formula),
                              _("Write + if adding is meant; otherwise remove one minus or restore the "
                                "missing reference."))
