"""XL009: formulas beyond Excel's own limits (not analysed)."""

from __future__ import annotations

from collections.abc import Iterator

from xl_tools.audit.evaluate import MAX_FORMULA_LENGTH, MAX_NESTING
from xl_tools.audit.model import Finding, Severity, a1
from xl_tools.audit.rules.base import AuditContext, rule


@rule("XL009", Severity.WARNING, "Formula beyond Excel's limits")
def beyond_limits(ctx: AuditContext) -> Iterator[Finding]:
    """A formula longer than 8 192 characters or nested deeper than 64 levels: Excel cannot
    have written it and will not open it as it is. The auditor does not analyse it (its cost
    would be unbounded) and says so."""
    for sheet in ctx.workbook.sheets:
        for row, col, length in sheet.oversized:
            yield Finding(sheet.name, a1(row, col), "XL009", Severity.WARNING,
                          f"The formula ({length:,} characters) is longer than {MAX_FORMULA_LENGTH:,} characters or "
                          f"nested deeper than {MAX_NESTING} levels, beyond what Excel allows; it was not checked.",
                          "Rebuild the formula from smaller steps in helper cells.")
