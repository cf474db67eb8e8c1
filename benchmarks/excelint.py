"""Run the auditor on the ExceLint benchmark subset: precision, recall, time, memory; with
``--folds N``, choose the cross-validated settings on N-1 folds and measure them on the Nth.

    python benchmarks/excelint.py [--folds 5] [--dir /work/shared/benchmarks/excelint] [--verbose]
    python benchmarks/excelint.py --folds 0      # the shipped settings only (fast)

Counting follows the ExceLint paper (Barowy, Berger, Zorn, OOPSLA 2018), from what
``xl-tools audit`` prints by default: a *flagged* cell is a cell with a finding of severity
warning or error from one of the formula-error rules (``--rules``); per workbook, precision =
TP / flagged (1 when nothing is flagged: no false alarm) and recall = TP / annotated bugs; the
figures are means over workbooks. Recall is given under both conventions: averaged over the
workbooks that have bugs, and with every bug-free workbook counted as recall 1.

Cross-validation (``--folds``): the workbooks are split deterministically into N folds
(sorted by "has bugs" and a hash of the file name, then dealt round-robin, so each fold gets
its share of workbooks with bugs). For each fold, every setting of
:mod:`xl_tools.audit.settings` (the threshold grid and which pattern rules keep their warnings)
is chosen on the other folds — the one with the best harmonic mean of mean precision and mean
recall among those that keep the project's own generated workbooks (``workbooks/``) free of
warnings — and measured on the held-out fold. The cross-validated figures are the means over all
held-out workbooks; the in-sample figures are the choice made on all workbooks, measured on
them. The workbooks are read from the shared folder, never copied.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import statistics
import sys
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from xl_tools.audit import Severity, read_workbook, run_rules
from xl_tools.audit.model import a1
from xl_tools.audit.settings import AFFECTS, DEFAULT, GRID, TUNABLE_RULES, Settings
from xl_tools.errors import XlToolsError

DEFAULT_DIR = Path("/work/shared/benchmarks/excelint")
LOUD = DEFAULT.changed(quiet=frozenset())  # every rule at its own severity; quiet is applied when counting
OUR_WORKBOOKS = Path(__file__).resolve().parents[1] / "workbooks"
# The rules whose findings are formula errors in the benchmark's sense (wrong or inconsistent
# reference, range off by one, constant where a formula belongs, total that does not add up).
# Rules about data hygiene (external links, number as text, hidden sheets) are left out.
FORMULA_ERROR_RULES = ("XL002", "XL003", "XL007", "XL010", "XL012", "XL030", "XL031")

Cells = set[tuple[str, str]]


@dataclass
class Book:
    name: str
    bugs: Cells
    # (group of settings, their values) → rule → flagged cells; group () is the default run
    flagged: dict[tuple, dict[str, Cells]] = field(default_factory=dict)
    named: Cells = field(default_factory=set)  # every cell the default output names (all rules)
    crashed: bool = False


def _counted(findings, rules: set[str] | None, threshold: Severity) -> dict[str, Cells]:
    out: dict[str, Cells] = {}
    for f in findings:
        if f.severity >= threshold and f.cell and (rules is None or f.rule in rules):
            out.setdefault(f.rule, set()).add((f.sheet.strip(), f.cell))
    return out


def _groups() -> dict[tuple[str, ...], list[str]]:
    """Settings grouped by the rules they change: settings that change a rule in common are one
    group (searched jointly: XL002 under every pair of its dominance share and its blank rule)."""
    groups: list[tuple[set[str], list[str]]] = []
    for name, rules in AFFECTS.items():
        joined = [g for g in groups if g[0] & set(rules)]
        merged = (set(rules).union(*(g[0] for g in joined)), [n for g in joined for n in g[1]] + [name])
        groups = [g for g in groups if g not in joined] + [merged]
    return {tuple(sorted(rules)): names for rules, names in groups}


def collect(directory: Path, rules: set[str] | None, threshold: Severity, grid: bool,
            verbose: bool, ours: bool = False) -> tuple[list[Book], int]:
    """Audit every workbook with the default settings (and, for ``grid``, rerun each group's
    rules for every other combination of its settings). Returns the books and the crash count.
    With ``ours``, ``directory`` is the project's generated workbooks (no bugs, no annotations)."""
    if ours:
        annotations = {p.name: {} for p in sorted(directory.glob("*.xlsx")) if not p.name.endswith(".bak.xlsx")}
    else:
        annotations = json.loads((directory / "annotations.json").read_text(encoding="utf-8"))
    books: list[Book] = []
    crashes = 0
    for name in sorted(annotations):
        # sheet names compared without surrounding spaces: the processed annotations trim them
        bugs = {(sheet.strip(), a1(row, col)) for sheet, data in annotations[name].items()
                for col, row, _ in data["bugs"]}
        book = Book(name, bugs)
        try:
            workbook = read_workbook(directory / name if ours else directory / "workbooks" / name)
            book.flagged[()] = _counted(run_rules(workbook, settings=LOUD, combine=False), rules, threshold)
            shown = run_rules(workbook)  # exactly what `xl-tools audit` prints by default
            book.named = {(f.sheet.strip(), f.cell) for f in shown if f.cell and f.severity >= Severity.WARNING}
            if grid:
                for affected, names in _groups().items():
                    for values in itertools.product(*(GRID[n] for n in names)):
                        settings = LOUD.changed(**dict(zip(names, values)))
                        key = (tuple(names), values)
                        if settings == LOUD:
                            book.flagged[key] = {r: c for r, c in book.flagged[()].items() if r in affected}
                            continue
                        found = run_rules(workbook, only=affected, settings=settings, combine=False)
                        book.flagged[key] = _counted(found, rules, threshold)
        except XlToolsError as exc:
            print(f"{name}: refused: {exc}")
            book.flagged[()] = {}
        except Exception as exc:  # noqa: BLE001 - the benchmark must report, not stop
            crashes += 1
            book.crashed = True
            print(f"{name}: CRASH {type(exc).__name__}: {exc}")
            book.flagged[()] = {}
        books.append(book)
        if verbose:
            flagged = set().union(*book.flagged[()].values()) if book.flagged[()] else set()
            tp = len(flagged & bugs)
            print(f"{name[:40]:<40} bugs {len(bugs):>3} flagged {len(flagged):>4} TP {tp:>3}")
            if flagged - bugs or bugs - flagged:
                print(f"    FP {sorted(flagged - bugs)[:12]}\n    FN {sorted(bugs - flagged)[:12]}")
    return books, crashes


