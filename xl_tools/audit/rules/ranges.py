"""XL003 formula omits adjacent cells and XL005 formula refers to empty cells."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from xl_tools.audit.formula import function_calls, references, split_strings
from xl_tools.audit.model import Cell, Finding, Severity, Sheet, a1
from xl_tools.audit.rules.base import AuditContext, rule
from xl_tools.audit.rules.totals import is_typed_year
from xl_tools.i18n import _

_SUMMING = ("SUM", "SUMPRODUCT", "AVERAGE", "SUBTOTAL")
_SUMS = re.compile(r"(SUM|SUMPRODUCT|AVERAGE|SUBTOTAL)\(", re.IGNORECASE)


def _numeric(cell: Cell | None, cached: bool = True) -> bool:
    """A number; without cached values in the workbook, any formula counts (structure only)."""
    if cell is None:
        return False
    return (cell.kind == "n" and isinstance(cell.value, float)) or (not cached and cell.formula is not None)


def _is_aggregate(cell: Cell) -> bool:
    return cell.formula is not None and any(
        not r.is_cell for r in references(cell.formula)) and "SUM" in cell.formula.upper()


_PLAIN_SUM = re.compile(r"\+?SUM\((\$?[A-Z]{1,3}\$?\d+:\$?[A-Z]{1,3}\$?\d+)\)", re.IGNORECASE)


def _summed(formula: str) -> Iterator[str]:
    """The arguments of the summing functions in a formula (a plain =SUM(A1:A9), the usual
    case, without parsing)."""
    plain = _PLAIN_SUM.fullmatch(formula)
    if plain:
        yield plain.group(1)
        return
    upper = formula.upper()
    for name in _SUMMING:
        if name + "(" in upper:
            for args in function_calls(formula, name):
                yield from args


def _omitted(ctx: AuditContext, sheet: Sheet, cell: Cell) -> Iterator[tuple[str, str, tuple[int, int]]]:
    """(range text, address of the omitted neighbour) for each summed range that stops short."""
    for arg in _summed(cell.formula or ""):
        for ref in references(arg):
            if ref.sheet is not None or ref.is_cell or ref.row2 - ref.row1 > 100_000:
                continue
            if ref.col1 == ref.col2:
                ends = [((ref.row2 + 1, ref.col1), (ref.row2, ref.col1)),
                        ((ref.row1 - 1, ref.col1), (ref.row1, ref.col1))]
            elif ref.row1 == ref.row2:
                ends = [((ref.row1, ref.col2 + 1), (ref.row1, ref.col2)),
                        ((ref.row1, ref.col1 - 1), (ref.row1, ref.col1))]
            else:
                continue
            for (r, c), (er, ec) in ends:
                beyond, edge = sheet.get(r, c), sheet.get(er, ec)
                cached = ctx.workbook.values_cached
                if (r, c) == (cell.row, cell.col) or not _numeric(beyond, cached) or not _numeric(edge, cached):
                    continue
                assert beyond is not None and edge is not None
                if is_typed_year(beyond):
                    continue
                if _is_aggregate(beyond) and ctx.r1c1(sheet, beyond) != ctx.r1c1(sheet, edge):
                    continue  # a neighbouring subtotal, not one more copy of the totals summed
                if beyond.formula is not None and (er, ec) < (r, c) and beyond.formula == cell.formula:
                    continue
                yield arg, a1(r, c), (r, c)


def _copied_beside(ctx: AuditContext, sheet: Sheet, cell: Cell, missing_row: int, reach: int = 3) -> bool:
    """True when the nearest total across the range (left/right of a column sum, above/below
    a row sum, over up to two empty cells) is a copy of this formula: the whole line of totals leaves the
    same cell out, which is the layout (an opening row, a label column), not a slip."""
    along_column = missing_row != cell.row
    form = ctx.r1c1(sheet, cell)
    steps = [(0, -1), (0, 1)] if along_column else [(-1, 0), (1, 0)]
    for dr, dc in steps:  # the nearest non-empty cell each way, over up to two empty ones
        r, c = cell.row + dr, cell.col + dc
        for _step in range(reach):
            if r < 1 or c < 1:
                break
            other = sheet.get(r, c)
            if other is not None and (other.formula is not None or other.kind):
                if ctx.r1c1(sheet, other) == form:
                    return True
                break
            r, c = r + dr, c + dc
    return False


def _continues_formulas(ctx: AuditContext, sheet: Sheet, total: Cell, row: int, col: int) -> bool:
    """True when the left-out cell holds the same formula as its neighbour inside the range."""
    left_out = sheet.get(row, col)
    if left_out is None or left_out.formula is None:
        return False
    form = ctx.r1c1(sheet, left_out)
    inside = [(row + dr, col + dc) for dr, dc in ((1, 0), (-1, 0), (0, 1), (0, -1))]
    return any(ctx.r1c1_at(sheet, r, c) == form for r, c in inside if (r, c) != (total.row, total.col))


KEY_SCAN = 26  # lines beside a total looked at for the table's key line (a cost bound)


def _short_of_table(sheet: Sheet, cell: Cell) -> tuple[str, str, str] | None:
    """For ``=SUM(range)`` in the line it sums, below (right of) the range with empty cells in
    between: (range, first and last left-out cell) when the table goes on down to the total's
    line — a line beside it (within :data:`KEY_SCAN`, towards the start of the sheet) holds a
    typed number on every line from the range's start to just before the total, and none on the
    total's own line. The total sits at the foot of its table and leaves out its last rows."""
    def filled(r: int, c: int) -> bool:
        other = sheet.get(r, c)
        return other is not None and (other.formula is not None or bool(other.kind))

    if filled(cell.row - 1, cell.col) and filled(cell.row, cell.col - 1):
        return None  # no empty cell before it either way (the usual case, decided without parsing)
    plain = _PLAIN_SUM.fullmatch(cell.formula or "")
    if not plain:
        return None
    refs = references(plain.group(1))
    if len(refs) != 1 or refs[0].sheet is not None or refs[0].is_cell:
        return None
    ref = refs[0]
    if ref.col1 == ref.col2 == cell.col and ref.row2 < cell.row - 1:
        line, start, stop, foot = cell.col, ref.row1, ref.row2, cell.row

        def at(a: int, b: int) -> Cell | None:
            return sheet.get(a, b)
    elif ref.row1 == ref.row2 == cell.row and ref.col2 < cell.col - 1:
        line, start, stop, foot = cell.row, ref.col1, ref.col2, cell.col

        def at(a: int, b: int) -> Cell | None:
            return sheet.get(b, a)
    else:
        return None
    for a in range(stop + 1, foot):
        gap = at(a, line)
        if gap is not None and (gap.formula is not None or gap.kind):
            return None  # something between the range and the total: not a plain foot
    for key in range(line - 1, max(0, line - KEY_SCAN - 1), -1):
        ends = at(foot, key)
        if ends is not None and ends.is_number:
            continue
        if all((k := at(a, key)) is not None and k.formula is None and k.is_number for a in range(start, foot)):
            if line == cell.col:  # a column total
                return plain.group(1), a1(stop + 1, line), a1(foot - 1, line)
            return plain.group(1), a1(line, stop + 1), a1(line, foot - 1)
    return None


