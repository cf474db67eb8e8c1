"""XL031 formula region that disagrees with the region beside it (ExceLint's proposed fixes).

:mod:`xl_tools.audit.refvectors` has the method and its sources. XL030 finds odd rectangles
inside larger tables with layout filters of its own; this rule is ExceLint's fix list as
published, with one addition: a side that totals the other (=SUM over it, or two of its cells)
is a total, not a copy gone wrong, and is not paired with it — unless the total stands in a line
of parts (the block's formula copied there would read typed numbers, as it does in the block:
AmCheck's cell array whose formula is inferred from its cells), where it is the slip and is
named alone (``xl031_total_among_parts``, cross-validated).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from xl_tools.audit import refvectors
from xl_tools.audit.formula import functions, references
from xl_tools.audit.model import Finding, Severity, Sheet, a1
from xl_tools.audit.rects import Rect
from xl_tools.audit.refvectors import Fix, Shape, Vector
from xl_tools.audit.rules.base import AuditContext, rule
from xl_tools.audit.rules.ranges import omits_adjacent
from xl_tools.i18n import _


def _totals(sheet: Sheet, one: Rect[Vector], other: Rect[Vector]) -> bool:
    """True when a formula of ``one`` takes in a range that reaches into ``other``, or two of
    its cells (a total of the other side)."""
    for r, c in one.cells():
        cell = sheet.get(r, c)
        singles = 0
        for ref in references((cell.formula or "") if cell is not None else ""):
            if ref.sheet is not None:
                continue
            inside = not (ref.row2 < other.r1 or ref.row1 > other.r2 or ref.col2 < other.c1 or ref.col1 > other.c2)
            if inside and not ref.is_cell:
                return True
            singles += inside
        if singles >= 2:
            return True
    return False


def _kinds_read(sheet: Sheet, form: str, row: int, col: int) -> tuple[str, ...] | None:
    """What ``form`` (relative R1C1) would read at (row, col) through its relative references:
    ``n`` a typed number, ``f`` a formula, per cell; None when it would read nothing, or a
    blank, a text or an error (then it is no line of parts)."""
    offsets = refvectors.relative_cells(form)
    if not offsets:
        return None
    out = []
    for dr, dc in offsets:
        cell = sheet.get(row + dr, col + dc)
        if cell is None or cell.kind not in ("n", "") or (cell.formula is None and not cell.is_number):
            return None
        out.append("n" if cell.formula is None else "f")
    return tuple(out)


def _total_in_a_line_of_parts(ctx: AuditContext, sheet: Sheet, total: Rect[Vector], block: Rect[Vector]) -> bool:
    """The block's formula, copied to each cell of ``total``, would read typed numbers as it does
    in the block: the total stands in a line of parts where a copy of the block's formula belongs
    (a total on a line of totals would read other totals, and is left alone)."""
    example = sheet.get(block.r1, block.c1)
    if not ctx.settings.xl031_total_among_parts or example is None or example.formula is None:
        return False
    form = example.form or ctx.r1c1(sheet, example) or ""
    own = _kinds_read(sheet, form, block.r1, block.c1)
    if own is None or "f" in own:
        return False
    return all(_kinds_read(sheet, form, r, c) == own for r, c in total.cells())


def _calls(sheet: Sheet, rect: Rect[Vector]) -> frozenset[str]:
    cell = sheet.get(rect.r1, rect.c1)
    return frozenset(functions(cell.formula or "")) if cell is not None else frozenset()


def sheet_fixes(ctx: AuditContext, sheet: Sheet) -> list[Fix]:
    """The proposed fixes of one sheet that pass the filters and the score threshold."""
    cells = sheet.formula_cells()
    if len(cells) > refvectors.MAX_FORMULAS:
        return []
    vectors: dict[tuple[int, int], Vector] = {}
    shapes: dict[Vector, Shape] = {}
    by_form: dict[str, Vector | None] = {}  # copies share their form: one look-up each
    for cell in cells:
        form = cell.form or ctx.r1c1(sheet, cell) or ""
        if form in by_form:
            vector = by_form[form]
        else:
            found = refvectors.shape(form)
            # no reference on this sheet: a link or an input, not a copy of a pattern
            vector = by_form[form] = found.vector if found.refs else None
            if vector is not None:
                shapes.setdefault(vector, found)
        if vector is not None:
            vectors[(cell.row, cell.col)] = vector
    if len(shapes) < 2:
        return []
    out = []
    for fix in refvectors.proposed_fixes(refvectors.regions(vectors), shapes):
        if fix.score < ctx.settings.xl031_min_score:
            break
        if _totals(sheet, fix.large, fix.small):
            continue
        if _calls(sheet, fix.small) != _calls(sheet, fix.large):
            continue  # other functions: another computation, not a copy whose references slipped
        if _totals(sheet, fix.small, fix.large):
            if _total_in_a_line_of_parts(ctx, sheet, fix.small, fix.large):
                # a total where a copy of the block's formula belongs: the total is the slip
                out.append(dataclasses.replace(fix, only_small=True))
            continue
        out.append(fix)
    return out


def _span(rect: Rect[Vector]) -> str:
    first, last = a1(rect.r1, rect.c1), a1(rect.r2, rect.c2)
    return first if first == last else f"{first}:{last}"


def _explained(ctx: AuditContext) -> set[tuple[str, str]]:
    """Cells whose slip another rule has already shown (XL003: a total that leaves out a cell of
    its block): for those the other block of a fix is not in doubt."""
    return {(f.sheet, f.cell) for f in omits_adjacent(ctx) if f.cell}


@rule("XL031", Severity.WARNING, "Formulas that disagree with the formulas beside them")
def disagreeing_regions(ctx: AuditContext) -> Iterator[Finding]:
    """Two neighbouring blocks of formulas in one row or column whose references differ as a
    copy gone wrong would (ExceLint's proposed fixes: reference-vector fingerprints, fixes
    ranked by entropy reduction weighted by fix distance). Both blocks are named, or only the
    smaller, as the cross-validated setting says; totals of the other block are not flagged, and
    when another rule has shown what is wrong with the smaller block (XL003: its total leaves out
    a cell), only the smaller block is named (one root cause, one finding)."""
    both = ctx.settings.xl031_cells == "both"
    explained: set[tuple[str, str]] | None = None
    for sheet in ctx.workbook.sheets:
        for fix in sheet_fixes(ctx, sheet):
            small, large = fix.small, fix.large
            if both and explained is None:
                explained = _explained(ctx)
            shown = fix.only_small or (
                explained is not None and all((sheet.name, a1(r, c)) in explained for r, c in small.cells()))
            pairs = [(small, large), (large, small)] if both and not shown else [(small, large)]
            for rect, beside in pairs:
                example = sheet.get(beside.r1, beside.c1)
                for r, c in rect.cells():
                    cell = sheet.get(r, c)
                    if cell is None or cell.formula is None:
                        continue
                    if beside.r1 == beside.r2 and beside.c1 == beside.c2:  # one cell: name it once
                        message = _("={formula} refers to other cells than {cell} beside it (={other}).").format(
                            formula=cell.formula, cell=_span(beside), other=example.formula if example else "")
                    else:
                        message = _("={formula} refers to other cells than the formulas of {span} beside it "
                                    "(e.g. {example}).").format(
                            formula=cell.formula, span=_span(beside),
                            example=f"{example.address} (={example.formula})" if example else "")
                    yield Finding(sheet.name, cell.address, "XL031", Severity.WARNING, message,
                                  _("Check which of the two blocks is right and make them consistent."))
