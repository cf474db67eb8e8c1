"""The language of everything a user reads: Swedish by default, English on request.

Texts are written in English in the code and marked for translation; the Swedish
catalogue (``xl_tools/locale/sv/LC_MESSAGES/xl_tools.po``, compiled to ``.mo`` and shipped
in the package) gives what a Swedish user sees. English is the untranslated text.

- ``_("…")`` translates now, in the current language. Use it for messages built at run time
  (errors, progress, command output, audit findings).
- ``N_("…")`` only marks a text for the catalogue; it is translated later, when shown
  (click help texts, table headings defined at import time). Pass it through ``_`` then.
- ``ngettext(singular, plural, n)`` for counts.

Mark plain string literals only: Babel does not see ``_("…")`` written inside an f-string,
and a text built with ``f"…"`` cannot be looked up. Use ``_("{n} regions").format(n=…)``.

The language is ``XL_TOOLS_LANG`` (``sv`` or ``en``; ``sv_SE.UTF-8`` and the like work too),
or what :func:`set_language` (the CLI's ``--lang``) chose; anything else is Swedish.

Maintainers: ``make catalogues`` extracts the marked texts (Babel), merges them into the
Swedish catalogue and compiles it; ``tests/test_i18n.py`` fails when the catalogue is
stale, incomplete or not compiled.
"""

from __future__ import annotations

import gettext
import os
from functools import cache
from pathlib import Path

DOMAIN = "xl_tools"
LANGUAGES = ("sv", "en")
DEFAULT_LANGUAGE = "sv"
LOCALE_DIR = Path(__file__).parent / "locale"

_chosen: str | None = None


def normalise_language(value: str | None) -> str:
    """``"en_US.UTF-8"`` → ``"en"``; anything not English is Swedish (the default)."""
    code = (value or "").strip().lower().replace("-", "_").split(".")[0].split("_")[0]
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def language() -> str:
    """The current language: :func:`set_language`'s choice, else ``XL_TOOLS_LANG``, else Swedish."""
    if _chosen is not None:
        return _chosen
    return normalise_language(os.environ.get("XL_TOOLS_LANG"))


def set_language(value: str | None) -> str:
    """Choose the language for this process (``None`` goes back to ``XL_TOOLS_LANG``)."""
    global _chosen
    _chosen = None if value is None else normalise_language(value)
    return language()


@cache
def _catalogue(lang: str) -> gettext.NullTranslations:
    if lang == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[lang], fallback=True)


def _(message: str) -> str:
    """``message`` in the current language."""
    return _catalogue(language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n``, in the current language."""
    return _catalogue(language()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it yet (see the module doc)."""
    return message


# click's own texts (usage lines, option errors), marked here so that the catalogue has them;
# click looks them up through the standard ``gettext`` module (see :func:`apply_to_click`).
CLICK_TEXTS = (
    N_("Usage:"),
    N_("Options"),
    N_("Commands"),
    N_("Show this message and exit."),
    N_("Show the version and exit."),
    N_("Missing argument"),
    N_("Missing option"),
    N_("Missing command."),
    N_("No such command {name!r}."),
    N_("No such option {name!r}."),
    N_("Invalid value for {param_hint}: {message}"),
    N_("Invalid value: {message}"),
    N_("{value!r} is not a valid {number_type}."),
    N_("{value} is not in the range {range}."),
    N_("Option {name!r} does not take a value."),
    N_("Try '{command} {option}' for help."),
    N_("default: {default}"),
    N_("Aborted!"),
)


def apply_to_click() -> None:
    """Let click's own texts follow the current language.

    click translates through the standard :mod:`gettext` functions, which read the text
    domain set here and the language from ``LANGUAGE``; this process's ``LANGUAGE`` is set
    to the current language (it only steers message catalogues).
    """
    gettext.bindtextdomain(DOMAIN, str(LOCALE_DIR))
    gettext.textdomain(DOMAIN)
    os.environ["LANGUAGE"] = language()


# Excel function names as Swedish Excel shows them, for texts that name a function (the workbook stores
# the English name; a Swedish user types and reads these).
EXCEL_FUNCTIONS_SV = {
    "VLOOKUP": "LETARAD", "HLOOKUP": "LETAKOLUMN", "MATCH": "PASSA", "XLOOKUP": "XLETAUPP", "LOOKUP": "LETAUPP",
}


def excel_function(name: str) -> str:
    """``VLOOKUP`` → ``LETARAD`` in Swedish; the name itself in English (or when it has no Swedish name here)."""
    return EXCEL_FUNCTIONS_SV.get(name.upper(), name) if language() == "sv" else name
