"""Hostile and damaged files for every reader outside the auditor, each run as the CLI in a
subprocess under a time and memory cap: one ``Error:`` line, exit 2, nothing written.

Probe defects D2 (I40, V05, R22: zip bombs in import, verify and carry-over), D13 (I17, I30,
I36–I39: import tracebacks; I09: "1,000" read as 1; I41: a template id that is a path), D14
(V04, V06: verify of non-zip files; R10: a folder as -o), D15 (R23: multi-line messages).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.robustness import hostile
from tests.robustness.harness import REPO, assert_one_line_error, run_capped

# Subprocesses under time and memory caps: the slow tier (left out by make test-fast).
pytestmark = pytest.mark.slow

TEMPLATE = REPO / "templates" / "sjukskrivning-2020-villkor3.toml"
COMPILATION = REPO / "workbooks" / "villkor3-sammanstallning-2020.xlsx"
CAP_SECONDS = 20
CAP_MEMORY = 1536 << 20


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"XL_TOOLS_DATA": str(tmp_path / "data"), "HOME": str(tmp_path)}


def _no_temporaries(folder: Path) -> None:
    assert not [p.name for p in folder.iterdir() if ".tmp" in p.name], list(folder.iterdir())


@pytest.mark.parametrize("kind", sorted(hostile.WORKBOOK_MAKERS))
def test_verify_refuses(tmp_path: Path, env: dict[str, str], kind: str) -> None:
    path = hostile.WORKBOOK_MAKERS[kind](tmp_path / f"{kind}.xlsx")
    run = run_capped("verify", str(path), "--no-libreoffice", seconds=CAP_SECONDS, memory=CAP_MEMORY, env=env)
    assert_one_line_error(run)
    assert "/etc/passwd" not in run.stdout + run.stderr or kind in ("xxe", "utf16_dtd")
    assert "root:x:" not in run.stdout + run.stderr


@pytest.mark.parametrize("kind", sorted(hostile.WORKBOOK_MAKERS))
def test_import_refuses_hostile_source(tmp_path: Path, env: dict[str, str], kind: str) -> None:
    workbook = shutil.copy(COMPILATION, tmp_path / "v3.xlsx")
    before = Path(workbook).read_bytes()
    source = hostile.WORKBOOK_MAKERS[kind](tmp_path / f"{kind}.xlsx")
    run = run_capped("import", str(source), str(workbook), seconds=CAP_SECONDS, memory=CAP_MEMORY, env=env)
    assert_one_line_error(run)
    assert Path(workbook).read_bytes() == before
    _no_temporaries(tmp_path)


@pytest.mark.parametrize("kind", ["zip_bomb", "billion_laughs", "xxe", "duplicate_parts", "truncated"])
def test_import_refuses_hostile_target(tmp_path: Path, env: dict[str, str], kind: str) -> None:
    target = hostile.WORKBOOK_MAKERS[kind](tmp_path / "v3.xlsx")
    source = tmp_path / "report.csv"
    source.write_text("Region;Privat KBT\nNorrbotten;5\n", encoding="utf-8")
    run = run_capped("import", str(source), str(target), seconds=CAP_SECONDS, memory=CAP_MEMORY, env=env)
    assert_one_line_error(run)


@pytest.mark.parametrize("kind", ["zip_bomb", "billion_laughs", "xxe", "utf16_dtd", "duplicate_parts", "truncated",
                                  "text_named_xlsx", "fifo", "folder"])
def test_carry_over_refuses_hostile_target(tmp_path: Path, env: dict[str, str], kind: str) -> None:
    """``generate -o`` onto a hostile file that claims to be ours (R22): carry-over reads it safely."""
    target = hostile.WORKBOOK_MAKERS[kind](tmp_path / "wb.xlsx")
    snapshot = target.read_bytes() if target.is_file() else None
    run = run_capped("generate", str(TEMPLATE), "-o", str(target), seconds=CAP_SECONDS, memory=CAP_MEMORY, env=env)
    assert_one_line_error(run)
    if snapshot is not None:
        assert target.read_bytes() == snapshot
    assert not list(tmp_path.glob("wb.bak-*"))
    _no_temporaries(tmp_path)


def test_carry_over_with_force_still_reads_safely(tmp_path: Path, env: dict[str, str]) -> None:
    target = hostile.zip_bomb(tmp_path / "wb.xlsx")
    run = run_capped("generate", str(TEMPLATE), "-o", str(target), "--force", seconds=CAP_SECONDS,
                     memory=CAP_MEMORY, env=env)
    assert_one_line_error(run, contains="zip bomb")


CSV_CASES = {
    # name: (bytes, expected words in the one line)
    "mixed_encodings": (b"Region;Privat KBT\nNorrbotten;5\n\x81\x8d\x8f\x90\x9d\n", "neither UTF-8 nor Windows-1252"),
    "long_field": (b"Region;Privat KBT\nNorrbotten;" + b"1" * 200_000 + b"\n", "field"),
    "nul_bytes": (b"Region;Privat KBT\nNorr\x00botten;5\n", "NUL"),
    "english_thousands": (b"Region;Privat KBT\nNorrbotten;1,000\n", "ambiguous"),
    "huge_count": (b"Region;Privat KBT\nNorrbotten;1e300\n", "implausibly large"),
    "float_precision": (b"Region;Privat KBT\nNorrbotten;9007199254740993\n", "plausible"),
    "tiny_exponent": (b"Region;Privat KBT\nNorrbotten;1e-999999999\n", "too small"),
    "superscript": (b"Region;Privat KBT\nNorrbotten;\xc2\xb2\n", "not a whole number"),
    "header_only": (b"Region;Privat KBT\n", "no region row"),
    "many_rows": (b"Region;Privat KBT\n" + b"Atlantis;1\n" * 20_001, "lines"),
    "many_unknown_rows": (b"Region;Privat KBT\n" + b"Atlantis;1\n" * 5_000, "more than 100 rows name no region"),
}


@pytest.mark.parametrize("case", sorted(CSV_CASES))
def test_import_csv_problems_are_one_line(tmp_path: Path, env: dict[str, str], case: str) -> None:
    data, words = CSV_CASES[case]
    workbook = shutil.copy(COMPILATION, tmp_path / "v3.xlsx")
    before = Path(workbook).read_bytes()
    source = tmp_path / f"{case}.csv"
    source.write_bytes(data)
    run = run_capped("import", str(source), str(workbook), seconds=CAP_SECONDS, memory=CAP_MEMORY, env=env)
    assert_one_line_error(run, contains=words)
    assert Path(workbook).read_bytes() == before


def test_import_of_a_far_cell_is_bounded(tmp_path: Path, env: dict[str, str]) -> None:
    workbook = shutil.copy(COMPILATION, tmp_path / "v3.xlsx")
    source = hostile.far_cell(tmp_path / "far.xlsx")
    run = run_capped("import", str(source), str(workbook), seconds=CAP_SECONDS, memory=CAP_MEMORY, env=env)
    assert_one_line_error(run, contains="more than 10 000 rows")


def test_import_reads_swedish_numbers(tmp_path: Path, env: dict[str, str]) -> None:
    """Spaces group thousands; a decimal comma with zeros is a whole number; several separators are thousands."""
    workbook = Path(shutil.copy(COMPILATION, tmp_path / "v3.xlsx"))
    source = tmp_path / "ok.csv"
    source.write_text("Region;Privat KBT;Offentlig KBT;Privat IPT\nNorrbotten;1 000;12,0;1.000.000\n",
                      encoding="utf-8")
    run = run_capped("import", str(source), str(workbook), seconds=CAP_SECONDS, memory=CAP_MEMORY, env=env)
    assert run.code == 0, run.stderr
    from xl_tools.followup.compilation import load_compilation, read_reports
    from xl_tools.followup.importer import template_of

    reports, _ = read_reports(workbook, load_compilation(template_of(workbook).path))
    got = reports.data[2020]["25"]
    assert got["P_KBT"] == 1000 and got["O_KBT"] == 12 and got["P_IPT"] == 1_000_000


def test_import_template_id_must_be_a_plain_name(tmp_path: Path, env: dict[str, str]) -> None:
    """I41: Info!B3 of the workbook chooses the template; a path there (even to a real template
    outside the templates folder) is refused."""
    import os

    import openpyxl

    outside = tmp_path / "elsewhere.toml"
    outside.write_text((REPO / "templates" / "villkor3-sammanstallning-2020.toml").read_text(encoding="utf-8"),
                       encoding="utf-8")
    wb = openpyxl.load_workbook(COMPILATION)
    wb["Info"]["B3"] = os.path.relpath(tmp_path / "elsewhere", REPO / "templates")
    wb.save(tmp_path / "v3.xlsx")
    source = tmp_path / "r.csv"
    source.write_text("Region;Privat KBT\nNorrbotten;5\n", encoding="utf-8")
    run = run_capped("import", str(source), str(tmp_path / "v3.xlsx"), seconds=CAP_SECONDS, env=env)
    assert_one_line_error(run, contains="not a villkor 3 compilation workbook")