@rule("XL003", Severity.WARNING, "Formula omits adjacent cells")
def omits_adjacent(ctx: AuditContext) -> Iterator[Finding]:
    """A SUM/SUMPRODUCT/AVERAGE/SUBTOTAL over a single row or column range that stops one cell
    short of a contiguous block of numbers: the number just beyond the range is left out.
    Year headers (1900–2100) and neighbouring subtotals are not counted as omitted, and a
    total whose neighbour across the range is a copy of it (the whole line of totals leaves
    the same cell out) is taken as the layout, not a slip."""
    found = ctx.cache.get("XL003")
    if found is None:  # worked out once per audit: XL031 asks for it too
        found = ctx.cache["XL003"] = list(_omits_adjacent(ctx))
    yield from found


def _omits_adjacent(ctx: AuditContext) -> Iterator[Finding]:
    """:func:`omits_adjacent`'s findings, worked out."""
    for sheet in ctx.workbook.sheets:
        for cell in sheet.cells.values():
            if cell.formula is None or not _SUMS.search(cell.formula):
                continue
            for arg, missing, (mr, mc) in _omitted(ctx, sheet, cell):
                # the left-out cell copies the formulas of the range: look only at the next total
                reach = 1 if _continues_formulas(ctx, sheet, cell, mr, mc) else 3
                if _copied_beside(ctx, sheet, cell, mr, reach) or ctx.referenced(sheet, mr, mc, local=True):
                    break  # the whole line leaves it out, or another total on this sheet takes it in
                yield Finding(sheet.name, cell.address, "XL003", Severity.WARNING,
                              _("=…({range}) leaves out {missing}, which continues the block of numbers.").format(
                                  range=arg, missing=missing),
                              _("Extend the range to include {missing}, or move {missing} away if it does not "
                                "belong.").format(missing=missing))
                break
            else:
                short = _short_of_table(sheet, cell) if ctx.settings.xl003_table_foot else None
                if short is not None:
                    arg, first, last = short
                    yield Finding(sheet.name, cell.address, "XL003", Severity.WARNING,
                                  _("=SUM({range}) stops before the end of its table: {first}:{last} are left out "
                                    "(empty now, not counted when filled in).").format(
                                      range=arg, first=first, last=last),
                                  _("Extend the range to {last}.").format(last=last))


