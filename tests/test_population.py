"""Population per county and reference date, shipped with its source."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path

import pytest

from xl_tools import population as pop
from xl_tools.engine.rounding import apply_rounding
from xl_tools.engine.rules import population_share
from xl_tools.errors import PopulationDataError
from xl_tools.population import (
    PopulationTable,
    describe_date,
    load_population,
    read_csv,
    to_reference_date,
    user_data_file,
    validate_counties,
    write_csv,
)
from xl_tools.regions import REGIONS

NOV = [2016, 2019, 2020, 2021, 2022, 2023, 2024]
DEC = list(range(2010, 2020))


@pytest.fixture(autouse=True)
def _isolated_user_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never read or write the real user data file."""
    monkeypatch.setenv("XL_TOOLS_DATA", str(tmp_path / "data"))
    pop.reload_population()


def test_user_data_file_follows_env(tmp_path: Path) -> None:
    assert user_data_file() == tmp_path / "data" / "population.csv"


@pytest.mark.parametrize(
    ("when", "date"),
    [
        (2016, dt.date(2016, 11, 1)),
        ("2016", dt.date(2016, 11, 1)),
        (" 2017 ", dt.date(2017, 11, 1)),
        (2016.0, dt.date(2016, 11, 1)),
        ("2018-12-31", dt.date(2018, 12, 31)),
        (dt.date(2018, 12, 31), dt.date(2018, 12, 31)),
        (dt.datetime(2018, 12, 31, 13, 5), dt.date(2018, 12, 31)),
        (42675, dt.date(2016, 11, 1)),  # Excel serial
        (43465.0, dt.date(2018, 12, 31)),
    ],
)
def test_to_reference_date(when: object, date: dt.date) -> None:
    assert to_reference_date(when) == date


@pytest.mark.parametrize("when", [True, None, "förra året", "2016-13-01", 1899, 2500, 99999, 2016.5, [2016]])
def test_to_reference_date_refuses(when: object) -> None:
    with pytest.raises(PopulationDataError):
        to_reference_date(when)


def test_describe_date() -> None:
    assert describe_date(dt.date(2016, 11, 1)) == "1 november 2016"
    assert describe_date(dt.date(2018, 12, 31)) == "31 december 2018"


def test_shipped_dates() -> None:
    table = load_population()
    expected = {dt.date(y, 11, 1) for y in NOV} | {dt.date(y, 12, 31) for y in DEC}
    assert set(table.dates()) == expected
    assert table.dates() == sorted(expected)


@pytest.mark.parametrize("date", [dt.date(y, 11, 1) for y in NOV] + [dt.date(y, 12, 31) for y in DEC], ids=str)
def test_every_shipped_date_has_21_counties_and_a_source(date: dt.date) -> None:
    table = load_population()
    vec = table.vector(date)
    assert len(vec) == 21
    assert all(isinstance(v, int) and v > 0 for v in vec)
    assert table.total(date) == sum(vec)
    assert 9_000_000 < table.total(date) < 11_000_000
    assert table.source(date)
    # Stockholm is the largest county, Gotland the smallest, every year.
    assert max(vec) == table.population("Stockholm", date)
    assert min(vec) == table.population("Gotland", date)


def test_scb_year_end_totals() -> None:
    """The README: the national totals equal SCB's published ones."""
    table = load_population()
    assert table.total("2010-12-31") == 9_415_570
    assert table.total("2019-12-31") == 10_327_589


def test_2016_vector() -> None:
    table = load_population()
    assert table.total(2016) == 9_967_637
    assert table.population("01", 2016) == 2_264_111
    assert table.population("Gotland", 2016) == 57_834
    assert table.share("Gotland", 2016) == Fraction(57_834, 9_967_637)
    assert sum(table.share(r, 2016) for r in REGIONS) == 1


def test_1_november_differs_from_31_december() -> None:
    table = load_population()
    assert table.vector(2016) != table.vector("2016-12-31")
    assert table.has(2016) and table.has("2016-12-31")
    assert not table.has(2017)


@pytest.mark.parametrize(("year", "pot"), [(2016, 300_000_000), (2019, 500_000_000)])
def test_published_pots_reconcile(year: int, pot: int) -> None:
    """The README: the 2016 vector reproduces the 300 Mkr 2017 payment and the 2019 vector
    Försäkringskassan's 500 000 000 kr villkor 3 2020 split, amount = round(pot × pop / Σpop).
    Kronor rounding must land within ±10 kr of the pot; largest-remainder exactly on it."""
    exact = population_share(pot, load_population().vector(year))
    kronor = apply_rounding(exact, "kronor")
    assert abs(sum(kronor) - pot) <= 10
    assert sum(apply_rounding(exact, "largest-remainder")) == pot
    # Each region's kronor amount is its exact share rounded (never more than 0,50 kr off).
    assert all(abs(k - e) <= Fraction(1, 2) for k, e in zip(kronor, exact, strict=True))


