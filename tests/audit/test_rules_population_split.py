"""XL022 through the reconciliation engine (issue 10, item 3): which reference date and rounding
make a region column, against the date its headings state."""

from __future__ import annotations

import pytest

from xl_tools.engine.reconcile import allocation
from xl_tools.i18n import set_language
from xl_tools.population import load_population
from xl_tools.regions import REGIONS


@pytest.fixture(autouse=True)
def _swedish():
    """These findings are checked as a Swedish user reads them (the default language)."""
    set_language("sv")
    yield
    set_language(None)


def _sheet(title: str, values: list[int]) -> dict:
    sheet: dict[str, object] = {"A1": title, "A2": "Region", "B2": "Belopp kr"}
    for i, (r, v) in enumerate(zip(REGIONS, values), start=3):
        sheet[f"A{i}"] = r.region_name
        sheet[f"B{i}"] = v
    return {"Utbetalning": sheet}


def test_amounts_of_2019_under_a_2020_heading(findings) -> None:
    """Försäkringskassan's villkor 3 2020: headed 1 november 2020, paid by 1 november 2019."""
    values = allocation(500_000_000, load_population().vector(2019), "kronor")
    found = findings("XL022", _sheet("Villkor 3: fördelning efter befolkningen 1 november 2020", values))
    assert [(f.cell, f.severity.label) for f in found] == [("B3", "error")]
    assert "stämmer med 1 november 2019, inte 1 november 2020 som rubriken anger" in found[0].message
    assert "avrundning kronor, pott 500 000 000 kr" in found[0].message


def test_exact_split_is_one_info_line(findings) -> None:
    values = allocation(1_382_000_000, load_population().vector(2021), "largest-remainder")
    found = findings("XL022", _sheet("Fördelning av medel 2022", values))
    assert [(f.cell, f.severity.label) for f in found] == [("B3", "info")]
    assert "exakt befolkningsfördelning: befolkningen den 1 november 2021, avrundning storsta-rest, " \
           "pott 1 382 000 000 kr" in found[0].message


def test_stated_date_that_also_fits_is_not_an_error(findings) -> None:
    values = allocation(1_367_000_000, load_population().vector(2023), "kronor")
    found = findings("XL022", _sheet("Befolkning 1 november 2023", values))
    assert [f.severity.label for f in found] == ["info"] and "1 november 2023" in found[0].message
