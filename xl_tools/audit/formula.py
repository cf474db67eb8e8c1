"""Reading formula text without evaluating it: references, relative R1C1 form, literals.

Everything here is regular-expression work on the A1 text stored in the file; it
is fast enough for 100 000 formulas and never touches other files or workbooks.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from xl_tools.audit.model import column_letter, column_number

MAX_ROW = 1_048_576
MAX_COL = 16_384

_STRING = re.compile(r'"(?:[^"]|"")*"')
_SHEET = r"(?P<sheet>(?:'(?:[^']|'')+'|\[\d+\][^\s!()'\",;+\-*/^&=<>]*|[A-Za-z_\\][A-Za-z0-9_.]*)!)?"
_CELL_REF = re.compile(
    r"(?<![A-Za-z0-9_.$\]'])" + _SHEET
    + r"(?P<c1>\$?[A-Z]{1,3})(?P<r1>\$?[0-9]{1,7})"
    r"(?::(?P<c2>\$?[A-Z]{1,3})(?P<r2>\$?[0-9]{1,7}))?(?![A-Za-z0-9_(!.])"
)
_COL_RANGE = re.compile(
    r"(?<![A-Za-z0-9_.$\]'])" + _SHEET + r"(?P<c1>\$?[A-Z]{1,3}):(?P<c2>\$?[A-Z]{1,3})(?![A-Za-z0-9_(!])"
)
_NUMBER = re.compile(r"(?<![A-Za-z0-9_.$\]\[])(\d+\.?\d*(?:E[+-]?\d+)?|\.\d+)(?![A-Za-z0-9_(!\[\]])")
_FUNCTION = re.compile(r"(?<![A-Z0-9_.])([A-Z_][A-Z0-9._]*)\(")


@dataclass(frozen=True, slots=True)
class Ref:
    """A reference in a formula: a cell or a rectangular range, maybe on another sheet.

    ``sheet`` is None for the formula's own sheet; ``external`` is True for ``[1]Sheet!A1``.
    """

    sheet: str | None
    row1: int
    col1: int
    row2: int
    col2: int
    external: bool = False

    @property
    def is_cell(self) -> bool:
        return self.row1 == self.row2 and self.col1 == self.col2

    @property
    def size(self) -> int:
        return (self.row2 - self.row1 + 1) * (self.col2 - self.col1 + 1)

    def contains(self, row: int, col: int) -> bool:
        return self.row1 <= row <= self.row2 and self.col1 <= col <= self.col2


def split_strings(formula: str) -> list[tuple[bool, str]]:
    """Split into (is_string_literal, text) parts so that rules never look inside strings."""
    parts: list[tuple[bool, str]] = []
    pos = 0
    for m in _STRING.finditer(formula):
        if m.start() > pos:
            parts.append((False, formula[pos:m.start()]))
        parts.append((True, m.group(0)))
        pos = m.end()
    if pos < len(formula):
        parts.append((False, formula[pos:]))
    return parts


def _sub_outside_strings(pattern: re.Pattern[str], repl: Callable[[re.Match[str]], str], formula: str) -> str:
    if '"' not in formula:
        return pattern.sub(repl, formula)
    return "".join(text if is_str else pattern.sub(repl, text) for is_str, text in split_strings(formula))


def _sheet_name(raw: str | None) -> tuple[str | None, bool]:
    if not raw:
        return None, False
    name = raw[:-1]
    if name.startswith("'") and name.endswith("'"):
        name = name[1:-1].replace("''", "'")
    external = name.startswith(("[", "\\")) or "]" in name
    return name, external


def _num(part: str) -> int:
    return int(part.lstrip("$"))


@lru_cache(maxsize=65536)
def references(formula: str) -> tuple[Ref, ...]:
    """All cell and range references of a formula (whole-column ranges included)."""
    refs: list[Ref] = []

    def cell(m: re.Match[str]) -> str:
        sheet, external = _sheet_name(m.group("sheet"))
        r1, c1 = _num(m.group("r1")), column_number(m.group("c1").lstrip("$"))
        if m.group("c2"):
            r2, c2 = _num(m.group("r2")), column_number(m.group("c2").lstrip("$"))
        else:
            r2, c2 = r1, c1
        if c1 <= MAX_COL and c2 <= MAX_COL:
            refs.append(Ref(sheet, min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2), external))
        return "\0"

    def column_range(m: re.Match[str]) -> str:
        sheet, external = _sheet_name(m.group("sheet"))
        c1, c2 = column_number(m.group("c1").lstrip("$")), column_number(m.group("c2").lstrip("$"))
        refs.append(Ref(sheet, 1, min(c1, c2), MAX_ROW, max(c1, c2), external))
        return "\0"

    rest = _sub_outside_strings(_CELL_REF, cell, formula)
    _sub_outside_strings(_COL_RANGE, column_range, rest)
    return tuple(refs)


def _relative(part: str, base: int, letters: bool) -> str:
    absolute = part.startswith("$")
    value = column_number(part.lstrip("$")) if letters else int(part.lstrip("$"))
    return f"{value}" if absolute else f"[{value - base}]"


@lru_cache(maxsize=65536)
def _r1c1_cached(formula: str, row: int, col: int) -> str:
    def repl(m: re.Match[str]) -> str:
        sheet = m.group("sheet") or ""
        text = f"{sheet}R{_relative(m.group('r1'), row, False)}C{_relative(m.group('c1'), col, True)}"
        if m.group("c2"):
            text += f":R{_relative(m.group('r2'), row, False)}C{_relative(m.group('c2'), col, True)}"
        return text

    return _sub_outside_strings(_CELL_REF, repl, formula.replace(" ", "") if '"' not in formula else formula)


def to_r1c1(formula: str, row: int, col: int) -> str:
    """The formula in relative R1C1 form: ``B3`` in C3 becomes ``R[0]C[-1]``.

    Formulas copied along a row or column have the same R1C1 form; one that differs
    from its neighbours was typed differently.
    """
    return _r1c1_cached(formula, row, col)


_R1C1_REF = re.compile(
    r"(?:'(?:[^']|'')+'!|[^\s!()'\",;+\-*/^&=<>:]+!)?R(?:\[-?\d+\]|\d+)C(?:\[-?\d+\]|\d+)"
    r"(?::R(?:\[-?\d+\]|\d+)C(?:\[-?\d+\]|\d+))?")


_NAME = re.compile(r"(?<![A-Za-z0-9_.\]'!])([A-Za-z_\\][A-Za-z0-9_.]*)(?![A-Za-z0-9_.(!'\[])")


@lru_cache(maxsize=65536)
def fingerprint(r1c1: str) -> frozenset[str]:
    """The set of relative references of a formula in R1C1 form (ExceLint's reference
    fingerprint) and defined names: functions, operators, constants and repetitions are ignored, so
    ``=IF(COUNT(R[-3]C:R[-1]C)=0,"",SUM(R[-3]C:R[-1]C))`` and ``=SUM(R[-3]C:R[-1]C)`` agree,
    while ``=R[-1]C*2`` and ``=R[-2]C*2`` do not."""
    parts = [p for is_string, p in split_strings(r1c1) if not is_string]
    refs = {m.group(0) for part in parts for m in _R1C1_REF.finditer(part)}
    for part in parts:  # defined names (Pott_2017) are references too
        for m in _NAME.finditer(_R1C1_REF.sub(" ", part)):
            if m.group(1).upper() not in ("TRUE", "FALSE"):
                refs.add(m.group(1))
    return frozenset(refs)


def translate(formula: str, drow: int, dcol: int) -> str:
    """Shift the relative references of ``formula`` by (drow, dcol), as Excel does when
    it fills a shared formula from its master cell."""
    if drow == 0 and dcol == 0:
        return formula

    def shift(part: str, delta: int, letters: bool) -> str:
        if part.startswith("$") or delta == 0:
            return part
        if letters:
            return column_letter(max(1, column_number(part) + delta))
        return str(max(1, int(part) + delta))

    def repl(m: re.Match[str]) -> str:
        text = (m.group("sheet") or "") + shift(m.group("c1"), dcol, True) + shift(m.group("r1"), drow, False)
        if m.group("c2"):
            text += ":" + shift(m.group("c2"), dcol, True) + shift(m.group("r2"), drow, False)
        return text

    return _sub_outside_strings(_CELL_REF, repl, formula)


@lru_cache(maxsize=65536)
def numeric_literals(formula: str) -> tuple[float, ...]:
    """Numbers typed into the formula itself (not in references, names or strings)."""
    out: list[float] = []
    for is_str, text in split_strings(formula):
        if is_str:
            continue
        text = _COL_RANGE.sub("\0", _CELL_REF.sub("\0", text))
        for m in _NUMBER.finditer(text):
            try:
                out.append(float(m.group(1)))
            except ValueError:
                continue
    return tuple(out)


@lru_cache(maxsize=65536)
def functions(formula: str) -> tuple[str, ...]:
    """Names of the functions called, upper case (``_xlfn.`` prefixes removed)."""
    names: list[str] = []
    for is_str, text in split_strings(formula):
        if not is_str:
            names.extend(n.removeprefix("_XLFN.").removeprefix("_XLWS.") for n in _FUNCTION.findall(text.upper()))
    return tuple(names)


@lru_cache(maxsize=256)
def _call_pattern(name: str) -> re.Pattern[str]:
    return re.compile(r"(?<![A-Z0-9_.])(?:_XLFN\.)?" + re.escape(name.upper()) + r"\(")


def function_calls(formula: str, name: str) -> list[list[str]]:
    """The argument texts of every call of function ``name`` (top-level commas only)."""
    calls: list[list[str]] = []
    upper = formula.upper()
    if name.upper() + "(" not in upper:
        return calls
    pattern = _call_pattern(name)
    for m in pattern.finditer(upper):
        depth, i = 1, m.end()
        args: list[str] = []
        current: list[str] = []
        in_str = False
        while i < len(formula) and depth:
            ch = formula[i]
            if ch == '"':
                in_str = not in_str
            elif not in_str:
                if ch in "({":
                    depth += 1
                elif ch in ")}":
                    depth -= 1
                    if depth == 0:
                        break
                elif ch == "," and depth == 1:
                    args.append("".join(current).strip())
                    current = []
                    i += 1
                    continue
            current.append(ch)
            i += 1
        args.append("".join(current).strip())
        calls.append([] if args == [""] else args)
    return calls
