"""How fast the spreadsheet functions are from Python (figures go in docs/udfs.md).

Run: python benchmarks/udf_speed.py

FK_ANDEL is called 100 000 times after a first call that loads the population data;
the calls cycle over the 21 regions, three pots and three years, with and without
rounding, as a workbook full of =FK_ANDEL(...) cells would. FK_FORDELA returns all
21 regions in one call.
"""

from __future__ import annotations

import time

from xl_tools import udfs
from xl_tools.regions import REGIONS
from xl_tools.udfs import FK_ANDEL, FK_FORDELA

N = 100_000


def main() -> None:
    names = [r.name for r in REGIONS]
    pots = [150_000_000, 1_437_000_000, "937 Mkr"]
    years = [2016, 2020, 2022]
    rules = [None, "kronor", "largest-remainder"]
    calls = [(names[i % 21], pots[i % 3], years[(i // 3) % 3], rules[(i // 9) % 3]) for i in range(N)]

    udfs.clear_cache()
    start = time.perf_counter()
    FK_ANDEL("Stockholm", 150_000_000, 2016)
    first = time.perf_counter() - start

    start = time.perf_counter()
    for args in calls:
        FK_ANDEL(*args)
    many = time.perf_counter() - start

    start = time.perf_counter()
    for _ in range(1000):
        FK_FORDELA(150_000_000, 2016, "largest-remainder")
    fordela = (time.perf_counter() - start) / 1000

    print(f"FK_ANDEL first call (loads population data): {first * 1000:.1f} ms")
    print(f"FK_ANDEL {N:,} calls after the first: {many:.3f} s ({many / N * 1e6:.2f} µs per call)")
    print(f"FK_FORDELA (21 regions, largest-remainder, cached): {fordela * 1e6:.1f} µs per call")


if __name__ == "__main__":
    main()
