"""Check a workbook three ways: its cached values, a Python recalculation, LibreOffice.

The generator stores the engine's value as each formula's cached value. This module
recalculates every formula with the ``formulas`` package (pure Python) and with
LibreOffice Calc headless (:func:`xl_tools.libreoffice.recalc.recalculate`), and
lists every formula cell where the three disagree.

Numbers are equal when they agree to 1e-9 relative (1e-6 absolute): shares and
exact amounts are floats in a spreadsheet; whole-krona amounts must agree exactly.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xl_tools.errors import XlToolsError
from xl_tools.i18n import N_, _
from xl_tools.money import format_number
from xl_tools.safe_open import check_workbook_file

MAX_PYTHON_CELLS = 30_000
"""Most formula cells recalculated with ``formulas`` (1.3.4: ≈ 57 s and 1 GB for 20 000 cells)."""

ENGINE_LABELS = {
    "cached": N_("the stored values"),
    "formulas": N_("formulas (Python)"),
    "libreoffice": "LibreOffice",
}


@dataclass
class Mismatch:
    """A formula cell where the stored value and the recalculating engines do not all agree.

    ``values`` maps each source (``cached``, ``formulas``, ``libreoffice``) to its value;
    :meth:`agreeing` and :meth:`differing` say who agrees with whom."""

    sheet: str
    cell: str
    formula: str
    values: dict[str, Any]

    @property
    def cached(self) -> Any:
        return self.values.get("cached")

    def groups(self) -> list[list[str]]:
        """Sources grouped by equal value, largest group first (ties: the stored values' group first)."""
        groups: list[list[str]] = []
        for source, value in self.values.items():
            for group in groups:
                if same(self.values[group[0]], value):
                    group.append(source)
                    break
            else:
                groups.append([source])
        return sorted(groups, key=lambda g: (-len(g), "cached" not in g))

    def agreeing(self) -> list[str]:
        """The sources that agree (the largest group), empty if no two agree."""
        first = self.groups()[0]
        return first if len(first) > 1 else []

    def differing(self) -> list[str]:
        """The sources that differ from the agreeing ones (all of them if no two agree)."""
        agree = self.agreeing()
        return [s for s in self.values if s not in agree]

    @property
    def engine(self) -> str:
        """The (first) engine that differs; kept for callers that expect one name."""
        differ = [s for s in self.differing() if s != "cached"]
        return differ[0] if differ else "cached"

    def __str__(self) -> str:
        where = f"{self.sheet}!{self.cell} {self.formula}:"
        agree = self.agreeing()
        if not agree:
            shown = ", ".join(f"{_(ENGINE_LABELS[s])} {_shown(self.values[s])}" for s in self.values)
            return f"{where} " + _("no two agree ({values}).").format(values=shown)
        agreed = _(" and ").join(_(ENGINE_LABELS[s]) for s in agree)
        others = "; ".join(_("{engine} differs with {value}").format(engine=_(ENGINE_LABELS[s]),
                                                                     value=_shown(self.values[s]))
                           for s in self.differing())
        return f"{where} " + _("{engines} agree on {value}; {others}.").format(
            engines=agreed, value=_shown(self.values[agree[0]]), others=others)


@dataclass
class VerifyReport:
    path: Path
    formula_cells: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def differing_counts(self) -> dict[str, int]:
        """How many mismatches each source is the odd one out in (mismatches where no two
        sources agree are not counted: see :meth:`summary`)."""
        counts: dict[str, int] = {}
        for m in self.mismatches:
            if not m.agreeing():
                continue
            for source in m.differing():
                counts[source] = counts.get(source, 0) + 1
        return counts

    def summary(self) -> str:
        """One line: which source is the odd one out how often, and where no two agree."""
        parts = [_("{engine} differ(s) from the others in {n} cell(s)").format(engine=_(ENGINE_LABELS[s]), n=n)
                 for s, n in self.differing_counts().items()]
        undecided = sum(1 for m in self.mismatches if not m.agreeing())
        if undecided:
            parts.append(_("no two agree in {n} cell(s)").format(n=undecided) + (
                "" if len(self.checked) > 1 else " " + _("(check with both engines to see which is right)")))
        text = "; ".join(parts)
        return text[:1].upper() + text[1:] + "." if parts else _("All sources agree.")


def same(a: Any, b: Any) -> bool:
    """Spreadsheet equality of two cell values (see module docstring)."""
    if hasattr(b, "item"):
        b = b.item()
    if hasattr(a, "item"):
        a = a.item()
    if isinstance(a, bool) or isinstance(b, bool):
        return bool(a == b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)
    if a in (None, "") and b in (None, "", 0):
        return True
    return bool(a == b)


def formula_cells(path: Path) -> dict[tuple[str, str], tuple[str, Any]]:
    """Every formula cell: (sheet, A1) → (formula, cached value)."""
    from xl_tools.safe_open import open_workbook

    formulas_wb = open_workbook(path, data_only=False, what="the workbook")
    values_wb = open_workbook(path, data_only=True, what="the workbook")
    cells: dict[tuple[str, str], tuple[str, Any]] = {}
    for ws in formulas_wb.worksheets:
        values = values_wb[ws.title]
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cells[(ws.title, cell.coordinate)] = (cell.value, values[cell.coordinate].value)
    return cells


def recalc_formulas(path: Path) -> dict[tuple[str, str], Any]:
    """Recalculate with the ``formulas`` package: (SHEET upper-case, A1) → value."""
    os.environ.setdefault("TQDM_DISABLE", "1")  # formulas shows a progress bar otherwise
    import formulas

    model = formulas.ExcelModel().loads(str(path)).finish()
    solution = model.calculate()
    result: dict[tuple[str, str], Any] = {}
    for key, value in solution.items():
        key = str(key)
        if "!" not in key:
            continue
        sheet_part, cell = key.rsplit("!", 1)
        if ":" in cell:
            continue
        sheet = sheet_part.split("]", 1)[-1].strip("'").replace("''", "'")
        inner = value.value[0][0] if hasattr(value, "value") else value
        result[(sheet.upper(), cell.upper())] = _plain(inner)
    return result


def recalc_libreoffice(path: Path) -> dict[tuple[str, str], Any]:
    """Recalculate with LibreOffice headless: (sheet, A1) → value."""
    from xl_tools.libreoffice.recalc import recalculate
    from xl_tools.safe_open import open_workbook

    with tempfile.TemporaryDirectory() as tmp:
        out = recalculate(path, Path(tmp) / path.name)
        wb = open_workbook(out, data_only=True, what="LibreOffice's recalculated copy")
        return {(ws.title, c.coordinate): c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row}


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    text = str(value)
    if text in ("#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!"):
        return text
    if type(value).__name__ == "XlError":
        return text
    return value


def verify_workbook(path: str | Path, *, python: bool = True, libreoffice: bool = True,
                    progress: Callable[[str], None] | None = None) -> VerifyReport:
    """Compare cached values with a Python and a LibreOffice recalculation.

    At least one engine must be chosen: checking against nothing proves nothing and is refused.
    ``progress`` (e.g. ``print`` to stderr) hears what is being done, one line per engine.
    Each :class:`Mismatch` holds every source's value and says which agree and which differs.
    """
    if not python and not libreoffice:
        raise XlToolsError(_("Nothing to check against: --no-python and --no-libreoffice leave no engine. "
                             "Drop one of them."))
    say = progress or (lambda _msg: None)
    path = Path(path)
    if not path.exists():
        raise XlToolsError(_("No such workbook: {path}").format(path=path))
    check_workbook_file(path)
    say(_("Reading the formulas and stored values of {name} …").format(name=path.name))
    cells = formula_cells(path)
    report = VerifyReport(path=path, formula_cells=len(cells))
    results: dict[str, dict[tuple[str, str], Any]] = {}
    if python and len(cells) > MAX_PYTHON_CELLS:
        raise XlToolsError(_("{name} has {n} formula cells; the Python recalculation (formulas) is limited to "
                             "{most} (it needs about a minute and 1 GB per 20 000). Use --no-python to check with "
                             "LibreOffice only.").format(name=path.name, n=format_number(len(cells)),
                                                         most=format_number(MAX_PYTHON_CELLS)))
    if python:
        say(_("Recalculating {n} formula cells with formulas (Python) …").format(n=format_number(len(cells))))
        calc = recalc_formulas(path)
        results["formulas"] = {key: calc.get((key[0].upper(), key[1])) for key in cells}
        report.checked.append("formulas")
        say("  " + _("formulas (Python): {n} cell(s) differ from the stored values.").format(
            n=_differences(cells, results["formulas"])))
    if libreoffice:
        say(_("Recalculating {n} formula cells with LibreOffice …").format(n=format_number(len(cells))))
        lo = recalc_libreoffice(path)
        results["libreoffice"] = {key: lo.get(key) for key in cells}
        report.checked.append("libreoffice")
        say("  " + _("LibreOffice: {n} cell(s) differ from the stored values.").format(
            n=_differences(cells, results["libreoffice"])))
    for key, (formula, cached) in cells.items():
        values = {"cached": cached, **{engine: got[key] for engine, got in results.items()}}
        if not all(same(cached, v) for v in values.values()):
            report.mismatches.append(Mismatch(key[0], key[1], formula, values))
    return report


def _differences(cells: dict[tuple[str, str], tuple[str, Any]], got: dict[tuple[str, str], Any]) -> int:
    return sum(not same(cached, got[key]) for key, (_formula, cached) in cells.items())


def _shown(value: Any) -> str:
    """A value in a mismatch line: numbers the Swedish way (``1 234 567,5``), text quoted."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return format_number(value)
    return repr(value)
