"""The rule registry and what every rule gets: the workbook plus shared, cached views."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from xl_tools.audit.formula import Ref, fingerprint, references, to_r1c1
from xl_tools.audit.model import Cell, Finding, Severity, Sheet, Workbook


@dataclass
class AuditContext:
    """The workbook being audited and per-cell caches shared by the rules."""

    workbook: Workbook
    _r1c1: dict[tuple[str, int, int], str] = field(default_factory=dict)
    _referenced: dict[str, tuple[set[tuple[int, int]], list[Ref]]] | None = None

    def r1c1(self, sheet: Sheet, cell: Cell) -> str | None:
        """The cell's formula in relative R1C1 form (None for a constant)."""
        if cell.formula is None:
            return None
        key = (sheet.name, cell.row, cell.col)
        form = self._r1c1.get(key)
        if form is None:
            form = self._r1c1[key] = to_r1c1(cell.formula, cell.row, cell.col)
        return form

    def fingerprint(self, sheet: Sheet, cell: Cell) -> frozenset[str] | None:
        """The cell's reference fingerprint (:func:`~xl_tools.audit.formula.fingerprint`)."""
        form = self.r1c1(sheet, cell)
        return None if form is None else fingerprint(form)

    def referenced(self, sheet: Sheet, row: int, col: int) -> bool:
        """True when some formula in the workbook refers to the cell, alone or in a range."""
        if self._referenced is None:
            self._referenced = {s.name: (set(), []) for s in self.workbook.sheets}
            for source in self.workbook.sheets:
                for cell in source.formula_cells():
                    for ref in references(cell.formula or ""):
                        target = source if ref.sheet is None else self.workbook.sheet(ref.sheet)
                        if ref.external or target is None:
                            continue
                        singles, ranges = self._referenced[target.name]
                        if ref.is_cell:
                            singles.add((ref.row1, ref.col1))
                        else:
                            ranges.append(ref)
        singles, ranges = self._referenced.get(sheet.name, (set(), []))
        return (row, col) in singles or any(r.contains(row, col) for r in ranges)

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
