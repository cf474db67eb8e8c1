"""Which generator builds which kind of template.

A template's top-level key ``typ`` names its kind (default ``overenskommelse``).
Each kind maps to a function ``(template: Path, out_dir: Path, *, discard_unmatched: bool)
-> GenerateResult`` given as ``"module:function"``, imported only when used.
"""

from __future__ import annotations

import importlib
import tomllib
from collections.abc import Callable
from pathlib import Path

from xl_tools.errors import XlToolsError

DEFAULT_KIND = "overenskommelse"
KINDS: dict[str, str] = {
    "overenskommelse": "xl_tools.workbook.generate:generate_agreement_into",
    **{"intern_fordelning": "xl_tools.followup.internal:generate_internal_into", "villkor3_sammanstallning": "xl_tools.followup.compilation:generate_compilation_into"},  # noqa: E501
}


def template_kind(path: Path) -> str:
    """The ``typ`` of a template file (``overenskommelse`` when absent)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise XlToolsError(f"{path}: cannot read the template: {exc}") from None
    kind = data.get("typ", DEFAULT_KIND)
    if kind not in KINDS:
        raise XlToolsError(f"{path}: unknown template typ {kind!r}; known: {', '.join(sorted(KINDS))}.")
    return kind


def generator_for(kind: str) -> Callable[..., object]:
    module, _, function = KINDS[kind].partition(":")
    return getattr(importlib.import_module(module), function)
