"""`xl-tools build`, `generate` and `verify` through the command line, and workbooks/ kept current."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from wb_helpers import AGREEMENT_2017

from tests.cli_checks import one_error_line
from xl_tools.agreement import TEMPLATE_DIR
from xl_tools.cli import cli
from xl_tools.workbook import build_all
from xl_tools.workbook.generate import WORKBOOK_DIR

TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_build_writes_every_template(tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    shutil.copy(AGREEMENT_2017, templates)
    result = run("build", "--templates", str(templates), "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert "[1/1] sjukskrivning-2017-2018.toml" in result.output
    assert "Kontroll: OK" in result.output
    assert (tmp_path / "out" / "sjukskrivning-2017-2018.xlsx").exists()
    again = run("build", "--templates", str(templates), "--out", str(tmp_path / "out"))
    assert "Carried over 210 input cell(s), 0 of them not the default." in again.output
    assert "previous version kept as" in again.output


def test_generate_one(tmp_path):
    out = tmp_path / "x.xlsx"
    result = run("generate", str(AGREEMENT_2017), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.exists()


def test_generate_bad_template_is_one_line(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(AGREEMENT_2017.read_text(encoding="utf-8").replace("belopp = 150_000_000", "belopp = -1", 1),
                   encoding="utf-8")
    line = one_error_line(run("generate", str(bad), "-o", str(tmp_path / "x.xlsx")))
    assert "line" in line and "'belopp'" in line and "negative" in line
    assert not (tmp_path / "x.xlsx").exists()


def test_generate_into_open_workbook_is_one_line(tmp_path):
    out = tmp_path / "x.xlsx"
    assert run("generate", str(AGREEMENT_2017), "-o", str(out)).exit_code == 0
    (tmp_path / ".~lock.x.xlsx#").write_text("someone")
    line = one_error_line(run("generate", str(AGREEMENT_2017), "-o", str(out)))
    assert "open in another program" in line


def test_build_with_no_templates(tmp_path):
    line = one_error_line(run("build", "--templates", str(tmp_path), "--out", str(tmp_path / "o")))
    assert "No templates" in line


@pytest.mark.spreadsheet
def test_verify_command(tmp_path):
    out = tmp_path / "x.xlsx"
    run("generate", str(TEMPLATE_DIR / "sjukskrivning-2020-villkor3.toml"), "-o", str(out))
    result = run("verify", str(out), "--no-libreoffice")
    assert result.exit_code == 0, result.output
    assert "0 mismatch(es)" in result.output
    one_error_line(run("verify", str(tmp_path / "missing.xlsx")))


def _cells(path: Path) -> dict[tuple[str, str], object]:
    wb = openpyxl.load_workbook(path)
    cells = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.value is None or (isinstance(c.value, str) and TIMESTAMP.search(c.value)):
                    continue
                cells[(ws.title, c.coordinate)] = c.value
    return cells


def test_committed_workbooks_are_current(tmp_path):
    """workbooks/ must hold what `xl-tools build` makes from templates/ now (regenerate and commit if not)."""
    results = build_all(TEMPLATE_DIR, tmp_path)
    assert results
    for result in results:
        committed = WORKBOOK_DIR / result.path.name
        assert committed.exists(), f"{committed} is missing: run `xl-tools build` and commit workbooks/"
        fresh, old = _cells(result.path), _cells(committed)
        stale = sorted(k for k in fresh.keys() | old.keys() if fresh.get(k) != old.get(k))
        assert not stale, f"{committed.name} is stale ({len(stale)} cells, e.g. {stale[:3]}): run `xl-tools build`"
