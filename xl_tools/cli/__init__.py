"""The ``xl-tools`` command line. Each command is a thin shell over :mod:`xl_tools.api`
or another documented module; the commands live in the modules of this package.

The error boundary is here (:class:`FriendlyGroup`): whatever a command raises ends as
one line on stderr, never a traceback —

- bad input or environment (:class:`~xl_tools.errors.XlToolsError`, a usage error, a
  file that cannot be read or written, a full disk, input nested too deep or too big):
  ``Error: …``, exit status 2;
- anything else is a bug in xl_tools: ``Error: internal error …; please report it``,
  exit status 1.
"""

from __future__ import annotations

import errno
import signal
import sys

import click

from xl_tools import __version__
from xl_tools.errors import XlToolsError

MAX_MESSAGE = 400
REPORT_HINT = "please report it (the command you ran and this line) to the xl_tools maintainers"


def one_line(text: object, limit: int = MAX_MESSAGE) -> str:
    """``text`` on one line (newlines and tabs as spaces), cut to ``limit`` characters."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def describe_os_error(exc: OSError) -> str:
    """One line for a failed file operation: what, where, and how to fix it."""
    return one_line(_describe_os_error(exc))


def _describe_os_error(exc: OSError) -> str:
    where = exc.filename if exc.filename is not None else ""
    where_text = f" {where}" if where != "" else ""
    if exc.errno == errno.ENOSPC:
        return f"The disk is full (writing{where_text}). Free some space and run again; nothing was replaced."
    if exc.errno == errno.EDQUOT:
        return f"Your disk quota is used up (writing{where_text}). Free some space and run again."
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"Permission denied:{where_text}. Choose a file or folder you may write, or ask for access."
    if exc.errno == errno.EROFS:
        return f"{where or 'The target'} is on a read-only file system; choose another place."
    if exc.errno == errno.EISDIR:
        return f"{where or 'The path'} is a folder, not a file; give a file name."
    if exc.errno == errno.ENOTDIR:
        return f"{where or 'A part of the path'} is not a folder; check the path."
    if exc.errno == errno.EEXIST:
        return f"{where or 'The path'} already exists and is not a folder; choose another name."
    if exc.errno == errno.ENOENT:
        return f"No such file or folder:{where_text}."
    return f"Cannot use{where_text}: {exc.strerror or exc}."


class FriendlyGroup(click.Group):
    """A click group that turns every error into one line on stderr (see the module docstring)."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except XlToolsError as exc:
            click.echo(f"Error: {one_line(exc)}", err=True)
            ctx.exit(2)
        except click.UsageError as exc:
            # One line, like every other bad input (click would print the usage block too).
            hint = f" See '{exc.ctx.command_path} --help'." if exc.ctx else ""
            click.echo(f"Error: {one_line(exc.format_message())}{hint}", err=True)
            ctx.exit(2)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            click.echo("Interrupted; nothing was written.", err=True)
            ctx.exit(130)
        except OSError as exc:
            click.echo(f"Error: {one_line(describe_os_error(exc))}", err=True)
            ctx.exit(2)
        except RecursionError:
            click.echo("Error: The input is nested too deeply to read; check the file.", err=True)
            ctx.exit(2)
        except MemoryError:
            click.echo("Error: The input is too large to read in the memory available; check the file.", err=True)
            ctx.exit(2)
        except Exception as exc:  # noqa: BLE001 - the boundary: a bug still gets one line
            click.echo(f"Error: internal error ({type(exc).__name__}: {one_line(exc, 200)}); {REPORT_HINT}.",
                       err=True)
            ctx.exit(1)


@click.group(cls=FriendlyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="xl-tools")
def cli() -> None:
    """xl-tools: Swedish grant finance (överenskommelser) kept in the spreadsheet."""


def _terminate(signum: int, _frame: object) -> None:
    """SIGTERM/SIGHUP: exit through Python so every clean-up (temporary files) runs."""
    raise SystemExit(128 + signum)


def main() -> None:
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _terminate)
    cli(prog_name="xl-tools")


# Command modules register themselves on ``cli`` when imported.
from xl_tools.cli import audit, core, followup, reconcile, regioner, udf_commands, workbooks  # noqa: E402,F401

__all__ = ["cli", "describe_os_error", "main", "one_line", "sys"]
