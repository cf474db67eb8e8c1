"""Cross-validated settings: quiet rules speak as info, thresholds reach the rules, the
benchmark's fold split is deterministic and stratified."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from conftest import column

from xl_tools.audit import audit_workbook
from xl_tools.audit.settings import DEFAULT, GRID, TUNABLE_RULES


def _benchmark():
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "excelint.py"
    spec = importlib.util.spec_from_file_location("excelint_benchmark", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_quiet_rule_is_reported_as_info(book):
    """Quieting XL010 mutes its pattern findings; a typed number that differs from what the
    formula gives is value evidence and stays an error."""
    sheet = column("A", 1, [1, 2, 3, 4, 5, 6]) | {f"B{r}": (f"=MYADDIN(A{r})", r * 2) for r in range(1, 7)}
    sheet["B4"] = 999.0  # typed over a pattern the auditor cannot work out; nothing uses it
    path = book({"S": sheet})
    loud = audit_workbook(path, settings=DEFAULT.changed(quiet=frozenset()))
    quiet = audit_workbook(path, settings=DEFAULT.changed(quiet=frozenset({"XL010"})))
    assert [(f.cell, f.severity.label) for f in loud.findings if f.rule == "XL010"] == [("B4", "warning")]
    assert [(f.cell, f.severity.label) for f in quiet.findings if f.rule == "XL010"] == [("B4", "info")]
    computable = column("A", 1, [1, 2, 3, 4, 5, 6]) | {f"B{r}": (f"=A{r}*2", r * 2) for r in range(1, 7)}
    computable["B4"] = 999.0  # =A4*2 gives 8
    path = book({"S": computable})
    quiet = audit_workbook(path, settings=DEFAULT.changed(quiet=frozenset({"XL010"})))
    assert [(f.cell, f.severity.label) for f in quiet.findings if f.rule == "XL010"] == [("B4", "error")]


def test_grid_holds_the_shipped_values_and_only_tunable_rules_are_quieted():
    for name, values in GRID.items():
        assert getattr(DEFAULT, name) in values
    assert DEFAULT.quiet <= set(TUNABLE_RULES)
    assert "XL012" not in TUNABLE_RULES  # totals that do not reconcile always speak


def test_folds_are_deterministic_stratified_and_cover_every_book():
    bench = _benchmark()
    books = [bench.Book(f"wb{i}.xlsx", {("S", "A1")} if i % 3 == 0 else set()) for i in range(23)]
    first, second = bench.folds(books, 5), bench.folds(list(reversed(books)), 5)
    assert [[b.name for b in f] for f in first] == [[b.name for b in f] for f in second]
    assert sorted(b.name for f in first for b in f) == sorted(b.name for b in books)
    with_bugs = [sum(1 for b in f if b.bugs) for f in first]
    assert max(with_bugs) - min(with_bugs) <= 1
