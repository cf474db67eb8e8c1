"""Audit speed on a generated workbook: 100 000 formula cells over 20 sheets.

    python benchmarks/audit_speed.py [--cells 100000] [--sheets 20] [--repeat 5] [--formulas-fraction 0]

Writes the workbook with XlsxWriter (cached values included), then, each in a fresh child
process (wall time inside the child, peak RSS of the child), ``--repeat`` times and keeping the
fastest: the audit with all rules, and openpyxl's read-only read of the same file (every cell's
value visited) — the issue's yardstick: the audit should take at most twice that read. The
ratio audit / openpyxl is printed. Optionally (``--formulas-fraction``) a fraction of the
file is loaded with the ``formulas`` package and extrapolated linearly, as in earlier passes.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import xlsxwriter

_CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
{body}
elapsed = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({{"seconds": elapsed, "peak_bytes": peak, "extra": extra}}))
"""
_AUDIT = """
from xl_tools.audit import audit_workbook
report = audit_workbook(sys.argv[1])
extra = len(report.findings)
"""
_OPENPYXL = """
import openpyxl
wb = openpyxl.load_workbook(sys.argv[1], read_only=True)
extra = 0
for ws in wb.worksheets:
    for row in ws.iter_rows(values_only=True):
        extra += len(row)
wb.close()
"""
_FORMULAS = """
import formulas
model = formulas.ExcelModel().loads(sys.argv[1]).finish()
extra = 0
"""


def generate(path: Path, cells: int, sheets: int) -> int:
    """Each sheet: a data block (columns A–C) and formula columns D–H per row, plus a total row."""
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    per_sheet = cells // sheets
    rows = per_sheet // 5
    written = 0
    for s in range(sheets):
        ws = wb.add_worksheet(f"Blad{s + 1}")
        ws.write_row(0, 0, ["Region", "Befolkning", "Pott", "Andel", "Belopp", "Avrundat", "Max", "Utfall"])
        total = 0
        for r in range(1, rows + 1):
            pop, pot = 1000 + r, 5_000_000
            ws.write_string(r, 0, f"Rad {r}")
            ws.write_number(r, 1, pop)
            ws.write_number(r, 2, pot)
            share = pop / (1000 * rows + rows * (rows + 1) / 2)
            n = r + 1
            ws.write_formula(r, 3, f"=B{n}/SUM($B$2:$B${rows + 1})", None, share)
            ws.write_formula(r, 4, f"=C{n}*D{n}", None, pot * share)
            ws.write_formula(r, 5, f"=ROUND(E{n},0)", None, round(pot * share))
            ws.write_formula(r, 6, f"=MAX(F{n},E{n})", None, max(round(pot * share), pot * share))
            rounded = round(pot * share)
            ws.write_formula(r, 7, f"=IF(F{n}>G{n},G{n},F{n})", None, min(rounded, max(rounded, pot * share)))
            total += rounded
            written += 5
        ws.write_string(rows + 1, 0, "Summa")
        ws.write_formula(rows + 1, 5, f"=SUM(F2:F{rows + 1})", None, total)
    wb.close()
    return written


def run_child(body: str, path: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", _CHILD.format(body=body), str(path)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=100_000)
    parser.add_argument("--sheets", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5, help="Runs of each child; the fastest is kept.")
    parser.add_argument("--formulas-fraction", type=float, default=0.0,
                        help="Fraction of the workbook loaded with 'formulas' (0 to skip).")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "speed.xlsx"
        t0 = time.perf_counter()
        n = generate(path, args.cells, args.sheets)
        print(f"generated {n} formula cells over {args.sheets} sheets in {time.perf_counter() - t0:.1f} s "
              f"({path.stat().st_size / 2**20:.1f} MiB)")
        audits, reads = [], []
        for _ in range(args.repeat):  # alternated, so that load from other programs hits both alike
            audits.append(run_child(_AUDIT, path))
            reads.append(run_child(_OPENPYXL, path))
        audit = min(audits, key=lambda r: r["seconds"])
        read = min(reads, key=lambda r: r["seconds"])
        print(f"audit: {audit['seconds']:.2f} s, peak RSS {audit['peak_bytes'] / 2**20:.0f} MiB, "
              f"{audit['extra']} findings (fastest of {args.repeat})")
        print(f"openpyxl read-only read: {read['seconds']:.2f} s, peak RSS {read['peak_bytes'] / 2**20:.0f} MiB, "
              f"{read['extra']} cells (fastest of {args.repeat})")
        print(f"ratio audit / openpyxl read: {audit['seconds'] / read['seconds']:.2f}× (target ≤ 2×)")
        if args.formulas_fraction > 0:
            small = Path(tmp) / "small.xlsx"
            m = generate(small, max(int(args.cells * args.formulas_fraction), args.sheets * 5), args.sheets)
            slow = run_child(_FORMULAS, small)
            estimate = slow["seconds"] * n / m
            print(f"formulas: {m} formula cells loaded in {slow['seconds']:.1f} s; extrapolated linearly to "
                  f"{n} cells: {estimate:.0f} s; ratio formulas/audit ≈ {estimate / audit['seconds']:.0f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
