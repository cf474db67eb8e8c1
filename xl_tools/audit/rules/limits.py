"""XL009: formulas beyond Excel's own limits (not analysed)."""

from __future__ import annotations

from collections.abc import Iterator

from xl_tools.audit.evaluate import MAX_FORMULA_LENGTH, MAX_NESTING
from xl_tools.audit.model import Finding, Severity, a1
from xl_tools.audit.rules.base import AuditContext, rule
from xl_tools.i18n import _
from xl_tools.money import format_number


@rule("XL009", Severity.WARNING, "Formula beyond Excel's limits")
def beyond_limits(ctx: AuditContext) -> Iterator[Finding]:
    """A formula longer than 8 192 characters or nested deeper than 64 levels: Excel cannot
    have written it and will not open it as it is. The auditor does not analyse it (its cost
    would be unbounded) and says so."""
    for sheet in ctx.workbook.sheets:
        for row, col, length in sheet.oversized:
            yield Finding(sheet.name, a1(row, col), "XL009", Severity.WARNING,
                          _("The formula ({length} characters) is longer than {limit} characters or nested deeper "
                            "than {levels} levels, beyond what Excel allows; it was not checked.").format(
                              length=format_number(length), limit=format_number(MAX_FORMULA_LENGTH),
                              levels=MAX_NESTING),
                          _("Rebuild the formula from smaller steps in helper cells."))
