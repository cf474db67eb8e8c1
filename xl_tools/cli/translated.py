"""click commands whose help texts are shown in the current language (:mod:`xl_tools.i18n`).

Help texts are written in English and marked with ``N_`` where they are defined (at import
time, before ``--lang`` is read); these classes translate them when the help is shown.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click

from xl_tools.i18n import _


@contextmanager
def _translated_params(command: click.Command) -> Iterator[None]:
    saved = [(p, getattr(p, "help", None), getattr(p, "show_default", None)) for p in command.params]
    try:
        for param, text, default in saved:
            if text and hasattr(param, "help"):
                param.help = _(text)
            if isinstance(default, str) and default and isinstance(param, click.Option):
                param.show_default = _(default)
        yield
    finally:
        for param, text, default in saved:
            if hasattr(param, "help"):
                param.help = text
            if isinstance(param, click.Option):
                param.show_default = default


class TranslatedCommand(click.Command):
    """A command whose help, short help and option help follow the current language."""

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        original = self.help
        self.help = _(original) if original else original
        try:
            super().format_help_text(ctx, formatter)
        finally:
            self.help = original

    def get_short_help_str(self, limit: int = 45) -> str:
        original, short = self.help, self.short_help
        self.help = _(original) if original else original
        self.short_help = _(short) if short else short
        try:
            return super().get_short_help_str(limit)
        finally:
            self.help, self.short_help = original, short

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with _translated_params(self):
            super().format_options(ctx, formatter)


class TranslatedGroup(TranslatedCommand, click.Group):
    """A group whose own help and whose subcommands' help follow the current language."""

    command_class = TranslatedCommand
    group_class = type  # subgroups are TranslatedGroups too

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with _translated_params(self):
            click.Command.format_options(self, ctx, formatter)
        self.format_commands(ctx, formatter)