def flagged_cells(book: Book, settings: Settings) -> dict[str, Cells]:
    """Rule → flagged cells of a book under ``settings`` (quiet rules print no warning)."""
    if len(book.flagged) == 1:  # no grid collected: the default run only (shipped thresholds)
        rules = dict(book.flagged[()])
    else:
        rules = {r: c for r, c in book.flagged[()].items()
                 if not any(r in affected for affected in AFFECTS.values())}
        for affected, names in _groups().items():
            key = (tuple(names), tuple(getattr(settings, n) for n in names))
            rules.update({r: c for r, c in book.flagged[key].items() if r in affected})
    return {r: c for r, c in rules.items() if r not in settings.quiet}


@dataclass
class Score:
    precision: float  # mean over workbooks (nothing flagged = 1)
    recall: float  # mean over workbooks with bugs
    recall_all: float  # mean over all, bug-free = 1
    per_rule: dict[str, list[int]]  # rule → [true flagged, flagged]

    @property
    def objective(self) -> float:
        p, r = self.precision, self.recall
        return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def score(books: list[Book], choice: dict[str, Settings] | Settings) -> Score:
    """Mean precision and recall of ``books``, each under its settings (one for all, or per book)."""
    precisions, recalls, recalls_all = [], [], []
    per_rule: dict[str, list[int]] = {}
    for book in books:
        settings = choice if isinstance(choice, Settings) else choice[book.name]
        by_rule = flagged_cells(book, settings)
        flagged: Cells = set().union(*by_rule.values()) if by_rule else set()
        tp = len(flagged & book.bugs)
        precisions.append(tp / len(flagged) if flagged else 1.0)
        if book.bugs:
            recalls.append(tp / len(book.bugs))
        recalls_all.append(tp / len(book.bugs) if book.bugs else 1.0)
        for rule_id, cells in by_rule.items():
            tally = per_rule.setdefault(rule_id, [0, 0])
            tally[0] += len(cells & book.bugs)
            tally[1] += len(cells)
    return Score(statistics.mean(precisions), statistics.mean(recalls) if recalls else 1.0,
                 statistics.mean(recalls_all), per_rule)


def candidates() -> list[Settings]:
    """Every combination of the grid and of the quiet pattern rules; the default first."""
    out = [DEFAULT]
    names = list(GRID)
    for values in itertools.product(*(GRID[n] for n in names)):
        for k in range(len(TUNABLE_RULES) + 1):
            for quiet in itertools.combinations(TUNABLE_RULES, k):
                settings = Settings(**dict(zip(names, values)), quiet=frozenset(quiet))
                if settings != DEFAULT:
                    out.append(settings)
    return out


