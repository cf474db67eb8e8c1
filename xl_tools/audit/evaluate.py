"""A small evaluator for simple formulas, used only to check cached values (XL014).

It understands numbers, cell and range references (also on other sheets), ``+ - * / ^``,
unary minus, ``%``, comparisons, and SUM, MIN, MAX, ROUND, IF, ABS. Anything else —
text, other functions, errors in the inputs — raises :class:`Unsupported` and the
formula is skipped: never guess. Each formula is evaluated one step deep, from the
cached values of the cells it refers to. Parsed formulas are cached by their relative
R1C1 form, so a column of copied formulas is parsed once.

Numeric edges never escape as Python exceptions: a negative number to a fractional power,
an overflow, ``1E400``, ``ROUND(x, 30)`` or ``ROUND(x, 1E300)`` give the Excel error value
(:class:`ExcelError`, ``#NUM!`` / ``#DIV/0!``; :meth:`Evaluator.value` returns it as text).
Cost is bounded: formulas beyond Excel's own limits (8 192 characters, 64 levels of
parentheses) are not parsed, a SUM over one row or column is answered from exact prefix sums
of that line (running totals over 20 000 rows stay linear), and other ranges draw on a
budget of cells read.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Context, Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Any

from xl_tools.audit.model import Sheet, Workbook

MAX_RANGE = 100_000
MAX_FORMULA_LENGTH = 8192  # Excel's limit
MAX_NESTING = 64  # Excel's limit on nested levels
RANGE_BUDGET = 5_000_000  # range cells read per evaluator (MIN/MAX and 2-D ranges)
_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<ref>(?:(?:'(?:[^']|'')+'|[A-Za-z_][A-Za-z0-9_.]*)!)?R(?:\[-?\d+\]|\d+)C(?:\[-?\d+\]|\d+)
        (?::R(?:\[-?\d+\]|\d+)C(?:\[-?\d+\]|\d+))?)
  | (?P<num>\d+\.?\d*(?:E[+-]?\d+)?|\.\d+(?:E[+-]?\d+)?)
  | (?P<func>[A-Z][A-Z0-9.]*)\(
  | (?P<bool>TRUE|FALSE)(?![A-Za-z0-9_(])
  | (?P<op><>|<=|>=|[-+*/^%=<>(),])
""", re.VERBOSE)
_PART = re.compile(r"R(\[-?\d+\]|\d+)C(\[-?\d+\]|\d+)")
FUNCTIONS = {"SUM", "MIN", "MAX", "ROUND", "IF", "ABS"}

Node = tuple[Any, ...]  # ("num", v) | ("ref", sheet, parts) | ("op", op, a, b) | ("neg", a) | ("call", name, args) ...


class Unsupported(Exception):
    """The formula uses something the small evaluator does not handle; skip it."""


