"""ExceLint's core, as published (Barowy, Berger, Zorn, OOPSLA 2018), written from the paper's
description for this project: reference vectors, an entropy-guided rectangular decomposition and
fixes ranked by entropy reduction weighted by fix distance.

1. *Reference vectors*: every reference of a formula is a vector relative to the formula's cell
   (a range stands for each of its cells); a reference to another sheet adds one unit on a third
   axis. A formula's *resultant* is the sum of its vectors — ExceLint's compressed "vector
   fingerprint". Cells are classed by the full set of relative references (:func:`~xl_tools.
   audit.formula.fingerprint`), numbers as data; text and empty cells take no part.
2. *Entropy-guided decomposition*: the sheet's bounding box is split recursively, each time along
   the row or column cut that leaves the least size-weighted class entropy ``n₁·H₁ + n₂·H₂`` in
   the two halves, until every part holds one class. The leaves are rectangles of one class.
3. *Fixes*: a leaf ``S`` of formulas bordering a larger leaf ``L`` of formulas along a whole side
   (so that ``S ∪ L`` is a rectangle) could take ``L``'s class. The fix removes the entropy
   ``(|S|+|L|)·H(|S|/(|S|+|L|))`` from the union; it is weighted by the fix distance, the L1
   distance between the two resultants, as ``gain / (1 + distance)``: a fix that changes the
   references a little is more likely a slip than one that rewrites them.

Cost is bounded: a sheet with more than :data:`MAX_CELLS` classified cells is not decomposed.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

MAX_CELLS = 20_000
DATA = -1

_REF = re.compile(r"(?P<sheet>(?:'(?:[^']|'')+'|[^\s!()'\",;+\-*/^&=<>:]+)!)?R(\[-?\d+\]|\d+)C(\[-?\d+\]|\d+)"
                  r"(?::R(\[-?\d+\]|\d+)C(\[-?\d+\]|\d+))?")


def _offset(part: str) -> tuple[int, bool]:
    return (int(part[1:-1]), True) if part.startswith("[") else (int(part), False)


@lru_cache(maxsize=65536)
def resultant(form: str, row: int = 0, col: int = 0) -> tuple[float, float, float]:
    """The sum of a formula's reference vectors (relative R1C1 form; absolute parts are taken
    relative to the cell at ``row``, ``col`` so that they are vectors too)."""
    dr_sum = dc_sum = other = 0.0
    for m in _REF.finditer(form):
        r1, rel_r1 = _offset(m.group(2))
        c1, rel_c1 = _offset(m.group(3))
        r2, rel_r2 = _offset(m.group(4)) if m.group(4) else (r1, rel_r1)
        c2, rel_c2 = _offset(m.group(5)) if m.group(5) else (c1, rel_c1)
        r1, r2 = (r1 if rel_r1 else r1 - row), (r2 if rel_r2 else r2 - row)
        c1, c2 = (c1 if rel_c1 else c1 - col), (c2 if rel_c2 else c2 - col)
        rows, cols = abs(r2 - r1) + 1, abs(c2 - c1) + 1
        dr_sum += rows * cols * (r1 + r2) / 2
        dc_sum += rows * cols * (c1 + c2) / 2
        if m.group("sheet"):
            other += rows * cols
    return dr_sum, dc_sum, other


@dataclass(frozen=True, slots=True)
class Leaf:
    r1: int
    c1: int
    r2: int
    c2: int
    cls: int
    count: int  # classified cells inside (the rest are empty or text)

    @property
    def size(self) -> int:
        return (self.r2 - self.r1 + 1) * (self.c2 - self.c1 + 1)


def _entropy(counts: Counter[int]) -> float:
    n = sum(counts.values())
    return -sum(v / n * math.log2(v / n) for v in counts.values() if v) if n else 0.0


def decompose(classes: dict[tuple[int, int], int]) -> list[Leaf]:
    """Leaves of the entropy-guided binary split of the classified cells (see module docstring)."""
    if not classes or len(classes) > MAX_CELLS:
        return []
    rows = [r for r, _ in classes]
    cols = [c for _, c in classes]
    leaves: list[Leaf] = []
    stack = [(min(rows), min(cols), max(rows), max(cols), list(classes.items()))]
    while stack:
        r1, c1, r2, c2, cells = stack.pop()
        if not cells:
            continue
        kinds = Counter(k for _, k in cells)
        if len(kinds) == 1:
            leaves.append(Leaf(r1, c1, r2, c2, next(iter(kinds)), len(cells)))
            continue
        best = None
        for axis in (0, 1):
            lo, hi = (r1, r2) if axis == 0 else (c1, c2)
            per_line: dict[int, Counter[int]] = {}
            for (key, k) in cells:
                per_line.setdefault(key[axis], Counter())[k] += 1
            before: Counter[int] = Counter()
            total = kinds
            for cut in range(lo, hi):
                before.update(per_line.get(cut, Counter()))
                after = total - before
                n1, n2 = sum(before.values()), sum(after.values())
                if not n1 or not n2:
                    continue
                cost = n1 * _entropy(before) + n2 * _entropy(after)
                if best is None or cost < best[0]:
                    best = (cost, axis, cut)
        if best is None:  # every cell on one line and mixed: split cell by cell along it
            for key, k in cells:
                leaves.append(Leaf(key[0], key[1], key[0], key[1], k, 1))
            continue
        _, axis, cut = best
        first = [(key, k) for key, k in cells if key[axis] <= cut]
        second = [(key, k) for key, k in cells if key[axis] > cut]
        if axis == 0:
            stack.append((r1, c1, cut, c2, first))
            stack.append((cut + 1, c1, r2, c2, second))
        else:
            stack.append((r1, c1, r2, cut, first))
            stack.append((r1, cut + 1, r2, c2, second))
    return [_tight(leaf, classes) for leaf in leaves]


def _tight(leaf: Leaf, classes: dict[tuple[int, int], int]) -> Leaf:
    """The leaf shrunk to the classified cells it holds."""
    keys = [(r, c) for r in range(leaf.r1, leaf.r2 + 1) for c in range(leaf.c1, leaf.c2 + 1)
            if (r, c) in classes] if leaf.size <= 4 * leaf.count + 64 else \
        [k for k in classes if leaf.r1 <= k[0] <= leaf.r2 and leaf.c1 <= k[1] <= leaf.c2]
    rows = [r for r, _ in keys]
    cols = [c for _, c in keys]
    return Leaf(min(rows), min(cols), max(rows), max(cols), leaf.cls, len(keys))


@dataclass(frozen=True, slots=True)
class Fix:
    small: Leaf
    large: Leaf
    score: float


def fixes(leaves: list[Leaf], resultants: dict[int, tuple[float, float, float]]) -> Iterator[Fix]:
    """Every fix of a formula leaf into a larger formula leaf that borders a whole side of it."""
    by_edge: dict[tuple[str, int, int, int], list[Leaf]] = {}
    for leaf in leaves:
        if leaf.count != leaf.size:
            continue  # holes: not a solid rectangle of one pattern
        by_edge.setdefault(("left", leaf.r1, leaf.r2, leaf.c1), []).append(leaf)
        by_edge.setdefault(("top", leaf.c1, leaf.c2, leaf.r1), []).append(leaf)
        by_edge.setdefault(("right", leaf.r1, leaf.r2, leaf.c2), []).append(leaf)
        by_edge.setdefault(("bottom", leaf.c1, leaf.c2, leaf.r2), []).append(leaf)
    for small in leaves:
        if small.cls < 0 or small.count != small.size:
            continue
        neighbours = (by_edge.get(("left", small.r1, small.r2, small.c2 + 1), [])
                      + by_edge.get(("top", small.c1, small.c2, small.r2 + 1), [])
                      + by_edge.get(("right", small.r1, small.r2, small.c1 - 1), [])
                      + by_edge.get(("bottom", small.c1, small.c2, small.r1 - 1), []))
        for large in neighbours:
            if large.cls < 0 or large.cls == small.cls or large.count != large.size or large.size <= small.size:
                continue
            n = small.size + large.size
            p = small.size / n
            gain = n * -(p * math.log2(p) + (1 - p) * math.log2(1 - p))
            a, b = resultants[small.cls], resultants[large.cls]
            distance = sum(abs(x - y) for x, y in zip(a, b))
            yield Fix(small, large, gain / (1 + distance))
