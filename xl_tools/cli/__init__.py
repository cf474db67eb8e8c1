"""The ``xl-tools`` command line. Each command is a thin shell over :mod:`xl_tools.api`
or another documented module; the commands live in the modules of this package.

The error boundary is here (:class:`FriendlyGroup`): whatever a command raises ends as
one line on stderr, never a traceback —

- bad input or environment (:class:`~xl_tools.errors.XlToolsError`, a usage error, a
  file that cannot be read or written, a full disk, input nested too deep or too big):
  ``Fel: …`` (``Error: …`` in English), exit status 2;
- anything else is a bug in xl_tools: ``Fel: internt fel …; rapportera det``, exit status 1.

Everything printed is in the current language (:mod:`xl_tools.i18n`): Swedish by default,
English with ``--lang en`` or ``XL_TOOLS_LANG=en``.
"""

from __future__ import annotations

import errno
import signal
import sys
from typing import Any

import click

from xl_tools import __version__
from xl_tools.cli.translated import TranslatedGroup
from xl_tools.errors import XlToolsError
from xl_tools.i18n import LANGUAGES, N_, _, apply_to_click, set_language

MAX_MESSAGE = 400
REPORT_HINT = N_("please report it (the command you ran and this line) to the xl_tools maintainers")


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
        return _("The disk is full (writing{where}). Free some space and run again; nothing was replaced.").format(
            where=where_text)
    if exc.errno == errno.EDQUOT:
        return _("Your disk quota is used up (writing{where}). Free some space and run again.").format(
            where=where_text)
    if exc.errno in (errno.EACCES, errno.EPERM):
        return _("Permission denied:{where}. Choose a file or folder you may write, or ask for access.").format(
            where=where_text)
    if exc.errno == errno.EROFS:
        return _("{where} is on a read-only file system; choose another place.").format(
            where=where or _("The target"))
    if exc.errno == errno.EISDIR:
        return _("{where} is a folder, not a file; give a file name.").format(where=where or _("The path"))
    if exc.errno == errno.ENOTDIR:
        return _("{where} is not a folder; check the path.").format(where=where or _("A part of the path"))
    if exc.errno == errno.EEXIST:
        return _("{where} already exists and is not a folder; choose another name.").format(
            where=where or _("The path"))
    if exc.errno == errno.ENOENT:
        return _("No such file or folder:{where}.").format(where=where_text)
    return _("Cannot use{where}: {reason}.").format(where=where_text, reason=exc.strerror or exc)


def _error(message: str) -> None:
    """One line on stderr: ``Fel: …`` (``Error: …`` in English)."""
    click.echo(_("Error: {message}").format(message=message), err=True)


class FriendlyGroup(TranslatedGroup):
    """A click group that turns every error into one line on stderr (see the module docstring)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except XlToolsError as exc:
            _error(one_line(exc))
            ctx.exit(2)
        except click.UsageError as exc:
            # One line, like every other bad input (click would print the usage block too).
            hint = (" " + _("See '{command} --help'.").format(command=exc.ctx.command_path)) if exc.ctx else ""
            _error(one_line(exc.format_message()) + hint)
            ctx.exit(2)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            click.echo(_("Interrupted; nothing was written."), err=True)
            ctx.exit(130)
        except OSError as exc:
            _error(one_line(describe_os_error(exc)))
            ctx.exit(2)
        except RecursionError:
            _error(_("The input is nested too deeply to read; check the file."))
            ctx.exit(2)
        except MemoryError:
            _error(_("The input is too large to read in the memory available; check the file."))
            ctx.exit(2)
        except Exception as exc:  # noqa: BLE001 - the boundary: a bug still gets one line
            _error(_("internal error ({kind}: {detail}); {hint}.").format(
                kind=type(exc).__name__, detail=one_line(exc, 200), hint=_(REPORT_HINT)))
            ctx.exit(1)


def _choose_language(_ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        set_language(value)
    apply_to_click()


@click.group(cls=FriendlyGroup, context_settings={"help_option_names": ["-h", "--help"]},
             help=N_("xl-tools: Swedish grant finance (överenskommelser) kept in the spreadsheet."))
@click.version_option(__version__, prog_name="xl-tools", help=N_("Show the version and exit."))
@click.option("--lang", type=click.Choice(LANGUAGES), default=None, is_eager=True, expose_value=False,
              callback=_choose_language,
              help=N_("Language of everything printed: sv (default) or en; also XL_TOOLS_LANG."))
def cli() -> None:
    pass


def _terminate(signum: int, _frame: object) -> None:
    """SIGTERM/SIGHUP: exit through Python so every clean-up (temporary files) runs."""
    raise SystemExit(128 + signum)


def main() -> None:
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _terminate)
    apply_to_click()
    cli(prog_name="xl-tools")


# Command modules register themselves on ``cli`` when imported.
from xl_tools.cli import audit, core, followup, reconcile, regioner, udf_commands, workbooks  # noqa: E402,F401

__all__ = ["cli", "describe_os_error", "main", "one_line", "sys"]
