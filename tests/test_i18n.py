"""Swedish by default, English on request: the catalogue is complete, current and compiled."""

from __future__ import annotations

import gettext
import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from babel.messages.pofile import read_po
from click.testing import CliRunner

from xl_tools import i18n
from xl_tools.cli.translated import TranslatedGroup
from xl_tools.i18n import N_, _

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "xl_tools" / "locale"
PO = LOCALE / "sv" / "LC_MESSAGES" / "xl_tools.po"
MO = LOCALE / "sv" / "LC_MESSAGES" / "xl_tools.mo"


@pytest.fixture(autouse=True)
def _language_from_env(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("XL_TOOLS_LANG", raising=False)
    monkeypatch.delenv("LANGUAGE", raising=False)  # apply_to_click sets it; restored after the test
    domain = gettext.textdomain()
    i18n.set_language(None)
    yield
    i18n.set_language(None)
    gettext.textdomain(domain)


def _catalogue():
    with open(PO, "rb") as fh:
        return read_po(fh)


def test_swedish_by_default_english_on_request(monkeypatch: pytest.MonkeyPatch) -> None:
    assert i18n.language() == "sv"
    assert _("Usage:") == "Användning:"
    monkeypatch.setenv("XL_TOOLS_LANG", "en_GB.UTF-8")
    assert i18n.language() == "en" and _("Usage:") == "Usage:"
    assert i18n.set_language("sv") == "sv" and _("Usage:") == "Användning:"


@pytest.mark.parametrize("value, expected", [("sv", "sv"), ("sv_SE.UTF-8", "sv"), ("EN", "en"),
                                             ("en-US", "en"), ("de", "sv"), ("", "sv"), (None, "sv")])
def test_language_names(value: str | None, expected: str) -> None:
    assert i18n.normalise_language(value) == expected


def test_catalogue_is_complete_current_and_compiled() -> None:
    """Every marked text is in the Swedish catalogue, translated, and the shipped .mo is current."""
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "catalogues.py"), "--check"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_compiled_catalogue_gives_the_translations() -> None:
    with open(MO, "rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    with open(PO, "rb") as fh:
        catalogue = read_po(fh)
    for message in catalogue:
        if message.id and not isinstance(message.id, tuple):
            assert compiled.gettext(message.id) == message.string


def test_regioner_lists_every_region_in_swedish_and_english(monkeypatch: pytest.MonkeyPatch) -> None:
    from xl_tools.cli import cli

    runner = CliRunner()
    swedish = runner.invoke(cli, ["regioner"]).output.splitlines()
    assert swedish[0].split() == ["Kod", "Bokstav", "Region", "Godtas", "också"]
    assert len(swedish) == 1 + 21 + 1
    assert swedish[8].split()[:3] == ["09", "I", "Gotland"] and "Gotlands län" in swedish[8]
    assert "Jämtland Härjedalen" in next(line for line in swedish if line.startswith("23"))
    monkeypatch.setenv("XL_TOOLS_LANG", "en")
    assert runner.invoke(cli, ["regioner"]).output.startswith("Code")
    rows = json.loads(runner.invoke(cli, ["regioner", "--format", "json"]).output)
    assert [r["code"] for r in rows][:3] == ["01", "03", "04"] and "SLL" in rows[0]["spellings"]


def test_help_is_shown_in_the_current_language(monkeypatch: pytest.MonkeyPatch) -> None:
    @click.group(cls=TranslatedGroup)
    def demo() -> None:
        """Show this message and exit."""

    @demo.command()
    @click.option("--flag", help=N_("Show the version and exit."))
    def sub(flag: str) -> None:
        """Show the version and exit."""

    runner = CliRunner()
    i18n.apply_to_click()
    swedish = runner.invoke(demo, ["sub", "--help"]).output
    assert "Användning:" in swedish and "Visa versionen och avsluta." in swedish
    assert "Visa den här hjälpen och avsluta." in runner.invoke(demo, ["--help"]).output
    monkeypatch.setenv("XL_TOOLS_LANG", "en")
    i18n.apply_to_click()
    english = runner.invoke(demo, ["sub", "--help"]).output
    assert "Usage:" in english and "Show the version and exit." in english


def test_region_errors_speak_swedish_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    from xl_tools.errors import UnknownRegionError
    from xl_tools.regions import resolve_region

    with pytest.raises(UnknownRegionError, match="^Okänd region 'Atlantis'. Menade du: .*xl-tools regioner"):
        resolve_region("Atlantis")
    with pytest.raises(UnknownRegionError, match="^Okänd länskod '02'"):
        resolve_region("02")
    monkeypatch.setenv("XL_TOOLS_LANG", "en")
    with pytest.raises(UnknownRegionError, match="^Unknown region 'Atlantis'. Did you mean"):
        resolve_region("Atlantis")


@pytest.mark.parametrize("env, args, expected", [
    ({}, [], "Fel: Okänd region 'Atlantis'. Menade du:"),
    ({"XL_TOOLS_LANG": "en"}, [], "Error: Unknown region 'Atlantis'. Did you mean:"),
    ({}, ["--lang", "en"], "Error: Unknown region 'Atlantis'. Did you mean:"),
    ({"XL_TOOLS_LANG": "en"}, ["--lang", "sv"], "Fel: Okänd region 'Atlantis'."),
])
def test_the_program_speaks_swedish_by_default(env: dict[str, str], args: list[str], expected: str) -> None:
    """The installed program (its main(), as a user runs it), not only the click group."""
    import os

    environ = {k: v for k, v in os.environ.items() if k not in ("XL_TOOLS_LANG", "LANGUAGE")} | env
    result = subprocess.run([sys.executable, "-m", "xl_tools", *args, "andel", "Atlantis", "1", "2016"],
                            capture_output=True, text=True, env=environ, timeout=60, cwd=ROOT)
    assert result.returncode == 2
    assert result.stderr.startswith(expected) and result.stderr.count("\n") == 1
    assert result.stdout == ""


def test_click_usage_errors_follow_the_language() -> None:
    import os

    environ = {k: v for k, v in os.environ.items() if k not in ("XL_TOOLS_LANG", "LANGUAGE")}
    result = subprocess.run([sys.executable, "-m", "xl_tools", "andel"], capture_output=True, text=True,
                            env=environ, timeout=60, cwd=ROOT)
    assert result.returncode == 2 and result.stderr.startswith("Fel: Argument saknas: 'REGION'.")
    helped = subprocess.run([sys.executable, "-m", "xl_tools", "andel", "--help"], capture_output=True, text=True,
                            env=environ, timeout=60, cwd=ROOT)
    assert helped.stdout.startswith("Användning: xl-tools andel")
