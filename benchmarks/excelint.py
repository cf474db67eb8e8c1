"""Run the auditor on the ExceLint benchmark subset and report precision, recall, time, memory.

    python benchmarks/excelint.py [--dir /work/shared/benchmarks/excelint] [--verbose]

Definitions follow the ExceLint paper (Barowy, Berger, Zorn, OOPSLA 2018): a *flagged*
cell is a cell with a finding of severity warning or error (``--min-severity``) from one of
the formula-error rules (``--rules``, default XL002, XL003, XL010, XL012); per
workbook, precision = TP / flagged and recall = TP / annotated bugs; the figures are the
mean over workbooks. A workbook where nothing is flagged has precision 1 (no false
alarm); recall is averaged over the workbooks that have annotated bugs (recall is
undefined without bugs). The alternative convention (recall 1 for a bug-free
workbook, averaged over all) is printed as well. The workbooks are read from the
shared folder, never copied.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

from xl_tools.audit import Severity, audit_workbook
from xl_tools.audit.model import a1
from xl_tools.errors import XlToolsError

DEFAULT_DIR = Path("/work/shared/benchmarks/excelint")
# The rules whose findings are formula errors in the benchmark's sense (wrong or inconsistent
# reference, range off by one, constant where a formula belongs, total that does not add up).
# Rules about data hygiene (external links, number as text, hidden sheets) are left out.
FORMULA_ERROR_RULES = ("XL002", "XL003", "XL007", "XL010", "XL012", "XL030")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--min-severity", default="warning", choices=["info", "warning", "error"])
    parser.add_argument("--rules", default=",".join(FORMULA_ERROR_RULES),
                        help="Rule ids counted as flagging a formula error ('all' for every rule).")
    parser.add_argument("--verbose", "-v", action="store_true")
    args = parser.parse_args(argv)
    threshold = Severity.parse(args.min_severity)
    rules = None if args.rules == "all" else set(args.rules.split(","))
    annotations = json.loads((args.dir / "annotations.json").read_text(encoding="utf-8"))
    precisions, recalls, recalls_all, times = [], [], [], []
    per_rule: dict[str, list[int]] = {}  # rule → [true flagged, flagged] cells over all workbooks
    crashes = 0
    tracemalloc.start()
    started = time.perf_counter()
    for name in sorted(annotations):
        # sheet names compared without surrounding spaces: the processed annotations trim them
        bugs = {(sheet.strip(), a1(row, col)) for sheet, data in annotations[name].items()
                for col, row, _ in data["bugs"]}
        t0 = time.perf_counter()
        try:
            report = audit_workbook(args.dir / "workbooks" / name)
            counted = [f for f in report.findings if f.severity >= threshold and f.cell
                       and (rules is None or f.rule in rules)]
            flagged = {(f.sheet.strip(), f.cell) for f in counted}
            for rule_id in {f.rule for f in counted}:
                cells = {(f.sheet.strip(), f.cell) for f in counted if f.rule == rule_id}
                tally = per_rule.setdefault(rule_id, [0, 0])
                tally[0] += len(cells & bugs)
                tally[1] += len(cells)
        except XlToolsError as exc:
            print(f"{name}: refused: {exc}")
            flagged = set()
        except Exception as exc:  # noqa: BLE001 - the benchmark must report, not stop
            crashes += 1
            print(f"{name}: CRASH {type(exc).__name__}: {exc}")
            flagged = set()
        times.append(time.perf_counter() - t0)
        tp = len(flagged & bugs)
        precision = tp / len(flagged) if flagged else 1.0
        precisions.append(precision)
        if bugs:
            recalls.append(tp / len(bugs))
        recalls_all.append(tp / len(bugs) if bugs else 1.0)
        if args.verbose:
            print(f"{name[:40]:<40} bugs {len(bugs):>3} flagged {len(flagged):>4} TP {tp:>3} "
                  f"P {precision:6.1%} R {(tp / len(bugs) if bugs else 1.0):6.1%}")
            if args.verbose and (flagged - bugs or bugs - flagged):
                print(f"    FP {sorted(flagged - bugs)[:12]}\n    FN {sorted(bugs - flagged)[:12]}")
    total = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"rules counted: {args.rules}; severity at least {args.min_severity}")
    print(f"workbooks: {len(annotations)} (with bugs: {len(recalls)}), crashes: {crashes}")
    print(f"mean precision: {statistics.mean(precisions):.1%}")
    print(f"mean recall (workbooks with bugs): {statistics.mean(recalls):.1%}")
    print(f"mean recall (bug-free workbooks count as 1): {statistics.mean(recalls_all):.1%}")
    for rule_id, (tp, n) in sorted(per_rule.items()):
        print(f"  {rule_id}: {tp} / {n} flagged cells are annotated bugs ({tp / n:.1%})")
    print(f"total time: {total:.2f} s, median per workbook: {statistics.median(times) * 1000:.0f} ms, "
          f"peak traced memory: {peak / 2**20:.1f} MiB")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
