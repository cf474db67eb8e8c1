"""XL012 totals that are typed or do not add up, XL013 shares that do not sum to 1."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from fractions import Fraction
from functools import lru_cache

from xl_tools.audit.formula import Ref, function_calls, references
from xl_tools.audit.model import Cell, Finding, Severity, Sheet, parse_a1
from xl_tools.audit.rules.base import AuditContext, rule
from xl_tools.i18n import _
from xl_tools.money import format_kr, format_number

TOTAL_LABEL = re.compile(r"^\s*(summa|totalt?|totals|total\b|sum\b|s:a|grand total|summering)", re.IGNORECASE)
SHARE_LABEL = re.compile(r"\b(andel|andelar|share|shares|fördelningsnyckel|procent)\b", re.IGNORECASE)


def _num(cell: Cell | None) -> bool:
    return cell is not None and cell.kind == "n" and isinstance(cell.value, float)


def _exact(value: float) -> Fraction:
    return Fraction(repr(value)) if math.isfinite(value) else Fraction(0)


def _block(sheet: Sheet, row: int, col: int, drow: int, dcol: int) -> list[Cell]:
    """The contiguous numbers before (row, col), walking against the direction (drow, dcol)."""
    out: list[Cell] = []
    r, c = row - drow, col - dcol
    while r >= 1 and c >= 1:
        cell = sheet.get(r, c)
        if not _num(cell):
            break
        assert cell is not None
        out.append(cell)
        r, c = r - drow, c - dcol
    out.reverse()
    if len(out) > 2 and _is_year_header(sheet, out[0], drow, dcol):
        out = out[1:]  # a year heading the column (2001) is not one of the parts
    return out


def _is_year_header(sheet: Sheet, cell: Cell, drow: int, dcol: int) -> bool:
    """True for a typed year whose neighbour across the block is the year before or after
    (a heading row 2001, 2002, …)."""
    if not _year_value(cell):
        return False
    for dr, dc in ((dcol, drow), (-dcol, -drow)):
        other = sheet.get(cell.row + dr, cell.col + dc)
        if other is not None and _year_value(other) and abs(other.number - cell.number) == 1:
            return True
    return False


def _year_value(cell: Cell) -> bool:
    """A whole number 1900–2100, typed or computed (=D2+1 across a heading row)."""
    return isinstance(cell.value, float) and cell.value.is_integer() and 1900 <= cell.value <= 2100


def _interrupted(sheet: Sheet, block: list[Cell], drow: int, dcol: int) -> bool:
    """True when the block stops at a text cell with more numbers beyond it before the first
    empty cell (a note typed among the rows)."""
    first = block[0]
    r, c = first.row - drow, first.col - dcol
    stop = sheet.get(r, c)
    if stop is None or stop.kind != "s" or r < 1 or c < 1:
        return False
    while r >= 1 and c >= 1:
        cell = sheet.get(r, c)
        if cell is None or cell.kind == "":
            return False
        if _num(cell):
            return True
        r, c = r - drow, c - dcol
    return False


def _after_last_subtotal(block: list[Cell]) -> list[Cell]:
    """The parts after the last subtotal (a SUM formula) in the block; empty when none."""
    for i in range(len(block) - 1, -1, -1):
        formula = (block[i].formula or "").upper()
        if "SUM(" in formula:
            return block[i + 1:]
    return []


def _is_plain_sum_of(cell: Cell, block: list[Cell]) -> bool:
    for args in function_calls(cell.formula or "", "SUM"):
        for ref in (r for a in args for r in references(a)):
            if ref.sheet is None and all(ref.contains(b.row, b.col) for b in block):
                return True
    return False


_ADDITIVE = re.compile(r"^[\s+\-(),;]*(?:(?:SUM\(|[\s+\-(),;]|@)*)$", re.IGNORECASE)
_REF_TEXT = re.compile(r"(?:'[^']+'|[A-Za-z0-9_.]+)?!?\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?")


def _strip_refs(formula: str) -> str:
    """The formula with its cell and range references removed (to see what else it does)."""
    return _REF_TEXT.sub("@", formula)


def _kr(value: Fraction) -> str:
    if value.denominator == 1 or abs(value) >= 100:
        return f"{format_kr(round(value))} kr"
    return format_number(value)


def _close(a: Fraction, b: Fraction) -> bool:
    return abs(a - b) <= max(Fraction(1, 200), abs(b) * Fraction(1, 10**12))


def _labels(sheet: Sheet) -> Iterator[tuple[Cell, int, int]]:
    """Total labels with the direction their numbers run: (label, drow, dcol).

    A label in a row ("Summa" in column A) totals the numbers above each cell of its row;
    a label heading a column totals the numbers to the left of each cell below it.
    """
    for cell in sheet.cells.values():
        if cell.kind == "s" and cell.formula is None and isinstance(cell.value, str) \
                and len(cell.value) <= 40 and TOTAL_LABEL.match(cell.value):
            right = sheet.get(cell.row, cell.col + 1)
            below = sheet.get(cell.row + 1, cell.col)
            if _num(right) or (right is None and any(_num(sheet.get(cell.row, cell.col + k)) for k in range(2, 6))):
                yield cell, 1, 0
            if _num(below):
                yield cell, 0, 1


@rule("XL012", Severity.ERROR, "Total typed in, or not equal to what it totals")
def totals(ctx: AuditContext) -> Iterator[Finding]:
    """A total row or column (labelled Summa, Totalt, Total, Sum) whose cell is a typed
    number (info when it equals the sum — it will not follow changes —, error when not) or a formula whose value
    differs from the sum of the numbers it totals (error). The difference is given in
    kronor: parts − total, so 499 999 999 under a typed 500 000 000 is −1 kr. When most
    typed totals of one total line (at least 3) miss their parts, the parts are a breakdown
    ("of which") and one info note is given instead. A "total" smaller than one of its
    non-negative parts is not their sum (a count or a rate) and is not checked."""
    for sheet in ctx.workbook.sheets:
        seen: set[tuple[int, int]] = set()
        differences: dict[str, Fraction] = {}
        sheet_found: list[Finding] = []
        for label, drow, dcol in _labels(sheet):
            targets: list[Cell] = []
            if drow:  # a total row: every number to the right of the label
                c = label.col + 1
                while c <= label.col + 200:
                    cell = sheet.get(label.row, c)
                    if cell is not None and _num(cell):
                        targets.append(cell)
                    elif cell is not None and cell.kind == "s" and cell.value:
                        break
                    c += 1
            else:  # a total column: every number below the label
                r = label.row + 1
                while _num(sheet.get(r, label.col)):
                    targets.append(sheet.cells[r, label.col])
                    r += 1
            found: list[Finding] = []
            checked = 0
            for total in targets:
                if (total.row, total.col) in seen:
                    continue
                seen.add((total.row, total.col))
                block = _block(sheet, total.row, total.col, drow, dcol)
                if len(block) < 2 or _years(total, block) or _all_totals(sheet, label, block, drow):
                    continue
                checked += 1
                found.extend(_check_total(sheet, total, block, "column" if drow else "row", label, differences))
            typed_off = [f for f in found  # the typed totals that miss their parts (not formula totals)
                         if f.severity == Severity.ERROR and sheet.cells[parse_a1(f.cell)].formula is None]
            if len(typed_off) >= 3 and 2 * len(typed_off) >= checked:
                # Every typed total of the line misses its parts: the parts shown are a
                # breakdown ("of which"), not all of the total. One note instead of an error each.
                found = [f for f in found if f not in typed_off]
                found.append(Finding(sheet.name, label.address, "XL012", Severity.INFO,
                                     _("{n} of the {checked} typed totals labelled {label} differ from the numbers "
                                       "before them: the parts shown are probably a breakdown, not the whole.").format(
                                         n=len(typed_off), checked=checked, label=repr(label.value)),
                                     _("Label the rows as 'varav' / 'of which', or add the missing part.")))
            sheet_found.extend(found)
        yield from _echoes_as_notes(sheet, sheet_found, differences)


def _echoes_as_notes(sheet: Sheet, found: list[Finding], differences: dict[str, Fraction]) -> list[Finding]:
    """A total whose difference is exactly that of another flagged total it takes in (the
    grand total under a wrong subtotal) follows from it: a note pointing there, not a second error."""
    out: list[Finding] = []
    for f in found:
        cell = sheet.cells.get(parse_a1(f.cell)) if f.severity == Severity.ERROR else None
        source = None
        if cell is not None and cell.formula is not None and f.cell in differences:
            refs = [r for r in references(cell.formula) if r.sheet is None]
            source = next((other for other, diff in differences.items()
                           if other != f.cell and diff == differences[f.cell]
                           and any(r.contains(*parse_a1(other)) for r in refs)), None)
        if source is None:
            out.append(f)
        else:
            out.append(Finding(f.sheet, f.cell, f.rule, Severity.INFO,
                               f"{f.message} " + _("It takes in {cell}, which is off by the same amount.").format(
                                   cell=source),
                               _("Correct {cell} first.").format(cell=source)))
    return out


def is_typed_year(cell: Cell) -> bool:
    """A typed whole number 1900–2100 (a year heading, not an amount to add)."""
    return cell.formula is None and _year_value(cell)


def _years(total: Cell, block: list[Cell]) -> bool:
    """A column of years (2017, 2018, …) beside totals is not something to add up."""
    return is_typed_year(total) and all(is_typed_year(b) for b in block)


def _is_total_label(cell: Cell | None) -> bool:
    return cell is not None and isinstance(cell.value, str) and bool(TOTAL_LABEL.match(cell.value))


def _all_totals(sheet: Sheet, label: Cell, block: list[Cell], drow: int) -> bool:
    """True when the parts are labelled as totals too: a list of totals, not parts and their sum."""
    if drow:
        return all(_is_total_label(sheet.get(b.row, label.col)) for b in block)
    return all(_is_total_label(sheet.get(label.row, b.col)) for b in block)


def _at_total_crossing(sheet: Sheet, cell: Cell) -> bool:
    """True for a cell in both a total row and a total column (the grand total corner)."""
    row_labelled = any(_is_total_label(sheet.get(cell.row, c)) for c in range(max(1, cell.col - 60), cell.col))
    col_labelled = any(_is_total_label(sheet.get(r, cell.col)) for r in range(max(1, cell.row - 60), cell.row))
    return row_labelled and col_labelled


def _beyond_block(sheet: Sheet, refs: list[Ref], block: list[Cell], axis: str) -> list[Cell]:
    """Numbers referenced one by one in the block's line but outside the block."""
    inside = {(b.row, b.col) for b in block}
    out: list[Cell] = []
    for r in refs:
        if not r.is_cell or (r.row1, r.col1) in inside:
            continue
        same_line = r.col1 == block[0].col if axis == "column" else r.row1 == block[0].row
        cell = sheet.get(r.row1, r.col1)
        if same_line and cell is not None and _num(cell):
            out.append(cell)
    return out


