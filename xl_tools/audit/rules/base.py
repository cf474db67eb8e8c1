"""The rule registry and what every rule gets: the workbook plus shared, cached views."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from xl_tools.audit.formula import Ref, fingerprint, references, to_r1c1
from xl_tools.audit.model import Cell, Finding, Severity, Sheet, Workbook
from xl_tools.audit.settings import DEFAULT, Settings

WIDE = 256  # a range wider than this many columns is kept whole (rare: whole rows)
_Coverage = tuple[set[tuple[int, int]], dict[int, tuple[list[int], list[int]]], list[Ref]]


def _coverage(workbook: Workbook, local: bool = False) -> dict[str, _Coverage]:
    """Per sheet: cells referred to alone, merged row intervals per column covered by ranges,
    and the few very wide ranges. With ``local``, only references from the same sheet."""
    spans: dict[str, dict[int, list[tuple[int, int]]]] = {s.name: {} for s in workbook.sheets}
    out: dict[str, _Coverage] = {s.name: (set(), {}, []) for s in workbook.sheets}
    for source in workbook.sheets:
        for cell in source.formula_cells():
            for ref in references(cell.formula or ""):
                target = source if ref.sheet is None else workbook.sheet(ref.sheet)
                if ref.external or target is None or (local and target is not source):
                    continue
                singles, _, wide = out[target.name]
                if ref.is_cell:
                    singles.add((ref.row1, ref.col1))
                elif ref.col2 - ref.col1 >= WIDE:
                    wide.append(ref)
                else:
                    for c in range(ref.col1, ref.col2 + 1):
                        spans[target.name].setdefault(c, []).append((ref.row1, ref.row2))
    for name, columns in spans.items():
        merged = out[name][1]
        for c, intervals in columns.items():
            intervals.sort()
            starts: list[int] = []
            ends: list[int] = []
            for r1, r2 in intervals:
                if ends and r1 <= ends[-1] + 1:
                    ends[-1] = max(ends[-1], r2)
                else:
                    starts.append(r1)
                    ends.append(r2)
            merged[c] = (starts, ends)
    return out


@dataclass
class AuditContext:
    """The workbook being audited and per-cell caches shared by the rules."""

    workbook: Workbook
    settings: Settings = DEFAULT
    _referenced: dict[bool, dict[str, _Coverage]] | None = None
    cache: dict[object, Any] = field(default_factory=dict)  # views that several rules share (e.g. XL002/XL010 runs)

    def r1c1(self, sheet: Sheet, cell: Cell) -> str | None:
        """The cell's formula in relative R1C1 form (None for a constant; kept on the cell)."""
        form = cell.form
        if form is None and cell.formula is not None:
            form = cell.form = to_r1c1(cell.formula, cell.row, cell.col)
        return form

    def fingerprint(self, sheet: Sheet, cell: Cell) -> frozenset[str] | None:
        """The cell's reference fingerprint (:func:`~xl_tools.audit.formula.fingerprint`)."""
        form = cell.form or self.r1c1(sheet, cell)
        return None if form is None else fingerprint(form)

    def referenced(self, sheet: Sheet, row: int, col: int, local: bool = False) -> bool:
        """True when some formula in the workbook (with ``local``: on the same sheet) refers to
        the cell, alone or in a range (merged row intervals per column: a binary search)."""
        if self._referenced is None:
            self._referenced = {False: _coverage(self.workbook), True: _coverage(self.workbook, local=True)}
        singles, columns, wide = self._referenced[local].get(sheet.name, (set(), {}, []))
        if (row, col) in singles:
            return True
        starts, ends = columns.get(col, ((), ()))
        i = bisect_right(starts, row) - 1
        if i >= 0 and ends[i] >= row:
            return True
        return any(r.contains(row, col) for r in wide)

    def r1c1_at(self, sheet: Sheet, row: int, col: int) -> str | None:
        cell = sheet.get(row, col)
        return None if cell is None else self.r1c1(sheet, cell)


RuleFunc = Callable[[AuditContext], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    """One audit rule: an id (``XL001``), a default severity, a title and the check."""

    id: str
    severity: Severity
    title: str
    check: RuleFunc
    doc: str = ""


RULES: dict[str, Rule] = {}


def rule(rule_id: str, severity: Severity, title: str) -> Callable[[RuleFunc], RuleFunc]:
    """Register a check function as rule ``rule_id``; its docstring documents it."""

    def decorate(func: RuleFunc) -> RuleFunc:
        RULES[rule_id] = Rule(rule_id, severity, title, func, (func.__doc__ or "").strip())
        return func

    return decorate
