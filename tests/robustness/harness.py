"""Run ``xl-tools`` in a subprocess under time and memory caps and check the one-line contract.

Every hostile case asserts the brief's contract for bad input: exit status 2, exactly one
line on stderr starting ``Error:``, no traceback — within a wall-clock limit and under an
address-space cap (``resource.RLIMIT_AS``), so a hang or a blow-up fails the test instead
of the machine.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# The checkout whose xl_tools the subprocesses run: this one, unless XL_TOOLS_UNDER_TEST names another
# (used to show that these tests fail on the code before the fixes: XL_TOOLS_UNDER_TEST=/path/to/old).
UNDER_TEST = Path(os.environ.get("XL_TOOLS_UNDER_TEST", str(REPO)))
MEMORY_CAP = 1536 << 20  # 1.5 GiB of address space: a Python with openpyxl needs ~300 MiB
TIME_CAP = 30.0


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    seconds: float

    def error_line(self) -> str:
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        return lines[-1] if lines else ""


def run_capped(*args: str, seconds: float = TIME_CAP, memory: int = MEMORY_CAP, env: dict[str, str] | None = None,
               cwd: Path | None = None) -> Run:
    """``python -m xl_tools ARGS`` with RLIMIT_AS = ``memory`` and a wall-clock timeout of ``seconds``."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    full_env = {**os.environ, "PYTHONPATH": str(UNDER_TEST), "TQDM_DISABLE": "1", **(env or {})}
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "xl_tools", *args], capture_output=True, text=True,
                          timeout=seconds, preexec_fn=limit, env=full_env, cwd=cwd or REPO)
    return Run(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - start)


def assert_one_line_error(run: Run, *, contains: str = "", code: int = 2) -> None:
    """Exit ``code``, no traceback, the last stderr line starts with ``Error:`` and holds ``contains``."""
    assert "Traceback" not in run.stderr, run.stderr[-2000:]
    assert run.code == code, (run.code, run.stderr[-2000:])
    line = run.error_line()
    assert line.startswith("Error: "), run.stderr[-2000:]
    error_lines = [x for x in run.stderr.splitlines() if x.startswith("Error")]
    assert len(error_lines) == 1, run.stderr[-2000:]
    assert contains.lower() in line.lower(), line