def admissible(ours: list[Book], options: list[Settings]) -> list[Settings]:
    """The settings under which every workbook the project generates prints no warning from
    these rules (a product requirement: our own workbooks audit clean)."""
    clean = np.ones(len(options), dtype=bool)
    for book in ours:
        flagged, _ = _counts(book, options)
        clean &= flagged == 0
    return [s for s, ok in zip(options, clean) if ok]


CHUNK = 32_768  # options handled at once (bounds the memory of one boolean matrix)


def _counts(book: Book, options: list[Settings]) -> tuple[np.ndarray, np.ndarray]:
    """For every option: how many cells of ``book`` are flagged, and how many of them are bugs —
    what :func:`flagged_cells` gives, worked out for all options at once (one boolean row per
    option over the cells any setting flags)."""
    universe = sorted({cell for by_rule in book.flagged.values() for cells in by_rule.values() for cell in cells})
    flagged, right = np.zeros(len(options), dtype=np.int64), np.zeros(len(options), dtype=np.int64)
    if not universe:
        return flagged, right
    where = {cell: i for i, cell in enumerate(universe)}
    is_bug = np.array([cell in book.bugs for cell in universe])

    def mask(cells: Cells) -> np.ndarray:
        row = np.zeros(len(universe), dtype=bool)
        row[[where[c] for c in cells]] = True
        return row

    grid = len(book.flagged) > 1
    groups = _groups() if grid else {}
    # per rule: a table of masks and, per option, which row of it applies
    parts: list[tuple[str, np.ndarray, np.ndarray]] = []
    rules = {r for by_rule in book.flagged.values() for r in by_rule}
    for rule_id in sorted(rules):
        group = next(((affected, names) for affected, names in groups.items() if rule_id in affected), None)
        if group is None:
            parts.append((rule_id, mask(book.flagged[()].get(rule_id, set()))[None, :],
                          np.zeros(len(options), dtype=np.int64)))
            continue
        names = group[1]
        keys = [k for k in book.flagged if k and k[0] == tuple(names)]
        index = {k[1]: i for i, k in enumerate(keys)}
        table = np.array([mask(book.flagged[k].get(rule_id, set())) for k in keys])
        rows = np.array([index[tuple(getattr(s, n) for n in names)] for s in options])
        parts.append((rule_id, table, rows))
    for start in range(0, len(options), CHUNK):
        part = options[start:start + CHUNK]
        union = np.zeros((len(part), len(universe)), dtype=bool)
        for rule_id, table, rows in parts:
            loud = np.array([rule_id not in s.quiet for s in part])
            union |= table[rows[start:start + len(part)]] & loud[:, None]
        flagged[start:start + len(part)] = union.sum(axis=1)
        right[start:start + len(part)] = (union & is_bug).sum(axis=1)
    return flagged, right


def _simplicity(settings: Settings) -> tuple[int, int]:
    """Ties are broken toward the simpler choice: more rules quiet (a rule that changes nothing
    on the training folds has shown no evidence there), then fewer thresholds moved."""
    moved = sum(getattr(settings, k) != getattr(DEFAULT, k) for k in GRID)
    return (-len(settings.quiet), moved)


@dataclass
class Table:
    """Every option's precision and recall on every book, worked out once (the folds then only
    average columns of it): rows are the options in :func:`_simplicity` order."""

    options: list[Settings]
    names: list[str]
    precision: np.ndarray  # options × books
    recall: np.ndarray  # options × books, NaN for a book without bugs
    flagged: np.ndarray  # options × books: how many cells each option names

    @classmethod
    def of(cls, books: list[Book], options: list[Settings]) -> Table:
        options = sorted(options, key=_simplicity)
        precision = np.ones((len(options), len(books)))
        recall = np.full((len(options), len(books)), np.nan)
        named = np.zeros((len(options), len(books)), dtype=np.int64)
        for j, book in enumerate(books):
            flagged, right = _counts(book, options)
            named[:, j] = flagged
            precision[:, j] = np.where(flagged > 0, right / np.maximum(flagged, 1), 1.0)
            if book.bugs:
                recall[:, j] = right / len(book.bugs)
        return cls(options, [b.name for b in books], precision, recall, named)


def choose(books: list[Book], options: list[Settings] | Table) -> Settings:
    """The settings with the best objective (harmonic mean of mean precision and mean recall
    over the workbooks with bugs) on ``books``. Among options that tie, the one that names the
    fewest cells on ``books`` wins (a rule or switch that changes nothing there has shown no
    evidence there, whichever way the shipped default points), then the simplest (see
    :func:`_simplicity`)."""
    table = options if isinstance(options, Table) else Table.of(books, options)
    columns = [table.names.index(b.name) for b in books]
    p = table.precision[:, columns].mean(axis=1)
    with_bugs = [c for c in columns if not np.isnan(table.recall[0, c])]
    r = table.recall[:, with_bugs].mean(axis=1) if with_bugs else np.ones(len(table.options))
    value = np.where(p + r > 0, 2 * p * r / np.where(p + r > 0, p + r, 1), 0.0)
    tied = np.flatnonzero(value >= value.max() - 1e-12)
    named = table.flagged[tied][:, columns].sum(axis=1)
    best = int(tied[np.flatnonzero(named == named.min())[0]])  # tied is in simplicity order
    return table.options[best]


