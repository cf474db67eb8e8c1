"""``xl-tools libreoffice install/uninstall``: a mistyped --profile is an error unless --create;
uninstall removes exactly what install added."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from xl_tools.cli import cli
from xl_tools.libreoffice import install as lo_install

# Subprocesses under time and memory caps: the slow tier (left out by make test-fast).
pytestmark = pytest.mark.slow


def test_unknown_profile_is_an_error_unless_create(tmp_path: Path) -> None:
    typo = tmp_path / "libreofice" / "4"
    result = CliRunner().invoke(cli, ["libreoffice", "install", "--profile", str(typo)])
    assert result.exit_code == 2
    assert "No LibreOffice profile at" in result.output and "--create" in result.output
    assert not typo.exists()


@pytest.mark.spreadsheet
def test_uninstall_removes_what_install_added(tmp_path: Path) -> None:
    profile = tmp_path / "profile"
    runner = CliRunner()
    installed = runner.invoke(cli, ["libreoffice", "install", "--profile", str(profile), "--create"])
    assert installed.exit_code == 0, installed.output
    standard = profile / "user" / "basic" / "Standard"
    other = standard / "Mine.xba"
    other.write_text("<script/>", encoding="utf-8")
    xlb = standard / "script.xlb"
    xlb.write_text(xlb.read_text(encoding="utf-8").replace(
        "</library:library>", ' <library:element library:name="Mine"/>\n</library:library>'), encoding="utf-8")
    removed = runner.invoke(cli, ["libreoffice", "uninstall", "--profile", str(profile)])
    assert removed.exit_code == 0, removed.output
    assert not (standard / f"{lo_install.BASIC_MODULE}.xba").exists()
    assert not (profile / "user" / "Scripts" / "python" / lo_install.SCRIPT_NAME).exists()
    text = xlb.read_text(encoding="utf-8")
    assert lo_install.BASIC_MODULE not in text and 'library:name="Mine"' in text
    assert other.exists()
    again = runner.invoke(cli, ["libreoffice", "uninstall", "--profile", str(profile)])
    assert again.exit_code == 0 and "Nothing of xl_tools is installed" in again.output


def test_uninstall_from_a_missing_profile_is_an_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["libreoffice", "uninstall", "--profile", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "No LibreOffice profile at" in result.output
