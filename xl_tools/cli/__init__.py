"""The ``xl-tools`` command line. Each command is a thin shell over :mod:`xl_tools.api`
or another documented module; the commands live in the modules of this package."""

from __future__ import annotations

import sys

import click

from xl_tools import __version__
from xl_tools.errors import XlToolsError


class FriendlyGroup(click.Group):
    """A click group that turns :class:`XlToolsError` and usage errors into one line on stderr, exit 2."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except XlToolsError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(2)
        except click.UsageError as exc:
            # One line, like every other bad input (click would print the usage block too).
            hint = f" See '{exc.ctx.command_path} --help'." if exc.ctx else ""
            click.echo(f"Error: {exc.format_message()}{hint}", err=True)
            ctx.exit(2)
        except KeyboardInterrupt:
            click.echo("Interrupted; nothing was written.", err=True)
            ctx.exit(130)


@click.group(cls=FriendlyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="xl-tools")
def cli() -> None:
    """xl-tools: Swedish grant finance (överenskommelser) kept in the spreadsheet."""


def main() -> None:
    cli(prog_name="xl-tools")


# Command modules register themselves on ``cli`` when imported.
from xl_tools.cli import audit, core, followup, reconcile, regioner, udf_commands, workbooks  # noqa: E402,F401

__all__ = ["cli", "main", "sys"]