_GUARDS = re.compile(r'\b(COUNT|COUNTA|COUNTBLANK|ISBLANK|ISNUMBER|ISTEXT)\(|(=|<>)\s*""', re.IGNORECASE)


_SINGLE = re.compile(r"(?:(?P<sheet>'(?:[^']|'')+'|[^\s!()'\",;+\-*/^&=<>:\[\]]+)!)?"
                     r"(?<![:\w])R(\[-?\d+\]|\d+)C(\[-?\d+\]|\d+)(?!\s*:)")


def _offset(part: str) -> tuple[int, bool]:
    return (int(part[1:-1]), True) if part.startswith("[") else (int(part), False)


@lru_cache(maxsize=65536)
def _single_refs(form: str) -> tuple[tuple[str | None, tuple[int, bool], tuple[int, bool]], ...]:
    """The single-cell references of a formula in relative R1C1 form, as (sheet or None,
    (row, relative), (col, relative)); none when the formula tests for empty inputs itself or
    reaches into another workbook."""
    if _GUARDS.search(form) or "[" in form.replace("R[", "").replace("C[", ""):
        return ()
    out: list[tuple[str | None, tuple[int, bool], tuple[int, bool]]] = []
    for is_string, text in split_strings(form):
        if is_string:
            continue
        for m in _SINGLE.finditer(text):
            sheet = m.group("sheet")
            if sheet and sheet.startswith("'"):
                sheet = sheet[1:-1].replace("''", "'")
            out.append((sheet, _offset(m.group(2)), _offset(m.group(3))))
    return tuple(out)


@rule("XL005", Severity.INFO, "Formula refers to empty cells")
def refers_to_empty(ctx: AuditContext) -> Iterator[Finding]:
    """A formula that refers to a single cell that is empty (Excel reads it as 0 or "").
    Not for formulas that test for empty inputs themselves (COUNT, ISBLANK, ="" …): they
    handle missing data on purpose."""
    wb = ctx.workbook
    sheets = {s.name: s for s in wb.sheets}
    for sheet in wb.sheets:
        for cell in sheet.cells.values():
            if cell.formula is None:
                continue
            singles = _single_refs(cell.form or ctx.r1c1(sheet, cell) or "")
            if not singles:
                continue
            for name, (r, rel_r), (c, rel_c) in singles:
                row, col = (r + cell.row if rel_r else r), (c + cell.col if rel_c else c)
                target = sheet if name is None else (sheets.get(name) or wb.sheet(name))
                if target is None:
                    continue
                other = target.get(row, col)
                if other is None or (other.kind == "" and other.formula is None):
                    where = a1(row, col) if name is None else f"{name}!{a1(row, col)}"
                    yield Finding(sheet.name, cell.address, "XL005", Severity.INFO,
                                  _("The formula refers to {cell}, which is empty.").format(cell=where),
                                  _("Check the reference; if the value is still missing, fill it in "
                                    "(until then the formula reads it as 0)."))
                    break