class ExcelError(Unsupported):
    """The formula gives an Excel error value (``code``: ``#NUM!``, ``#DIV/0!``)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def nesting(formula: str) -> int:
    """The deepest level of parentheses (outside strings is not told apart: an upper bound)."""
    if formula.count("(") <= MAX_NESTING:
        return formula.count("(")
    depth = deepest = 0
    for ch in formula:
        if ch == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif ch == ")":
            depth -= 1
    return deepest


def beyond_excel_limits(formula: str) -> bool:
    """True for a formula longer or deeper than Excel allows (it cannot come from Excel)."""
    return len(formula) > MAX_FORMULA_LENGTH or nesting(formula) > MAX_NESTING


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ExcelError("#NUM!")
    return value


def _tokens(form: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(form):
        m = _TOKEN.match(form, pos)
        if m is None:
            raise Unsupported(form[pos:pos + 10])
        pos = m.end()
        kind = m.lastgroup or ""
        if kind != "ws":
            out.append((kind, m.group(kind)))
    return out


def _part(text: str) -> tuple[int, bool]:
    return (int(text[1:-1]), True) if text.startswith("[") else (int(text), False)


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens, self.i = tokens, 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.i] if self.i < len(self.tokens) else ("end", "")

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        self.i += 1
        return tok

    def expect(self, value: str) -> None:
        if self.take()[1] != value:
            raise Unsupported(value)

    def parse(self) -> Node:
        node = self.comparison()
        if self.peek()[0] != "end":
            raise Unsupported("trailing")
        return node

    def comparison(self) -> Node:
        node = self.additive()
        while self.peek()[1] in ("=", "<>", "<", ">", "<=", ">="):
            op = self.take()[1]
            node = ("op", op, node, self.additive())
        return node

    def additive(self) -> Node:
        node = self.term()
        while self.peek()[1] in ("+", "-"):
            op = self.take()[1]
            node = ("op", op, node, self.term())
        return node

    def term(self) -> Node:
        node = self.power()
        while self.peek()[1] in ("*", "/"):
            op = self.take()[1]
            node = ("op", op, node, self.power())
        return node

    def power(self) -> Node:
        node = self.unary()
        while self.peek()[1] == "^":
            self.take()
            node = ("op", "^", node, self.unary())
        return node

    def unary(self) -> Node:
        negate = False
        while self.peek()[1] in ("-", "+"):
            negate ^= self.take()[1] == "-"
        if negate:
            return ("neg", self.unary())
        node = self.primary()
        while self.peek()[1] == "%":
            self.take()
            node = ("op", "/", node, ("num", 100.0))
        return node

    def primary(self) -> Node:
        kind, text = self.take()
        if kind == "num":
            value = float(text)
            return ("num", value) if math.isfinite(value) else ("error", "#NUM!")
        if kind == "bool":
            return ("num", 1.0 if text == "TRUE" else 0.0)
        if kind == "ref":
            sheet = None
            if "!" in text:
                sheet, text = text.rsplit("!", 1)
                if sheet.startswith("'"):
                    sheet = sheet[1:-1].replace("''", "'")
            parts = [(_part(m.group(1)), _part(m.group(2))) for m in _PART.finditer(text)]
            return ("ref", sheet, tuple(parts))
        if kind == "func":
            if text not in FUNCTIONS:
                raise Unsupported(text)
            args: list[Node] = []
            if self.peek()[1] != ")":
                args.append(self.comparison())
                while self.peek()[1] == ",":
                    self.take()
                    args.append(self.comparison())
            self.expect(")")
            return ("call", text, tuple(args))
        if text == "(":
            node = self.comparison()
            self.expect(")")
            return node
        raise Unsupported(text)


@lru_cache(maxsize=32768)
def parse(form: str) -> Node:
    """Parse a formula in relative R1C1 form; raises :class:`Unsupported`."""
    if beyond_excel_limits(form):
        raise Unsupported("beyond Excel's limits")
    return _Parser(_tokens(form)).parse()


_ROUNDING = Context(prec=800, rounding=ROUND_HALF_UP, Emin=-999_999, Emax=999_999)


def _round(value: float, digits: float) -> float:
    """Excel's ROUND (half away from zero), for any digits: ROUND(x, 30) is x, ROUND(x, -400) is 0."""
    _finite(value)
    _finite(digits)
    places = int(max(-400.0, min(400.0, digits)))
    if places >= 330:
        return value
    q = Decimal(1).scaleb(-places, _ROUNDING)
    result = Decimal(repr(value)).quantize(q, rounding=ROUND_HALF_UP, context=_ROUNDING)
    return _finite(float(result)) + 0.0  # no -0.0