def folds(books: list[Book], n: int) -> list[list[Book]]:
    """Deterministic, stratified: sorted by (has bugs, hash of the name), dealt round-robin."""
    ordered = sorted(books, key=lambda b: (bool(b.bugs), hashlib.sha256(b.name.encode()).hexdigest()))
    return [ordered[i::n] for i in range(n)]


def describe(settings: Settings) -> str:
    changed = [f"{k}={getattr(settings, k)}" for k in GRID if getattr(settings, k) != getattr(DEFAULT, k)]
    quiet = ",".join(sorted(settings.quiet)) or "none"
    return f"{', '.join(changed) or 'default thresholds'}; quiet: {quiet}"


def show(label: str, result: Score, books: int, with_bugs: int) -> None:
    print(f"{label}: mean precision {result.precision:.1%}, mean recall {result.recall:.1%} "
          f"(over the {with_bugs} workbooks with bugs), {result.recall_all:.1%} (bug-free = 1, over {books})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--min-severity", default="warning", choices=["info", "warning", "error"])
    parser.add_argument("--rules", default=",".join(FORMULA_ERROR_RULES),
                        help="Rule ids counted as flagging a formula error ('all' for every rule).")
    parser.add_argument("--folds", type=int, default=5,
                        help="Cross-validate the settings over this many folds (0: the shipped settings only).")
    parser.add_argument("--verbose", "-v", action="store_true")
    args = parser.parse_args(argv)
    rules = None if args.rules == "all" else set(args.rules.split(","))
    tracemalloc.start()
    started = time.perf_counter()
    books, crashes = collect(args.dir, rules, Severity.parse(args.min_severity), args.folds > 1, args.verbose)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    with_bugs = sum(1 for b in books if b.bugs)
    print(f"rules counted: {args.rules}; severity at least {args.min_severity}")
    print(f"workbooks: {len(books)} (with bugs: {with_bugs}), crashes: {crashes}")
    shipped = score(books, DEFAULT)
    show("shipped settings (what `xl-tools audit` prints by default)", shipped, len(books), with_bugs)
    for rule_id, (tp, n) in sorted(shipped.per_rule.items()):
        print(f"  {rule_id}: {tp} / {n} flagged cells are annotated bugs ({tp / n:.1%})")
    named = sum(len(b.named) for b in books)
    right = sum(len(b.named & b.bugs) for b in books)
    print(f"of all cells the default output names (every rule, warning and error): {right} / {named} are "
          f"annotated bugs ({right / max(named, 1):.1%})")
    if args.folds > 1:
        ours, _ = collect(OUR_WORKBOOKS, rules, Severity.parse(args.min_severity), True, False, ours=True)
        everything = candidates()
        options = admissible(ours, everything)
        print(f"\nsettings searched: {len(everything)}; {len(options)} keep the project's {len(ours)} generated "
              f"workbooks ({OUR_WORKBOOKS}) free of warnings")
        table = Table.of(books, options)
        chosen_all = choose(books, table)
        print(f"\nin-sample choice (on all {len(books)}): {describe(chosen_all)}"
              f"{'  (= the shipped settings)' if chosen_all == DEFAULT else '  (differs from the shipped settings)'}")
        show("in-sample", score(books, chosen_all), len(books), with_bugs)
        held_out: dict[str, Settings] = {}
        for i, fold in enumerate(folds(books, args.folds), start=1):
            names = {b.name for b in fold}
            chosen = choose([b for b in books if b.name not in names], table)
            held_out.update({b.name: chosen for b in fold})
            part = score(fold, chosen)
            print(f"  fold {i} ({len(fold)} workbooks, {sum(1 for b in fold if b.bugs)} with bugs): chosen on the "
                  f"other folds: {describe(chosen)} → held-out precision {part.precision:.1%}, "
                  f"recall {part.recall:.1%}")
        cv = score(books, held_out)
        show(f"{args.folds}-fold cross-validated", cv, len(books), with_bugs)
        for rule_id, (tp, n) in sorted(cv.per_rule.items()):
            print(f"  {rule_id}: {tp} / {n} held-out flagged cells are annotated bugs")
    print(f"total time: {elapsed:.2f} s (all runs), peak traced memory: {peak / 2**20:.1f} MiB")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
