"""Helpers for the cog blocks in the docs (``make docs`` runs them; the tests check them).

Each helper prints what a user would see, by running the real program or reading the real
registry, so the docs cannot drift from the code.
"""

from __future__ import annotations

import os
import shlex

import click
from click.testing import CliRunner, Result


def _as_a_user_sees_it() -> None:
    """The docs show what a user sees by default: Swedish (also when the tests, which read
    English, run the check). Called by every helper that cog runs, never on import."""
    from xl_tools.i18n import apply_to_click, set_language

    os.environ["XL_TOOLS_LANG"] = "sv"
    set_language("sv")
    apply_to_click()  # click's own texts (Användning:, Flaggor:) in Swedish, whatever ran before


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    found: list[tuple[tuple[str, ...], click.Command]] = []
    for name in sorted(group.commands):
        command = group.commands[name]
        found.append(((*path, name), command))
        if isinstance(command, click.Group):
            found.extend(_commands(command, (*path, name)))
    return found


def all_commands() -> list[tuple[tuple[str, ...], click.Command]]:
    """Every command and subcommand of ``xl-tools``, as (path, command)."""
    from xl_tools.cli import cli

    return [((), cli), *_commands(cli)]


def invoke(args: str) -> Result:
    """Run ``xl-tools ARGS`` in this process: its output (stdout and stderr) and exit code."""
    from xl_tools.cli import cli

    return CliRunner().invoke(cli, shlex.split(args), prog_name="xl-tools", catch_exceptions=False)


def run(args: str) -> str:
    """The output of ``xl-tools ARGS`` (stdout and stderr), as the program prints it."""
    return invoke(args).output


def cli_reference() -> None:
    """One section per command with its ``--help``."""
    _as_a_user_sees_it()
    import cog  # type: ignore[import-not-found]  # only importable inside a cog run

    for path, _command in all_commands():
        name = " ".join(("xl-tools", *path))
        cog.outl(f"\n## `{name}`\n\n```text\n$ {name} --help")
        cog.out(run(" ".join((*path, "--help"))))
        cog.outl("```")


def _short(value: object, keep: int = 3) -> str:
    """``repr`` of a result; a long column shows its first and last rows around ``…``."""
    if isinstance(value, list) and len(value) > 2 * keep:
        head = ", ".join(repr(v) for v in value[:keep])
        tail = ", ".join(repr(v) for v in value[-keep:])
        return f"[{head}, …, {tail}]  # {len(value)} rows"
    return repr(value)


def pyrun(setup: str, expressions: list[str]) -> None:
    """A ``>>>`` session: each expression with the value it really gives."""
    _as_a_user_sees_it()
    import cog  # type: ignore[import-not-found]  # only importable inside a cog run

    namespace: dict[str, object] = {}
    exec(setup, namespace)  # noqa: S102 - the docs' own example code
    cog.outl("```text")
    cog.outl(f">>> {setup}")
    for expression in expressions:
        cog.outl(f">>> {expression}")
        cog.outl(_short(eval(expression, namespace)))  # noqa: S307 - the docs' own example code
    cog.outl("```")


def example(name: str) -> None:
    """An example script from ``examples/``, verbatim, with the output it really prints."""
    _as_a_user_sees_it()
    import subprocess
    import sys
    from pathlib import Path

    import cog  # type: ignore[import-not-found]  # only importable inside a cog run

    path = Path(__file__).resolve().parents[1] / "examples" / name
    result = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=300,
                            check=True)
    cog.outl(f"```python\n{path.read_text(encoding='utf-8').rstrip()}\n```\n")
    cog.outl(f"```text\n$ python examples/{name}\n{result.stdout.rstrip()}\n```")


def previews() -> None:
    """Markdown image links to docs/previews/ (made by ``make previews``), one section per workbook."""
    from pathlib import Path

    import cog  # type: ignore[import-not-found]  # only importable inside a cog run

    folder = Path(__file__).resolve().parent / "previews"
    books: dict[str, list[Path]] = {}
    for png in sorted(folder.glob("*.png")):
        books.setdefault(png.stem.split("--")[0], []).append(png)
    for book, pngs in books.items():
        cog.outl(f"\n### {book}.xlsx\n")
        for png in pngs:
            cog.outl(f"![{book}: {png.stem.split('--')[1]}](previews/{png.name})")


def shell(args: str, *, keep: tuple[int, ...] | None = None, show_exit: bool = False) -> None:
    """``$ xl-tools ARGS`` and what it prints; ``keep`` keeps only those output lines (others become ``…``)."""
    import cog  # type: ignore[import-not-found]  # only importable inside a cog run

    _as_a_user_sees_it()
    result = invoke(args)
    lines = result.output.rstrip("\n").split("\n")
    if keep is not None:
        shown: list[str] = []
        for i, line in enumerate(lines):
            if i in keep or i - len(lines) in keep:
                shown.append(line)
            elif not shown or shown[-1] != "…":
                shown.append("…")
        lines = shown
    cog.outl(f"$ xl-tools {args}" + ('; echo "exit $?"' if show_exit else ""))
    cog.outl("\n".join(lines))
    if show_exit:
        cog.outl(f"exit {result.exit_code}")
    cog.outl("")