@pytest.mark.parametrize("when", [2017, 2018, 2025, "2020-12-31"])
def test_missing_year_names_the_years_that_exist(when: object) -> None:
    table = load_population()
    with pytest.raises(PopulationDataError) as info:
        table.vector(when)
    message = str(info.value)
    assert "\n" not in message
    for year in NOV:
        assert str(year) in message
    assert "2018-12-31" in message


def test_missing_1_november_suggests_fetching() -> None:
    with pytest.raises(PopulationDataError, match="hamta --ar 2017"):
        load_population().total(2017)


def _by_code(total: int = 10_000_000) -> dict[str, int]:
    base = total // 21
    values = {r.code: base for r in REGIONS}
    values["01"] += total - base * 21
    return values


def test_validate_counties_accepts_21_plausible_counties() -> None:
    validate_counties(_by_code(), dt.date(2017, 11, 1))


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.pop("09"),
        lambda d: d.update({"02": 5}),
        lambda d: d.update({"09": 0}),
        lambda d: d.update({"09": -5}),
        lambda d: d.update({"09": 5.5}),
        lambda d: d.update({"09": True}),
        lambda d: d.update({"01": 100_000_000}),
    ],
)
def test_validate_counties_refuses(change) -> None:  # type: ignore[no-untyped-def]
    data = _by_code()
    change(data)
    with pytest.raises(PopulationDataError):
        validate_counties(data, dt.date(2017, 11, 1))


def test_csv_round_trip(tmp_path: Path) -> None:
    table = PopulationTable()
    date = dt.date(2017, 11, 1)
    table.add(date, _by_code(), "test source")
    path = tmp_path / "sub" / "population.csv"
    write_csv(path, table)
    back = read_csv(path)
    assert back.values == table.values
    assert back.sources == {date: "test source"}
    assert not list(path.parent.glob("*.tmp"))


def test_read_csv_refuses_garbled_row(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("reference_date,county_code,county,population\n2017-11-01,01,Stockholm,many\n",
                    encoding="utf-8")
    with pytest.raises(PopulationDataError, match="line 2"):
        read_csv(path)


def test_read_csv_refuses_conflicting_duplicate(tmp_path: Path) -> None:
    rows = [f"2017-11-01,{code},{r.name},{v}" for (code, v), r in zip(_by_code().items(), REGIONS, strict=True)]
    rows.append("2017-11-01,09,Gotland,1")
    path = tmp_path / "p.csv"
    path.write_text("reference_date,county_code,county,population\n" + "\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(PopulationDataError, match="second, different"):
        read_csv(path)


def test_read_csv_refuses_incomplete_year(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("reference_date,county_code,county,population\n2017-11-01,01,Stockholm,2300000\n",
                    encoding="utf-8")
    with pytest.raises(PopulationDataError, match="incomplete"):
        read_csv(path)


def test_user_file_adds_a_year(tmp_path: Path) -> None:
    table = PopulationTable()
    table.add(dt.date(2017, 11, 1), _by_code(10_100_000), "Hämtad från SCB (test)")
    write_csv(user_data_file(), table)
    loaded = pop.reload_population()
    assert loaded.total(2017) == 10_100_000
    assert loaded.source(2017) == "Hämtad från SCB (test)"
    assert loaded.total(2016) == 9_967_637  # shipped data still there


def test_1nov_2024_is_shipped_as_provisional(tmp_path, monkeypatch):
    from xl_tools.population import load_shipped

    table = load_shipped()
    assert table.total(2024) == 10_587_140
    assert table.is_provisional(2024) and not table.is_provisional(2023)
    assert table.source(2024).startswith("PRELIMINÄR")


@pytest.mark.parametrize("text, expected", [
    ("1 november 2016", dt.date(2016, 11, 1)), ("1 November 2016", dt.date(2016, 11, 1)),
    ("31 dec 2018", dt.date(2018, 12, 31)), ("31 december 2018", dt.date(2018, 12, 31)),
    ("1 nov. 2019", dt.date(2019, 11, 1)), (" 1  november   2020 ", dt.date(2020, 11, 1)),
])
def test_dates_as_the_tool_writes_them(text: str, expected: dt.date) -> None:
    from xl_tools.population import describe_date, to_reference_date

    assert to_reference_date(text) == expected
    assert to_reference_date(describe_date(expected)) == expected


@pytest.mark.parametrize("text", ["31 november 2016", "1 brumaire 2016", "november 2016", "1 november"])
def test_written_dates_that_are_not_dates_are_refused(text: str) -> None:
    from xl_tools.population import to_reference_date

    with pytest.raises(PopulationDataError):
        to_reference_date(text)
