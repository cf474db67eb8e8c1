"""Settings for the whole test suite.

Language: the suite checks messages in English (``XL_TOOLS_LANG=en``, inherited by every
subprocess, LibreOffice included); tests/test_i18n.py and the command tests check the Swedish
default explicitly.

Test tiers: a test that starts LibreOffice or recalculates with `formulas` is marked
``@pytest.mark.spreadsheet``; the hostile-file and fault tests that run capped subprocesses
are ``slow`` (module marks in tests/robustness and tests/audit/test_hostile.py). ``make test``
runs every tier; ``make test-fast`` leaves both out. So that the marker cannot drift, a test without it that reaches
LibreOffice or `formulas` in this process fails, saying it needs the marker.
"""

from __future__ import annotations

import os
import sys
import types
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

os.environ["XL_TOOLS_LANG"] = "en"

# No per-example time limit: CI machines are shared and slow examples are not failures.
# The tier guard below is an autouse fixture that is the same for every example.
settings.register_profile("xl_tools", deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
settings.load_profile("xl_tools")

_UNMARKED = "this test uses a spreadsheet engine: mark it @pytest.mark.spreadsheet"


class _ForbiddenModule(types.ModuleType):
    """Stands in for `formulas` in unmarked tests: any use of it fails the test."""

    def __getattr__(self, name: str) -> object:
        if name.startswith("__"):
            raise AttributeError(name)
        raise AssertionError(f"{_UNMARKED} (it used formulas.{name})")


@pytest.fixture(autouse=True)
def _spreadsheet_tier_is_marked(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    if request.node.get_closest_marker("spreadsheet") is None:
        from xl_tools.libreoffice import recalc

        def forbidden(*args: object, **kwargs: object) -> None:
            raise AssertionError(f"{_UNMARKED} (it started LibreOffice)")

        monkeypatch.setattr(recalc, "run_soffice", forbidden)
        monkeypatch.setitem(sys.modules, "formulas", _ForbiddenModule("formulas"))
    yield


@pytest.fixture(autouse=True)
def _language_follows_the_environment() -> Iterator[None]:
    """A test that chooses a language in-process (``set_language``) cannot leak it into the next."""
    yield
    from xl_tools.i18n import set_language

    set_language(None)
