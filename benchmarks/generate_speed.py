"""Benchmark: generating the 2017–2018 agreement workbook (target: under 2 s).

Run: python benchmarks/generate_speed.py
Prints the median and worst of several runs, and the peak Python memory of one run.
"""

from __future__ import annotations

import platform
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

from xl_tools.agreement import TEMPLATE_DIR, load_template
from xl_tools.population import load_population
from xl_tools.workbook import generate_workbook

RUNS = 7


def main() -> None:
    template = TEMPLATE_DIR / "sjukskrivning-2017-2018.toml"
    load_population()  # data loading is not part of generation
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "avtal.xlsx"
        for _ in range(RUNS):
            if out.exists():
                out.unlink()
            start = time.perf_counter()
            generate_workbook(load_template(template), out, carry_over=False)
            times.append(time.perf_counter() - start)
        out.unlink()
        tracemalloc.start()
        generate_workbook(load_template(template), out, carry_over=False)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        regen_start = time.perf_counter()
        generate_workbook(load_template(template), out)  # with carry-over from the existing file
        regen = time.perf_counter() - regen_start
        size = out.stat().st_size
    print(f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print(f"generate {template.name}: median {statistics.median(times):.3f} s, worst {max(times):.3f} s "
          f"over {RUNS} runs (target < 2 s)")
    print(f"regenerate with carry-over of inputs: {regen:.3f} s")
    print(f"peak Python memory of one generation: {peak / 1e6:.1f} MB; file size {size / 1e3:.0f} kB")


if __name__ == "__main__":
    main()
