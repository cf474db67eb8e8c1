"""A small evaluator for simple formulas, used only to check cached values (XL014).

It understands numbers, cell and range references (also on other sheets), ``+ - * / ^``,
unary minus, ``%``, comparisons, and SUM, MIN, MAX, ROUND, IF, ABS. Anything else —
text, other functions, errors in the inputs — raises :class:`Unsupported` and the
formula is skipped: never guess. Each formula is evaluated one step deep, from the
cached values of the cells it refers to. Parsed formulas are cached by their relative
R1C1 form, so a column of copied formulas is parsed once.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from xl_tools.audit.model import Workbook

MAX_RANGE = 100_000
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

Node = tuple  # ("num", v) | ("ref", sheet, parts) | ("op", op, a, b) | ("neg", a) | ("call", name, args) ...


class Unsupported(Exception):
    """The formula uses something the small evaluator does not handle; skip it."""


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
        if self.peek()[1] == "-":
            self.take()
            return ("neg", self.unary())
        if self.peek()[1] == "+":
            self.take()
            return self.unary()
        node = self.primary()
        while self.peek()[1] == "%":
            self.take()
            node = ("op", "/", node, ("num", 100.0))
        return node

    def primary(self) -> Node:
        kind, text = self.take()
        if kind == "num":
            return ("num", float(text))
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
    return _Parser(_tokens(form)).parse()


def _round(value: float, digits: float) -> float:
    q = Decimal(1).scaleb(-int(digits))
    return float(Decimal(repr(value)).quantize(q, rounding=ROUND_HALF_UP))


class Evaluator:
    """Evaluates parsed formulas at a cell position against the workbook's cached values."""

    def __init__(self, workbook: Workbook) -> None:
        self.workbook = workbook
        self._range_cache: dict[tuple[str, int, int, int, int], list[float]] = {}

    def _cells(self, node: Node, sheet_name: str, row: int, col: int) -> tuple[str, list[tuple[int, int]]]:
        _, sheet, parts = node
        coords = [((r + row) if rel_r else r, (c + col) if rel_c else c) for (r, rel_r), (c, rel_c) in parts]
        return sheet or sheet_name, coords

    def _value(self, sheet_name: str, r: int, c: int, in_range: bool) -> float | None:
        sheet = self.workbook.sheet(sheet_name)
        if sheet is None:
            raise Unsupported("sheet")
        cell = sheet.get(r, c)
        if cell is None or cell.kind == "":
            return None if in_range else 0.0
        if cell.kind == "n" and isinstance(cell.value, float):
            return cell.value
        if in_range and cell.kind in ("s", "b"):
            return None
        raise Unsupported("value")

    def _args(self, args: tuple, sheet: str, row: int, col: int) -> list[float]:
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
                    key = (name, r1, c1, r2, c2)
                    cached = self._range_cache.get(key)
                    if cached is not None:
                        values.extend(cached)
                        continue
                    target = self.workbook.sheet(name)
                    if target is None:
                        raise Unsupported("sheet")
                    start = len(values)
                    for (rr, cc) in [k for k in target.cells if r1 <= k[0] <= r2 and c1 <= k[1] <= c2] \
                            if (r2 - r1 + 1) * (c2 - c1 + 1) > 4 * len(target.cells) else \
                            [(rr, cc) for rr in range(r1, r2 + 1) for cc in range(c1, c2 + 1)]:
                        v = self._value(name, rr, cc, True)
                        if v is not None:
                            values.append(v)
                    self._range_cache[key] = values[start:]
                    continue
            values.append(self.eval(arg, sheet, row, col))
        return values

    def eval(self, node: Node, sheet: str, row: int, col: int) -> float:
        kind = node[0]
        if kind == "num":
            return node[1]
        if kind == "neg":
            return -self.eval(node[1], sheet, row, col)
        if kind == "ref":
            name, coords = self._cells(node, sheet, row, col)
            if len(coords) != 1:
                raise Unsupported("range outside function")
            value = self._value(name, *coords[0], in_range=False)
            return 0.0 if value is None else value
        if kind == "op":
            return _OPS[node[1]](self.eval(node[2], sheet, row, col), self.eval(node[3], sheet, row, col))
        if kind == "call":
            name, args = node[1], node[2]
            if name == "IF":
                if not 1 <= len(args) <= 3:
                    raise Unsupported("IF")
                cond = self.eval(args[0], sheet, row, col)
                branch = args[1] if cond else (args[2] if len(args) == 3 else ("num", 0.0))
                return self.eval(branch, sheet, row, col)
            values = self._args(args, sheet, row, col)
            if name == "SUM":
                return math.fsum(values)
            if name in ("MIN", "MAX"):
                return (min if name == "MIN" else max)(values) if values else 0.0
            if name == "ABS" and len(values) == 1:
                return abs(values[0])
            if name == "ROUND" and len(values) == 2:
                return _round(values[0], values[1])
        raise Unsupported(str(kind))


def _div(a: float, b: float) -> float:
    if b == 0:
        raise Unsupported("#DIV/0!")
    return a / b


def _pow(a: float, b: float) -> float:
    try:
        return float(a ** b)
    except (OverflowError, ZeroDivisionError, ValueError):
        raise Unsupported("^") from None


_OPS: dict[str, Callable[[float, float], float]] = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": _div, "^": _pow,
    "=": lambda a, b: float(a == b), "<>": lambda a, b: float(a != b), "<": lambda a, b: float(a < b),
    ">": lambda a, b: float(a > b), "<=": lambda a, b: float(a <= b), ">=": lambda a, b: float(a >= b),
}
