"""Fixtures for the workbook generator tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from wb_helpers import AGREEMENT_2017, FIXED_TIME

from xl_tools.agreement import load_template
from xl_tools.workbook import generate_workbook


@pytest.fixture(scope="session")
def agreement():
    return load_template(AGREEMENT_2017)


@pytest.fixture(scope="session")
def default_workbook(tmp_path_factory, agreement) -> Path:
    out = tmp_path_factory.mktemp("default") / "avtal.xlsx"
    generate_workbook(agreement, out, generated=FIXED_TIME)
    return out