class Evaluator:
    """Evaluates parsed formulas at a cell position against the workbook's cached values."""

    def __init__(self, workbook: Workbook) -> None:
        self.workbook = workbook
        self._lines: dict[tuple[str, str, int], _Line] = {}
        self.budget = RANGE_BUDGET
        self._sheets: dict[str, Sheet | None] = {s.name: s for s in workbook.sheets}

    def _sheet(self, name: str) -> Sheet | None:
        found = self._sheets.get(name)
        if found is None:
            found = self._sheets[name] = self.workbook.sheet(name)
        return found

    def value(self, form: str, sheet: str, row: int, col: int) -> float | str | None:
        """The formula (relative R1C1) worked out at the cell: a number, an Excel error value
        such as ``#NUM!``, or None when the small evaluator cannot tell. Never raises."""
        try:
            return compiled(form)(self, sheet, row, col)
        except ExcelError as exc:
            return exc.code
        except (Unsupported, RecursionError, ArithmeticError, ValueError, TypeError, LookupError):
            return None

    def _line_sum(self, name: str, r1: int, c1: int, r2: int, c2: int) -> float:
        """SUM over one row or one column from exact prefix sums of that line."""
        axis, index = ("col", c1) if c1 == c2 else ("row", r1)
        key = (name, axis, index)
        line = self._lines.get(key)
        if line is None:
            target = self._sheet(name)
            if target is None:
                raise Unsupported("sheet")
            line = self._lines[key] = _Line(target, axis, index)
        lo, hi = (r1, r2) if axis == "col" else (c1, c2)
        return line.total(lo, hi)

    def _cells(self, node: Node, sheet_name: str, row: int, col: int) -> tuple[str, list[tuple[int, int]]]:
        _, sheet, parts = node
        coords = [((r + row) if rel_r else r, (c + col) if rel_c else c) for (r, rel_r), (c, rel_c) in parts]
        return sheet or sheet_name, coords

    def _value(self, sheet_name: str, r: int, c: int, in_range: bool) -> float | None:
        sheet = self._sheet(sheet_name)
        if sheet is None:
            raise Unsupported("sheet")
        cell = sheet.get(r, c)
        if cell is None or cell.kind == "":
            return None if in_range else 0.0
        if cell.kind == "n" and isinstance(cell.value, float):
            return _finite(cell.value)  # a saved inf or nan is no number Excel could hold
        if in_range and cell.kind in ("s", "b"):
            return None
        raise Unsupported("value")

    def _args(self, args: tuple[Node, ...], sheet: str, row: int, col: int, summing: bool = False) -> list[float]:
        values: list[float] = []
        for arg in args:
            if arg[0] == "ref":
                name, coords = self._cells(arg, sheet, row, col)
                if len(coords) == 2:
                    (r1, c1), (r2, c2) = coords
                    r1, r2 = sorted((r1, r2))
                    c1, c2 = sorted((c1, c2))
                    if (r2 - r1 + 1) * (c2 - c1 + 1) > MAX_RANGE:
                        raise Unsupported("range")
                    if summing and (r1 == r2 or c1 == c2):
                        values.append(self._line_sum(name, r1, c1, r2, c2))
                        continue
                    target = self._sheet(name)
                    if target is None:
                        raise Unsupported("sheet")
                    size = (r2 - r1 + 1) * (c2 - c1 + 1)
                    big = size > 4 * len(target.cells)
                    self.budget -= len(target.cells) if big else size
                    if self.budget < 0:
                        raise Unsupported("range budget spent")
                    for (rr, cc) in [k for k in target.cells if r1 <= k[0] <= r2 and c1 <= k[1] <= c2] \
                            if big else [(rr, cc) for rr in range(r1, r2 + 1) for cc in range(c1, c2 + 1)]:
                        v = self._value(name, rr, cc, True)
                        if v is not None:
                            values.append(v)
                    continue
            values.append(self.eval(arg, sheet, row, col))
        return values

    def eval(self, node: Node, sheet: str, row: int, col: int) -> float:
        kind = node[0]
        if kind == "num":
            number: float = node[1]
            return number
        if kind == "error":
            raise ExcelError(node[1])
        if kind == "neg":
            return -self.eval(node[1], sheet, row, col)
        if kind == "ref":
            name, coords = self._cells(node, sheet, row, col)
            if len(coords) != 1:
                raise Unsupported("range outside function")
            value = self._value(name, *coords[0], in_range=False)
            return 0.0 if value is None else value
        if kind == "op":
            return _finite(_OPS[node[1]](self.eval(node[2], sheet, row, col), self.eval(node[3], sheet, row, col)))
        if kind == "call":
            name, args = node[1], node[2]
            if name == "IF":
                if not 2 <= len(args) <= 3:
                    raise Unsupported("IF")
                cond = self.eval(args[0], sheet, row, col)
                branch = args[1] if cond else (args[2] if len(args) == 3 else ("num", 0.0))
                return self.eval(branch, sheet, row, col)
            values = self._args(args, sheet, row, col, summing=name == "SUM")
            if name == "SUM":
                try:
                    return _finite(math.fsum(values))
                except OverflowError:
                    raise ExcelError("#NUM!") from None
            if name in ("MIN", "MAX"):
                return (min if name == "MIN" else max)(values) if values else 0.0
            if name == "ABS" and len(values) == 1:
                return abs(values[0])
            if name == "ROUND" and len(values) == 2:
                return _round(values[0], values[1])
        raise Unsupported(str(kind))


Compiled = Callable[["Evaluator", str, int, int], float]


@lru_cache(maxsize=32768)
def compiled(form: str) -> Compiled:
    """The parsed formula turned into nested closures (a column of copies is compiled once and
    each copy then runs without walking the tree); raises :class:`Unsupported` like ``parse``."""
    return _compile(parse(form))


def _compile(node: Node) -> Compiled:
    kind = node[0]
    if kind == "num":
        number = node[1]
        return lambda ev, s, r, c: number
    if kind == "neg":
        inner = _compile(node[1])
        return lambda ev, s, r, c: -inner(ev, s, r, c)
    if kind == "op":
        op, left, right = _OPS[node[1]], _compile(node[2]), _compile(node[3])
        return lambda ev, s, r, c: _finite(op(left(ev, s, r, c), right(ev, s, r, c)))
    if kind == "ref" and len(node[2]) == 1:
        target = node[1]
        (row, rel_r), (col, rel_c) = node[2][0]

        def ref(ev: Evaluator, s: str, r: int, c: int) -> float:
            value = ev._value(target or s, row + r if rel_r else row, col + c if rel_c else col, False)
            return 0.0 if value is None else value
        return ref
    if kind == "call" and node[1] == "SUM":
        parts = [_compile_sum_part(arg) for arg in node[2]]

        def total(ev: Evaluator, s: str, r: int, c: int) -> float:
            try:
                return _finite(math.fsum(part(ev, s, r, c) for part in parts))
            except OverflowError:
                raise ExcelError("#NUM!") from None
        return total
    if kind == "call" and node[1] == "IF" and 2 <= len(node[2]) <= 3:
        cond, yes = _compile(node[2][0]), _compile(node[2][1])
        no = _compile(node[2][2]) if len(node[2]) == 3 else (lambda ev, s, r, c: 0.0)
        return lambda ev, s, r, c: yes(ev, s, r, c) if cond(ev, s, r, c) else no(ev, s, r, c)
    return lambda ev, s, r, c: ev.eval(node, s, r, c)  # everything else: the tree walker


