"""XL014 stale cached values and XL015 manual calculation."""

from __future__ import annotations

import math
from collections.abc import Iterator

from xl_tools.audit.evaluate import Evaluator
from xl_tools.audit.model import Finding, Severity
from xl_tools.audit.rules.base import AuditContext, rule
from xl_tools.i18n import _
from xl_tools.money import format_number


def _differs(cached: float, computed: float) -> bool:
    return not math.isclose(cached, computed, rel_tol=1e-9, abs_tol=1e-9)


@rule("XL014", Severity.WARNING, "Stale cached value")
def stale_values(ctx: AuditContext) -> Iterator[Finding]:
    """The value saved with a formula differs from what the formula gives on the saved
    values of its inputs: the workbook was not recalculated before saving (or a tool wrote
    values). Checked with a small evaluator for simple formulas (SUM, MIN, MAX, ROUND, IF,
    ABS, arithmetic, references); other formulas are skipped, never guessed."""
    evaluator = Evaluator(ctx.workbook)
    for sheet in ctx.workbook.sheets:
        for cell in sheet.cells.values():
            if cell.formula is None or cell.kind != "n" or not isinstance(cell.value, float):
                continue
            computed = evaluator.value(ctx.r1c1(sheet, cell) or "", sheet.name, cell.row, cell.col)
            if not isinstance(computed, float):
                continue  # cannot tell, or an error value (XL001 looks at errors)
            if _differs(cell.value, computed):
                yield Finding(sheet.name, cell.address, "XL014", Severity.WARNING,
                              _("The saved value {value} differs from a recalculation ({computed}).").format(
                                  value=format_number(cell.value), computed=format_number(computed)),
                              _("Recalculate (F9 / Ctrl+Alt+F9) and save before using the figures."))


@rule("XL015", Severity.WARNING, "Workbook saved with manual calculation")
def manual_calculation(ctx: AuditContext) -> Iterator[Finding]:
    """Calculation mode is manual: formulas do not update when inputs change, so saved
    values can be stale."""
    if ctx.workbook.calc_mode == "manual":
        yield Finding("", "", "XL015", Severity.WARNING,
                      _("The workbook is set to manual calculation; values may be out of date."),
                      _("Set Formulas > Calculation Options > Automatic, recalculate and save."))
