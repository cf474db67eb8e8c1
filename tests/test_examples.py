"""Every script in examples/ runs and prints what docs/examples.md shows."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from xl_tools.libreoffice.recalc import libreoffice_available

ROOT = Path(__file__).resolve().parents[1]
EXPECTED = {
    "allocate.py": "residual-to-largest  Stockholm   68 143 865 kr",
    "audit_workbook.py": "Villkor 1!G7 XL010 error: Typed value 1 234 567",
    "udf_in_libreoffice.py": "gives 3765878",
}
NEEDS_LIBREOFFICE = {"udf_in_libreoffice.py", "audit_workbook.py"}


def test_every_example_is_checked_and_shown() -> None:
    scripts = {p.name for p in (ROOT / "examples").glob("*.py")}
    assert scripts == set(EXPECTED)
    shown = (ROOT / "docs" / "examples.md").read_text(encoding="utf-8")
    assert all(f'example("{name}")' in shown for name in scripts)


@pytest.mark.parametrize("name", sorted(set(EXPECTED) - NEEDS_LIBREOFFICE))
def test_example_runs(name: str) -> None:
    _run(name)


@pytest.mark.spreadsheet
@pytest.mark.skipif(not libreoffice_available(), reason="LibreOffice is not installed")
@pytest.mark.parametrize("name", sorted(NEEDS_LIBREOFFICE))
def test_spreadsheet_example_runs(name: str) -> None:
    _run(name)


def _run(name: str) -> None:
    result = subprocess.run([sys.executable, str(ROOT / "examples" / name)], capture_output=True, text=True,
                            timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert EXPECTED[name] in result.stdout
