"""The docs stay true: generated parts are current, every command is documented, examples run."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

import xl_tools

ROOT = Path(__file__).resolve().parents[1]


def cogged_files() -> list[Path]:
    """Every doc with a cog block (``[[[cog`` … ``[[[end]]]``)."""
    candidates = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    return [p for p in candidates if "[[[cog" in p.read_text(encoding="utf-8")]


def test_generated_docs_are_current() -> None:
    files = [str(p.relative_to(ROOT)) for p in cogged_files()]
    assert "docs/cli.md" in files
    result = subprocess.run([sys.executable, "-m", "cogapp", "-I", "docs", "--check", *files], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"stale docs: run 'make docs'\n{result.stdout}{result.stderr}"


def _commands() -> list[tuple[str, click.Command]]:
    sys.path.insert(0, str(ROOT / "docs"))
    try:
        from cogutil import all_commands
    finally:
        sys.path.remove(str(ROOT / "docs"))
    return [(" ".join(("xl-tools", *path)), command) for path, command in all_commands()]


@pytest.mark.parametrize("name, command", _commands(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_command_and_option_has_help_and_is_documented(name: str, command: click.Command) -> None:
    reference = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert f"## `{name}`" in reference
    assert (command.help or command.short_help or "").strip(), f"{name} has no help text"
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert (param.help or "").strip(), f"{name} {param.opts[0]} has no help text"
            assert param.opts[-1] in reference, f"{name} {param.opts[-1]} is not in docs/cli.md"


def _modules() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages(xl_tools.__path__, "xl_tools.")
                  if not m.name.startswith("xl_tools.libreoffice.xl_tools_udfs"))


@pytest.mark.parametrize("module", _modules())
def test_docstring_examples_run(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def _pycon_blocks(text: str) -> str:
    """The ```pycon blocks of a Markdown text: the docs' runnable examples."""
    blocks, inside = [], False
    for line in text.splitlines():
        if line.strip() == "```pycon":
            inside = True
        elif inside and line.strip() == "```":
            inside = False
            blocks.append("")
        elif inside:
            blocks.append(line)
    return "\n".join(blocks)


@pytest.mark.parametrize("doc", sorted(p.name for p in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]
                                       if "```pycon" in p.read_text(encoding="utf-8")))
def test_examples_in_the_docs_run(doc: str) -> None:
    path = ROOT / doc if doc == "README.md" else ROOT / "docs" / doc
    test = doctest.DocTestParser().get_doctest(_pycon_blocks(path.read_text(encoding="utf-8")), {}, doc,
                                                str(path), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.failures == 0
