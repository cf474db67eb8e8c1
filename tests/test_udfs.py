"""The spreadsheet functions in Python: same results as xl_tools.api, errors as cell text."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from fractions import Fraction

import pytest

from xl_tools import api, udfs
from xl_tools.regions import REGIONS
from xl_tools.udfs import (
    FK_ANDEL,
    FK_BEFOLKNING,
    FK_FORDELA,
    FK_KONTAKTER,
    FK_REGION,
    FK_REGIONER,
)

YEARS = (2016, 2019, 2020, 2021, 2022, 2023)


@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize("rule", ["kronor", "largest-remainder", "none"])
def test_fk_andel_equals_api_for_every_region(year: int, rule: str) -> None:
    pot = 1_437_000_000
    for region in REGIONS:
        expected = api.andel(region.name, pot, year, rule)
        got = FK_ANDEL(region.name, pot, year, rule)
        assert isinstance(got, (int, float)), got
        if rule == "none":
            assert got == float(expected)
        else:
            assert isinstance(got, int)
            assert got == expected


def test_fk_andel_without_rounding_is_exact_float() -> None:
    exact = api.andel("Norrbotten", 150_000_000, 2016, "none")
    got = FK_ANDEL("Norrbotten", 150_000_000, 2016)
    assert got == float(exact)
    assert got != round(got)
    assert FK_ANDEL("Norrbotten", "150 Mkr", 2016, "kronor") == 3_765_878


def test_fk_andel_accepts_spreadsheet_inputs() -> None:
    reference = FK_ANDEL("Gotland", 1_000_000, "2018-12-31")
    assert FK_ANDEL("09", 1e6, dt.date(2018, 12, 31)) == reference
    assert FK_ANDEL(9.0, "1 000 000", 43465.0) == reference  # Excel serial of 2018-12-31
    assert FK_ANDEL("region gotland", 1_000_000, dt.datetime(2018, 12, 31)) == reference
    assert FK_ANDEL("Gotland", 1_000_000, 2016.0, "") == FK_ANDEL("Gotland", 1_000_000, 2016)
    assert FK_ANDEL("Gotland", 1_000_000, 2016, None) == FK_ANDEL("Gotland", 1_000_000, "2016")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("Xyz", 1_000_000, 2016), "#FEL: Unknown region 'Xyz'"),
        (("Gotland", 1_000_000, 2017), "#FEL: No population data for 1 November 2017"),
        (("Gotland", "mycket", 2016), "#FEL: The pot 'mycket' is not an amount"),
        (("Gotland", -5, 2016), "#FEL: The pot is negative"),
        (("Gotland", 1_000_000, 2016, "uppåt"), "#FEL: Unknown rounding rule 'uppåt'"),
        (("Gotland", 1_000_000, "förra året"), "#FEL: Not a year or date"),
        ((None, 1_000_000, 2016), "#FEL: Region missing"),
        ((["Gotland"], 1_000_000, 2016), "#FEL: Region missing or not text"),
    ],
)
def test_errors_come_back_as_cell_text(args: tuple, message: str) -> None:
    got = FK_ANDEL(*args)
    assert isinstance(got, str)
    assert got.startswith(message), got
    assert "\n" not in got


def test_fk_befolkning_and_region() -> None:
    assert FK_BEFOLKNING("Gotland", 2016) == api.befolkning("Gotland", 2016)
    assert FK_BEFOLKNING("BD", "2019-12-31") == api.befolkning("Norrbotten", dt.date(2019, 12, 31))
    assert FK_REGION("Västra Götalandsregionen") == "Västra Götaland"
    assert FK_REGION("Region Jämtland Härjedalen") == "Jämtland"
    assert FK_REGION("01") == "Stockholm"
    assert FK_REGION("Norrbottn") == "Norrbotten"
    assert str(FK_REGION("Atlantis")).startswith("#FEL: Unknown region 'Atlantis'")
    assert str(FK_BEFOLKNING("Gotland", 1800)).startswith("#FEL: ")


def test_fk_fordela_is_a_column_in_lanskod_order() -> None:
    names = FK_REGIONER()
    assert names == [[r.name] for r in REGIONS]
    column = FK_FORDELA(100_000_000, 2016, "largest-remainder")
    assert len(column) == 21 and all(len(row) == 1 for row in column)
    assert sum(row[0] for row in column) == 100_000_000
    d = api.fordela(100_000_000, 2016, "largest-remainder")
    assert [row[0] for row in column] == [r.amount for r in d.rows]
    exact = FK_FORDELA(100_000_000, 2016)
    assert [row[0] for row in exact] == [float(r.exact) for r in d.rows]
    rounded = FK_FORDELA(100_000_000, 2016, "kronor")
    assert [row[0] for row in rounded] == [
        FK_ANDEL(r.name, 100_000_000, 2016, "kronor") for r in REGIONS
    ]
    assert FK_FORDELA(100, 2017)[0][0].startswith("#FEL: No population data")


def test_fk_kontakter_matches_api_and_takes_ranges() -> None:
    counts = [100 * (i + 1) for i in range(21)]
    expected = api.kontakter(counts, 500_000_000, 3000, 2019, "kronor").amounts
    as_column = [[c] for c in counts]  # what a spreadsheet column looks like
    got = FK_KONTAKTER(as_column, 500_000_000, 3000, 2019, "kronor")
    assert [row[0] for row in got] == list(expected)
    flat = FK_KONTAKTER(counts, 500_000_000, 3000, 2019)
    exact = api.kontakter(counts, 500_000_000, 3000, 2019, "none").exact
    assert [row[0] for row in flat] == [float(e) if e.denominator != 1 else int(e) for e in exact]
    assert FK_KONTAKTER([[1]] * 20, 500_000_000, 3000, 2019)[0][0].startswith("#FEL: Give one number")
    assert FK_KONTAKTER([[-1]] * 21, 500_000_000, 3000, 2019)[0][0].startswith("#FEL: ")


def test_kontakter_with_few_contacts_pays_units_times_rate() -> None:
    got = FK_KONTAKTER([[10]] + [[None]] * 20, 500_000_000, 3000, 2019)
    assert got[0][0] == 30_000
    assert all(row[0] == 0 for row in got[1:])


def test_cache_gives_same_answer_and_can_be_cleared() -> None:
    first = FK_ANDEL("Skåne", 937_000_000, 2020, "kronor")
    udfs.clear_cache()
    assert FK_ANDEL("Skåne", 937_000_000, 2020, "kronor") == first
    assert Fraction(FK_ANDEL("Skåne", 937_000_000, 2020)) != first  # exact is not the rounded value


def test_import_without_xlwings() -> None:
    code = (
        "import sys; sys.modules['xlwings'] = None\n"
        "from xl_tools.udfs import FK_ANDEL\n"
        "print(FK_ANDEL('Norrbotten', 150000000, 2016, 'kronor'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "3765878"


def test_docstrings_are_swedish_help_within_excel_limit() -> None:
    for fn in (FK_ANDEL, FK_BEFOLKNING, FK_FORDELA, FK_KONTAKTER, FK_REGION, FK_REGIONER):
        doc = fn.__doc__ or ""
        assert doc and len(doc) <= 255, fn.__name__
        assert any(word in doc for word in ("Regionens", "regionerna", "Fördelar", "Ersättning"))
