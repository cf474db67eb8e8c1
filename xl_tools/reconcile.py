"""Check a published allocation table, and derive the population behind it: the Python API
behind ``xl-tools avstam`` and ``xl-tools befolkning harled``.

>>> from xl_tools.reconcile import avstam
>>> result = avstam("tests/fixtures/allocation-tables/skr2022_kvinnors_halsa.csv", "1382 Mkr")
>>> result.verdict, result.best.key.isoformat(), result.best.method
('exact', '2021-11-01', 'largest-remainder')

:func:`avstam` tries every population vector the tool holds (shipped and user data) with every
rounding method (:data:`xl_tools.engine.reconcile.METHODS`); :func:`harled` searches the integer
population vector that reproduces the table; :func:`spara` stores a derived vector in the user
population file, marked as derived. Results have ``as_dict()`` (the JSON the CLI prints); the
numbers come from :mod:`xl_tools.engine.reconcile`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xl_tools.allocation_table import PublishedTable, TableError, read_table
from xl_tools.engine.reconcile import (
    DEFAULT_HIGH,
    DEFAULT_LOW,
    MAX_RANGE,
    PARTIAL_TOLERANCE,
    Candidate,
    Derivation,
    DerivationError,
    Progress,
    Reconciliation,
    derive,
    reconcile,
)
from xl_tools.errors import AmountError
from xl_tools.i18n import _
from xl_tools.money import format_kr, parse_amount
from xl_tools.population import (
    DERIVED_MARK,
    PopulationTable,
    date_text,
    dates_in_text,
    load_population,
    read_csv,
    reload_population,
    to_reference_date,
    user_data_file,
    write_csv,
)
from xl_tools.regions import REGIONS

MAX_CANDIDATES = 10
# The rows must sum to about the pot's share for the regions they cover: a pot more than this
# factor off is a typing mistake (Mkr for kr), not a table to reconcile.
MAGNITUDE = 3
ROUNDING_NAMES_SV = {"kronor": "kronor", "largest-remainder": "storsta-rest",
                     "residual-to-largest": "rest-till-storsta"}


def stated_date(texts: list[str]) -> dt.date | None:
    """The reference date a table's headings state ("Befolkning (1 nov 2019)"), if exactly one."""
    found = set().union(*(dates_in_text(text) for text in texts)) if texts else set()
    return found.pop() if len(found) == 1 else None


def _pot(value: object, fixed: bool = False) -> int:
    """The pot (or with ``fixed`` the fixed amount per region) in whole kronor."""
    if str(value).strip().startswith(("-", "−")):
        text = (_("The fixed amount {value!r} is negative; give an amount ≥ 0 kr.") if fixed
                else _("The pot {value!r} is negative; give an amount ≥ 0 kr."))
        raise TableError(text.format(value=value))
    try:
        amount = parse_amount(value, what="pot")
    except AmountError:
        text = (_("The fixed amount {value!r} is not an amount. Write whole kronor, e.g. 100000000, '100 000 000' "
                  "or '100 Mkr'.") if fixed
                else _("The pot {value!r} is not an amount. Write whole kronor, e.g. 937000000, '937 000 000' or "
                       "'937 Mkr'."))
        raise TableError(text.format(value=value)) from None
    if amount.denominator != 1:
        text = (_("The fixed amount {value!r} has öre; give whole kronor.") if fixed
                else _("The pot {value!r} has öre; give whole kronor."))
        raise TableError(text.format(value=value))
    return int(amount)


def _table(table: PublishedTable | str | Path, sheet: str | None, cell_range: str | None,
           pot: int) -> PublishedTable:
    if isinstance(table, PublishedTable):
        return table
    return read_table(table, sheet=sheet, cell_range=cell_range, pot=pot)


