"""ExceLint's proposed fixes as its authors' tools compute them (Barowy, Berger, Zorn, "ExceLint:
Automatically Finding Spreadsheet Formula Errors", OOPSLA 2018), written for this project from
the paper and from reading the published ExceLint sources (the F# analysis of the paper and the
later TypeScript core that labels the benchmark's workbooks):

1. *Reference vectors.* Each reference of a formula is a vector from the formula's cell: a
   relative row or column part is the offset, an absolute part is the absolute coordinate (the
   paper's "mixed" vectors, so that ``=B5*$B$1`` copied down keeps one fingerprint); a range
   stands for each of its cells; a reference to another sheet adds one unit on a third axis
   (the paper's off-sheet-insensitive vectors); a reference repeated in one formula counts once (a
   guard such as ``IF(COUNT(x)=0,"",SUM(x))`` reads the same cells). Every numeric constant in the formula other
   than 0 adds one unit on a fourth axis. The *fingerprint* is the resultant, the sum of the
   vectors.
2. *Regions.* Cells of one fingerprint are grouped into vertical runs, and runs of one
   fingerprint side by side with the same rows are joined into rectangles.
3. *Proposed fixes.* Two rectangles of different fingerprints that share a whole side (their
   union is a rectangle) could be one region. A fix is scored by the normalised entropy it
   removes, weighted by the fix distance (the L1 distance between the two fingerprints) and by
   the size of the smaller side: ``(1 − H(p)/log₂ n) / (max(1, d) · n_small)``.
4. *Which fixes count* (the TypeScript core's defaults): the two rectangles together hold at
   least :data:`MIN_FIX_CELLS` cells and lie in one row or one column (a "fat" fix across
   several rows and columns is dropped), and the difference between the two formulas falls in
   at most :data:`MAX_CATEGORIES` of ExceLint's categories (different reference ranges,
   different counts of references or constants, absolute/relative mix, off-axis reference,
   recurrence, constants only). A fix whose one side only aggregates the other (a total of
   the region) is a total, not a slip.

The cells of a fix are both rectangles (the TypeScript core reports the whole disagreeing
region; which side is wrong is for the reader) or only the smaller one (the paper's ranking),
as :attr:`~xl_tools.audit.settings.Settings.xl031_cells` says. Cost is bounded: a sheet with more
than :data:`MAX_FORMULAS` formulas is not analysed (the TypeScript core's limit).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from xl_tools.audit.rects import Rect, join_across

MAX_FORMULAS = 10_000
MIN_FIX_CELLS = 3
MAX_CATEGORIES = 2

Vector = tuple[int, int, int, int]  # rows, columns, other sheets, constants

_PART = r"(\[-?\d+\]|\d+)"
_REF = re.compile(r"(?P<sheet>(?:'(?:[^']|'')+'|[^\s!()'\",;+\-*/^&=<>:{}]+)!)?R" + _PART + "C" + _PART
                  + r"(?::R" + _PART + "C" + _PART + ")?")
_STRING = re.compile(r'"(?:[^"]|"")*"')
_NUMBER = re.compile(r"(?<![A-Za-z0-9_.\]\[$])(\d+\.?\d*(?:[Ee][+-]?\d+)?|\.\d+)(?![A-Za-z0-9_(!\[\]])")


def _part(text: str) -> tuple[int, bool]:
    """``[-3]`` → (-3, relative); ``5`` → (5, absolute)."""
    return (int(text[1:-1]), True) if text.startswith("[") else (int(text), False)


@dataclass(frozen=True, slots=True)
class Shape:
    """What ExceLint knows about one formula (in relative R1C1 form)."""

    vector: Vector  # the resultant (fingerprint)
    refs: tuple[tuple[int, int, int, int], ...]  # same-sheet references, (r1, c1, r2, c2) as vector parts
    referents: int  # same-sheet cells referred to
    constants: int  # numeric constants in the formula
    anchors: int  # absolute parts ($)
    first: tuple[int, int]  # the first same-sheet reference's (row, column) vector, (0, 0) if none


@lru_cache(maxsize=65536)
def shape(form: str) -> Shape:
    """The reference vectors of a formula in relative R1C1 form, summed, and what ExceLint's
    categories compare (see the module docstring)."""
    text = _STRING.sub('""', form)
    dr = dc = other = 0
    refs: list[tuple[int, int, int, int]] = []
    referents = anchors = 0
    seen: set[str] = set()
    for m in _REF.finditer(text):
        if m.group(0) in seen:
            continue  # a reference repeated (a guard such as IF(COUNT(x)=0,…,SUM(x))) counts once
        seen.add(m.group(0))
        r1, rel_r1 = _part(m.group(2))
        c1, rel_c1 = _part(m.group(3))
        r2, rel_r2 = _part(m.group(4)) if m.group(4) else (r1, rel_r1)
        c2, rel_c2 = _part(m.group(5)) if m.group(5) else (c1, rel_c1)
        anchors += sum(not rel for rel in ((rel_r1, rel_c1, rel_r2, rel_c2) if m.group(4) else (rel_r1, rel_c1)))
        rows, cols = abs(r2 - r1) + 1, abs(c2 - c1) + 1
        if m.group("sheet"):
            other += rows * cols
            continue
        dr += cols * (r1 + r2) * rows // 2
        dc += rows * (c1 + c2) * cols // 2
        refs.append((r1, c1, r2, c2))
        referents += rows * cols
    rest = _REF.sub(" ", text)
    constants = sum(1 for m in _NUMBER.finditer(rest) if float(m.group(1)) != 0.0)
    first = (refs[0][0], refs[0][1]) if refs else (0, 0)
    return Shape((dr, dc, other, constants), tuple(sorted(refs)), referents, constants, anchors, first)


def relative_cells(form: str, limit: int = 64) -> list[tuple[int, int]] | None:
    """The (row, column) offsets a formula in relative R1C1 form reads on its own sheet through
    wholly relative references, ranges expanded; None when that is more than ``limit`` cells."""
    out: list[tuple[int, int]] = []
    for m in _REF.finditer(_STRING.sub('""', form)):
        parts = [m.group(i) for i in (2, 3, 4, 5) if m.group(i)]
        if m.group("sheet") or not all(p.startswith("[") for p in parts):
            continue  # the same cell for every copy (or another sheet's): it does not tell lines apart
        r1, c1 = _part(m.group(2))[0], _part(m.group(3))[0]
        r2, c2 = (_part(m.group(4))[0], _part(m.group(5))[0]) if m.group(4) else (r1, c1)
        if (abs(r2 - r1) + 1) * (abs(c2 - c1) + 1) + len(out) > limit:
            return None
        out.extend((r, c) for r in range(min(r1, r2), max(r1, r2) + 1) for c in range(min(c1, c2), max(c1, c2) + 1))
    return out


def regions(vectors: dict[tuple[int, int], Vector]) -> list[Rect[Vector]]:
    """Vertical runs of one fingerprint, joined side by side into rectangles when the runs of
    neighbouring columns have the same rows and fingerprint."""
    runs: list[Rect[Vector]] = []
    open_runs: dict[int, tuple[int, int, Vector]] = {}  # column → (first row, last row, fingerprint)
    for key in sorted(vectors):  # row by row (cells usually come in this order: a linear sort)
        r, c = key
        v = vectors[key]
        run = open_runs.get(c)
        if run is not None and run[1] == r - 1 and run[2] == v:
            open_runs[c] = (run[0], r, v)
            continue
        if run is not None:
            runs.append(Rect(run[0], c, run[1], c, run[2]))
        open_runs[c] = (r, r, v)
    runs.extend(Rect(first, c, last, c, v) for c, (first, last, v) in open_runs.items())
    runs.sort(key=lambda x: (x.c1, x.r1))
    return join_across(runs)


@dataclass(frozen=True, slots=True)
class Fix:
    """Giving ``small`` the fingerprint of ``large`` (their union is a rectangle)."""

    small: Rect[Vector]
    large: Rect[Vector]
    score: float
    categories: tuple[str, ...]
    only_small: bool = False  # the smaller side alone is named (set by the rule, see rules/fixes.py)


def _entropy_score(small: int, large: int, distance: int) -> float:
    n = small + large
    h = -sum(k / n * math.log2(k / n) for k in (small, large))
    return (1.0 - h / math.log2(n)) / (max(1, distance) * small)


def categories(a: Shape, b: Shape, vertical: bool) -> tuple[str, ...]:
    """ExceLint's categories of how two formulas differ (TypeScript core's binning)."""
    found: list[str] = []
    for s in (a, b):
        if s.refs and s.first == ((-1, 0) if vertical else (0, -1)):
            found.append("recurrent")
            break
    if a.referents != b.referents:
        found.append("referent-count")
    if a.constants != b.constants:
        found.append("one-extra-constant" if abs(a.constants - b.constants) == 1 else "constant-count")
    if a.constants and b.constants and a.referents * b.referents == 0:
        found.append("constants-only" if a.referents + b.referents == 0 else "one-is-constants")
    if a.refs != b.refs:
        found.append("ranges")
    if a.anchors != b.anchors:
        found.append("absolute-mix")
    if any(s.refs and s.first[0] * s.first[1] != 0 for s in (a, b)):
        found.append("off-axis")
    if "one-is-constants" in found:
        return ("one-is-constants",)
    return tuple(found)


def proposed_fixes(rects: list[Rect[Vector]], shapes: dict[Vector, Shape]) -> list[Fix]:
    """Every fix of two rectangles sharing a whole side that passes the published filters,
    best score first."""
    by_ul = {(x.r1, x.c1): x for x in rects}
    out: list[Fix] = []
    for a in rects:
        # the rectangle below a and the one to its right (each pair is seen once)
        for b in (by_ul.get((a.r2 + 1, a.c1)), by_ul.get((a.r1, a.c2 + 1))):
            if b is None or b.key == a.key:
                continue
            below = b.r1 == a.r2 + 1
            if below and (b.c2 != a.c2) or not below and (b.r2 != a.r2):
                continue  # the union is not a rectangle
            if a.size + b.size < MIN_FIX_CELLS:
                continue
            if not (a.c1 == a.c2 == b.c1 == b.c2 or a.r1 == a.r2 == b.r1 == b.r2):
                continue  # a "fat" fix over several rows and columns
            small, large = (a, b) if (a.size, a.r1, a.c1) <= (b.size, b.r1, b.c1) else (b, a)
            cats = categories(shapes[small.key], shapes[large.key], vertical=below)
            if len(cats) > MAX_CATEGORIES:
                continue
            distance = sum(abs(x - y) for x, y in zip(small.key, large.key))
            out.append(Fix(small, large, _entropy_score(small.size, large.size, distance), cats))
    return sorted(out, key=lambda f: (-f.score, f.small.r1, f.small.c1))
