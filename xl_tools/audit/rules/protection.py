"""XL006: formula cells left unlocked on a protected sheet."""

from __future__ import annotations

from collections.abc import Iterator

from xl_tools.audit.model import Finding, Severity
from xl_tools.audit.rules.base import AuditContext, rule
from xl_tools.i18n import _


@rule("XL006", Severity.WARNING, "Unlocked formula cell in a protected sheet")
def unlocked_formulas(ctx: AuditContext) -> Iterator[Finding]:
    """On a protected sheet, a formula cell whose format is unlocked can be overwritten by
    anyone, which is what protection was meant to prevent."""
    unlocked = ctx.workbook.unlocked_styles
    for sheet in ctx.workbook.sheets:
        if not sheet.protected:
            continue
        for cell in sheet.cells.values():
            if cell.formula is not None and cell.style in unlocked:
                yield Finding(sheet.name, cell.address, "XL006", Severity.WARNING,
                              _("The formula can be overwritten although the sheet is protected (cell unlocked)."),
                              _("Lock the cell (Format Cells > Protection > Locked) unless it is meant as an input."))