def check_pot(table: PublishedTable, pot: int, fixed: int, population: PopulationTable) -> None:
    """Refuse a pot that is not the rows' order of magnitude, and fixed parts that do not fit."""
    if pot <= 0:
        raise TableError(_("The pot must be more than 0 kr."))
    n = len(REGIONS)
    if fixed * n > pot:
        raise TableError(_("The fixed amounts, {n} × {fixed} kr, are more than the pot {pot} kr. Check --pot and "
                           "--fixed-per-region.").format(n=n, fixed=format_kr(fixed), pot=format_kr(pot)))
    if fixed and fixed * n == pot:
        raise TableError(_("The fixed amounts, {n} × {fixed} kr, are the whole pot {pot} kr: nothing is split by "
                           "population. Check --pot and --fixed-per-region.").format(
            n=n, fixed=format_kr(fixed), pot=format_kr(pot)))
    for row in table.rows:
        if row.amount is not None and row.amount < fixed:
            raise TableError(_("{table}, row {line}: {region} gets {amount} kr, less than the fixed amount {fixed} kr "
                               "per region.").format(table=table.name, line=row.line, region=row.region.name,
                                                     amount=format_kr(row.amount), fixed=format_kr(fixed)))
    latest = population.dates()[-1]
    pops = dict(zip((r.code for r in REGIONS), population.vector(latest)))
    share = sum(pops[r.region.code] for r in table.rows if r.amount is not None) / sum(pops.values())
    present = sum(1 for r in table.rows if r.amount is not None)
    expected = fixed * present + (pot - fixed * n) * share
    ratio = table.row_sum / expected if expected else 0
    if not 1 / MAGNITUDE <= ratio <= MAGNITUDE:
        raise TableError(_("The pot {pot} kr does not fit the table: its {count} amounts sum to {sum} kr, expected "
                           "about {expected} kr. Give the whole pot in kronor (e.g. --pot 937000000 or --pot "
                           "'937 Mkr').").format(pot=format_kr(pot), count=present, sum=format_kr(table.row_sum),
                                                 expected=format_kr(round(expected))))


@dataclass
class AvstamResult:
    """The outcome of :func:`avstam`."""

    table: PublishedTable
    pot: int
    fixed: int
    reconciliation: Reconciliation[dt.date]
    stated: dt.date | None
    population: PopulationTable

    @property
    def verdict(self) -> str:
        return self.reconciliation.verdict

    @property
    def best(self) -> Candidate[dt.date]:
        return self.reconciliation.candidates[0]

    @property
    def other_exact_dates(self) -> list[dt.date]:
        """Other vectors that reproduce every row too (a table too coarse to tell them apart)."""
        return [k for k in self.reconciliation.exact_keys() if k != self.best.key]

    @property
    def close_dates(self) -> list[dt.date]:
        """Other vectors within the partial tolerance on every row: for a small pot the table cannot
        tell these dates apart."""
        limit = PARTIAL_TOLERANCE * self.reconciliation.unit
        return list(dict.fromkeys(c.key for c in self.reconciliation.candidates
                                  if c.key != self.best.key and c.largest_difference <= limit))

    @property
    def stated_differs(self) -> bool:
        """The table states a reference date, and another one reproduces it (better)."""
        return self.stated is not None and self.verdict != "none" and self.best.key != self.stated \
            and self.stated not in self.reconciliation.exact_keys()

    def candidate_dict(self, c: Candidate[dt.date]) -> dict[str, Any]:
        return {
            "reference_date": c.key.isoformat(),
            "rounding": c.method,
            "exact": c.exact,
            "rows": c.rows,
            "status": self.population.status(c.key),
            "differences": [
                {"code": REGIONS[d.index].code, "region": REGIONS[d.index].name, "published": d.published,
                 "computed": d.computed, "difference": d.difference}
                for d in c.differences
            ],
        }

    def as_dict(self) -> dict[str, Any]:
        table = self.table
        return {
            "pot": self.pot,
            "rows": sum(1 for r in table.rows if r.amount is not None),
            "missing": [r.code for r in table.missing],
            "verdict": self.verdict,
            "best": self.candidate_dict(self.best),
            "candidates": [self.candidate_dict(c) for c in self.reconciliation.candidates[:MAX_CANDIDATES]],
            "fixed_per_region": self.fixed,
            "unit": self.reconciliation.unit,
            "row_sum": table.row_sum,
            "total_row": table.total,
            "stated_date": self.stated.isoformat() if self.stated else None,
            "other_exact_dates": [d.isoformat() for d in self.other_exact_dates],
            "close_dates": [d.isoformat() for d in self.close_dates],
        }


def avstam(table: PublishedTable | str | Path, pot: object, *, fixed_per_region: object = 0,
           stated: object = None, sheet: str | None = None, cell_range: str | None = None,
           population: PopulationTable | None = None) -> AvstamResult:
    """Which population vector and rounding method reproduce ``table`` (a path or a read table)?

    ``pot`` is the whole amount split (kronor, or text such as ``"937 Mkr"``); with
    ``fixed_per_region`` each region gets that amount first and the rest is split by population.
    ``stated`` is the reference date the table's text gives (by default read from its headings).
    """
    pot_kr = _pot(pot)
    table = _table(table, sheet, cell_range, pot_kr)
    population = load_population() if population is None else population
    fixed = _pot(fixed_per_region, fixed=True) if fixed_per_region else 0
    check_pot(table, pot_kr, fixed, population)
    vectors = {d: population.vector(d) for d in population.dates()}
    result = reconcile(table.amounts(), pot_kr, vectors, fixed=fixed)
    when = to_reference_date(stated) if stated not in (None, "") else stated_date(table.heading)
    return AvstamResult(table, pot_kr, fixed, result, when, population)


