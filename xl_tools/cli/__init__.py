"""The ``xl-tools`` command line. Each command is a thin shell over :mod:`xl_tools.api`
or another documented module; the commands live in the modules of this package."""

from __future__ import annotations

import sys

import click

from xl_tools import __version__
from xl_tools.errors import XlToolsError


class FriendlyGroup(click.Group):
    """A click group that turns :class:`XlToolsError` into one line on stderr and exit 2."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except XlToolsError as exc:
            click.echo(f"Error: {exc}", err=True)
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
from xl_tools.cli import core  # noqa: E402,F401
from xl_tools.cli import audit  # noqa: E402,F401
from xl_tools.cli import workbooks  # noqa: E402,F401
from xl_tools.cli import udf_commands  # noqa: E402,F401

__all__ = ["cli", "main", "sys"]
