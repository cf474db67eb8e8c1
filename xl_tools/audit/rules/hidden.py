"""XL018: hidden and very hidden sheets, hidden rows or columns holding formulas."""

from __future__ import annotations

from collections.abc import Iterator

from xl_tools.audit.model import Finding, Severity, column_letter
from xl_tools.audit.rules.base import AuditContext, rule
from xl_tools.i18n import _


@rule("XL018", Severity.INFO, "Hidden sheets, rows or columns")
def hidden_content(ctx: AuditContext) -> Iterator[Finding]:
    """Hidden sheets (info) and very hidden sheets (warning: only VBA can show them), and
    hidden rows or columns that hold formulas (info, one finding per row or column)."""
    for sheet in ctx.workbook.sheets:
        if sheet.state == "veryHidden":
            yield Finding(sheet.name, "", "XL018", Severity.WARNING,
                          _("The sheet is very hidden: it cannot be unhidden from Excel's menus."),
                          _("Make it visible (VBA: Visible = xlSheetVisible) and check what it computes."))
        elif sheet.state == "hidden":
            yield Finding(sheet.name, "", "XL018", Severity.INFO, _("The sheet is hidden."),
                          _("Unhide it (right-click a sheet tab > Unhide) and check its contents."))
        if not sheet.hidden_rows and not sheet.hidden_cols:
            continue
        rows: dict[int, str] = {}
        cols: dict[int, str] = {}
        for cell in sorted(sheet.formula_cells(), key=lambda c: (c.row, c.col)):
            if cell.row in sheet.hidden_rows:
                rows.setdefault(cell.row, cell.address)
            if cell.col in sheet.hidden_cols:
                cols.setdefault(cell.col, cell.address)
        for row, address in rows.items():
            yield Finding(sheet.name, address, "XL018", Severity.INFO,
                          _("Row {row} is hidden and holds formulas.").format(row=row),
                          _("Unhide the row and check its formulas."))
        for col, address in cols.items():
            yield Finding(sheet.name, address, "XL018", Severity.INFO,
                          _("Column {column} is hidden and holds formulas.").format(column=column_letter(col)),
                          _("Unhide the column and check its formulas."))
