"""Consistency of region reports (XL040–XL043): the villkor 3 tables the 21 regions send in.

A region's report often gives the same treatments twice — by provider (privat / offentlig)
and by sex (män / kvinnor) — each with a total. These rules check such tables against each
other; they work on any region table found by :func:`~xl_tools.audit.rules.grant.region_tables`
(nothing here depends on file or sheet names).

A *table* is a region column's rows cut into *segments* (a new segment starts where a
region repeats or after a gap of more than :data:`MAX_ROW_GAP` rows: tables stacked in one
column) crossed with a *block* of columns: the used columns of those rows, split at empty
columns and at other region columns. A block belongs to the nearest region column on its
left (blocks left of every region column, such as a code column, to the leftmost one).

A column's header is the nearest text above the segment (up to 5 rows), plus a group
header carried from the left on the rows above it (a merged "Män" over several columns),
unless the column's own header is a total (then it stands alone).

Numbers are compared exactly (as :class:`~fractions.Fraction` of the stored value).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction

from xl_tools.audit.model import Cell, Finding, Severity, Sheet, a1
from xl_tools.audit.rules.base import AuditContext, rule
from xl_tools.audit.rules.grant import TABLE_GAP, RegionTable, _row_cells, _tables
from xl_tools.i18n import _
from xl_tools.money import format_kr
from xl_tools.regions import Region

MAX_ROW_GAP = TABLE_GAP  # rows without a region between two region rows of one table
HEADER_ROWS = 5  # rows above a table searched for its headers
MIN_COPY_NUMBERS = 4  # typed numbers a row needs before two equal rows count as a copy
MIN_COMMON = 3  # regions two total columns must share before they are compared

TOTAL_HEADER = re.compile(r"\b(totalt?|summa|total|sum|s:a|totals)\b", re.IGNORECASE)
NOT_A_TOTAL = re.compile(r"andel|share|procent|%|\bper\b|genomsnitt|medel|average|mean", re.IGNORECASE)
PAIRS = (
    ("män", re.compile(r"\b(män|men|male|males)\b", re.IGNORECASE),
     "kvinnor", re.compile(r"\b(kvinnor|kvinna|women|female|females)\b", re.IGNORECASE)),
    ("privat", re.compile(r"\b(privat|privata|private)\b", re.IGNORECASE),
     "offentlig", re.compile(r"\b(offentlig|offentliga|public)\b", re.IGNORECASE)),
)
_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")


@dataclass
class Block:
    """One table: rows of one segment of a region column × one block of columns."""

    sheet: Sheet
    region_col: int
    rows: dict[int, Region]  # row → region, in order
    cols: list[int]
    headers: dict[int, str] = field(default_factory=dict)
    years: frozenset[str] = frozenset()

    @property
    def label(self) -> str:
        return f"{self.sheet.name}!{a1(min(self.rows), self.cols[0])}:{a1(max(self.rows), self.cols[-1])}"

    def number(self, row: int, col: int) -> Fraction | None:
        cell = self.sheet.get(row, col)
        return _value(cell)

    def typed(self, row: int, col: int) -> Fraction | None:
        cell = self.sheet.get(row, col)
        return None if cell is None or cell.formula is not None else _value(cell)

    def totals(self) -> list[int]:
        """Total columns: headed Totalt/Summa/Total…, not shares or averages."""
        return [c for c in self.cols
                if TOTAL_HEADER.search(self.headers[c]) and not NOT_A_TOTAL.search(self.headers[c])]


def _value(cell: Cell | None) -> Fraction | None:
    if cell is None or not cell.is_number:
        return None
    return Fraction(repr(cell.value))


def _num(value: Fraction) -> str:
    return format_kr(value) if value.denominator == 1 else format_kr(value, 2)


def _diff(value: Fraction) -> str:
    return ("+" if value > 0 else "") + _num(value).replace("-", "−")


def _segments(table: RegionTable) -> list[dict[int, Region]]:
    """The region rows of a table cut where a region repeats or after a gap (stacked tables)."""
    segments: list[dict[int, Region]] = []
    current: dict[int, Region] = {}
    last = 0  # (read only once current has a row)
    for row in sorted(table.regions):
        region = table.regions[row]
        seen = {r.code for r in current.values()}
        if current and (region.code in seen or row - last > MAX_ROW_GAP + 1):
            segments.append(current)
            current = {}
        current[row] = region
        last = row
    if current:
        segments.append(current)
    return segments


def _header(sheet: Sheet, top: int, col: int, first_col: int) -> str:
    """Nearest text above ``top`` in ``col``, plus the group header carried from the left on
    the row just above it (a merged "Män" over several columns) unless it is itself a total."""
    own_row, own = top, ""
    for r in range(top - 1, max(0, top - 1 - HEADER_ROWS), -1):
        cell = sheet.get(r, col)
        if cell is not None and isinstance(cell.value, str) and cell.value.strip():
            own_row, own = r, cell.value.strip()
            break
    if own and TOTAL_HEADER.search(own):
        return own
    for c in range(col, first_col - 1, -1):
        cell = sheet.get(own_row - 1, c)
        if cell is not None and isinstance(cell.value, str) and cell.value.strip():
            return f"{own} {cell.value.strip()}".strip()
    return own


def _years(sheet: Sheet, top: int, floor: int, left: int, right: int) -> frozenset[str]:
    """Years named in the sheet name and the text rows just above the table (its titles),
    between ``left`` and ``right`` (the table's own columns, from the previous region column)."""
    found = set(_YEAR.findall(sheet.name))
    for r in range(max(floor, top - 1 - 2 * HEADER_ROWS), top):
        for (_row, c), cell in _row_cells(sheet, r):
            if left <= c <= right and isinstance(cell.value, str) and len(cell.value) <= 200:
                found.update(_YEAR.findall(cell.value))
    return frozenset(found)


def blocks(ctx: AuditContext) -> list[Block]:
    """Every table of every region column (see the module docstring), cached on the context."""
    cached: list[Block] | None = ctx.cache.get("report_blocks")
    if cached is not None:
        return cached
    out: list[Block] = []
    by_sheet: dict[str, list[RegionTable]] = {}
    for table in _tables(ctx):
        by_sheet.setdefault(table.sheet.name, []).append(table)
    for tables in by_sheet.values():
        region_cols = sorted({t.col for t in tables})
        for table in tables:
            sheet = table.sheet
            floor = 1
            for segment in _segments(table):
                used: set[int] = set()
                for r in segment:
                    for (_row, c), cell in _row_cells(sheet, r):
                        if c not in region_cols and (cell.kind or cell.formula is not None):
                            used.add(c)
                runs: list[list[int]] = []
                for c in sorted(used):
                    crosses = any(runs and runs[-1][-1] < rc < c for rc in region_cols)
                    if runs and runs[-1][-1] == c - 1 and not crosses:
                        runs[-1].append(c)
                    else:
                        runs.append([c])
                top = min(segment)
                for cols in runs:
                    owner = max((rc for rc in region_cols if rc < cols[0]), default=region_cols[0])
                    if owner != table.col:
                        continue
                    headers = {c: _header(sheet, top, c, cols[0]) for c in cols}
                    left = max((rc for rc in region_cols if rc < table.col), default=0) + 1
                    years = _years(sheet, top, floor, left, cols[-1])
                    out.append(Block(sheet, table.col, segment, cols, headers, years))
                floor = max(segment) + 1
    ctx.cache["report_blocks"] = out
    return out


@rule("XL040", Severity.WARNING, "Region total that differs between two tables")
def totals_across_tables(ctx: AuditContext) -> Iterator[Finding]:
    """Two region tables (blocks or sheets) that each have a total column (Totalt, Summa,
    Total, "Behandlingar totalt"; not shares or averages) but give a region different totals.
    Compared only when the two columns give at least half of their common regions (and at
    least :data:`MIN_COMMON`) the same total — otherwise they count different things — and
    when the tables' titles and sheet names do not name different years. The finding is at
    the later table's cell and names both cells and the difference."""
    found = blocks(ctx)
    for i, first in enumerate(found):
        for second in found[i + 1:]:
            if first.years and second.years and first.years != second.years:
                continue
            for ca in first.totals():
                a = {reg.code: (r, v) for r, reg in first.rows.items() if (v := first.number(r, ca)) is not None}
                for cb in second.totals():
                    b = {reg.code: (r, v) for r, reg in second.rows.items()
                         if (v := second.number(r, cb)) is not None}
                    common = [code for code in a if code in b]
                    same = sum(1 for code in common if a[code][1] == b[code][1])
                    if len(common) < MIN_COMMON or 2 * same < len(common) or same == len(common):
                        continue
                    for code in common:
                        (ra, va), (rb, vb) = a[code], b[code]
                        if va == vb:
                            continue
                        yield Finding(second.sheet.name, a1(rb, cb), "XL040", Severity.WARNING,
                                      _("{region}: total {total} ({header}) differs from {other} in {where} "
                                        "({other_header}); difference {difference}.").format(
                                          region=second.rows[rb].name, total=_num(vb),
                                          header=repr(second.headers[cb]), other=_num(va),
                                          where=f"{first.sheet.name}!{a1(ra, ca)}",
                                          other_header=repr(first.headers[ca]), difference=_diff(vb - va)),
                                      _("Check both tables of the region's report; the same treatments should "
                                        "give the same total."))


def _pair_columns(block: Block, word: re.Pattern[str], other: re.Pattern[str]) -> list[int]:
    """The columns of one side of a pair: totals of that side if any, else its plain columns."""
    side = [c for c in block.cols if word.search(block.headers[c]) and not other.search(block.headers[c])]
    side_totals = [c for c in side if TOTAL_HEADER.search(block.headers[c])]
    return side_totals or side


@rule("XL041", Severity.ERROR, "Parts of a row that do not add up to its total")
def parts_and_total(ctx: AuditContext) -> Iterator[Finding]:
    """In one table, columns headed Män and Kvinnor (or Privat and Offentlig; per treatment
    form or a single pair, also under a group header) next to a total column (Totalt, Summa,
    …, naming neither side): a region row where the parts do not add up to the total (the
    nearest total column after the parts, else before them). Empty parts count as 0; a row
    with an empty total or no part is skipped. Not checked when most rows miss their total
    (then the columns are not its parts)."""
    for block in blocks(ctx):
        totals = block.totals()
        for name_a, word_a, name_b, word_b in PAIRS:
            side_a = _pair_columns(block, word_a, word_b)
            side_b = _pair_columns(block, word_b, word_a)
            if not side_a or not side_b:
                continue
            parts = set(side_a) | set(side_b)
            plain = [c for c in totals if c not in parts and not any(w.search(block.headers[c])
                                                                     for _, wa, _, wb in PAIRS for w in (wa, wb))]
            if not plain:
                continue
            after = [c for c in plain if c > max(parts)]
            before = [c for c in plain if c < min(parts)]
            total_col = after[0] if after else before[-1] if before else plain[0]
            checked: list[tuple[int, Fraction, Fraction]] = []
            for r in block.rows:
                total = block.number(r, total_col)
                values = [block.number(r, c) for c in sorted(parts)]
                if total is None or all(v is None for v in values):
                    continue
                checked.append((r, sum((v for v in values if v is not None), Fraction(0)), total))
            wrong = [(r, s, t) for r, s, t in checked if s != t]
            if not wrong or 2 * len(wrong) > len(checked):
                continue
            first_a, first_b = min(side_a), min(side_b)
            for r, s, t in wrong:
                yield Finding(block.sheet.name, a1(r, total_col), "XL041", Severity.ERROR,
                              _("{region}: {a} + {b} = {sum} ({first_a}…, {first_b}…) but the total ({header}) is "
                                "{total}; difference {difference}.").format(
                                  region=block.rows[r].name, a=name_a, b=name_b, sum=_num(s),
                                  first_a=a1(r, first_a), first_b=a1(r, first_b),
                                  header=repr(block.headers[total_col]), total=_num(t), difference=_diff(t - s)),
                              _("Correct the {a}/{b} split or the total so that they agree.").format(
                                  a=name_a, b=name_b))


@rule("XL042", Severity.WARNING, "Region row of zeros among reporting regions")
def zero_rows(ctx: AuditContext) -> Iterator[Finding]:
    """In one table, a region row whose numbers (at least two, at least one typed) are all 0
    while at least half of the other regions have a number other than 0: the region
    probably reported nothing, and 0 would count as a report of no treatments. Rows
    computed entirely by formulas are left to the table they read from."""
    for block in blocks(ctx):
        status: dict[int, bool | None] = {}  # row → all zeros? (None: not enough numbers)
        for r in block.rows:
            cells = [block.sheet.get(r, c) for c in block.cols]
            values = [v for c in cells if (v := _value(c)) is not None]
            typed = any(c is not None and c.formula is None and c.is_number for c in cells)
            if not values:
                status[r] = None
            elif any(v != 0 for v in values):
                status[r] = False
            else:
                status[r] = True if len(values) >= 2 and typed else None
        reporting = sum(1 for s in status.values() if s is False)
        if 2 * reporting < len(block.rows) - 1:
            continue
        for r in (r for r, s in status.items() if s):
            span = f"{a1(r, block.cols[0])}:{a1(r, block.cols[-1])}"
            yield Finding(block.sheet.name, a1(r, block.cols[0]), "XL042", Severity.WARNING,
                          _("{region} reported nothing — shown as 0 in {span} while {n} other regions have "
                            "numbers; should it be missing (empty)?").format(
                              region=block.rows[r].name, span=span, n=reporting),
                          _("Leave the cells empty if the region has not reported, so that it is not counted "
                            "as zero treatments."))


@rule("XL043", Severity.WARNING, "Row that is a copy of a row in another table")
def copied_rows(ctx: AuditContext) -> Iterator[Finding]:
    """Two region rows in different tables (other blocks or sheets) whose typed numbers are
    identical number for number: at least :data:`MIN_COPY_NUMBERS` numbers, not all equal,
    not all 0. Formulas are left out (a row linking to another is no copy). Likely a row
    pasted into the wrong table (the provider row as the sex row, last year's row as this
    year's). The finding is at the later row and names both."""
    seen: dict[tuple[Fraction, ...], tuple[Block, int]] = {}
    for block in blocks(ctx):
        for r in block.rows:
            numbers = tuple(v for c in block.cols if (v := block.typed(r, c)) is not None)
            if len(numbers) < MIN_COPY_NUMBERS or len(set(numbers)) == 1:
                continue
            earlier = seen.get(numbers)
            if earlier is None:
                seen[numbers] = (block, r)
                continue
            other, ro = earlier
            if other is block:
                continue
            here = f"{a1(r, block.cols[0])}:{a1(r, block.cols[-1])}"
            there = f"{other.sheet.name}!{a1(ro, other.cols[0])}:{a1(ro, other.cols[-1])}"
            yield Finding(block.sheet.name, a1(r, block.cols[0]), "XL043", Severity.WARNING,
                          _("{region}: the {n} numbers of {here} are the same, number for number, as {other} in "
                            "{there}; likely copy-paste.").format(
                              region=block.rows[r].name, n=len(numbers), here=here, other=other.rows[ro].name,
                              there=there),
                          _("Check the row against the region's report and enter its own numbers."))
