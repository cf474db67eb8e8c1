"""Grant-specific rules on a 21-region table (XL020–XL023)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from xl_tools.engine.rules import population_share
from xl_tools.population import load_population
from xl_tools.regions import REGIONS

POT = 100_000_000
NOV_2016 = dt.date(2016, 11, 1)
NOV_2019 = dt.date(2019, 11, 1)


def amounts(date: dt.date) -> list[int]:
    return [round(a) for a in population_share(Fraction(POT), load_population().vector(date))]


def region_table(names=None, values=None, title="Fördelning efter befolkning 1 november 2016",
                 extra: dict | None = None) -> dict:
    names = names or [r.name for r in REGIONS]
    values = values or amounts(NOV_2016)
    sheet = {"A1": title, "A2": "Region", "B2": "Belopp kr"}
    for i, (name, value) in enumerate(zip(names, values), start=3):
        sheet[f"A{i}"] = name
        sheet[f"B{i}"] = value
    sheet.update(extra or {})
    return {"Fördelning": sheet}


def test_clean_region_table_has_no_findings(findings):
    found = findings(["XL020", "XL021", "XL022", "XL023"], region_table())
    assert [(f.rule, f.severity.label) for f in found] == [("XL022", "info")]  # "an exact population split"
    assert "exact population split" in found[0].message and "1 November 2016" in found[0].message


def test_xl020_misspelled_region_names_the_intended_one(findings):
    names = [r.name for r in REGIONS]
    names[-1] = "Norrbottn"
    found = findings("XL020", region_table(names=names))
    assert [(f.cell, f.severity.label) for f in found] == [("A23", "warning")]
    assert "Norrbotten" in found[0].message


def test_xl021_region_twice_and_missing(findings):
    names = [r.name for r in REGIONS]
    names[1] = "Stockholm"
    found = findings("XL021", region_table(names=names))
    assert sorted((f.cell, f.severity.label) for f in found) == [("A3", "warning"), ("A4", "error")]
    assert "Uppsala" in next(f.message for f in found if f.severity.label == "warning")


def test_xl022_one_amount_off(findings):
    values = amounts(NOV_2016)
    values[5] += 5000
    found = findings("XL022", region_table(values=values))
    assert [f.cell for f in found] == ["B8"] and "5 000" in found[0].message


def test_xl022_amounts_from_another_reference_date(findings):
    found = findings("XL022", region_table(values=amounts(NOV_2016),
                                           title="Fördelning efter befolkning 1 november 2019"))
    assert len(found) == 1
    assert "match 1 November 2016, not 1 November 2019 as the heading states" in found[0].message


def test_xl023_amount_above_maximum(findings):
    values = amounts(NOV_2016)
    extra = {"C2": "Maxbelopp"}
    extra.update({f"C{i}": v for i, v in enumerate(values, start=3)})
    extra["C3"] = values[0] - 10
    found = findings("XL023", region_table(values=values, extra=extra))
    assert [f.cell for f in found] == ["B3"]
    extra["C3"] = values[0]
    assert findings("XL023", region_table(values=values, extra=extra)) == []


def test_xl023_max_in_another_block_or_capped_is_not_compared(findings):
    values = amounts(NOV_2016)
    # Block B–C: amount then max; block E–G: a bigger amount, its own max and a MIN cap.
    extra = {"C2": "Max (kr)", "E2": "Belopp för kontakter (kr)", "F2": "Tak (kr)", "G2": "Utfall (kr)"}
    for i, v in enumerate(values, start=3):
        extra[f"C{i}"] = v
        extra[f"E{i}"] = v * 2 if i == 3 else 0
        extra[f"F{i}"] = v
        extra[f"G{i}"] = (f"=MIN(E{i},F{i})", min(v * 2 if i == 3 else 0, v))
    assert findings("XL023", region_table(values=values, extra=extra)) == []


def test_region_tables_stacked_in_one_column_are_two_tables(findings):
    # 2016's distribution, its total, an empty row, then 2019's under it in the same columns
    first = region_table()["Fördelning"]
    second_values = amounts(NOV_2019)
    sheet = {**first, "A24": "Summa", "B24": POT, "A26": "Fördelning efter befolkning 1 november 2019",
             "A27": "Region", "B27": "Belopp kr"}
    for i, (region, value) in enumerate(zip(REGIONS, second_values), start=28):
        sheet[f"A{i}"], sheet[f"B{i}"] = region.name, value
    assert findings(["XL020", "XL021"], {"Fördelning": sheet}) == []
    # a region repeated inside one of the tables is still a duplicate
    sheet["A30"] = "Stockholm"
    found = findings("XL021", {"Fördelning": sheet})
    assert ("A30", "error") in [(f.cell, f.severity.label) for f in found]
