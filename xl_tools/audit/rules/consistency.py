"""XL002 inconsistent formula and XL010 typed constant among formulas.

Both look at *runs*: maximal stretches of adjacent non-empty, non-text cells along a
row or a column. Formulas filled down or across a run share one relative R1C1 form.
When one form dominates a run, a formula with another form is probably a typing or
copying mistake (XL002), and a typed number is probably a formula overwritten by its
value (XL010).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from xl_tools.audit import refvectors
from xl_tools.audit.evaluate import Evaluator
from xl_tools.audit.formula import Ref, fingerprint, references, translate
from xl_tools.audit.model import Cell, Finding, Severity, Sheet
from xl_tools.audit.rules.base import AuditContext, rule
from xl_tools.i18n import _
from xl_tools.money import format_number

MIN_DOMINANT = 3  # copies of a form before it counts as the run's pattern
MIN_SHARE = 0.6  # share of the run that the dominant form must cover (Settings.xl002_min_share)
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


def runs(ctx: AuditContext, sheet: Sheet) -> list[Run]:
    """All runs of at least MIN_DOMINANT + 1 cells in a sheet, along rows then columns
    (worked out once per audit: XL002 and XL010 share them)."""
    key = ("runs", sheet.name)
    found: list[Run] | None = ctx.cache.get(key)
    if found is None:
        found = ctx.cache[key] = list(_runs(ctx, sheet))
    return found


def _runs(ctx: AuditContext, sheet: Sheet) -> Iterator[Run]:
    cells = sheet.cells
    keys = sorted(k for k, c in cells.items() if c.formula is not None or c.is_number)  # row by row
    by_col: dict[int, list[tuple[int, int]]] = {}
    for key in keys:
        by_col.setdefault(key[1], []).append(key)  # each column's rows stay in order
    lines = (("row", keys, 1), ("column", [k for col in sorted(by_col) for k in by_col[col]], 0))
    for axis, ordered, step in lines:
        current: list[Cell] = []
        last: tuple[int, int] | None = None
        for key in ordered:
            if last is not None and not (key[1 - step] == last[1 - step] and key[step] == last[step] + 1):
                if len(current) > MIN_DOMINANT:
                    yield _make_run(ctx, sheet, axis, current)
                current = []
            current.append(cells[key])
            last = key
        if len(current) > MIN_DOMINANT:
            yield _make_run(ctx, sheet, axis, current)


def form_of(ctx: AuditContext, sheet: Sheet, cell: Cell) -> str:
    """What copies of one formula share: the sorted reference fingerprint."""
    if cell.formula is None:
        return _CONST
    return _fingerprint_key(cell.form or ctx.r1c1(sheet, cell) or "")


@lru_cache(maxsize=65536)
def _fingerprint_key(form: str) -> str:
    return "|".join(sorted(fingerprint(form)))


def _make_run(ctx: AuditContext, sheet: Sheet, axis: str, cells: list[Cell]) -> Run:
    forms = [form_of(ctx, sheet, c) for c in cells]
    return Run(sheet, axis, cells, forms)


def dominant_form(run: Run, min_share: float = MIN_SHARE) -> tuple[str, int] | None:
    """The run's formula pattern, if one form clearly dominates (covers ``min_share`` of it)."""
    form, count = Counter(run.forms).most_common(1)[0]
    if form == _CONST or count < MIN_DOMINANT or count < min_share * len(run.forms):
        return None
    return form, count


def _how_it_totals(cell: Cell, run: Run) -> str | None:
    """How a formula totals other cells of its run: ``"range"`` (=SUM(L3:L19)), ``"cells"``
    (=C6+C7+C13, two or more picked run cells), or None (it is no total of the run)."""
    others = {(c.row, c.col) for c in run.cells if c is not cell}
    singles = 0
    for ref in references(cell.formula or ""):
        if ref.sheet is not None:
            continue
        if ref.is_cell:
            singles += (ref.row1, ref.col1) in others
        elif any(ref.contains(r, c) for r, c in others):
            return "range"
    return "cells" if singles >= 2 else None


def _totals_toward(ref: Ref, axis: str, cell: Cell) -> bool:
    """True for a range that runs along the axis and ends next to the cell's line (a column
    range ending in the row above a column run's cell: another total of that totals row)."""
    if ref.is_cell:
        return False
    if axis == "column":
        return ref.row2 > ref.row1 and (ref.row2 == cell.row - 1 or ref.row1 == cell.row + 1)
    return ref.col2 > ref.col1 and (ref.col2 == cell.col - 1 or ref.col1 == cell.col + 1)


