"""Reconcile a published allocation table with population vectors, and derive the vector behind it.

Numbers only (no prose, no files): the faces (``xl-tools avstam``, ``xl-tools befolkning
harled``, the auditor) turn the results into text. Input :func:`derive` refuses is a
:class:`DerivationError` whose ``reason`` the faces word for the user.

Regions are positions ``0 … n−1`` in the order of the population vectors (länskod order
for the 21 regions); a published table is a list with the printed amount per position,
``None`` where the table has no amount for that region. All amounts are whole kronor
(ints); shares are exact :class:`~fractions.Fraction` until the one rounding step.

Two questions:

:func:`reconcile`
    Which population vector (reference date) and which rounding method reproduce the
    table? Every vector × every method of :data:`METHODS` is tried; candidates are ranked
    by the number of rows equal to the krona, then by the total absolute difference.
:func:`derive`
    Which integer population vector reproduces the table? For every national total ``T``
    in a range, the populations consistent with one printed amount form an integer
    interval (see :func:`boxes`); the intervals are intersected with ``Σ p = T`` in exact
    integer arithmetic (numpy ``int64`` over chunks of totals, overflow guarded), and the
    few totals that pass are checked exactly against the rounding rule.

A table may be printed in a coarser unit than kronor (whole tkr or Mkr); :func:`table_unit`
finds it and both functions work in that unit (``unit``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Generic, TypeVar

import numpy as np

from xl_tools.engine.rounding import largest_remainder, residual_to_largest, round_half_away
from xl_tools.engine.rules import population_share
from xl_tools.errors import XlToolsError
from xl_tools.i18n import _

METHODS = ("kronor", "largest-remainder", "residual-to-largest")
# A row counts as a rounding-sized difference when it is at most this many units (kronor) off:
# every method puts an amount within 1 kr of its exact share (the residual method excepted, on
# one row), so two methods, or a method and a hand correction, disagree by 1–2 kr. A wrong
# reference date moves amounts by thousands of kronor in a pot of millions (see docs/avstamning.md
# for the margins measured on the published tables).
PARTIAL_TOLERANCE = 3
DEFAULT_LOW = 9_000_000
DEFAULT_HIGH = 11_500_000
MAX_RANGE = 50_000_000  # totals searched at most (bounded time)
_CHUNK = 100_000
_INT64_LIMIT = 1 << 62
# Totals that pass the interval test and are then checked one by one; beyond this the count of
# totals is reported as found by the interval test (``exact_count`` False).
MAX_EXACT_CHECKS = 5_000
_MAX_NODES = 2_000  # enumeration budget per total (wide intervals, largest remainder)

Progress = Callable[[int, int], None]
K = TypeVar("K")  # what names a population vector (normally its reference date)


class DerivationError(XlToolsError):
    """Input :func:`derive` cannot take. ``reason`` names it for the faces, which word it for the
    user (the engine returns numbers, not prose; the English message is for programmers):
    ``range``, ``below-fixed``, ``no-rest`` or ``too-large``."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def fixed_plus_population(pot: Fraction | int, fixed: Fraction | int,
                          populations: Sequence[int]) -> list[Fraction]:
    """A fixed amount per region plus the population share of what is left of the pot:
    ``fixed + (pot − n × fixed) × p_i / Σp`` (exact). With ``fixed`` 0 it is
    :func:`~xl_tools.engine.rules.population_share`."""
    fixed = Fraction(fixed)
    rest = Fraction(pot) - fixed * len(populations)
    if rest < 0:
        raise XlToolsError(_("The fixed amounts exceed the pot."))
    return [fixed + share for share in population_share(rest, populations)]


def allocation(pot: int, populations: Sequence[int], method: str, fixed: int = 0) -> list[int]:
    """Whole-krona amounts of ``pot`` split by ``method`` (see :data:`METHODS`), fixed part first."""
    exact = fixed_plus_population(pot, fixed, populations)
    if method == "kronor":
        return [round_half_away(v) for v in exact]
    if method == "largest-remainder":
        return largest_remainder(exact, pot)
    if method == "residual-to-largest":
        return residual_to_largest(exact, pot, populations)
    raise XlToolsError(_("Unknown rounding method {method}; use one of {methods}.").format(
                           method=repr(method), methods=', '.join(METHODS)))


