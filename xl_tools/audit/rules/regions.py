"""XL030 formula pattern differs from its surrounding region (ExceLint-style 2-D check).

XL002 compares a formula with its own row or column run, so a whole row (or column, or
block) that was copied with the wrong reference is invisible to it: along that line every
formula agrees. This rule looks at the sheet in two dimensions, after ExceLint (Barowy,
Berger, Zorn, OOPSLA 2018):

1. every non-empty cell gets a class: a formula its reference fingerprint (the set of
   relative R1C1 references, :func:`~xl_tools.audit.formula.fingerprint`), a number
   ``data``, anything else ``text``; empty cells separate regions;
2. the sheet is cut into rectangles of one class: maximal runs along each row, stacked
   down while the next row has the same run, then side-by-side rectangles with the same
   rows and class joined;
3. a *fix* gives a small formula rectangle ``S`` the class of a formula rectangle ``L``
   that borders the whole of one of its sides (so that ``S ∪ L`` is one rectangle, or
   ``S`` is a bump on ``L``'s edge), when a rectangle of ``L``'s class borders the opposite
   side too (``Settings.xl030_sandwich``: an odd line inside a table, not a table's first or last
   line). The fix is scored by how much it lowers the class entropy of ``S ∪ L``
   weighted by its size, ``(|S|+|L|)·H(|S|/(|S|+|L|))`` — the information an odd line costs a homogeneous table;
4. fixes are dropped when they are probably layout, not mistakes: ``S`` is as large as
   ``L`` or larger than :data:`MAX_SOURCE` cells, ``L`` has fewer than :data:`MIN_TARGET`
   cells; ``S`` aggregates ``L`` (a total line: a range into ``L`` or two of its cells);
   ``S`` lies at the first line of the table and ``L`` refers to it (a seed row of a
   running sum); ``S`` and ``L`` do different things (their formulas differ in more than
   their references, e.g. a total row of ratios under rows of sums);
5. the cells of the fixes scoring at least ``Settings.xl030_min_score`` are flagged, at most
   :data:`MAX_SHARE` of the sheet's formula cells (best scores first).

Besides the fixes, a line of totals on its own whose spans disagree (=SUM(D8:D14) beside
=SUM(H7:H14) in one totals row) is flagged whole: which member is wrong is for the reader to
judge (:func:`_disagreeing`). A single odd formula inside a consistent line is XL002's.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from xl_tools.audit import entropy_tree
from xl_tools.audit.formula import references
from xl_tools.audit.model import Cell, Finding, Severity, Sheet, a1
from xl_tools.audit.rects import Rect, join_across
from xl_tools.audit.rules.base import AuditContext, rule
from xl_tools.i18n import _

MAX_SOURCE = 40  # cells: a larger off-pattern rectangle is a pattern of its own
MIN_TARGET = 6  # cells of the surrounding region before it counts as a pattern
MAX_SHARE = 0.20  # at most this share of a sheet's formula cells is flagged
MIN_LINE = 2  # totals in a line before their disagreement counts (a pair of totals may disagree)
MAX_WHOLE_LINE = 12  # a longer line of totals is a table of its own, not one line
MAX_GAP = 1  # empty or constant cells allowed between two siblings of a line

_DATA, _TEXT = -1, -2


def _classes(ctx: AuditContext, sheet: Sheet) -> dict[tuple[int, int], int]:
    ids: dict[frozenset[str], int] = {}
    out: dict[tuple[int, int], int] = {}
    for key, cell in sheet.cells.items():
        if cell.formula is not None:
            fp = ctx.fingerprint(sheet, cell) or frozenset()
            out[key] = ids.setdefault(fp, len(ids))
        elif cell.is_number:
            out[key] = _DATA
        elif cell.value not in (None, ""):
            out[key] = _TEXT
    return out


def decompose(classes: dict[tuple[int, int], int]) -> list[Rect[int]]:
    """Rectangles of one class covering every classified cell (see the module docstring)."""
    by_row: dict[int, list[tuple[int, int]]] = {}
    for (r, c), cls in classes.items():
        by_row.setdefault(r, []).append((c, cls))
    open_rects: dict[tuple[int, int, int], int] = {}  # (c1, c2, cls) → first row of a rect ending at last_row
    done: list[Rect[int]] = []
    last_row = 0
    for r in sorted(by_row):
        row = sorted(by_row[r])
        spans: list[tuple[int, int, int]] = []
        start, prev, cls = row[0][0], row[0][0], row[0][1]
        for c, k in row[1:]:
            if c == prev + 1 and k == cls:
                prev = c
                continue
            spans.append((start, prev, cls))
            start, prev, cls = c, c, k
        spans.append((start, prev, cls))
        still: dict[tuple[int, int, int], int] = {}
        for span in spans:
            first = open_rects.pop(span, None) if last_row == r - 1 else None
            still[span] = r if first is None else first
        done.extend(Rect(first, c1, last_row, c2, cls) for (c1, c2, cls), first in open_rects.items())
        open_rects, last_row = still, r
    done.extend(Rect(first, c1, last_row, c2, cls) for (c1, c2, cls), first in open_rects.items())
    # join side-by-side rectangles with the same rows and class (column-wise patterns)
    return join_across(sorted(done, key=lambda x: (x.r1, x.c1)))


def _neighbours(rect: Rect[int], at: dict[tuple[int, int], Rect[int]]) -> Iterator[tuple[Rect[int], str]]:
    """Rectangles bordering the whole of one side of ``rect`` (with the side's name)."""
    sides = {
        "above": [(rect.r1 - 1, c) for c in range(rect.c1, rect.c2 + 1)],
        "below": [(rect.r2 + 1, c) for c in range(rect.c1, rect.c2 + 1)],
        "left": [(r, rect.c1 - 1) for r in range(rect.r1, rect.r2 + 1)],
        "right": [(r, rect.c2 + 1) for r in range(rect.r1, rect.r2 + 1)],
    }
    for side, keys in sides.items():
        first = at.get(keys[0])
        if first is not None and all(at.get(k) is first for k in keys[1:]):
            yield first, side


def _entropy_gain(small: int, large: int) -> float:
    n = small + large
    p = small / n
    return n * -(p * math.log2(p) + (1 - p) * math.log2(1 - p))


_REF = re.compile(r"(?:'(?:[^']|'')+'!|[A-Za-z0-9_.]+!)?R(?:\[-?\d+\]|\d+)C(?:\[-?\d+\]|\d+)"
                  r"(?::R(?:\[-?\d+\]|\d+)C(?:\[-?\d+\]|\d+))?")


@lru_cache(maxsize=65536)
def _shape(form: str | None) -> str:
    """The R1C1 form with every reference replaced by one placeholder: what the formula does."""
    return _REF.sub("@", form or "").upper()


def _aggregates(sheet: Sheet, small: Rect[int], large: Rect[int]) -> bool:
    """True when the small rectangle's formulas total cells of the large one."""
    for r, c in small.cells():
        cell = sheet.get(r, c)
        singles = 0
        for ref in references((cell.formula or "") if cell else ""):
            if ref.sheet is not None:
                continue
            if ref.is_cell:
                singles += large.r1 <= ref.row1 <= large.r2 and large.c1 <= ref.col1 <= large.c2
            elif not (ref.row2 < large.r1 or ref.row1 > large.r2 or ref.col2 < large.c1 or ref.col1 > large.c2):
                return True
        if singles >= 2:
            return True
    return False


def _refers_to(sheet: Sheet, large: Rect[int], small: Rect[int]) -> bool:
    """True when formulas of the large rectangle read cells of the small one."""
    for r, c in large.cells():
        cell = sheet.get(r, c)
        for ref in references((cell.formula or "") if cell else ""):
            if ref.sheet is None and not (ref.row2 < small.r1 or ref.row1 > small.r2
                                          or ref.col2 < small.c1 or ref.col1 > small.c2):
                return True
    return False


@dataclass(frozen=True)
class Fix:
    """Giving ``small`` the class of ``large``; ``score`` in size-weighted bits."""

    small: Rect[int]
    large: Rect[int]
    score: float


def _tree_fixes(ctx: AuditContext, sheet: Sheet) -> list[Fix]:
    """ExceLint's published method (:mod:`xl_tools.audit.entropy_tree`): entropy-guided
    decomposition, fixes ranked by entropy reduction weighted by fix distance; only the
    cross-validated size and score thresholds apply, none of the layout filters below."""
    classes = {k: v for k, v in _classes(ctx, sheet).items() if v != _TEXT}
    leaves = entropy_tree.decompose(classes)
    if not leaves:
        return []
    first: dict[int, tuple[int, int]] = {}
    for key, cls in classes.items():
        if cls >= 0 and cls not in first:
            first[cls] = key
    vectors = {cls: entropy_tree.resultant(ctx.r1c1_at(sheet, *key) or "", *key) for cls, key in first.items()}
    best: dict[Rect[int], Fix] = {}
    for fix in entropy_tree.fixes(leaves, vectors):
        small = Rect(fix.small.r1, fix.small.c1, fix.small.r2, fix.small.c2, fix.small.cls)
        large = Rect(fix.large.r1, fix.large.c1, fix.large.r2, fix.large.c2, fix.large.cls)
        if small.size > MAX_SOURCE or large.size < ctx.settings.xl030_min_ratio * small.size:
            continue
        if fix.score >= ctx.settings.xl030_min_score and (small not in best or best[small].score < fix.score):
            best[small] = Fix(small, large, fix.score)
    return sorted(best.values(), key=lambda f: -f.score)


def fixes(ctx: AuditContext, sheet: Sheet) -> list[Fix]:
    """The proposed fixes of a sheet that pass the filters, best first (at most one per rectangle)."""
    if ctx.settings.xl030_method == "entropy-tree":
        return _tree_fixes(ctx, sheet)
    classes = _classes(ctx, sheet)
    rects = decompose(classes)
    at = {key: rect for rect in rects for key in rect.cells()}
    best: dict[Rect[int], Fix] = {}
    for small in rects:
        if small.key < 0 or small.size > MAX_SOURCE:
            continue
        small_shape = _shape(ctx.r1c1_at(sheet, small.r1, small.c1))
        around = list(_neighbours(small, at))
        opposite = {"above": "below", "below": "above", "left": "right", "right": "left"}
        sides = {(large.key, side) for large, side in around}
        for large, side in around:
            if ctx.settings.xl030_sandwich and (large.key, opposite[side]) not in sides:
                continue
            if large.key < 0 or large.size < MIN_TARGET or large.size < ctx.settings.xl030_min_ratio * small.size:
                continue
            if _shape(ctx.r1c1_at(sheet, large.r1, large.c1)) != small_shape:
                continue
            if _aggregates(sheet, small, large):
                continue
            if side in ("below", "right") and _refers_to(sheet, large, small):
                continue  # the first line of the table seeds the rest (opening balance)
            score = _entropy_gain(small.size, large.size)
            if score >= ctx.settings.xl030_min_score and (small not in best or best[small].score < score):
                best[small] = Fix(small, large, score)
    return sorted(best.values(), key=lambda f: -f.score)


@lru_cache(maxsize=65536)
def _line_key(form: str) -> str | None:
    """What members of one line share: the shape, unless the formula is a bare link or reads
    another sheet (links to different cells are normal, not a copy gone wrong)."""
    shape = _shape(form)
    if "!" in form or shape.lstrip("+-=") in ("@", ""):
        return None
    return shape


def inconsistent_lines(ctx: AuditContext, sheet: Sheet) -> Iterator[tuple[str, list[Cell]]]:
    """Lines of sibling formulas that disagree: along a row (or column), formulas with the same
    shape, at most :data:`MAX_GAP` cells apart with no formula of another shape between them,
    whose references are not all the same. Yields the axis and the line's cells."""
    for axis in ("row", "column"):
        lines: dict[int, list[Cell]] = {}
        for c in sheet.cells.values():
            if c.formula is not None:
                lines.setdefault(c.row if axis == "row" else c.col, []).append(c)
        for cells in lines.values():
            cells.sort(key=lambda x: x.col if axis == "row" else x.row)
            chain: list[Cell] = []
            chain_key: str | None = None
            for cell in [*cells, None]:
                key = None if cell is None else _line_key(ctx.r1c1(sheet, cell) or "")
                pos = 0 if cell is None else (cell.col if axis == "row" else cell.row)
                if chain and (key != chain_key or pos - _pos(chain[-1], axis) > MAX_GAP + 1):
                    flagged = _disagreeing(ctx, sheet, chain, axis)
                    if flagged:
                        yield axis, flagged
                    chain = []
                if cell is not None and key is not None:
                    chain.append(cell)
                    chain_key = key


_PARTS = re.compile(r"R(\[-?\d+\]|\d+)C(\[-?\d+\]|\d+)")


def _disagreeing(ctx: AuditContext, sheet: Sheet, chain: list[Cell], axis: str) -> list[Cell]:
    """The cells to flag in a chain of same-shape formulas: the whole chain when it is a line
    of totals on its own whose spans disagree — every member totals a range running across
    the line (column sums along a row, row sums down a column), no member has a copy of
    itself across the line, the chain is :data:`MIN_LINE` to :data:`MAX_WHOLE_LINE` long, one
    fingerprint covers at least half of it, the members do not simply alternate between two
    forms (two interleaved lines), and the members differ only in row offsets or
    only in column offsets (one formula slid, not different computations). Which member is
    wrong is for the reader to judge. Single off-pattern members of a line are XL002's
    findings and are not repeated here."""
    if not MIN_LINE <= len(chain) <= MAX_WHOLE_LINE or not _totals_across(chain, axis):
        return []
    prints = [ctx.fingerprint(sheet, c) or frozenset() for c in chain]
    tally = Counter(prints)
    _, count = tally.most_common(1)[0]
    if len(tally) == 1 or 2 * count < len(chain):
        return []
    if len(tally) == 2 and len(chain) >= 4 and all(a != b for a, b in zip(prints, prints[1:])):
        return []  # two lines interleaved (a count column, a percent column, a count column, …)
    parts = [_PARTS.findall(ctx.r1c1(sheet, c) or "") for c in chain]
    same_rows = len({tuple(p[0] for p in ps) for ps in parts}) == 1
    same_cols = len({tuple(p[1] for p in ps) for ps in parts}) == 1
    if not (same_rows or same_cols):
        return []
    across = ((0, -1), (0, 1)) if axis == "column" else ((-1, 0), (1, 0))
    in_table = any(ctx.r1c1_at(sheet, c.row + dr, c.col + dc) == ctx.r1c1(sheet, c)
                   for c in chain for dr, dc in across if c.row + dr >= 1 and c.col + dc >= 1)
    return [] if in_table else chain


def _totals_across(chain: list[Cell], axis: str) -> bool:
    """True when every member totals a range that runs across the line: a row of column
    totals (or a column of row totals), whose spans should line up."""
    for cell in chain:
        refs = [r for r in references(cell.formula or "") if r.sheet is None and not r.is_cell]
        if not refs:
            return False
        if not any((r.row2 > r.row1 and r.col1 == r.col2) if axis == "row" else (r.col2 > r.col1 and r.row1 == r.row2)
                   for r in refs):
            return False
    return True


def _pos(cell: Cell, axis: str) -> int:
    return cell.col if axis == "row" else cell.row


@rule("XL030", Severity.WARNING, "Formula pattern differs from its surrounding region")
def region_outlier(ctx: AuditContext) -> Iterator[Finding]:
    """A row, column or block of formulas whose reference pattern differs from the larger
    rectangle of formulas it borders, in a way that looks like a copy gone wrong (the same
    formula with other references): ExceLint's 2-D check, which sees whole off-pattern
    lines that XL002's per-line comparison cannot. Totals of the region, seed rows that
    the region reads, and lines computing something else are not flagged (module docstring
    has the exact filters)."""
    for sheet in ctx.workbook.sheets:
        formula_count = sum(1 for c in sheet.cells.values() if c.formula is not None)
        budget = int(MAX_SHARE * formula_count)
        seen: set[str] = set()
        for fix in fixes(ctx, sheet):
            if fix.small.size > budget:
                continue
            budget -= fix.small.size
            example = sheet.get(fix.large.r1, fix.large.c1)
            span = f"{a1(fix.large.r1, fix.large.c1)}:{a1(fix.large.r2, fix.large.c2)}"
            for r, c in fix.small.cells():
                cell = sheet.get(r, c)
                assert cell is not None
                seen.add(cell.address)
                yield Finding(sheet.name, cell.address, "XL030", Severity.WARNING,
                              _("={formula} follows another pattern than the formulas of {span} next to it, "
                                "e.g. {example}.").format(formula=cell.formula, span=span, example=_example(example)),
                              _("Check the references; the whole line may have been copied from the wrong row "
                                "or column."))
        for axis, line in inconsistent_lines(ctx, sheet):
            span = f"{line[0].address}:{line[-1].address}"
            for cell in line:
                if cell.address in seen:
                    continue
                seen.add(cell.address)
                yield Finding(sheet.name, cell.address, "XL030", Severity.WARNING,
                              (_("={formula}: the formulas of row {span} do the same thing but their references "
                                 "disagree (e.g. {first}, {last}).") if axis == "row" else
                               _("={formula}: the formulas of column {span} do the same thing but their references "
                                 "disagree (e.g. {first}, {last}).")).format(
                                  formula=cell.formula, span=span, first=_example(line[0]), last=_example(line[-1])),
                              _("Check which of them is wrong and make the line consistent."))


def _example(cell: Cell | None) -> str:
    return f"{cell.address} (={cell.formula})" if cell is not None else ""
