"""Hostile and malformed workbooks: one line or a report, never a traceback, bounded time and
memory. Each case runs the CLI in a child process under ``resource`` limits (CPU seconds and
address space), so a regression fails the test instead of hanging or exhausting the machine."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import minixlsx
import pytest

# Subprocesses under time and memory caps: the slow tier (left out by make test-fast).
pytestmark = pytest.mark.slow

CPU_SECONDS = 20
MEMORY = 1 << 30  # 1 GiB address space for the child


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def cli(*args: str, timeout: float = 30) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    return subprocess.run([sys.executable, "-m", "xl_tools", *args], capture_output=True, text=True,
                          timeout=timeout, preexec_fn=_limits, env=env, stdin=subprocess.DEVNULL)


def _layers() -> str:
    cells = {}
    for r in range(1, 41):
        row = f'<c r="A{r}"><v>1</v></c>'
        for prev, col in zip("ABCDE", "BCDEF"):
            row += f'<c r="{col}{r}"><f>SUM({prev}1:{prev}40)</f><v>40</v></c>'
        cells[r] = row
    return minixlsx.rows(cells)


CASES = {
    # name: (sheet XML, expected exit codes, text that must appear)
    "row_r_text": ('<sheetData><row r="abc"><c r="A1"><v>1</v></c></row></sheetData>', {2}, "row number"),
    "row_r_5000_digits": ('<sheetData><row r="' + "9" * 5000 + '"><c r="A1"><v>1</v></c></row></sheetData>',
                          {2}, "row number"),
    "cell_ref_5000_digits": ('<sheetData><row r="1"><c r="A' + "9" * 5000 + '"><v>1</v></c></row></sheetData>',
                             {2}, "cell reference"),
    "style_text": ('<sheetData><row r="1"><c r="A1" s="x"><v>1</v></c></row></sheetData>', {0, 1}, ""),
    "numeric_edges": (minixlsx.rows({1: '<c r="A1"><v>-4</v></c><c r="B1"><f>A1^0.5</f><v>2</v></c>'
                                        '<c r="C1"><f>ROUND(B1,30)</f><v>2</v></c><c r="D1"><f>ROUND(B1,1E300)</f>'
                                        '<v>2</v></c><c r="E1"><f>2*1E400</f><v>1</v></c><c r="F1"><v>1E308</v>'
                                        '</c><c r="G1"><f>F1*F1</f><v>1</v></c><c r="H1"><v>inf</v></c>'
                                        '<c r="I1"><f>ROUND(H1,2)</f><v>1</v></c>'}), {0, 1}, ""),
    "nested_parentheses_100000": (minixlsx.rows({1: '<c r="A1"><f>' + "(" * 100_000 + "1" + ")" * 100_000
                                                 + "</f><v>1</v></c>"}), {0, 1}, "XL009"),
    "nested_sum_10000": (minixlsx.rows({1: '<c r="A1"><f>' + "SUM(" * 10_000 + "1" + ")" * 10_000
                                        + "</f><v>1</v></c>"}), {0, 1}, "XL009"),
    "running_totals_20000": (minixlsx.rows({r: f'<c r="A{r}"><v>{r}</v></c><c r="B{r}"><f>SUM($A$1:A{r})</f>'
                                            f'<v>{r * (r + 1) // 2}</v></c>' for r in range(1, 20_001)}), {0, 1}, ""),
    "hidden_columns_amplified": ("<cols>" + '<col min="1" max="16384" hidden="1"/>' * 20_000
                                 + "".join(f'<col min="{1 + i * 16385}" max="{i * 16385 + 16385}" hidden="1"/>'
                                           for i in range(3000)) + "</cols><sheetData/>", {0, 1}, ""),
    "big_ranges": (minixlsx.rows({r: f'<c r="B{r}"><f>SUM(A{r}:A{r + 99998})</f><v>0</v></c>'
                                  for r in range(1, 3001)}), {0, 1}, ""),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_sheet_is_one_line_or_a_report(tmp_path, name):
    body, codes, needle = CASES[name]
    path = minixlsx.write(tmp_path / f"{name}.xlsx", body)
    result = cli("audit", str(path), "--min-severity", "info")
    assert result.returncode in codes, result.stderr[-2000:]
    assert "Traceback" not in result.stderr + result.stdout
    if 2 in codes:
        assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert needle in result.stdout + result.stderr


def test_trace_visits_each_cell_once(tmp_path):
    path = minixlsx.write(tmp_path / "layers.xlsx", _layers())
    result = cli("trace", str(path), "Blad1!F1", timeout=20)
    assert result.returncode == 0 and "Traceback" not in result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) < 1000  # 6 layers of 40: each cell once, repeats named on one line
    assert sum("Blad1!A" in line and "└─ Blad1!A" in line for line in lines) == 40


def test_trace_of_a_long_chain_with_a_huge_depth(tmp_path):
    chain = {1: '<c r="A1"><v>1</v></c>'} | {r: f'<c r="A{r}"><f>A{r - 1}+1</f><v>{r}</v></c>' for r in range(2, 2001)}
    path = minixlsx.write(tmp_path / "chain.xlsx", minixlsx.rows(chain))
    result = cli("trace", str(path), "Blad1!A2000", "--depth", "100000", timeout=20)
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert "cut at" in result.stdout


def test_trace_dependents_of_many_huge_ranges(tmp_path):
    body = minixlsx.rows({r: f'<c r="B{r}"><f>SUM(A{r}:A{r + 99998})</f><v>0</v></c>' for r in range(1, 3001)})
    path = minixlsx.write(tmp_path / "ranges.xlsx", body)
    result = cli("trace", str(path), "Blad1!A5000", timeout=20)
    assert result.returncode == 0 and "Blad1!B1 " in result.stdout


def test_fifo_named_xlsx_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.xlsx"
    os.mkfifo(fifo)
    result = cli("audit", str(fifo), timeout=15)
    assert result.returncode == 2 and "not a regular file" in result.stderr


@pytest.mark.parametrize("sheet_name", ["=calc|'x'!A0", "=1+1", "+SUM(1)", "@x"])
def test_annotate_writes_sheet_names_as_text(tmp_path, sheet_name):
    import openpyxl

    body = '<sheetData><row r="1"><c r="A1"><v>1</v></c><c r="B1" t="e"><f>A1/0</f><v>#DIV/0!</v></c></row></sheetData>'
    path = minixlsx.write(tmp_path / "odd.xlsx", body, sheet_name=sheet_name)
    out = tmp_path / "annotated.xlsx"
    result = cli("audit", str(path), "--annotate", str(out))
    assert result.returncode == 1, result.stderr
    summary = openpyxl.load_workbook(out).worksheets[0]
    written = [(c.value, c.data_type) for c in summary["A"][1:]]
    assert written and all(value == sheet_name and kind == "s" for value, kind in written)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["annotated.xlsx", "odd.xlsx"]


def test_annotate_killed_while_writing_leaves_no_file(tmp_path):
    """SIGKILL at many moments of writing the copy: afterwards there is either no copy or a
    complete one, and no temporary file (a later run removes what a killed one left)."""
    import signal
    import time
    import zipfile

    cells = {r: f'<c r="A{r}"><v>{r}</v></c><c r="B{r}"><f>A{r}*2</f><v>{r * 2}</v></c>' for r in range(1, 3000)}
    cells[1500] = '<c r="A1500"><v>1</v></c><c r="B1500"><v>7</v></c>'
    path = minixlsx.write(tmp_path / "big.xlsx", minixlsx.rows(cells))
    out = tmp_path / "annotated.xlsx"
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    for delay in (0.6, 0.9, 1.2, 1.5, 1.8, 2.4):
        child = subprocess.Popen([sys.executable, "-m", "xl_tools", "audit", str(path), "--annotate", str(out),
                                  "--min-severity", "info"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 env=env)
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait()
        if out.exists():
            with zipfile.ZipFile(out) as z:
                assert z.testzip() is None
    result = cli("audit", str(path), "--annotate", str(out))
    assert result.returncode in (0, 1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["annotated.xlsx", "big.xlsx"]