def table_unit(amounts: Sequence[int | None], pot: int, fixed: int = 0) -> int:
    """The coarsest power of ten (1, 10, …, 1 000 000) that divides every printed amount, the pot
    and the fixed part: a table printed in whole Mkr has unit 1 000 000. Tables with fewer than
    three amounts, or amounts that are all 0, are taken as kronor."""
    present = [a for a in amounts if a is not None]
    if len(present) < 3 or not any(present):
        return 1
    unit = 1
    for candidate in (10, 100, 1_000, 10_000, 100_000, 1_000_000):
        if all(a % candidate == 0 for a in present) and pot % candidate == 0 and fixed % candidate == 0:
            unit = candidate
    return unit if unit >= 1_000 else 1


# --------------------------------------------------------------------------------------------
# Reconciliation


@dataclass(frozen=True)
class RowDifference:
    """One row where the published amount differs from the candidate's."""

    index: int
    published: int
    computed: int

    @property
    def difference(self) -> int:
        return self.published - self.computed


@dataclass(frozen=True)
class Candidate(Generic[K]):
    """One population vector (``key``, normally its reference date) with one rounding method."""

    key: K
    method: str
    exact: int  # rows equal to the krona
    rows: int  # rows compared
    differences: tuple[RowDifference, ...]
    computed: tuple[int, ...]  # the candidate's amount for every region (all n)

    @property
    def total_difference(self) -> int:
        return sum(abs(d.difference) for d in self.differences)

    @property
    def largest_difference(self) -> int:
        return max((abs(d.difference) for d in self.differences), default=0)


@dataclass(frozen=True)
class Reconciliation(Generic[K]):
    """All candidates, best first, and the verdict: ``exact``, ``partial`` or ``none``."""

    verdict: str
    candidates: tuple[Candidate[K], ...]
    unit: int

    @property
    def best(self) -> Candidate[K] | None:
        return self.candidates[0] if self.candidates else None

    def exact_keys(self) -> list[K]:
        """The vectors (keys) with some method reproducing every row."""
        keys: list[K] = []
        for c in self.candidates:
            if c.exact == c.rows and c.key not in keys:
                keys.append(c.key)
        return keys


