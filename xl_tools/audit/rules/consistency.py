"""XL002 inconsistent formula and XL010 typed constant among formulas.

Both look at *runs*: maximal stretches of adjacent non-empty, non-text cells along a
row or a column. Formulas filled down or across a run share one relative R1C1 form.
When one form dominates a run, a formula with another form is probably a typing or
copying mistake (XL002), and a typed number is probably a formula overwritten by its
value (XL010).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from xl_tools.audit.formula import references
from xl_tools.audit.model import Cell, Finding, Severity, Sheet
from xl_tools.audit.rules.base import AuditContext, rule

MIN_DOMINANT = 3  # copies of a form before it counts as the run's pattern
MIN_SHARE = 0.6  # share of the run that the dominant form must cover
MAX_ODD = 2  # an odd form seen more often than this is a pattern of its own
_CONST = "\0const"


@dataclass
class Run:
    sheet: Sheet
    axis: str  # "row" or "column"
    cells: list[Cell]
    forms: list[str]


def _member(cell: Cell | None) -> bool:
    return cell is not None and (cell.formula is not None or cell.is_number)


def runs(ctx: AuditContext, sheet: Sheet) -> Iterator[Run]:
    """All runs of at least MIN_DOMINANT + 1 cells in a sheet, along rows then columns."""
    members = [c for c in sheet.cells.values() if _member(c)]
    for axis in ("row", "column"):
        if axis == "row":
            ordered = sorted(members, key=lambda c: (c.row, c.col))
        else:
            ordered = sorted(members, key=lambda c: (c.col, c.row))
        current: list[Cell] = []
        for cell in ordered:
            if current:
                last = current[-1]
                adjacent = (last.row == cell.row and last.col + 1 == cell.col) if axis == "row" \
                    else (last.col == cell.col and last.row + 1 == cell.row)
                if not adjacent:
                    if len(current) > MIN_DOMINANT:
                        yield _make_run(ctx, sheet, axis, current)
                    current = []
            current.append(cell)
        if len(current) > MIN_DOMINANT:
            yield _make_run(ctx, sheet, axis, current)


def form_of(ctx: AuditContext, sheet: Sheet, cell: Cell) -> str:
    """What copies of one formula share: the sorted reference fingerprint."""
    if cell.formula is None:
        return _CONST
    return "|".join(sorted(ctx.fingerprint(sheet, cell) or ()))


def _make_run(ctx: AuditContext, sheet: Sheet, axis: str, cells: list[Cell]) -> Run:
    forms = [form_of(ctx, sheet, c) for c in cells]
    return Run(sheet, axis, cells, forms)


def dominant_form(run: Run) -> tuple[str, int] | None:
    """The run's formula pattern, if one form clearly dominates."""
    form, count = Counter(run.forms).most_common(1)[0]
    if form == _CONST or count < MIN_DOMINANT or count < MIN_SHARE * len(run.forms):
        return None
    return form, count


def _aggregates_run(cell: Cell, run: Run) -> bool:
    """True for a total at the end of a run (its formula takes in run cells through a range)."""
    others = {(c.row, c.col) for c in run.cells if c is not cell}
    singles = 0
    for ref in references(cell.formula or ""):
        if ref.sheet is not None:
            continue
        if ref.is_cell:
            singles += (ref.row1, ref.col1) in others
        elif any(ref.contains(r, c) for r, c in others):
            return True
    return singles >= 2  # =C6+C7+C13: a total of picked run cells


def _odd_cells(ctx: AuditContext, want_constants: bool) -> Iterator[tuple[Run, Cell, str]]:
    seen: set[tuple[str, int, int]] = set()
    for sheet in ctx.workbook.sheets:
        for run in runs(ctx, sheet):
            found = dominant_form(run)
            if found is None:
                continue
            form, count = found
            tally = Counter(run.forms)
            for i, (cell, other) in enumerate(zip(run.cells, run.forms)):
                if other == form or tally[other] > MAX_ODD or tally[other] * 5 > count:
                    continue
                key = (sheet.name, cell.row, cell.col)
                if key in seen:
                    continue
                if want_constants != (other == _CONST):
                    continue
                if other == _CONST and i == 0:
                    continue  # an opening balance or first input before running formulas
                if other != _CONST and _aggregates_run(cell, run):
                    continue
                seen.add(key)
                yield run, cell, form


