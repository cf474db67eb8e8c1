"""Which generator builds which kind of template: a view of :data:`xl_tools.pipeline.KINDS`.

A template's top-level key ``typ`` names its kind (default ``overenskommelse``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from xl_tools.pipeline import DEFAULT_KIND, KINDS, read_template

__all__ = ["DEFAULT_KIND", "KINDS", "generator_for", "template_kind"]


def template_kind(path: Path) -> str:
    """The ``typ`` of a template file (``overenskommelse`` when absent), after checking the file."""
    return read_template(path).kind.name


def generator_for(kind: str) -> Callable[..., object]:
    return KINDS[kind].generator()
