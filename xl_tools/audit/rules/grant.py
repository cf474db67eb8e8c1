"""Grant-specific rules for tables with a region column (XL020–XL023).

A *region column* is a column with at least 10 cells that name a region exactly (short
name, county, region name, alias or code-free variant). Its rows form the region
table; numeric columns in those rows are checked against the population key.
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from xl_tools import regions as regions_mod
from xl_tools.audit.formula import references
from xl_tools.audit.model import Cell, Finding, Severity, Sheet, a1
from xl_tools.audit.rules.base import AuditContext, rule
from xl_tools.audit.rules.totals import TOTAL_LABEL
from xl_tools.errors import UnknownRegionError, XlToolsError
from xl_tools.i18n import _
from xl_tools.money import format_kr
from xl_tools.population import date_text, load_population
from xl_tools.regions import REGIONS, Region, closest_regions, resolve_region

MIN_REGION_CELLS = 10
TABLE_GAP = 3  # rows without a region name inside one table (a blank row, a subtotal, a heading)
MIN_POT = 10_000
AMOUNT_HEADER = re.compile(r"belopp|utfall|fördeln|tilldel|medel|bidrag|ersättning|utbetal|\bkr\b|kronor|summa",
                           re.IGNORECASE)
MAX_HEADER = re.compile(r"\bmax|maximal|högsta|\btak\b", re.IGNORECASE)


@lru_cache(maxsize=65536)
def exact_region(text: str) -> Region | None:
    """The region that ``text`` names exactly (any case or diacritics, with or without
    Region/Landstinget/län), or None — close misspellings do not count here."""
    return regions_mod.exact_region(text)


@dataclass
class RegionTable:
    sheet: Sheet
    col: int
    rows: list[int]  # rows of region-like cells, in order
    regions: dict[int, Region]  # row → region (exact or close match)

    def header(self, col: int) -> str:
        top = self.rows[0]
        for r in range(top - 1, max(0, top - 6), -1):
            cell = self.sheet.get(r, col)
            if cell is not None and isinstance(cell.value, str) and cell.value.strip():
                return cell.value
        return ""


def region_tables(sheet: Sheet) -> Iterator[RegionTable]:
    by_col: dict[int, list[Cell]] = {}
    for cell in sheet.cells.values():
        if cell.kind == "s" and isinstance(cell.value, str):
            by_col.setdefault(cell.col, []).append(cell)
    for col, cells in sorted(by_col.items()):
        exact = sorted(c.row for c in cells if exact_region(c.value))
        if len(exact) < MIN_REGION_CELLS:
            continue
        for first, last in _stacked(exact):
            rows = sorted(c.row for c in cells if first <= c.row <= last + 2
                          and not TOTAL_LABEL.match(str(c.value)) and str(c.value).strip())
            found: dict[int, Region] = {}
            for r in rows:
                try:
                    found[r] = resolve_region(sheet.cells[r, col].value)
                except UnknownRegionError:
                    pass
            yield RegionTable(sheet, col, rows, found)


def _stacked(rows: list[int]) -> list[tuple[int, int]]:
    """(first, last) row of each table in a region column: a gap of more than
    :data:`TABLE_GAP` rows between two region names starts a new table (tables stacked in one
    column, such as one per year under each other). Tables with fewer than
    :data:`MIN_REGION_CELLS` region names are left out (a short list beside the tables)."""
    spans: list[tuple[int, int]] = []
    start = prev = rows[0]
    for row in rows[1:]:
        if row - prev > TABLE_GAP + 1:
            spans.append((start, prev))
            start = row
        prev = row
    spans.append((start, prev))
    counts = [sum(1 for r in rows if a <= r <= b) for a, b in spans]
    return [span for span, n in zip(spans, counts) if n >= MIN_REGION_CELLS]


def _tables(ctx: AuditContext) -> list[RegionTable]:
    cached: list[RegionTable] | None = ctx.cache.get("region_tables")
    if cached is None:
        cached = ctx.cache["region_tables"] = [t for s in ctx.workbook.sheets for t in region_tables(s)]
    return cached


@rule("XL020", Severity.WARNING, "Region name that is not a region")
def region_names(ctx: AuditContext) -> Iterator[Finding]:
    """In a region column, a name that is not exactly a region's name or alias: a close
    misspelling (warning, with the intended region) or no region at all (error)."""
    for table in _tables(ctx):
        for r in table.rows:
            cell = table.sheet.get(r, table.col)
            text = str(cell.value).strip() if cell else ""
            if exact_region(text):
                continue
            if r in table.regions:
                yield Finding(table.sheet.name, a1(r, table.col), "XL020", Severity.WARNING,
                              _("{text} is not a region name; probably {region}.").format(
                                  text=repr(text), region=table.regions[r].name),
                              _("Write {region} so that lookups and checks find it.").format(
                                  region=repr(table.regions[r].name)))
            elif r <= max(table.regions, default=0):
                yield Finding(table.sheet.name, a1(r, table.col), "XL020", Severity.ERROR,
                              _("{text} in the region column is not a region.").format(text=repr(text)),
                              _("Did you mean one of: {regions}?").format(regions=", ".join(closest_regions(text))))


@rule("XL021", Severity.ERROR, "Region listed twice or missing")
def region_coverage(ctx: AuditContext) -> Iterator[Finding]:
    """A region table that lists a region twice (error) or lacks some of the 21 (warning,
    naming them). Tables with fewer than 15 regions are taken as deliberate selections."""
    for table in _tables(ctx):
        seen: dict[str, int] = {}
        for r, region in table.regions.items():
            if region.code in seen:
                yield Finding(table.sheet.name, a1(r, table.col), "XL021", Severity.ERROR,
                              _("{region} is listed twice (also in {cell}).").format(
                                  region=region.name, cell=a1(seen[region.code], table.col)),
                              _("Remove the duplicate row; its amount is otherwise counted twice."))
            else:
                seen[region.code] = r
        missing = [reg.name for reg in REGIONS if reg.code not in seen]
        if missing and len(seen) >= 15:
            yield Finding(table.sheet.name, a1(table.rows[0], table.col), "XL021", Severity.WARNING,
                          _("The region table lacks {n} of the 21 regions: {regions}.").format(
                              n=len(missing), regions=", ".join(missing)),
                          _("Add the missing regions, or note why they are left out."))


def stated_dates(ctx: AuditContext) -> set[dt.date]:
    """Reference dates the workbook states in its text ("1 november 2017", "2017-11-01"), read by
    :func:`xl_tools.population.dates_in_text` (the one reader of stated dates, also for avstam)."""
    from xl_tools.population import dates_in_text

    found: set[dt.date] = set()
    for sheet in ctx.workbook.sheets:
        for cell in sheet.cells.values():
            if cell.kind == "s" and isinstance(cell.value, str) and len(cell.value) < 200:
                found |= dates_in_text(cell.value)
    return found


def _numeric_columns(table: RegionTable) -> dict[int, dict[int, Fraction]]:
    cols: dict[int, dict[int, Fraction]] = {}
    for r in table.regions:
        for (row, col), cell in _row_cells(table.sheet, r):
            if col != table.col and cell.kind == "n" and isinstance(cell.value, float):
                cols.setdefault(col, {})[row] = Fraction(repr(cell.value))
    return cols


def _row_cells(sheet: Sheet, row: int) -> list[tuple[tuple[int, int], Cell]]:
    index = sheet._row_index
    if index is None:
        index = {}
        for key, cell in sheet.cells.items():
            index.setdefault(key[0], []).append((key, cell))
        sheet._row_index = index
    return index.get(row, [])


def _tolerance(sheet: Sheet, row: int, col: int) -> Fraction:
    """How far a correct amount may lie from the exact share: 1 kr for one rounding; a
    formula adding n rounded amounts (=C8+E8+G8) may be off by up to (n + 1) / 2 kr."""
    cell = sheet.get(row, col)
    if cell is None or cell.formula is None:
        return Fraction(1)
    terms = sum(1 for r in references(cell.formula) if r.is_cell)
    return max(Fraction(1), Fraction(terms + 1, 2))


def _matches(table: RegionTable, col: int, values: dict[int, Fraction], date: dt.date) -> tuple[Fraction, list[int]]:
    """(pot, rows whose amount is the population share of pot at ``date`` to ±1 kr, or to
    the rounding tolerance of a sum of rounded amounts, see :func:`_tolerance`)."""
    pops = load_population().values[date]
    total = sum(pops.values())
    implied = [v * total / pops[table.regions[r].code] for r, v in values.items()]
    candidates = {Fraction(round(statistics.median(implied))), sum(values.values(), Fraction(0))}
    tol = {r: _tolerance(table.sheet, r, col) for r in values}
    best: tuple[Fraction, list[int]] = (Fraction(0), [])
    for pot in candidates:
        ok = [r for r, v in values.items()
              if abs(v - pot * pops[table.regions[r].code] / total) <= tol[r]]
        if len(ok) > len(best[1]):
            best = (pot, ok)
    return best


def _adds_amounts(formula: str) -> bool:
    """True for a formula that adds up several cells (=C6+E6+G6, ='Villkor 1'!G6+'Villkor 4'!G6)."""
    cells = [r for r in references(formula) if r.is_cell]
    return len(cells) >= 2 and "+" in formula and "*" not in formula and "/" not in formula


@rule("XL022", Severity.ERROR, "Amount that is not the population share of its pot")
def population_shares(ctx: AuditContext) -> Iterator[Finding]:
    """For each numeric column of a region table (at least 15 regions, total ≥ 10 000 kr):
    find the shipped reference date whose population shares of the pot reproduce the
    amounts to ±1 kr. Amounts that break an otherwise matching column are errors; a column
    that matches a date other than the one the workbook states (e.g. "matches 1 november
    2016, not 2017") is an error; an amount column that matches no date is a warning.
    A region with 0 kr counts as not paid (its villkor not met): the other amounts are then
    checked as shares of what was paid, by population among the paid regions (this covers both
    "the share if the villkor was met" and "a pot shared among the regions that met it").
    A column that a rounding method reproduces exactly (:func:`_exact_split`, e.g. the residual
    on the largest region) is a correct split, said in one info line. Not checked: columns
    capped with MIN (at most the share, by design) and columns that add up several allocations
    (each part is checked on its own). The "matches no date" warning is only for typed amounts: a formula
    column applies the workbook's own rule."""
    try:
        table_dates = load_population().dates()
    except XlToolsError:
        return
    stated = stated_dates(ctx)
    for table in _tables(ctx):
        for col, values in sorted(_numeric_columns(table).items()):
            if len(values) < 15 or any(v < 0 for v in values.values()) or sum(values.values()) < MIN_POT:
                continue
            pops_for = {d: load_population().values[d] for d in table_dates}
            if any(all(v == pops_for[d][table.regions[r].code] for r, v in values.items()) for d in table_dates):
                continue  # the population column itself
            formulas = [c.formula for r in values if (c := table.sheet.get(r, col)) is not None and c.formula]
            if any("MIN(" in f.upper() for f in formulas) or (formulas and all(map(_adds_amounts, formulas))):
                continue  # capped amounts (MIN) or a sum of several allocations: the parts are checked
            paid = {r: v for r, v in values.items() if v != 0}
            if paid and len(paid) < len(values):
                # 0 = not paid (villkor not met); the others must be shares by population among them
                values = paid
            results = {d: _matches(table, col, values, d) for d in table_dates}
            best = max(table_dates, key=lambda d: (len(results[d][1]), d in stated))
            pot, ok = results[best]
            rows = sorted(values)
            span = f"{a1(rows[0], col)}:{a1(rows[-1], col)}"
            header = table.header(col)
            # A column that some published rounding method reproduces to the krona (residual-to-largest
            # puts several kronor on the largest region, beyond the ±1 kr test) is a correct split.
            split = _exact_split(table, col, values, pot, stated, span) if len(ok) * 3 >= 2 * len(values) else None
            if split is not None:
                yield split
                continue
            if len(ok) == len(values):
                if stated and best not in stated:
                    wanted = _(" or ").join(date_text(d) for d in sorted(stated))
                    yield Finding(table.sheet.name, a1(rows[0], col), "XL022", Severity.ERROR,
                                  _("The amounts in {span} are the population shares of {pot} kr at {date}, not "
                                    "{stated} as the workbook states.").format(
                                      span=span, pot=format_kr(pot), date=date_text(best), stated=wanted),
                                  _("Use the population of the stated reference date."))
                continue
            if len(ok) * 3 >= 2 * len(values):
                pops = load_population().values[best]
                total = sum(pops.values())
                for r in rows:
                    if r in ok:
                        continue
                    expected = pot * pops[table.regions[r].code] / total
                    diff = values[r] - expected
                    yield Finding(table.sheet.name, a1(r, col), "XL022", Severity.ERROR,
                                  _("{region}: {amount} kr is not the population share of {pot} kr at {date} "
                                    "({expected} kr; difference {difference} kr).").format(
                                      region=table.regions[r].name, amount=format_kr(values[r]), pot=format_kr(pot),
                                      date=date_text(best), expected=format_kr(expected),
                                      difference=format_kr(diff).replace('-', '−')),
                                  _("Recompute the amount from the population key."))
            elif AMOUNT_HEADER.search(header) and not ok and not formulas:
                yield Finding(table.sheet.name, a1(rows[0], col), "XL022", Severity.WARNING,
                              _("The amounts in {span} ({header}) are not the population share of their total at "
                                "any shipped reference date.").format(span=span, header=repr(header.strip())),
                              _("Check the allocation key and the reference date."))


def _exact_split(table: RegionTable, col: int, values: dict[int, Fraction], pot: Fraction, stated: set[dt.date],
                 span: str) -> Finding | None:
    """A column of 21 whole-krona amounts checked by the reconciliation engine (the one behind
    ``xl-tools avstam``): when some reference date and rounding method reproduce every amount to
    the krona, an error if the headings state another date, else one info line saying so.
    None when no rounding reproduces the column exactly (XL022's own ±1 kr test then speaks)."""
    from xl_tools.engine.reconcile import reconcile
    from xl_tools.reconcile import ROUNDING_NAMES_SV

    by_code = {table.regions[r].code: v for r, v in values.items()}
    if len(by_code) != len(REGIONS) or any(v.denominator != 1 for v in values.values()):
        return None
    amounts = [int(by_code[r.code]) for r in REGIONS]
    population = load_population()
    vectors = {d: population.vector(d) for d in population.dates()}
    # Rounding each region to the krona moves the sum at most 10.5 kr from the pot: try the sum, XL022's
    # pot and the round numbers within that distance (a pot of 500 000 000 paid as 499 999 999).
    total = sum(amounts)
    pots = {round(pot), total} | {round(total, -k) for k in range(1, 10) if abs(round(total, -k) - total) <= 10}
    tried = [(p, reconcile(amounts, p, vectors)) for p in sorted(pots) if p > 0]
    split, found = max(tried, key=lambda t: (t[1].verdict == "exact", len(str(t[0])) - len(str(t[0]).rstrip("0"))))
    if found.verdict != "exact":
        return None
    exact = found.exact_keys()
    when = next((d for d in exact if d in stated), exact[0])
    method = next(c.method for c in found.candidates if c.key == when and c.exact == c.rows)
    how = _("rounding {method}, pot {pot} kr").format(method=ROUNDING_NAMES_SV[method], pot=format_kr(split))
    cell = a1(min(values), col)
    if stated and when not in stated:
        wanted = _(" or ").join(date_text(d) for d in sorted(stated))
        return Finding(table.sheet.name, cell, "XL022", Severity.ERROR,
                       _("The amounts in {span} match {date}, not {stated} as the heading states ({how}).").format(
                           span=span, date=date_text(when), stated=wanted, how=how),
                       _("Use the population of the stated reference date, or correct the heading."))
    return Finding(table.sheet.name, cell, "XL022", Severity.INFO,
                   _("The amounts in {span} are an exact population split: the population at {date}, {how}, 21 of "
                     "21 regions to the krona.").format(span=span, date=date_text(when), how=how), "")


def _header_row_blocks(table: RegionTable, columns: dict[int, dict[int, Fraction]]) -> list[list[int]]:
    """The table's columns split into blocks at empty columns (a column with nothing in
    any region row), in order. A block is one post or year laid out side by side."""
    used: set[int] = set()
    for r in table.regions:
        for (_row, col), cell in _row_cells(table.sheet, r):
            if cell.kind or cell.formula is not None:
                used.add(col)
    blocks: list[list[int]] = []
    for col in sorted(used | set(columns)):
        if blocks and blocks[-1][-1] == col - 1:
            blocks[-1].append(col)
        else:
            blocks.append([col])
    return blocks


def _max_pairs(table: RegionTable, columns: dict[int, dict[int, Fraction]]) -> Iterator[tuple[int, int]]:
    """(max column, amount column) pairs within one block: each amount column with the
    nearest max column to its left, or, when there is none on the left, to its right."""
    for block in _header_row_blocks(table, columns):
        maxes = [c for c in block if c in columns and MAX_HEADER.search(table.header(c))]
        if not maxes:
            continue
        for col in block:
            header = table.header(col)
            if col not in columns or col in maxes or not AMOUNT_HEADER.search(header) \
                    or TOTAL_LABEL.match(header.strip()) or MAX_HEADER.search(header):
                continue
            left = [m for m in maxes if m < col]
            yield (left[-1] if left else min(maxes)), col


def _refers_to(sheet: Sheet, row: int, col: int, target: int, depth: int = 6) -> bool:
    """True when the formula at (row, col) depends, through cells of the same row, on column ``target``."""
    todo, seen = [col], {col}
    while todo and depth > 0:
        depth -= 1
        nxt: list[int] = []
        for c in todo:
            cell = sheet.get(row, c)
            if cell is None or cell.formula is None:
                continue
            for ref in references(cell.formula):
                if ref.sheet is None and ref.row1 <= row <= ref.row2:
                    if ref.col1 <= target <= ref.col2:
                        return True
                    if ref.is_cell and ref.col1 not in seen:
                        seen.add(ref.col1)
                        nxt.append(ref.col1)
        todo = nxt
    return False


def _capped_in_row(sheet: Sheet, row: int, amount_col: int, max_col: int) -> bool:
    """True when some formula in the row applies the cap itself: MIN(amount, max)."""
    for _key, cell in _row_cells(sheet, row):
        if cell.formula is None or "MIN(" not in cell.formula.upper():
            continue
        refs = [r for r in references(cell.formula) if r.sheet is None and r.row1 <= row <= r.row2]
        if any(r.col1 <= amount_col <= r.col2 for r in refs) and any(r.col1 <= max_col <= r.col2 for r in refs):
            return True
    return False


def _typed(sheet: Sheet, row: int, col: int) -> bool:
    cell = sheet.get(row, col)
    return cell is not None and cell.formula is None


@rule("XL023", Severity.ERROR, "Amount above the region's maximum")
def above_maximum(ctx: AuditContext) -> Iterator[Finding]:
    """In a region table, an amount column (headed Belopp, Utfall, Tilldelning, Utbetalning,
    … kr) whose value exceeds by more than 1 kr the maximum in the nearest column headed
    Max/Högsta/Tak within the same block of columns (the nearest to its left, else to its
    right; blocks are separated by empty columns). Not compared: total columns (Summa …),
    amounts that the workbook computes from the maximum (e.g. =IF(ok, max, 0)), and amounts
    that the workbook itself caps with MIN(amount, max) — those are uncapped inputs by design —,
    amounts computed by a formula that does not use the maximum (the workbook's own rule: e.g.
    a pot shared among the regions that met a delvillkor, where a region may get more than its
    share of the whole pot), and pairs where most amounts exceed the "maximum" (then it is some
    other quantity). So: typed amounts above their maximum."""
    for table in _tables(ctx):
        columns = _numeric_columns(table)
        sheet = table.sheet
        for mc, ac in _max_pairs(table, columns):
            over = [(r, value, columns[mc][r]) for r, value in sorted(columns[ac].items())
                    if r in columns[mc] and value > columns[mc][r] + 1 and _typed(sheet, r, ac)
                    and not _refers_to(sheet, r, ac, mc) and not _capped_in_row(sheet, r, ac, mc)]
            if 2 * len(over) > len(columns[ac]):
                continue  # most amounts exceed it: this column is not their maximum
            for r, value, limit in over:
                yield Finding(sheet.name, a1(r, ac), "XL023", Severity.ERROR,
                              _("{region}: {amount} kr is above the maximum {limit} kr ({cell}).").format(
                                  region=table.regions[r].name, amount=format_kr(value), limit=format_kr(limit),
                                  cell=a1(r, mc)),
                              _("Cap the amount at the maximum (=MIN(amount, max))."))
