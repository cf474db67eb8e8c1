"""Grant-specific rules for tables with a region column (XL020–XL023).

A *region column* is a column with at least 10 cells that name a region exactly (short
name, county, region name, alias or code-free variant). Its rows form the region
table; numeric columns in those rows are checked against the population key.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

from xl_tools import regions as regions_mod
from xl_tools.audit.model import Cell, Finding, Severity, Sheet, a1
from xl_tools.audit.rules.base import AuditContext, rule
from xl_tools.audit.rules.totals import TOTAL_LABEL
from xl_tools.errors import UnknownRegionError, XlToolsError
from xl_tools.money import format_kr
from xl_tools.population import describe_date, load_population
from xl_tools.regions import REGIONS, Region, closest_regions, resolve_region

MIN_REGION_CELLS = 10
MIN_POT = 10_000
AMOUNT_HEADER = re.compile(r"belopp|fördeln|tilldel|medel|bidrag|ersättning|utbetal|\bkr\b|kronor|summa",
                           re.IGNORECASE)
MAX_HEADER = re.compile(r"\bmax|maximal|högsta|\btak\b", re.IGNORECASE)
_DATE_TEXT = [
    (re.compile(r"1\s*nov(?:ember)?\.?\s*(\d{4})", re.IGNORECASE), 11, 1),
    (re.compile(r"(\d{4})-11-01"), 11, 1),
    (re.compile(r"31\s*dec(?:ember)?\.?\s*(\d{4})", re.IGNORECASE), 12, 31),
    (re.compile(r"(\d{4})-12-31"), 12, 31),
]


def exact_region(text: str) -> Region | None:
    """The region that ``text`` names exactly (any case or diacritics, with or without
    Region/Landstinget/län), or None — close misspellings do not count here."""
    if not text.strip() or text.strip().isdigit() or len(text.strip()) < 3:
        return None
    index = regions_mod._index()
    key = regions_mod._key(text)
    for candidate in (regions_mod._fold(text), key, regions_mod._strip_genitive(key)):
        if candidate in index and not candidate.isdigit():
            return index[candidate]
    return None


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
        exact = [c for c in cells if exact_region(c.value)]  # type: ignore[arg-type]
        if len(exact) < MIN_REGION_CELLS:
            continue
        first, last = min(c.row for c in exact), max(c.row for c in exact)
        rows = sorted(c.row for c in cells if first <= c.row <= last + 2
                      and not TOTAL_LABEL.match(str(c.value)) and str(c.value).strip())
        found: dict[int, Region] = {}
        for r in rows:
            try:
                found[r] = resolve_region(sheet.get(r, col).value)  # type: ignore[union-attr]
            except UnknownRegionError:
                pass
        yield RegionTable(sheet, col, rows, found)


def _tables(ctx: AuditContext) -> list[RegionTable]:
    cached = getattr(ctx, "_region_tables", None)
    if cached is None:
        cached = [t for s in ctx.workbook.sheets for t in region_tables(s)]
        ctx._region_tables = cached  # type: ignore[attr-defined]
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
                              f"{text!r} is not a region name; probably {table.regions[r].name}.",
                              f"Write {table.regions[r].name!r} so that lookups and checks find it.")
            elif r <= max(table.regions, default=0):
                yield Finding(table.sheet.name, a1(r, table.col), "XL020", Severity.ERROR,
                              f"{text!r} in the region column is not a region.",
                              f"Did you mean one of: {', '.join(closest_regions(text))}?")


@rule("XL021", Severity.ERROR, "Region listed twice or missing")
def region_coverage(ctx: AuditContext) -> Iterator[Finding]:
    """A region table that lists a region twice (error) or lacks some of the 21 (warning,
    naming them). Tables with fewer than 15 regions are taken as deliberate selections."""
    for table in _tables(ctx):
        seen: dict[str, int] = {}
        for r, region in table.regions.items():
            if region.code in seen:
                yield Finding(table.sheet.name, a1(r, table.col), "XL021", Severity.ERROR,
                              f"{region.name} is listed twice (also in {a1(seen[region.code], table.col)}).",
                              "Remove the duplicate row; its amount is otherwise counted twice.")
            else:
                seen[region.code] = r
        missing = [reg.name for reg in REGIONS if reg.code not in seen]
        if missing and len(seen) >= 15:
            yield Finding(table.sheet.name, a1(table.rows[0], table.col), "XL021", Severity.WARNING,
                          f"The region table lacks {len(missing)} of the 21 regions: {', '.join(missing)}.",
                          "Add the missing regions, or note why they are left out.")


def stated_dates(ctx: AuditContext) -> set:
    """Reference dates the workbook states in its text ("1 november 2017", "2017-11-01")."""
    import datetime as dt
    found = set()
    for sheet in ctx.workbook.sheets:
        for cell in sheet.cells.values():
            if cell.kind == "s" and isinstance(cell.value, str) and len(cell.value) < 200:
                for pattern, month, day in _DATE_TEXT:
                    for m in pattern.finditer(cell.value):
                        year = int(m.group(1))
                        if 1990 <= year <= 2100:
                            found.add(dt.date(year, month, day))
    return found


def _numeric_columns(table: RegionTable) -> dict[int, dict[int, Fraction]]:
    cols: dict[int, dict[int, Fraction]] = {}
    for r in table.regions:
        for (row, col), cell in _row_cells(table.sheet, r):
            if col != table.col and cell.kind == "n" and isinstance(cell.value, float):
                cols.setdefault(col, {})[row] = Fraction(repr(cell.value))
    return cols


def _row_cells(sheet: Sheet, row: int) -> list[tuple[tuple[int, int], Cell]]:
    index = getattr(sheet, "_row_index", None)
    if index is None:
        index = {}
        for key, cell in sheet.cells.items():
            index.setdefault(key[0], []).append((key, cell))
        sheet._row_index = index  # type: ignore[attr-defined]
    return index.get(row, [])


def _matches(table: RegionTable, values: dict[int, Fraction], date) -> tuple[Fraction, list[int]]:
    """(pot, rows whose amount is the population share of pot at ``date`` to ±1 kr)."""
    pops = load_population().values[date]
    total = sum(pops.values())
    implied = [v * total / pops[table.regions[r].code] for r, v in values.items()]
    candidates = {Fraction(round(statistics.median(implied))), sum(values.values(), Fraction(0))}
    best: tuple[Fraction, list[int]] = (Fraction(0), [])
    for pot in candidates:
        ok = [r for r, v in values.items() if abs(v - pot * pops[table.regions[r].code] / total) <= 1]
        if len(ok) > len(best[1]):
            best = (pot, ok)
    return best


@rule("XL022", Severity.ERROR, "Amount that is not the population share of its pot")
def population_shares(ctx: AuditContext) -> Iterator[Finding]:
    """For each numeric column of a region table (at least 15 regions, total ≥ 10 000 kr):
    find the shipped reference date whose population shares of the pot reproduce the
    amounts to ±1 kr. Amounts that break an otherwise matching column are errors; a column
    that matches a date other than the one the workbook states (e.g. "matches 1 november
    2016, not 2017") is an error; an amount column that matches no date is a warning."""
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
            results = {d: _matches(table, values, d) for d in table_dates}
            best = max(table_dates, key=lambda d: (len(results[d][1]), d in stated))
            pot, ok = results[best]
            rows = sorted(values)
            span = f"{a1(rows[0], col)}:{a1(rows[-1], col)}"
            header = table.header(col)
            if len(ok) == len(values):
                if stated and best not in stated:
                    wanted = " or ".join(describe_date(d) for d in sorted(stated))
                    yield Finding(table.sheet.name, a1(rows[0], col), "XL022", Severity.ERROR,
                                  f"The amounts in {span} are the population shares of {format_kr(pot)} kr "
                                  f"at {describe_date(best)}, not {wanted} as the workbook states.",
                                  "Use the population of the stated reference date.")
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
                                  f"{table.regions[r].name}: {format_kr(values[r])} kr is not the population "
                                  f"share of {format_kr(pot)} kr at {describe_date(best)} "
                                  f"({format_kr(expected)} kr; difference {format_kr(diff).replace('-', '−')} kr).",
                                  "Recompute the amount from the population key.")
            elif AMOUNT_HEADER.search(header) and not ok:
                yield Finding(table.sheet.name, a1(rows[0], col), "XL022", Severity.WARNING,
                              f"The amounts in {span} ({header.strip()!r}) are not the population share of "
                              "their total at any shipped reference date.",
                              "Check the allocation key and the reference date.")


@rule("XL023", Severity.ERROR, "Amount above the region's maximum")
def above_maximum(ctx: AuditContext) -> Iterator[Finding]:
    """In a region table with a column headed Max/Högsta/Tak, an amount column (headed
    Belopp, Tilldelning, Utbetalning, …) whose value exceeds the region's maximum by more
    than 1 kr."""
    for table in _tables(ctx):
        columns = _numeric_columns(table)
        max_cols = [c for c in columns if MAX_HEADER.search(table.header(c))]
        amount_cols = [c for c in columns if c not in max_cols and AMOUNT_HEADER.search(table.header(c))]
        for mc in max_cols:
            for ac in amount_cols:
                for r, value in sorted(columns[ac].items()):
                    limit = columns[mc].get(r)
                    if limit is not None and value > limit + 1:
                        yield Finding(table.sheet.name, a1(r, ac), "XL023", Severity.ERROR,
                                      f"{table.regions[r].name}: {format_kr(value)} kr is above the maximum "
                                      f"{format_kr(limit)} kr ({a1(r, mc)}).",
                                      "Cap the amount at the maximum (=MIN(amount, max)).")