def reconcile(published: Sequence[int | None], pot: int, vectors: Mapping[K, Sequence[int]], *,
              fixed: int = 0, methods: Sequence[str] = METHODS,
              tolerance: int = PARTIAL_TOLERANCE) -> Reconciliation[K]:
    """Compare a published table with every vector × method.

    ``published`` has one entry per region (``None``: not in the table); ``pot`` is the whole
    amount split (fixed parts included), ``fixed`` the fixed amount per region. Verdict:
    ``exact`` when the best candidate equals every present row; ``partial`` when it is within
    ``tolerance`` (times the table's unit) on every row; ``none`` otherwise.
    """
    present = [i for i, a in enumerate(published) if a is not None]
    if not present:
        raise XlToolsError(_("The table has no amounts."))
    unit = table_unit(published, pot, fixed)
    candidates: list[Candidate[K]] = []
    for key, populations in vectors.items():
        if len(populations) != len(published):
            raise XlToolsError(_("Vector {key} has {n} values for {n2} regions.").format(
                                   key=repr(key), n=len(populations), n2=len(published)))
        for method in methods:
            try:
                scaled = allocation(pot // unit, populations, method, fixed // unit)
            except (ValueError, XlToolsError):
                continue  # the method cannot reach this pot
            computed = tuple(a * unit for a in scaled)
            diffs = tuple(RowDifference(i, a, computed[i])
                          for i, a in enumerate(published) if a is not None and a != computed[i])
            candidates.append(Candidate(key, method, len(present) - len(diffs), len(present), diffs, computed))
    candidates.sort(key=lambda c: (-c.exact, c.total_difference))
    best = candidates[0] if candidates else None
    if best is None:
        verdict = "none"
    elif best.exact == best.rows:
        verdict = "exact"
    elif best.largest_difference <= tolerance * unit:
        verdict = "partial"
    else:
        verdict = "none"
    return Reconciliation(verdict, tuple(candidates), unit)


# --------------------------------------------------------------------------------------------
# Derivation


@dataclass(frozen=True)
class Solution:
    """One population vector that reproduces the table; ``None`` for regions it cannot fix."""

    total: int
    populations: tuple[int | None, ...]
    methods: tuple[str, ...]


@dataclass
class Derivation:
    """What :func:`derive` found over the range of totals.

    ``totals`` — how many national totals admit a vector (by the interval test, and checked
    one by one when ``exact_count``); ``solutions`` — the distinct vectors found (at most a
    few per total); ``unique`` — exactly one total and one vector, every region determined.
    """

    low: int
    high: int
    unit: int
    totals: int = 0
    exact_count: bool = True
    solutions: list[Solution] = field(default_factory=list)
    ambiguous_totals: int = 0  # totals with more than one vector

    @property
    def unique(self) -> bool:
        return (self.totals == 1 and len(self.solutions) == 1 and self.ambiguous_totals == 0
                and all(p is not None for p in self.solutions[0].populations))

    @property
    def solution(self) -> Solution | None:
        return self.solutions[0] if self.unique else None


def _ceil_div(num: np.ndarray, den: int) -> np.ndarray:
    return -((-num) // den)


def boxes(method: str, amount: int, pot: int, totals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The integer populations ``[lo, hi]`` (per total ``T``) consistent with one printed amount.

    ``kronor`` (half away from zero): ``a − ½ ≤ pot·p/T < a + ½``; ``largest-remainder``: the
    amount is the floor or the floor + 1 of the exact share, ``a − 1 ≤ pot·p/T < a + 1`` (which
    of the two, and the ordering of remainders, is checked per total afterwards). Populations
    are at least 1.
    """
    if method == "largest-remainder":
        lo = _ceil_div((amount - 1) * totals, pot)
        hi = _ceil_div((amount + 1) * totals, pot) - 1
    else:
        lo = _ceil_div((2 * amount - 1) * totals, 2 * pot)
        hi = _ceil_div((2 * amount + 1) * totals, 2 * pot) - 1
    return np.maximum(lo, 1), hi


def derive(published: Sequence[int | None], pot: int, *, fixed: int = 0, low: int = DEFAULT_LOW,
           high: int = DEFAULT_HIGH, methods: Sequence[str] = METHODS,
           progress: Progress | None = None, max_solutions: int = 20) -> Derivation:
    """Find the integer populations (and national total in ``[low, high]``) reproducing the table.

    ``published`` as for :func:`reconcile`; regions without an amount are free (their
    populations are not determined, only their sum when one region is missing). The search
    runs over every total in exact integer arithmetic; ``progress(done, total)`` is called
    after each chunk.
    """
    n = len(published)
    if not 1 <= low <= high or high - low + 1 > MAX_RANGE:
        raise DerivationError("range", f"The range of totals must be 1 ≤ low ≤ high and at most {MAX_RANGE} wide.")
    unit = table_unit(published, pot, fixed)
    amounts = [None if a is None else (a - fixed) // unit for a in published]
    if any(a is not None and a < 0 for a in amounts):
        raise DerivationError("below-fixed", "An amount is smaller than the fixed part per region.")
    rest = (pot - fixed * n) // unit
    if rest <= 0:
        raise DerivationError("no-rest", "Nothing of the pot is split by population.")
    present = [i for i, a in enumerate(amounts) if a is not None]
    free = [i for i, a in enumerate(amounts) if a is None]
    biggest = max(a for a in amounts if a is not None)
    if (2 * biggest + 3) * high >= _INT64_LIMIT or 2 * rest * high >= _INT64_LIMIT:
        raise DerivationError("too-large",
                              "The amounts are too large for the derivation (more than 10^11 kr per region).")
    # The methods that pay exactly the pot fix a single missing amount: the pot minus the others.
    exact_sum = {m: _complete(amounts, rest, free) for m in methods if m != "kronor"}
    plans = {m: exact_sum[m] if m in exact_sum else (amounts, present, free) for m in methods}
    result = Derivation(low, high, unit)
    size = high - low + 1
    sure = np.zeros(size, dtype=bool)  # totals where the interval test alone is exact (half-up)
    maybe = np.zeros(size, dtype=bool)  # totals that pass a necessary test only
    survivors: list[tuple[str, int, np.ndarray, np.ndarray]] = []
    steps = math.ceil(size / _CHUNK)
    # The residual method: the largest recipient (by amount, checked by population) takes what the
    # others' roundings leave.
    plan = plans.get("residual-to-largest")
    largest = max(plan[1], key=lambda i: (plan[0][i], -i)) if plan else -1
    for step in range(steps):
        start = low + step * _CHUNK
        totals = np.arange(start, min(high, start + _CHUNK - 1) + 1, dtype=np.int64)
        for method in methods:
            method_plan = plans[method]
            if method_plan is None:
                continue  # the amounts do not sum to the pot, as this method's would
            known, shown, free_m = method_plan
            boxed = [i for i in shown if not (method == "residual-to-largest" and i == largest)]
            loose = len(free_m) + (1 if method == "residual-to-largest" else 0)
            t, los, his = _interval_test(method, boxed, known, rest, totals, loose)
            if not len(t):
                continue
            (sure if method == "kronor" else maybe)[t - low] = True
            if len(survivors) + len(t) <= MAX_EXACT_CHECKS:
                survivors.extend((method, int(t[k]), los[k], his[k]) for k in range(len(t)))
            else:
                result.exact_count = False
        if progress is not None:
            progress(step + 1, steps)
    if not result.exact_count:
        # Too many totals pass to list vectors: a table this coarse has no unique solution.
        result.totals = int(np.count_nonzero(sure | maybe))
        result.exact_count = not bool(np.any(maybe & ~sure))
        result.ambiguous_totals = result.totals
        return result
    found: dict[int, dict[tuple[int | None, ...], set[str]]] = {}
    crowded: set[int] = set()  # totals with more vectors than were listed
    for method, total, lo, hi in survivors:
        method_plan = plans[method]
        assert method_plan is not None  # survivors come only from methods with a plan
        known, shown, free_m = method_plan
        boxed = [i for i in shown if not (method == "residual-to-largest" and i == largest)]
        vectors, more = _vectors(method, total, boxed, free_m, largest, lo, hi, known, rest, n)
        if more:
            crowded.add(total)
            if not vectors:  # the enumeration budget ran out before a vector was confirmed
                found.setdefault(total, {})
                result.exact_count = False
        for vector in vectors:
            found.setdefault(total, {}).setdefault(vector, set()).add(method)
    result.totals = len(found)
    for total in sorted(found):
        methods_of = found[total]
        if len(methods_of) > 1 or total in crowded:
            result.ambiguous_totals += 1
        for vector, used in methods_of.items():
            if len(result.solutions) < max_solutions:
                result.solutions.append(Solution(total, vector, tuple(m for m in METHODS if m in used)))
    return result


def _complete(amounts: list[int | None], rest: int,
              free: list[int]) -> tuple[list[int | None], list[int], list[int]] | None:
    """For a method whose amounts sum exactly to the pot: (amounts, shown, free) with a single
    missing amount filled in as the pot minus the others; None when the amounts cannot be such a
    split (all shown and not summing to the pot, or more than the pot)."""
    left = rest - sum(a for a in amounts if a is not None)
    if (not free and left != 0) or left < 0:
        return None
    if len(free) != 1:
        return amounts, [i for i, a in enumerate(amounts) if a is not None], free
    filled = list(amounts)
    filled[free[0]] = left
    return filled, list(range(len(amounts))), []


def _interval_test(method: str, boxed: list[int], amounts: list[int | None], rest: int,
                   totals: np.ndarray, loose: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The totals (of a chunk) at which every boxed region has a population in its interval and
    the intervals can sum to the total (free regions at least 1 each); with their intervals.
    Regions are tested one after another on the totals still standing, so a fine table costs
    little more than its first region."""
    rule = "largest-remainder" if method == "largest-remainder" else "kronor"
    keep = totals
    columns: list[tuple[np.ndarray, np.ndarray]] = []
    for i in boxed:
        amount = amounts[i]
        assert amount is not None  # a boxed region has a printed amount
        lo, hi = boxes(rule, amount, rest, keep)
        ok = lo <= hi
        if not ok.all():
            keep, lo, hi = keep[ok], lo[ok], hi[ok]
            columns = [(a[ok], b[ok]) for a, b in columns]
        columns.append((lo, hi))
        if not len(keep):
            empty = np.zeros((0, len(boxed)), dtype=np.int64)
            return keep, empty, empty
    los = np.stack([c[0] for c in columns], axis=1) if columns else np.zeros((len(keep), 0), dtype=np.int64)
    his = np.stack([c[1] for c in columns], axis=1) if columns else los
    ok = los.sum(axis=1) + loose <= keep
    if loose == 0:
        ok &= keep <= his.sum(axis=1)
    return keep[ok], los[ok], his[ok]


def _vectors(method: str, total: int, boxed: list[int], free: list[int], largest: int,
             lo: np.ndarray, hi: np.ndarray, amounts: list[int | None], rest: int,
             n: int) -> tuple[list[tuple[int | None, ...]], bool]:
    """The vectors at one total that reproduce the table exactly: at most two (enough to tell
    unique from not unique), and whether there are others. Free regions (no amount; the largest
    under the residual method) take what the others leave; when more than one is free their
    split is open (None, and more than one vector)."""
    lo_l, hi_l = [int(v) for v in lo], [int(v) for v in hi]
    loose = list(free) + ([largest] if method == "residual-to-largest" else [])
    out: list[tuple[int | None, ...]] = []
    for leaves, chosen in enumerate(_box_sums(lo_l, hi_l, total, len(loose)), start=1):
        if leaves > _MAX_NODES or len(out) >= 2:
            return out, True
        vector: list[int | None] = [None] * n
        for i, p in zip(boxed, chosen):
            vector[i] = p
        if len(loose) == 1:
            vector[loose[0]] = total - sum(chosen)
        if len(loose) > 1:
            return [tuple(vector)], True
        if _reproduces(method, vector, amounts, rest, total, largest):
            out.append(tuple(vector))
    return out, False


def _box_sums(lo: list[int], hi: list[int], total: int, loose: int) -> Iterator[list[int]]:
    """Integer vectors in the box ``lo ≤ x ≤ hi`` with ``Σx = total`` (no free regions), or
    ``Σx ≤ total − loose`` (free regions take the rest, at least 1 each)."""
    m = len(lo)
    suffix_lo = [0] * (m + 1)
    suffix_hi = [0] * (m + 1)
    for k in range(m - 1, -1, -1):
        suffix_lo[k] = suffix_lo[k + 1] + lo[k]
        suffix_hi[k] = suffix_hi[k + 1] + hi[k]
    cap = total - loose

    def walk(k: int, acc: int, prefix: list[int]) -> Iterator[list[int]]:
        if k == m:
            if loose or acc == total:
                yield list(prefix)
            return
        for value in range(lo[k], hi[k] + 1):
            low_sum = acc + value + suffix_lo[k + 1]
            if low_sum > cap:
                break
            if not loose and acc + value + suffix_hi[k + 1] < total:
                continue
            prefix.append(value)
            yield from walk(k + 1, acc + value, prefix)
            prefix.pop()

    yield from walk(0, 0, [])


def _reproduces(method: str, vector: list[int | None], amounts: list[int | None], rest: int,
                total: int, largest: int) -> bool:
    """Exact check of a vector from the boxes (every region determined but the one left free).

    The half-up boxes are exact, so ``kronor`` needs no check and ``residual-to-largest`` only
    that the free region is the largest. ``largest-remainder``: with ``d_i = rest·p_i/T − a_i``
    the amounts are its result exactly when every ``d_i`` lies in ``[−1, 1)`` and
    ``max d − min d ≤ 1`` (the regions rounded up have the largest remainders); equality is a tie
    in remainders, settled by the engine's own rule (list order)."""
    if any(p is None or p <= 0 for p in vector):
        return False
    pops = [p for p in vector if p is not None]  # every one is (checked above)
    if method == "kronor":
        return True
    if method == "residual-to-largest":
        return max(range(len(pops)), key=lambda i: (pops[i], -i)) == largest
    scaled = [rest * p - a * total for p, a in zip(pops, amounts) if a is not None]  # d_i × T
    if any(not -total <= d < total for d in scaled):
        return False
    spread = max(scaled) - min(scaled)
    if spread < total:
        return True
    if spread > total:
        return False
    computed = allocation(rest, pops, method)
    return all(a is None or a == c for a, c in zip(amounts, computed))
