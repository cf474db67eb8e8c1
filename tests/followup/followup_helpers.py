"""Helpers for the follow-up workbook tests: templates, a synthetic set of regions' reports."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import openpyxl

from xl_tools.agreement import TEMPLATE_DIR
from xl_tools.followup.compilation import Compilation, Reports
from xl_tools.regions import REGIONS

COMPILATION = TEMPLATE_DIR / "villkor3-sammanstallning-2020.toml"
INTERNAL = TEMPLATE_DIR / "norrbotten-intern-fordelning-2017.toml"
FIXED_TIME = dt.datetime(2026, 1, 1, 12, 0)


def synthetic_reports(c: Compilation, *, seed: int = 7, skip: tuple[str, ...] = ("25",)) -> Reports:
    """Consistent made-up reports for both years (every region but ``skip``)."""
    rng = random.Random(seed)
    reports = Reports()
    for year in c.years:
        for region in REGIONS:
            if region.code in skip:
                continue
            row: dict[str, int] = {}
            for f in c.forms:
                p, o = rng.randint(0, 400), rng.randint(0, 1500)
                m = rng.randint(0, p + o)
                row.update({f"P_{f.id}": p, f"O_{f.id}": o, f"M_{f.id}": m, f"K_{f.id}": p + o - m})
            total = sum(v for k, v in row.items() if k[0] in "PO")
            row.update({"TOT": total, "AG": rng.randint(0, total // 4), "AF": rng.randint(0, total // 6)})
            reports.data.setdefault(year, {})[region.code] = row
    return reports


def sheet_values(path: Path, sheet: str) -> list[list[object]]:
    ws = openpyxl.load_workbook(path, data_only=True)[sheet]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def row_of(rows: list[list[object]], label: str, col: int = 0) -> list[object]:
    for row in rows:
        if len(row) > col and row[col] == label:
            return row
    raise AssertionError(f"{label!r} not found in column {col}")
