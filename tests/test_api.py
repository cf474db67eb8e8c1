"""The documented Python API: andel, fordela, kontakter, befolkning."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path

import pytest

from xl_tools import api
from xl_tools import population as pop
from xl_tools.engine.rules import per_unit_capped, population_share
from xl_tools.errors import AmountError, PopulationDataError, UnknownRegionError, XlToolsError
from xl_tools.regions import REGIONS


@pytest.fixture(autouse=True)
def _isolated_user_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XL_TOOLS_DATA", str(tmp_path))
    pop.reload_population()


def test_fordela_100_mkr_2016_kronor() -> None:
    d = api.fordela(100_000_000, 2016)
    assert d.pot == 100_000_000
    assert d.reference_date == dt.date(2016, 11, 1)
    assert d.reference_text == "1 november 2016"
    assert d.population_total == 9_967_637
    assert [r.region for r in d.rows] == list(REGIONS)
    by_name = {r.region.name: r for r in d.rows}
    assert by_name["Stockholm"].amount == 22_714_621
    assert by_name["Gotland"].amount == 580_218
    assert by_name["Gotland"].share == Fraction(57_834, 9_967_637)
    assert d.allocation.rounding == "kronor"
    assert abs(d.allocation.difference) <= 10


def test_fordela_largest_remainder_sums_exactly() -> None:
    d = api.fordela("100 000 000", 2016, rounding="largest-remainder")
    assert d.allocation.total == 100_000_000
    assert sum(r.amount for r in d.rows) == 100_000_000


def test_fordela_none_is_exact() -> None:
    d = api.fordela("150 Mkr", 2016, rounding="none")
    assert [r.amount for r in d.rows] == population_share(150_000_000, [r.population for r in d.rows])
    assert d.allocation.total == 150_000_000


def test_fordela_none_rounding_argument_means_default() -> None:
    assert api.fordela(100, 2016, rounding=None).allocation.rounding == "kronor"


def test_fordela_any_reference_date() -> None:
    d = api.fordela("1,5 mdkr", "2018-12-31", "largest-remainder")
    assert d.reference_date == dt.date(2018, 12, 31)
    assert d.allocation.total == 1_500_000_000


@pytest.mark.parametrize("pot", ["150000000", "150 000 000", "150e6", "150 Mkr", 150_000_000, 150e6])
def test_andel_accepts_every_pot_form(pot: object) -> None:
    assert api.andel("Norrbotten", pot, 2016) == 3_765_878


def test_andel_largest_remainder_is_the_regions_amount_in_the_full_split() -> None:
    d = api.fordela(100_000_000, 2016, "largest-remainder")
    for row in d.rows:
        assert api.andel(row.region.code, 100_000_000, 2016, "largest-remainder") == row.amount


def test_andel_by_any_region_form() -> None:
    values = {api.andel(name, 100_000_000, 2016) for name in ("Stockholm", "01", "AB", "Region Stockholm")}
    assert values == {22_714_621}


def test_befolkning() -> None:
    assert api.befolkning("Gotland", 2016) == 57_834
    assert api.befolkning("09", "2019-12-31") > 59_000


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: api.fordela(-5, 2016), AmountError),
        (lambda: api.fordela("mycket", 2016), AmountError),
        (lambda: api.fordela(100, 2017), PopulationDataError),
        (lambda: api.andel("Botten", 100, 2016), UnknownRegionError),
        (lambda: api.fordela(100, 2016, "bankers"), XlToolsError),
        (lambda: api.befolkning("Västra", 2016), UnknownRegionError),
    ],
)
def test_bad_input_raises_a_readable_error(call, error: type[Exception]) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error) as info:
        call()
    assert "\n" not in str(info.value)


def test_kontakter_matches_the_engine() -> None:
    units = [1000] * 21
    a = api.kontakter(units, "50 Mkr", "3 000", 2016, "none")
    assert list(a.amounts) == per_unit_capped(50_000_000, pop.load_population().vector(2016), units, 3000)
    assert a.total == 50_000_000


def test_kontakter_accepts_spreadsheet_cells() -> None:
    """Blank cells are 0; numbers may come as floats or text with spaces."""
    units: list[object] = [None, "", 3.0, "1 000", "12"] + [0] * 16
    a = api.kontakter(units, 50_000_000, 3000, 2016, "kronor")
    assert a.amounts[2] == 9000
    # Over Södermanland's tak (about 1,44 Mkr), but the others left money unused: paid in full.
    assert a.amounts[3] == 3_000_000
    assert a.amounts[4] == 36_000
    assert a.amounts[0] == 0


def test_kontakter_largest_remainder_uses_the_whole_pot() -> None:
    a = api.kontakter([5000] * 21, 50_000_000, 3000, 2016, "largest-remainder")
    assert a.total == 50_000_000


@pytest.mark.parametrize("units", [[1] * 20, [-1] + [0] * 20, [1.5] + [0] * 20, ["x"] + [0] * 20,
                                   [True] + [0] * 20])
def test_kontakter_refuses_bad_counts(units: list[object]) -> None:
    with pytest.raises(XlToolsError):
        api.kontakter(units, 50_000_000, 3000, 2016)
