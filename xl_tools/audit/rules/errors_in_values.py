"""XL001: a cell whose value is an Excel error (#REF!, #DIV/0!, #NAME?, #N/A, #VALUE!, …)."""

from __future__ import annotations

from collections.abc import Iterator

from xl_tools.audit.formula import references
from xl_tools.audit.graph import References, dependents_by_level
from xl_tools.audit.model import Cell, Finding, Severity, Sheet
from xl_tools.audit.rules.base import AuditContext, rule
from xl_tools.i18n import N_, _, ngettext

_EXPLAIN = {
    "#REF!": N_("refers to a cell that was deleted"),
    "#DIV/0!": N_("divides by zero or by an empty cell"),
    "#NAME?": N_("uses a name or function Excel does not know"),
    "#N/A": N_("a lookup found no match"),
    "#VALUE!": N_("calculates with text or a wrong type"),
    "#NUM!": N_("gives an impossible number"),
    "#NULL!": N_("uses two ranges that do not intersect"),
}
_OTHER_ERROR = N_("gives an error")


def _inherits(ctx: AuditContext, sheet: Sheet, cell: Cell, errors: dict[str, set[tuple[int, int]]]) -> bool:
    """True when the formula reads a cell that shows an error itself: the error comes from there."""
    for ref in references(cell.formula or ""):
        if ref.external:
            continue
        target = sheet if ref.sheet is None else ctx.workbook.sheet(ref.sheet)
        marked = errors.get(target.name, set()) if target is not None else set()
        if not marked:
            continue
        if ref.size <= len(marked):
            if any((r, c) in marked for r in range(ref.row1, ref.row2 + 1) for c in range(ref.col1, ref.col2 + 1)):
                return True
        elif any(ref.contains(r, c) for r, c in marked):
            return True
    return False


@rule("XL001", Severity.ERROR, "Formula evaluates to an error")
def error_values(ctx: AuditContext) -> Iterator[Finding]:
    """Error value in a cell. A formula showing #REF! or #DIV/0! spreads the error to every
    cell that uses it: one root cause, one finding — only cells whose error does not come from
    a cell they read are reported, with the number of cells that show it too; a typed error
    text is reported as well."""
    errors = {s.name: {(c.row, c.col) for c in s.cells.values() if c.kind == "e"} for s in ctx.workbook.sheets}
    inherited: dict[tuple[str, int, int], bool] = {}
    for sheet in ctx.workbook.sheets:
        for key in errors[sheet.name]:
            cell = sheet.cells[key]
            inherited[(sheet.name, *key)] = cell.formula is not None and _inherits(ctx, sheet, cell, errors)
    roots = [k for k, inh in inherited.items() if not inh]
    if not roots:  # errors that only read each other (a circle): report them all
        inherited = dict.fromkeys(inherited, False)
        roots = list(inherited)
    spread = dependents_by_level(References(ctx.workbook), roots, max_levels=50) if len(roots) < len(inherited) \
        else []
    followers: dict[tuple[str, int, int], int] = {}
    origin: dict[tuple[str, int, int], tuple[str, int, int]] = {k: k for k in roots}
    for level in spread:
        for dep, parents in level.items():
            source = next((origin[p] for p in parents if p in origin), None)
            if source is not None and inherited.get(dep):
                origin[dep] = source
                followers[source] = followers.get(source, 0) + 1
    for sheet in ctx.workbook.sheets:
        copies: dict[tuple[str | None, str], list[Cell]] = {}  # copies of one formula with one error: one cause
        for key in sorted(errors[sheet.name], key=lambda k: (k[1], k[0])):
            if not inherited[(sheet.name, *key)]:
                cell = sheet.cells[key]
                form = ctx.r1c1(sheet, cell) if cell.formula is not None else f"typed {key}"
                copies.setdefault((form, str(cell.value)), []).append(cell)
        for cells in copies.values():
            cell = cells[0]
            what = _(_EXPLAIN.get(str(cell.value), _OTHER_ERROR))
            more = sum(followers.get((sheet.name, c.row, c.col), 0) for c in cells)
            also = " " + ngettext("{n} cell that uses it shows the error too.",
                                  "{n} cells that use it show the error too.", more).format(n=more) if more else ""
            if len(cells) > 1:
                also = (" " + _("So do {n} copies of the formula: {cells}.").format(
                    n=len(cells) - 1, cells=", ".join(c.address for c in cells[1:6]) + (" …" if len(cells) > 6 else ""))
                        + also)
            yield Finding(sheet.name, cell.address, "XL001", Severity.ERROR,
                          (_("The formula shows {error}: it {what}.") if cell.formula is not None
                           else _("The cell shows {error}: it {what}.")).format(error=cell.value, what=what) + also,
                          _("Fix the reference or wrap the calculation in IFERROR only if an error is expected."))
