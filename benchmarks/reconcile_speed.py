"""How fast ``xl-tools avstam`` and ``xl-tools befolkning harled`` are (figures go in docs/avstamning.md).

Run: python benchmarks/reconcile_speed.py

Each published table in tests/fixtures/allocation-tables/ is run through the command line in a
fresh process (so the times include starting Python, importing xl_tools and numpy, reading the
table and the population data), best of three. harled searches the default range of national
totals, 9 000 000–11 500 000. Two synthetic coarse tables (amounts rounded to whole tkr and whole
Mkr: every total fits, the slowest case of the search) and a small pot (5 Mkr, where the
intervals are a few persons wide) are timed through the Python API; peak memory (max RSS) is
printed. Targets (issue 10): avstam under 2 s, harled under 10 s.
"""

from __future__ import annotations

import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "allocation-tables"
TABLES = [
    ("hoglandsnytt2017_300Mkr.csv", ["--pot", "300000000"]),
    ("skr2020_kvinnors_halsa.csv", ["--pot", "937000000"]),
    ("skr2022_kvinnors_halsa.csv", ["--pot", "1382000000"]),
    ("skr2024_kvinnors_halsa.csv", ["--pot", "1367000000"]),
    ("reg2025_vardkapacitet.csv", ["--pot", "5886500000", "--fixed-per-region", "100000000"]),
    ("cision2021_svf_185Mkr.csv", ["--pot", "185000000"]),
]


def _time(args: list[str]) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "xl_tools", *args], capture_output=True, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
        best = min(best, time.perf_counter() - start)
        if done.returncode == 2:
            raise SystemExit(f"{' '.join(args)} failed: {done.stderr}")
    return best


def _api_time(amounts: list[int | None], pot: int) -> tuple[float, object]:
    from xl_tools.engine.reconcile import derive

    start = time.perf_counter()
    found = derive(amounts, pot)
    return time.perf_counter() - start, found


def main() -> None:
    print(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, {platform.system()} {platform.release()}")
    print(f"{'table':<30}{'avstam s':>10}{'harled s':>10}")
    for name, args in TABLES:
        path = str(FIXTURES / name)
        a = _time(["avstam", path, *args])
        h = _time(["befolkning", "harled", path, *args])
        print(f"{name:<30}{a:>10.2f}{h:>10.2f}")

    sys.path.insert(0, str(ROOT))
    from xl_tools.allocation_table import read_table
    from xl_tools.engine.reconcile import allocation
    from xl_tools.population import load_population

    table = read_table(FIXTURES / "skr2022_kvinnors_halsa.csv").amounts()
    cases = [
        ("skr2022 in whole tkr", [round(a / 1e3) * 1000 for a in table], 1_382_000_000),
        ("skr2022 in whole Mkr", [round(a / 1e6) * 1_000_000 for a in table], 1_382_000_000),
        ("5 Mkr pot, 2021 vector", allocation(5_000_000, load_population().vector(2021), "largest-remainder"),
         5_000_000),
    ]
    print(f"{'derive (API, no process start)':<30}{'s':>10}  totals that fit")
    for label, amounts, pot in cases:
        seconds, found = _api_time(amounts, pot)
        print(f"{label:<30}{seconds:>10.2f}  {found.totals:,} (unique: {found.unique})")
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"Peak memory: {children:.0f} MiB for a command (largest process), {own:.0f} MiB for the API runs.")


if __name__ == "__main__":
    main()