def _part_is_total(sheet: Sheet, part: Cell, label: Cell | None, axis: str) -> bool:
    """True when a part is itself labelled as a total (a subtotal), seen from the total's label."""
    if label is None:
        return False
    if axis == "column":  # a total row: parts are rows, labelled in the label's column
        return _is_total_label(sheet.get(part.row, label.col))
    return _is_total_label(sheet.get(label.row, part.col))


def _check_total(sheet: Sheet, total: Cell, block: list[Cell], axis: str,
                 label: Cell | None = None, differences: dict[str, Fraction] | None = None) -> Iterator[Finding]:
    value = _exact(total.number)
    parts = sum((_exact(b.number) for b in block), Fraction(0))
    span = f"{block[0].address}:{block[-1].address}"
    if all(b.number >= 0 for b in block) and value < max(b.number for b in block):
        return  # smaller than one of its non-negative parts: a count, rate or label, not their sum
    if total.formula is not None:
        if _is_plain_sum_of(total, block) or _close(value, parts):
            return
        section = _after_last_subtotal(block)
        if section and _is_plain_sum_of(total, section):
            return  # "Total secteur des services" under the previous section's subtotal
        subtotal_free = sum((_exact(b.number) for b in block if b.formula is None), Fraction(0))
        subtotals = sum((_exact(b.number) for b in block if b.formula is not None), Fraction(0))
        if _close(value, subtotal_free) or _close(value, subtotals) or _close(2 * value, parts):
            return
        refs = [r for r in references(total.formula) if r.sheet is None]
        picked = [i for i, b in enumerate(block) if any(r.contains(b.row, b.col) for r in refs)]
        chosen = [block[i] for i in picked]
        # A contiguous stretch that stops short of the block is an omission (=B2+B3+B4 over
        # B2:B5); parts picked with gaps (=C6+E6+G6: every other column) are a deliberate choice.
        interleaved = bool(picked) and picked[-1] - picked[0] + 1 > len(picked)
        beyond = _beyond_block(sheet, refs, block, axis)
        if beyond:  # parts picked across a gap (rows above a "varav" breakdown)
            interleaved, chosen = True, chosen + beyond
        on_subtotal = any(_part_is_total(sheet, b, label, axis) for b in chosen)
        if chosen and (((interleaved or on_subtotal)
                        and _close(value, sum((_exact(b.number) for b in chosen), Fraction(0))))
                       or not _ADDITIVE.match(_strip_refs(total.formula))):
            return  # a total of chosen parts (or of a subtotal and more) that adds up, or a formula that is no sum
        if not chosen and (all(r.is_cell for r in refs) or _at_total_crossing(sheet, total)):
            return  # a rate or lookup in a total line, or the grand total where two total lines cross
        if differences is not None:
            differences[total.address] = parts - value
        yield Finding(sheet.name, total.address, "XL012", Severity.ERROR,
                      _("The total {total} is not the sum of {span} ({sum}); difference {difference}.").format(
                          total=_kr(value), span=span, sum=_kr(parts), difference=_kr(parts - value).replace('-', '−')),
                      _("Make it =SUM({span}) or correct the parts.").format(span=span))
        return
    if _close(2 * value, parts):
        return  # the parts include their own subtotal: details and subtotal add to twice the total
    drow, dcol = (1, 0) if axis == "column" else (0, 1)
    if _interrupted(sheet, block, drow, dcol) and not _close(value, parts):
        return  # parts cut by a note among the rows: what the total covers cannot be told
    if _close(value, parts):
        yield Finding(sheet.name, total.address, "XL012", Severity.INFO,
                      _("The total {total} is typed in; it equals the sum of {span} today but will not follow "
                        "changes.").format(total=_kr(value), span=span),
                      _("Replace it with =SUM({span}).").format(span=span))
    elif (value.denominator != 1 or parts.denominator != 1) and abs(parts - value) < Fraction(1, 2):
        yield Finding(sheet.name, total.address, "XL012", Severity.INFO,
                      _("The total {total} is typed in; it is the sum of {span} ({sum}) rounded, and will not "
                        "follow changes.").format(total=format_number(value), span=span, sum=format_number(parts)),
                      _("Replace it with =ROUND(SUM({span}),0) if the rounding is meant.").format(span=span))
    else:
        yield Finding(sheet.name, total.address, "XL012", Severity.ERROR,
                      _("The typed total {total} differs from the sum of {span} ({sum}): difference "
                        "{difference}.").format(total=_kr(value), span=span, sum=_kr(parts),
                                                difference=_kr(parts - value).replace('-', '−')),
                      _("Find the wrong part or replace the total with =SUM({span}).").format(span=span))