_TOTAL_WORD = re.compile(r"\b(total|totals|totalt|summa|sum|subtotal|delsumma|s:a|net|grand)\b", re.IGNORECASE)


def _in_totals_line(run: Run, cell: Cell) -> bool:
    """True when a formula that totals run cells sits where a total belongs: at either end of
    the run, or in a line across the run that is a totals line (another total beside it, or a
    label such as "Total"/"Summa"). A SUM in the middle of a column of row formulas, with
    plain numbers beside it, is a slip, not a subtotal."""
    if cell is run.cells[-1] or cell is run.cells[0]:
        return True
    sheet = run.sheet
    if run.axis == "column":
        line = [sheet.get(cell.row, c) for c in range(1, cell.col + 8) if c != cell.col]
    else:
        line = [sheet.get(r, cell.col) for r in range(1, cell.row + 8) if r != cell.row]
    for other in line:
        if other is None:
            continue
        if other.formula is not None and any(_totals_toward(ref, run.axis, cell)
                                             for ref in references(other.formula) if ref.sheet is None):
            return True
        if other.kind == "s" and isinstance(other.value, str) and _TOTAL_WORD.search(other.value):
            return True
    return False


def _odd_cells(ctx: AuditContext, want_constants: bool) -> list[tuple[Run, Cell, str]]:
    """The cells that break their run's dominant formula: typed numbers (``want_constants``) or
    other formulas. Worked out once per audit for both kinds (XL002 and XL010 share it); a
    cell's kind is its own (typed or formula), so splitting afterwards changes nothing."""
    key = ("odd cells", ctx.settings.xl002_min_share)
    found: list[tuple[Run, Cell, str, bool]] | None = ctx.cache.get(key)
    if found is None:
        found = ctx.cache[key] = list(_all_odd_cells(ctx))
    return [(run, cell, form) for run, cell, form, constant in found if constant == want_constants]


def _all_odd_cells(ctx: AuditContext) -> Iterator[tuple[Run, Cell, str, bool]]:
    seen: set[tuple[str, int, int]] = set()
    for sheet in ctx.workbook.sheets:
        for run in runs(ctx, sheet):
            found = dominant_form(run, ctx.settings.xl002_min_share)
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
                if other == _CONST and i == 0:
                    continue  # an opening balance or first input before running formulas
                totals = _how_it_totals(cell, run) if other != _CONST else None
                if totals == "cells" or (totals == "range" and _in_totals_line(run, cell)):
                    continue  # a total of the run where a total belongs
                seen.add(key)
                yield run, cell, form, other == _CONST


def _example(run: Run, form: str) -> str:
    for cell, other in zip(run.cells, run.forms):
        if other == form:
            return f"{cell.address} (={cell.formula})"
    return ""


def _in_run(run: Run) -> str:
    """``in row B5:F5`` / ``in column C6:C26`` in the current language."""
    span = f"{run.cells[0].address}:{run.cells[-1].address}"
    return (_("in row {span}") if run.axis == "row" else _("in column {span}")).format(span=span)


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


def _pattern_reads_non_number(run: Run, cell: Cell, form: str) -> bool:
    """True when the run's formula, copied to ``cell``, would read a cell of this sheet that
    holds no number (empty or a label): stepping over it was deliberate (a separator column in
    a calendar row), not a slip."""
    example = _nearest_example(run, cell, form)
    copied = translate(example.formula or "", cell.row - example.row, cell.col - example.col)
    for ref in references(copied):
        if ref.sheet is None and ref.is_cell:
            other = run.sheet.get(ref.row1, ref.col1)
            if other is None or (other.formula is None and not other.is_number):
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
        if ctx.settings.xl002_skip_non_numbers and _pattern_reads_non_number(run, cell, form):
            continue
        if not refvectors.shape(cell.form or ctx.r1c1(run.sheet, cell) or "").refs:
            continue  # no reference on its own sheet: a typed input or a link, not a copy gone wrong (as XL031)
        yield Finding(run.sheet.name, cell.address, "XL002", Severity.WARNING,
                      _("={formula} differs from the other formulas {where}, e.g. {example}.").format(
                          formula=cell.formula, where=_in_run(run), example=_example(run, form)),
                      _("Check the references; copy the neighbouring formula if this one was mistyped."))