def _example(run: Run, form: str) -> str:
    for cell, other in zip(run.cells, run.forms):
        if other == form:
            return f"{cell.address} (={cell.formula})"
    return ""


def _fits_across(ctx: AuditContext, run: Run, cell: Cell, odd: set[tuple[str, int, int]]) -> bool:
    """True when the cell is a copy of its neighbour across the run (above/below for a row
    run, left/right for a column run) and that neighbour is not odd itself: the cell belongs
    to a consistent line the other way (a ratio column ending in the total row)."""
    form = ctx.r1c1(run.sheet, cell)
    across = [(-1, 0), (1, 0)] if run.axis == "row" else [(0, -1), (0, 1)]
    for dr, dc in across:
        r, c = cell.row + dr, cell.col + dc
        if r >= 1 and c >= 1 and (run.sheet.name, r, c) not in odd and ctx.r1c1_at(run.sheet, r, c) == form:
            return True
    return False


def _totals_row_variant(ctx: AuditContext, run: Run, cell: Cell, form: str) -> bool:
    """True for the last cell of a column run that sits in a totals row (a neighbour in the
    row sums the column above it) and uses a subset of the pattern's references: the same
    ratio computed from the totals, without the per-row guard (=IF(D27=0,0,E27/D27))."""
    if run.axis != "column" or cell is not run.cells[-1]:
        return False
    mine = ctx.fingerprint(run.sheet, cell) or frozenset()
    if not mine or not mine <= frozenset(form.split("|")):
        return False
    for dc in (-3, -2, -1, 1, 2, 3):
        other = run.sheet.get(cell.row, cell.col + dc)
        if other is not None and other.formula is not None and any(
                r.sheet is None and not r.is_cell and r.col1 == other.col and r.row2 == cell.row - 1
                for r in references(other.formula)):
            return True
    return False


@rule("XL002", Severity.WARNING, "Inconsistent formula in a row or column")
def inconsistent_formula(ctx: AuditContext) -> Iterator[Finding]:
    """A formula whose relative R1C1 form differs from the form that dominates its row or
    column run. Forms are compared by reference fingerprint (the set of relative
    references, as in ExceLint), so guards such as IF(COUNT(...)) do not count. Totals
    that sum the run (a range, or two or more of its cells) are not flagged, nor a cell
    that is a copy of its neighbour across the run when that neighbour is not odd itself."""
    odd = list(_odd_cells(ctx, want_constants=False))
    keys = {(run.sheet.name, cell.row, cell.col) for run, cell, _ in odd}
    for run, cell, form in odd:
        if _fits_across(ctx, run, cell, keys) or _totals_row_variant(ctx, run, cell, form):
            continue
        span = f"{run.cells[0].address}:{run.cells[-1].address}"
        yield Finding(run.sheet.name, cell.address, "XL002", Severity.WARNING,
                      f"={cell.formula} differs from the other formulas in {run.axis} {span}, "
                      f"e.g. {_example(run, form)}.",
                      "Check the references; copy the neighbouring formula if this one was mistyped.")


@rule("XL010", Severity.ERROR, "Typed number among formulas")
def constant_among_formulas(ctx: AuditContext) -> Iterator[Finding]:
    """A typed number in a row or column run where one formula pattern dominates: most
    likely a formula that was overwritten by its value, which no longer updates. Not
    flagged when its neighbour across the run is such a typed number too (a whole typed
    row through copied columns is a layout choice, e.g. a typed subtotal line)."""
    odd = list(_odd_cells(ctx, want_constants=True))
    where = {(run.sheet.name, cell.row, cell.col): run.axis for run, cell, _ in odd}
    for run, cell, form in odd:
        across = [(0, -1), (0, 1)] if run.axis == "column" else [(-1, 0), (1, 0)]
        if any((run.sheet.name, cell.row + dr, cell.col + dc) in where for dr, dc in across):
            continue  # a whole typed line across copied formulas: a layout row, not one overwrite
        span = f"{run.cells[0].address}:{run.cells[-1].address}"
        yield Finding(run.sheet.name, cell.address, "XL010", Severity.ERROR,
                      f"Typed value {cell.value:g} in {run.axis} {span}, where the other cells are formulas "
                      f"like {_example(run, form)}.",
                      "Restore the formula (copy it from a neighbour) unless the override is intended and documented.")

