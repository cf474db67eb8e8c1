"""What the auditor reads (workbook, sheets, cells) and what it reports (findings)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum


class Severity(IntEnum):
    """How bad a finding is. ``--fail-on`` compares against these."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        return cls[text.strip().upper()]


def column_letter(col: int) -> str:
    """1 → ``A``, 27 → ``AA``."""
    letters = ""
    while col > 0:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_number(letters: str) -> int:
    """``A`` → 1, ``AA`` → 27."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def parse_a1(address: str) -> tuple[int, int]:
    """``B3`` → (3, 2); an empty address or part gives 0 (a workbook-level finding)."""
    letters = address.rstrip("0123456789")
    digits = address[len(letters):]
    return (int(digits) if digits else 0, column_number(letters) if letters else 0)


def a1(row: int, col: int) -> str:
    """(3, 2) → ``B3``."""
    return f"{column_letter(col)}{row}"


@dataclass(frozen=True)
class Finding:
    """One problem at one cell (``cell`` is empty for a sheet- or workbook-level finding)."""

    sheet: str
    cell: str
    rule: str
    severity: Severity
    message: str
    suggestion: str = ""

    def as_dict(self) -> dict[str, str]:
        """The stable JSON form: sheet, cell, rule, severity, message (suggestion appended)."""
        message = f"{self.message} {self.suggestion}".strip()
        return {"sheet": self.sheet, "cell": self.cell, "rule": self.rule,
                "severity": self.severity.label, "message": message}


@dataclass(slots=True)
class Cell:
    """One stored cell. ``value`` is the cached value for a formula cell.

    ``kind`` is ``n`` (number), ``s`` (text), ``b`` (boolean), ``e`` (error), ``d`` (date
    text) or ``""`` (no value). ``formula`` is the A1 text without ``=``.
    """

    row: int
    col: int
    value: object = None
    kind: str = ""
    formula: str | None = None
    style: int = 0
    form: str | None = None  # the formula in relative R1C1 form, filled in when first asked for

    @property
    def address(self) -> str:
        return a1(self.row, self.col)

    @property
    def is_number(self) -> bool:
        return self.kind == "n" and isinstance(self.value, float)

    @property
    def number(self) -> float:
        """The value of a number cell (one that :attr:`is_number`)."""
        assert isinstance(self.value, float), self.address
        return self.value


@dataclass
class Sheet:
    """A worksheet: cells by (row, col), hidden rows/columns, protection."""

    name: str
    state: str = "visible"  # visible, hidden, veryHidden
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    hidden_rows: set[int] = field(default_factory=set)
    hidden_cols: set[int] = field(default_factory=set)
    protected: bool = False
    # formulas longer or deeper than Excel allows: (row, col, length), kept out of the rules
    oversized: list[tuple[int, int, int]] = field(default_factory=list)
    # the cells of each row, built on first use (audit.rules.grant._row_cells)
    _row_index: dict[int, list[tuple[tuple[int, int], Cell]]] | None = field(default=None, repr=False, compare=False)

    def get(self, row: int, col: int) -> Cell | None:
        return self.cells.get((row, col))

    def formula_cells(self) -> list[Cell]:
        return [c for c in self.cells.values() if c.formula is not None]


@dataclass
class Workbook:
    """The parts of a workbook that the rules look at. Read by :mod:`xl_tools.audit.reader`."""

    path: str
    sheets: list[Sheet] = field(default_factory=list)
    calc_mode: str = "auto"
    has_macros: bool = False
    external_links: list[str] = field(default_factory=list)
    unlocked_styles: set[int] = field(default_factory=set)
    defined_names: dict[str, str] = field(default_factory=dict)

    # False when formulas were saved without their values (openpyxl and some other writers):
    # then only the structure can be audited, not the numbers (set by the reader)
    values_cached: bool = True
    converted_from: str = ""  # "ods" when LibreOffice converted it for the audit

    def sheet(self, name: str) -> Sheet | None:
        for s in self.sheets:
            if s.name == name:
                return s
        lower = name.lower()
        for s in self.sheets:
            if s.name.lower() == lower:
                return s
        return None

    @property
    def formula_count(self) -> int:
        return sum(len(s.formula_cells()) for s in self.sheets)


@dataclass
class AuditReport:
    """The findings for one workbook, most severe first within each sheet."""

    file: str
    findings: list[Finding] = field(default_factory=list)
    sheet_order: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # said once, e.g. "values could not be checked"
    hidden: int = 0  # findings left out below the chosen severity

    def worst(self) -> Severity | None:
        return max((f.severity for f in self.findings), default=None)

    def count(self, at_least: Severity) -> int:
        return sum(1 for f in self.findings if f.severity >= at_least)

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"file": self.file, "findings": [f.as_dict() for f in self.findings]}
        if self.notes:
            out["notes"] = list(self.notes)
        return out