def _nearest_example(run: Run, cell: Cell, form: str) -> Cell:
    pattern = [c for c, f in zip(run.cells, run.forms) if f == form]
    return min(pattern, key=lambda c: abs(c.row - cell.row) + abs(c.col - cell.col))


def _pattern_value(ctx: AuditContext, evaluator: Evaluator, run: Run, example: Cell, cell: Cell) -> float | None:
    """What the run's formula, copied to ``cell``, gives on the saved values (None: cannot tell)."""
    computed = evaluator.value(ctx.r1c1(run.sheet, example) or "", run.sheet.name, cell.row, cell.col)
    return computed if isinstance(computed, float) else None


def _not_a_sum_of(run: Run, example: Cell, cell: Cell) -> bool:
    """True when the pattern is a plain SUM of one range and the typed number is smaller than
    one of the non-negative numbers that range would take in: an average or a rate typed in a
    totals line (a column of ratios ending in the total row), not a total overwritten."""
    formula = (example.formula or "").lstrip("+").upper()
    if not formula.startswith("SUM(") or not formula.endswith(")"):
        return False
    refs = references(translate(example.formula or "", cell.row - example.row, cell.col - example.col))
    if len(refs) != 1 or refs[0].is_cell or refs[0].sheet is not None or refs[0].size > 10_000:
        return False
    ref = refs[0]
    parts = [c.number for r in range(ref.row1, ref.row2 + 1) for c in [run.sheet.get(r, col)
             for col in range(ref.col1, ref.col2 + 1)] if c is not None and c.is_number]
    return bool(parts) and min(parts) >= 0 and cell.number < max(parts)


@rule("XL010", Severity.ERROR, "Typed number among formulas")
def constant_among_formulas(ctx: AuditContext) -> Iterator[Finding]:
    """A typed number in a row or column run where one formula pattern dominates. The
    pattern is copied to the cell and worked out on the saved values: when it gives a
    different number, the typed value overrides what the formula would say (error); when it
    gives the same number, the formula was overwritten by its value and will not follow
    changes (info); when the pattern cannot be worked out here, a warning. Not flagged when
    its neighbour across the run is such a typed number too (a whole typed line through
    copied columns is a layout choice), nor a typed number below a SUM pattern that is smaller
    than one of the numbers the SUM would add (an average or rate in a totals line)."""
    odd = list(_odd_cells(ctx, want_constants=True))
    where = {(run.sheet.name, cell.row, cell.col): run.axis for run, cell, _ in odd}
    evaluator = Evaluator(ctx.workbook)
    for run, cell, form in odd:
        across = [(0, -1), (0, 1)] if run.axis == "column" else [(-1, 0), (1, 0)]
        if any((run.sheet.name, cell.row + dr, cell.col + dc) in where for dr, dc in across):
            continue  # a whole typed line across copied formulas: a layout row, not one overwrite
        example = _nearest_example(run, cell, form)
        if _not_a_sum_of(run, example, cell):
            continue
        place, value = _in_run(run), format_number(cell.number)
        like = _("like {cell} (={formula})").format(cell=example.address, formula=example.formula)
        computed = _pattern_value(ctx, evaluator, run, example, cell)
        if computed is None:
            yield Finding(run.sheet.name, cell.address, "XL010", Severity.WARNING,
                          _("Typed value {value} {where}, where the other cells are formulas {like}.").format(
                              value=value, where=place, like=like),
                          _("Restore the formula (copy it from a neighbour) unless the override is intended and "
                            "documented."))
        elif math.isclose(cell.number, computed, rel_tol=1e-9, abs_tol=1e-9):
            same = Severity.WARNING if ctx.settings.xl010_same_value_warns else Severity.INFO
            yield Finding(run.sheet.name, cell.address, "XL010", same,
                          _("Typed value {value} {where} equals what the formula {like} gives here: a formula "
                            "overwritten by its value, which will not follow changes.").format(
                              value=value, where=place, like=like),
                          _("Restore the formula (copy it from a neighbour)."))
        else:
            yield Finding(run.sheet.name, cell.address, "XL010", Severity.ERROR,
                          _("Typed value {value} {where}, where the formula {like} would give {computed}.").format(
                              value=value, where=place, like=like, computed=format_number(computed)),
                          _("Restore the formula (copy it from a neighbour) unless the override is intended and "
                            "documented."))