def _compile_sum_part(arg: Node) -> Compiled:
    """One argument of SUM: a range over one row or column is summed from the line's prefix
    sums; anything else goes through the general path (one value, or a 2-D range)."""
    if arg[0] == "ref" and len(arg[2]) == 2:
        target = arg[1]
        (ra, rel_ra), (ca, rel_ca) = arg[2][0]
        (rb, rel_rb), (cb, rel_cb) = arg[2][1]

        def part(ev: Evaluator, s: str, r: int, c: int) -> float:
            r1, r2 = (ra + r if rel_ra else ra), (rb + r if rel_rb else rb)
            c1, c2 = (ca + c if rel_ca else ca), (cb + c if rel_cb else cb)
            r1, r2 = min(r1, r2), max(r1, r2)
            c1, c2 = min(c1, c2), max(c1, c2)
            if (r1 == r2 or c1 == c2) and (r2 - r1 + 1) * (c2 - c1 + 1) <= MAX_RANGE:
                return ev._line_sum(target or s, r1, c1, r2, c2)
            return math.fsum(ev._args((arg,), s, r, c, summing=True))
        return part
    inner = _compile(arg)
    return inner


def _div(a: float, b: float) -> float:
    if b == 0:
        raise ExcelError("#DIV/0!")
    return a / b


def _pow(a: float, b: float) -> float:
    """Excel's ^: a negative base to a fractional power is #NUM!, 0 to a negative one #DIV/0!."""
    if a == 0 and b < 0:
        raise ExcelError("#DIV/0!")
    if a < 0 and not float(b).is_integer():
        raise ExcelError("#NUM!")
    try:
        result = a ** b
    except (OverflowError, ZeroDivisionError, ValueError):
        raise ExcelError("#NUM!") from None
    if isinstance(result, complex):
        raise ExcelError("#NUM!")
    return _finite(float(result))


class _Line:
    """One row or column of a sheet for SUM: exact prefix sums of its numbers (floats scaled to
    integers, so a difference of two prefixes is the exact sum, rounded once like math.fsum),
    and the positions of cells that make SUM fail (error values)."""

    def __init__(self, sheet: Sheet, axis: str, index: int) -> None:
        cells = sorted((key[0] if axis == "col" else key[1], cell)
                       for key, cell in sheet.cells.items()
                       if (key[1] if axis == "col" else key[0]) == index)
        self.positions: list[int] = []
        numerators: list[tuple[int, int]] = []
        self.bad: list[int] = []
        for pos, cell in cells:
            if cell.kind == "n" and isinstance(cell.value, float):
                if not math.isfinite(cell.value):
                    self.bad.append(pos)
                    continue
                num, den = cell.value.as_integer_ratio()  # den is a power of two ≤ 2**1074
                numerators.append((pos, num * (1 << 1100) // den))
            elif cell.kind not in ("", "s", "b"):
                self.bad.append(pos)
        self.scale = 1 << 1100
        self.totals: dict[tuple[int, int], float] = {}
        self.prefix = [0]
        for pos, num in numerators:
            self.positions.append(pos)
            self.prefix.append(self.prefix[-1] + num)

    def total(self, lo: int, hi: int) -> float:
        i = bisect_left(self.bad, lo)
        if i < len(self.bad) and self.bad[i] <= hi:
            raise Unsupported("value")
        a, b = bisect_left(self.positions, lo), bisect_right(self.positions, hi)
        found = self.totals.get((a, b))
        if found is None:
            found = self.totals[(a, b)] = _finite(float(Fraction(self.prefix[b] - self.prefix[a], self.scale)))
        return found


_OPS: dict[str, Callable[[float, float], float]] = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": _div, "^": _pow,
    "=": lambda a, b: float(a == b), "<>": lambda a, b: float(a != b), "<": lambda a, b: float(a < b),
    ">": lambda a, b: float(a > b), "<=": lambda a, b: float(a <= b), ">=": lambda a, b: float(a >= b),
}
