"""Follows docs/skriv-en-ny-overenskommelse.md in a fresh temporary folder: the template printed in the
walkthrough is written to templates/, generated, audited with no warning or error and verified three ways
with 0 mismatches, once for each rounding method. The sample error message in the doc is the real one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from xl_tools.audit import Severity, audit_workbook
from xl_tools.cli import cli

DOC = Path(__file__).resolve().parents[2] / "docs" / "skriv-en-ny-overenskommelse.md"


def doc_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.mark.spreadsheet
@pytest.mark.parametrize("rounding", ["largest-remainder", "kronor", "rest-till-storsta", "none"])
def test_walkthrough_in_a_fresh_folder(tmp_path, monkeypatch, rounding):
    monkeypatch.chdir(tmp_path)
    template_text = doc_blocks("toml")[0]
    assert 'avrundning = "largest-remainder"' in template_text
    template_text = template_text.replace('avrundning = "largest-remainder"', f'avrundning = "{rounding}"')
    (tmp_path / "templates").mkdir()
    template = Path("templates/kvinnors-halsa-2026.toml")
    template.write_text(template_text, encoding="utf-8")

    generate = [line.split() for line in doc_blocks("sh")[0].splitlines() if line.startswith("xl-tools")][0]
    result = run(*generate[1:])
    assert result.exit_code == 0, result.output
    assert result.output.rstrip().endswith("Kontroll: OK")
    workbook = tmp_path / "kvinnors-halsa-2026.xlsx"

    report = audit_workbook(workbook)
    serious = [f"{f.sheet}!{f.cell} {f.rule} {f.message}" for f in report.findings if f.severity >= Severity.WARNING]
    assert serious == []

    verify = run("verify", str(workbook))
    assert verify.exit_code == 0, verify.output
    assert "formulas, libreoffice: 0 mismatch(es)." in verify.output

    build = run("build", "--templates", "templates", "--out", "workbooks")
    assert build.exit_code == 0, build.output
    assert (tmp_path / "workbooks" / "kvinnors-halsa-2026.xlsx").exists()


def test_the_error_shown_in_the_walkthrough_is_the_real_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "templates").mkdir()
    Path("templates/kvinnors-halsa-2026.toml").write_text(doc_blocks("toml")[0].replace("[kontroll]", "[kontrol]"),
                                                         encoding="utf-8")
    result = run("generate", "templates/kvinnors-halsa-2026.toml", "-o", "x.xlsx")
    assert result.exit_code == 2
    shown = doc_blocks("text")[0].strip()
    assert result.output.strip() == shown
    assert not (tmp_path / "x.xlsx").exists()
