"""The allocation rules of the agreements, one function each.

Every function takes exact inputs (kronor as int/Fraction, populations as ints, in
länskod order) and returns the exact amount per region as Fractions. Rounding is a
separate, named step (:mod:`xl_tools.engine.rounding`), applied once at the end by
:func:`allocate`.

Which villkor uses which rule is declared in the agreement templates
(``templates/*.toml``, key ``rule``):

=====================  ===============================================================
rule                   used for
=====================  ===============================================================
population_share       the region's maximum: its population share of the pot
share_if_qualified     villkor 1 and 2: the share is paid only if the villkor was met;
                       money of regions that did not meet it is not redistributed
shared_among_qualified villkor 4 (delvillkor): the pot is shared only among the regions
                       that met it, by population among them
per_unit_capped        villkor 3, the contact stimulus: 3 000 kr per contact, at most
                       the population share of the pot first, unused money to the
                       regions that did more
fixed_plus_population  a fixed amount per region plus a population share of the rest
                       of the pot (the 2025 vårdkapacitet grant: 21 × 100 Mkr fixed
                       plus 3 786,5 Mkr by population)
amount_per_region      a pot given as a typed amount per region (SKR 2024's 150 Mkr
                       rural pot): no population split, the amounts must sum to the pot
=====================  ===============================================================

Each rule's function, workbook block, labels and checks are listed once in
:mod:`xl_tools.engine.registry`.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from xl_tools.engine.rounding import DEFAULT_ROUNDING, apply_rounding, normalise_rule
from xl_tools.errors import XlToolsError
from xl_tools.i18n import _
from xl_tools.money import format_kr

Kronor = Fraction


def _check(populations: Sequence[int], *others: Sequence[object]) -> None:
    if not populations or any(
        isinstance(p, bool) or not isinstance(p, numbers.Integral) or p <= 0 for p in populations
    ):
        raise XlToolsError(_("Every population must be a positive whole number."))
    for other in others:
        if len(other) != len(populations):
            raise XlToolsError(
                _("Expected {value} values, one per region, got {value2}.").format(
                    value=len(populations), value2=len(other))
            )


def _check_qualified(qualified: Sequence[object]) -> list[bool]:
    """Met / not met per region: booleans (or 0/1). Text such as "nej" is refused, not read as true."""
    result = []
    for q in qualified:
        if isinstance(q, bool):
            result.append(q)
        elif isinstance(q, numbers.Integral) and q in (0, 1):
            result.append(bool(q))
        else:
            raise XlToolsError(_("Whether a villkor was met must be true or false, got {q}.").format(
                                   q=repr(q)))
    return result


def _check_pot(pot: Fraction | int) -> Fraction:
    if isinstance(pot, bool) or not isinstance(pot, (numbers.Rational, Fraction)):
        raise XlToolsError(_("The pot must be an exact amount of kronor (int or Fraction), got {pot}.").format(
                               pot=repr(pot)))
    pot = Fraction(pot)
    if pot < 0:
        raise XlToolsError(_("The pot must not be negative."))
    return pot


def population_share(pot: Fraction | int, populations: Sequence[int]) -> list[Kronor]:
    """Each region's share of ``pot`` in proportion to its population.

    ``pot × befolkning / summa befolkning`` over the regions given (normally all 21).
    The shares sum exactly to the pot.
    """
    _check(populations)
    pot = _check_pot(pot)
    total = sum(populations)
    return [pot * p / total for p in populations]


def share_if_qualified(pot: Fraction | int, populations: Sequence[int],
                       qualified: Sequence[bool]) -> list[Kronor]:
    """Population share of the pot, paid only to regions that met the villkor.

    A region that did not meet it gets 0; its share is not given to anyone else
    (villkor 1 and 2: "landstingens andel ... om villkoret är uppfyllt").
    """
    _check(populations, qualified)
    met = _check_qualified(qualified)
    return [s if q else Fraction(0) for s, q in zip(population_share(pot, populations), met, strict=True)]


def shared_among_qualified(pot: Fraction | int, populations: Sequence[int],
                           qualified: Sequence[bool]) -> list[Kronor]:
    """The whole pot shared only among the regions that met the villkor, by population among them.

    Villkor 4: "De landsting som ... får, i förhållande till befolkningsmängd ...,
    dela på 50 miljoner kronor". If no region met it, nothing is paid.
    """
    _check(populations, qualified)
    met = _check_qualified(qualified)
    pot = _check_pot(pot)
    total = sum(p for p, q in zip(populations, met, strict=True) if q)
    if total == 0:
        return [Fraction(0)] * len(populations)
    return [pot * p / total if q else Fraction(0) for p, q in zip(populations, met, strict=True)]


def per_unit_capped(pot: Fraction | int, populations: Sequence[int], units: Sequence[int],
                    rate: Fraction | int) -> list[Kronor]:
    """A per-unit payment (e.g. 3 000 kr per contact) out of a capped pot.

    Villkor 3's contact stimulus, in two steps:

    1. Each region is paid for its units, ``units × rate``, but at most its
       population share of the pot (its *tak*).
    2. The money left in the pot after step 1 goes to the regions whose units were
       worth more than their tak, in proportion to that excess (the contacts they
       were not yet paid for). No region gets more than ``units × rate``.

    So the total paid is ``min(pot, Σ units × rate)``; if the regions did fewer
    contacts than the pot pays for, the rest of the pot is not paid out.
    """
    _check(populations, units)
    pot = _check_pot(pot)
    if isinstance(rate, bool) or not isinstance(rate, numbers.Rational) or rate < 0:
        raise XlToolsError(_("The rate per unit must be a non-negative exact amount, got {rate}.").format(
                               rate=repr(rate)))
    rate = Fraction(rate)
    for u in units:
        if isinstance(u, bool) or not isinstance(u, numbers.Integral) or u < 0:
            raise XlToolsError(_("Number of units must be a non-negative whole number, got {u}.").format(
                                   u=repr(u)))
    caps = population_share(pot, populations)
    demand = [rate * int(u) for u in units]
    first = [min(d, c) for d, c in zip(demand, caps)]
    excess = [d - f for d, f in zip(demand, first)]
    unused = pot - sum(first)
    total_excess = sum(excess)
    if total_excess <= unused:
        extra = excess
    else:
        extra = [unused * e / total_excess for e in excess]
    return [f + x for f, x in zip(first, extra)]


def fixed_plus_population(pot: Fraction | int, populations: Sequence[int],
                          fixed: Fraction | int) -> list[Kronor]:
    """A fixed amount to every region plus its population share of what is left of the pot.

    ``fixed + (pot − n × fixed) × befolkning / summa befolkning``. The rest of the pot
    must not be negative.
    """
    _check(populations)
    pot = _check_pot(pot)
    fixed = _check_pot(fixed)
    rest = pot - fixed * len(populations)
    if rest < 0:
        raise XlToolsError(
            _("The fixed amounts ({value} × {value2} kr) are more than the pot ({value3} kr).").format(
                value=len(populations), value2=format_kr(fixed), value3=format_kr(pot)))
    return [fixed + share for share in population_share(rest, populations)]


def amount_per_region(pot: Fraction | int, amounts: Sequence[Fraction | int]) -> list[Kronor]:
    """A pot given as one typed amount per region: the amounts themselves, checked to be non-negative.

    Whether they sum to the pot is a check the caller shows (the workbook's Kontroll sheet),
    not a reason to change them.
    """
    _check_pot(pot)
    result = []
    for a in amounts:
        if isinstance(a, bool) or not isinstance(a, (numbers.Rational, Fraction)) or a < 0:
            raise XlToolsError(_("An amount per region must be a non-negative exact amount, got {a}.").format(
                                   a=repr(a)))
        result.append(Fraction(a))
    return result


@dataclass(frozen=True)
class Allocation:
    """The result of one rule: exact and rounded amounts, with what they should sum to."""

    exact: tuple[Kronor, ...]
    amounts: tuple[Kronor, ...]
    rounding: str
    target: Kronor  # the exact sum the amounts should reach

    @property
    def total(self) -> Kronor:
        return sum(self.amounts, Fraction(0))

    @property
    def difference(self) -> Kronor:
        """Rounded total minus the exact target (0 when it reconciles)."""
        return self.total - self.target


def allocate(exact: Sequence[Fraction], rounding: str = DEFAULT_ROUNDING, *,
             target: Fraction | int | None = None,
             weights: Sequence[Fraction | int] | None = None) -> Allocation:
    """Apply a named rounding rule once, at the end, to exact amounts.

    ``target`` is the pot when the amounts share all of it (whole kronor for the
    rules that must reach it exactly); ``weights`` (populations) pick the largest
    recipient for ``residual-to-largest``.
    """
    rounding = normalise_rule(rounding)
    exact = tuple(Fraction(v) for v in exact)
    if target is None:
        target = sum(exact, Fraction(0))
        amounts = tuple(apply_rounding(exact, rounding, weights=weights))
    else:
        target = Fraction(target)
        amounts = tuple(apply_rounding(exact, rounding, target=target, weights=weights))
    return Allocation(exact=exact, amounts=amounts, rounding=rounding, target=target)