@lru_cache(maxsize=65536)
def _share_heading(text: str) -> bool:
    return len(text) <= 60 and bool(SHARE_LABEL.search(text))


@rule("XL013", Severity.WARNING, "Shares that do not sum to 1")
def shares(ctx: AuditContext) -> Iterator[Finding]:
    """A column headed Andel/Share whose values lie between 0 and 1 and sum to between 0.5
    and 1.5 but not to 1 (to 1e-9): typically shares rounded before use, or a row missing."""
    for sheet in ctx.workbook.sheets:
        for head in list(sheet.cells.values()):
            if head.kind != "s" or not isinstance(head.value, str) or not _share_heading(head.value):
                continue
            values: list[Cell] = []
            r = head.row + 1
            while True:
                cell = sheet.get(r, head.col)
                if not _num(cell):
                    break
                assert cell is not None
                label = sheet.get(r, 1)
                if label is not None and isinstance(label.value, str) and TOTAL_LABEL.match(label.value):
                    break
                values.append(cell)
                r += 1
            if len(values) < 3 or not all(0 <= v.number <= 1 for v in values):
                continue
            total = sum((_exact(v.number) for v in values), Fraction(0))
            if Fraction(1, 2) < total < Fraction(3, 2) and abs(total - 1) > Fraction(1, 10**9):
                span = f"{values[0].address}:{values[-1].address}"
                yield Finding(sheet.name, head.address, "XL013", Severity.WARNING,
                              _("The shares in {span} sum to {total}, not 1.").format(
                                  span=span, total=format_number(total, 10)),
                              _("Compute shares from the unrounded populations, or check for a missing row."))