@dataclass
class HarledResult:
    """The outcome of :func:`harled`."""

    table: PublishedTable
    pot: int
    fixed: int
    derivation: Derivation
    matches: dt.date | None  # the vector the tool holds that equals the solution

    @property
    def unique(self) -> bool:
        return self.derivation.unique

    def populations(self) -> list[int] | None:
        solution = self.derivation.solution
        # (a solution is given only when unique: every population is determined)
        return None if solution is None else [p for p in solution.populations if p is not None]

    def as_dict(self) -> dict[str, Any]:
        d = self.derivation
        solution = d.solution
        pops = self.populations()
        return {
            "unique": d.unique,
            "total": solution.total if solution else None,
            "candidates": d.totals,
            "populations": [] if pops is None else [
                {"code": r.code, "region": r.name, "population": p} for r, p in zip(REGIONS, pops)],
            "matches_shipped": self.matches.isoformat() if self.matches else None,
            "rounding": list(solution.methods) if solution else [],
            "range": [d.low, d.high],
            "unit": d.unit,
            "candidates_exact": d.exact_count,
            "totals_with_several_vectors": d.ambiguous_totals,
            "missing": [r.code for r in self.table.missing],
        }


def harled(table: PublishedTable | str | Path, pot: object, *, fixed_per_region: object = 0,
           low: int = DEFAULT_LOW, high: int = DEFAULT_HIGH, sheet: str | None = None,
           cell_range: str | None = None, progress: Progress | None = None,
           population: PopulationTable | None = None) -> HarledResult:
    """The integer population vector (national total in ``[low, high]``) that reproduces ``table``
    with one of the rounding methods; unique or not, and which held vector it equals."""
    pot_kr = _pot(pot)
    table = _table(table, sheet, cell_range, pot_kr)
    population = load_population() if population is None else population
    fixed = _pot(fixed_per_region, fixed=True) if fixed_per_region else 0
    check_pot(table, pot_kr, fixed, population)
    if not 1 <= low <= high or high - low + 1 > MAX_RANGE:
        raise TableError(_("The range {low}–{high} of national totals does not work: give 1 ≤ --fran ≤ --till and at "
                           "most {most} totals.").format(low=low, high=high, most=format_kr(MAX_RANGE)))
    try:
        found = derive(table.amounts(), pot_kr, fixed=fixed, low=low, high=high, progress=progress)
    except DerivationError as exc:
        raise TableError(_derivation_error(exc)) from None
    matches = None
    if found.solution is not None:
        vector = list(found.solution.populations)
        matches = next((d for d in population.dates() if population.vector(d) == vector), None)
    return HarledResult(table, pot_kr, fixed, found, matches)


def _derivation_error(exc: DerivationError) -> str:
    """What the engine refused, in the current language (the engine names it, the face words it)."""
    texts = {
        "range": _("The range of national totals must be 1 ≤ --fran ≤ --till and at most {most} totals wide.").format(
            most=format_kr(MAX_RANGE)),
        "below-fixed": _("An amount in the table is smaller than the fixed amount per region."),
        "no-rest": _("Nothing of the pot is split by population: the fixed amounts take all of it."),
        "too-large": _("The amounts are too large to derive a population from (more than 10^11 kr per region)."),
    }
    return _("The derivation is not possible: {reason}").format(reason=texts.get(exc.reason, str(exc)))


def derived_source(result: HarledResult) -> str:
    """The source text stored with a derived vector (starts with the derived mark)."""
    methods = ", ".join(result.derivation.solution.methods) if result.derivation.solution else ""
    return (f"{DERIVED_MARK} ur {result.table.name} (pott {format_kr(result.pot)} kr, avrundning {methods}); "
            "inte bekräftad statistik, ersätts av 'xl-tools befolkning hamta'")


def spara(result: HarledResult, when: object, *, replace: bool = False, path: Path | None = None) -> Path:
    """Store a unique derived vector in the user population file for reference date ``when``,
    marked as derived (provisional). Refuses a date that holds confirmed data unless ``replace``."""
    pops = result.populations()
    if pops is None:
        raise TableError(_("Only a unique derivation can be saved; this table gives no unique population."))
    date = to_reference_date(when)
    path = user_data_file() if path is None else path
    user = read_csv(path) if path.exists() else PopulationTable()
    current = load_population()
    confirmed = current.has(date) and not current.is_provisional(date)
    if confirmed and not replace:
        raise TableError(_("The population at {date} exists already ({source}). Use --ersatt to overwrite it with the "
                           "derived one.").format(date=date_text(date), source=current.source(date)[:60]))
    user.add(date, {r.code: p for r, p in zip(REGIONS, pops)}, derived_source(result))
    write_csv(path, user)
    reload_population()
    return path
