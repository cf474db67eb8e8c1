"""The documented Python API. Every CLI command and every UDF is a thin shell over these.

>>> from xl_tools.api import fordela
>>> d = fordela(100_000_000, 2016, rounding="largest-remainder")
>>> d.rows[0].region.name, d.rows[0].amount
('Stockholm', Fraction(22714621, 1))
>>> d.allocation.total
Fraction(100000000, 1)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from xl_tools.engine.rounding import DEFAULT_ROUNDING, normalise_rule
from xl_tools.engine.rules import Allocation, allocate, per_unit_capped, population_share
from xl_tools.i18n import _
from xl_tools.money import parse_amount
from xl_tools.population import describe_date, load_population, to_reference_date
from xl_tools.regions import REGIONS, Region, resolve_region


@dataclass(frozen=True)
class Row:
    region: Region
    population: int
    share: Fraction
    exact: Fraction
    amount: Fraction


@dataclass(frozen=True)
class Distribution:
    """A pot split over the 21 regions, with how the total reconciles."""

    pot: Fraction
    reference_date: dt.date
    population_total: int
    rows: tuple[Row, ...]
    allocation: Allocation

    @property
    def reference_text(self) -> str:
        return describe_date(self.reference_date)


def andel(region: object, pot: object, year: object, rounding: str | None = DEFAULT_ROUNDING) -> Fraction:
    """One region's share of ``pot`` by population at the reference date.

    ``year`` is the year of "befolkningsmängd den 1 november ÅR" (an int), or any
    reference date. The share is rounded by the named rule; with rounding
    ``largest-remainder`` it is the region's amount in the full 21-region split.
    """
    r = resolve_region(region)
    d = fordela(pot, year, rounding)
    return next(row.amount for row in d.rows if row.region == r)


def fordela(pot: object, year: object, rounding: str | None = DEFAULT_ROUNDING) -> Distribution:
    """Split ``pot`` over all 21 regions by population at the reference date."""
    amount = parse_amount(pot)
    date = to_reference_date(year)
    table = load_population()
    pops = table.vector(date)
    total = sum(pops)
    alloc = allocate(population_share(amount, pops), normalise_rule(rounding), target=amount, weights=pops)
    rows = tuple(
        Row(region=r, population=p, share=Fraction(p, total), exact=e, amount=a)
        for r, p, e, a in zip(REGIONS, pops, alloc.exact, alloc.amounts)
    )
    return Distribution(pot=amount, reference_date=date, population_total=total, rows=rows,
                        allocation=alloc)


def kontakter(units: Sequence[object], pot: object, rate: object, year: object,
              rounding: str | None = DEFAULT_ROUNDING) -> Allocation:
    """The capped per-contact rule (villkor 3) over 21 counts in länskod order."""
    if len(units) != len(REGIONS):
        from xl_tools.errors import XlToolsError

        raise XlToolsError(_("Give one number of contacts per region: 21 values, got {value}.").format(
                               value=len(units)))
    counts = [_whole(u) for u in units]
    pops = load_population().vector(to_reference_date(year))
    exact = per_unit_capped(parse_amount(pot), pops, counts, parse_amount(rate, what="rate per contact"))
    # What is paid out is the target: a whole-krona rule refuses a sum with öre instead of rounding it up.
    return allocate(exact, normalise_rule(rounding), target=sum(exact, Fraction(0)), weights=pops)


def befolkning(region: object, year: object) -> int:
    """Population of one region at the reference date."""
    return load_population().population(resolve_region(region), to_reference_date(year))


def _whole(value: object) -> int:
    """A number of contacts (blank: 0), read by the one count parser of :mod:`xl_tools.money`."""
    from xl_tools.errors import XlToolsError
    from xl_tools.money import parse_count

    try:
        count = parse_count(value, what="number of contacts")
    except XlToolsError as exc:
        raise XlToolsError(_("Number of contacts must be a non-negative whole number: {value}.").format(
                               value=str(exc).rstrip('.'))) from None
    return 0 if count is None else count
