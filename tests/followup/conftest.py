"""Fixtures for the follow-up workbook tests."""

from __future__ import annotations

import pytest
from followup_helpers import COMPILATION

from xl_tools.followup.compilation import Compilation, load_compilation


@pytest.fixture(scope="session")
def compilation() -> Compilation:
    return load_compilation(COMPILATION)
