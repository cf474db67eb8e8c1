"""SOURCE_DATE_EPOCH makes generation reproducible: an unchanged template gives identical bytes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from xl_tools.workbook.render import generation_time

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_generation_time_follows_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    assert generation_time() == dt.datetime(2026, 1, 1)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "not a number")
    assert abs(generation_time() - dt.datetime.now()) < dt.timedelta(minutes=1)


@pytest.mark.parametrize("template", ["sjukskrivning-2017-2018", "villkor3-sammanstallning-2020",
                                      "norrbotten-intern-fordelning-2017", "vardkapacitet-2025"])
def test_two_builds_give_identical_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, template: str) -> None:
    from xl_tools import pipeline

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    first = pipeline.generate(template, tmp_path / "a.xlsx").path
    second = pipeline.generate(template, tmp_path / "b.xlsx").path
    assert first.read_bytes() == second.read_bytes()
