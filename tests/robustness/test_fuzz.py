"""Property-based fuzzing of every parser of user input outside the auditor.

Each property: whatever the input, the parser returns a valid value or raises
:class:`~xl_tools.errors.XlToolsError` with a one-line message — never another exception, never
slowly (hypothesis' per-example deadline), never a wrong kind of value.
"""

from __future__ import annotations

import datetime as dt
import json
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.robustness.harness import REPO
from xl_tools import scb
from xl_tools.errors import XlToolsError
from xl_tools.followup.compilation import load_compilation
from xl_tools.followup.importer import parse_reports
from xl_tools.money import MAX_AMOUNT, format_kr, parse_amount
from xl_tools.population import to_reference_date
from xl_tools.regions import REGIONS, Region, resolve_region
from xl_tools.udfs import ERROR_PREFIX, FK_ANDEL, FK_FORDELA, FK_KONTAKTER

# Subprocesses under time and memory caps: the slow tier (left out by make test-fast).
pytestmark = pytest.mark.slow

FUZZ = settings(max_examples=300, deadline=500, suppress_health_check=[HealthCheck.too_slow])

NUMBER_ALPHABET = "0123456789 ,.'_e-+E\u00a0²³¹⁰٣۴" + "kr Mkrmdtusenmiljonerkronor"
number_texts = st.one_of(
    st.text(alphabet=NUMBER_ALPHABET, max_size=40),
    st.from_regex(r"\A[+-]?[0-9]{1,25}([ ,.][0-9]{1,4}){0,4}(e[+-]?[0-9]{1,12})?( ?(kr|Mkr|mdkr|tkr))?\Z"),
    st.text(max_size=60),
)
spreadsheet_values = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True), number_texts,
)


def _one_line(exc: Exception) -> None:
    assert isinstance(exc, XlToolsError), repr(exc)
    assert "\n" not in str(exc)


@FUZZ
@given(spreadsheet_values)
@example("1e-999999999")  # the probe's cases (D1, A24), kept as fixed examples
@example("²")
@example("9" * 100_000)
def test_parse_amount(value: object) -> None:
    try:
        amount = parse_amount(value)
    except Exception as exc:  # noqa: BLE001 - the property is about which exceptions
        _one_line(exc)
        return
    assert isinstance(amount, Fraction) and 0 <= amount <= MAX_AMOUNT and (amount * 100).denominator == 1


@FUZZ
@given(st.integers(min_value=0, max_value=MAX_AMOUNT * 100))
def test_amounts_round_trip_through_the_swedish_format(ore: int) -> None:
    amount = Fraction(ore, 100)
    assert parse_amount(format_kr(amount, 2)) == amount


@FUZZ
@given(spreadsheet_values)
@example("1e99999999")  # P01
@example("1,000")  # I09
@example(1e300)  # I11
@example(9007199254740993)  # I12
def test_parse_count(value: object) -> None:
    from xl_tools.money import MAX_COUNT, parse_count

    try:
        count = parse_count(value)
    except Exception as exc:  # noqa: BLE001
        _one_line(exc)
        return
    assert count is None or (isinstance(count, int) and 0 <= count <= MAX_COUNT)


@FUZZ
@given(st.one_of(spreadsheet_values, st.dates(), st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")))
@example("²⁰¹⁶")  # Y06
@example("9" * 5000)  # Y08
def test_years_and_dates(value: object) -> None:
    try:
        date = to_reference_date(value)
    except Exception as exc:  # noqa: BLE001
        _one_line(exc)
        return
    assert isinstance(date, dt.date)


region_texts = st.one_of(
    st.text(max_size=80),
    st.sampled_from([r.name for r in REGIONS]).map(lambda n: n.upper()),
    st.builds(lambda n, junk: n[: len(n) // 2] + junk, st.sampled_from([r.name for r in REGIONS]), st.text(max_size=4)),
    st.text(alphabet="0123456789²¹ ", max_size=6),
    st.integers(), st.floats(), st.none(), st.booleans(),
)


@FUZZ
@given(region_texts)
@example("²")  # C09
@example("a" * 131_072)  # L01
def test_region_strings(value: object) -> None:
    try:
        region = resolve_region(value)
    except Exception as exc:  # noqa: BLE001
        _one_line(exc)
        return
    assert isinstance(region, Region)


COMPILATION = load_compilation(REPO / "templates" / "villkor3-sammanstallning-2020.toml")
csv_bytes = st.one_of(
    st.binary(max_size=2000),
    st.lists(st.lists(st.one_of(st.sampled_from(["Region", "Privat KBT", "Kvinnor MMR nivå 1", "Norrbotten", "VGR",
                                                   "1 000", "1,000", "12,0", "-3", "x", "", "Summa"]),
                                number_texts), max_size=6), max_size=25)
    .map(lambda rows: "\n".join(";".join(r) for r in rows).encode(
        "utf-8")),
)


@FUZZ
@given(csv_bytes)
@example(b"Region;Privat KBT\nNorrbotten;5\n\x81\x8d\x8f\x90\x9d\n")  # I17
@example(b"Region;Privat KBT\nNorrbotten;" + b"1" * 200_000 + b"\n")  # I30
@example(b"Region;Privat KBT\nNorrbotten;1,000\n")  # I09
def test_csv_reports(data: bytes) -> None:
    from xl_tools.followup.importer import parse_csv_bytes

    try:
        rows = parse_csv_bytes(data, "fuzz.csv")
        result = parse_reports(rows, COMPILATION, 2020, "fuzz.csv")
    except Exception as exc:  # noqa: BLE001
        _one_line(exc)
        return
    assert result.regions and all(isinstance(v, int) and v >= 0 for c in result.regions.values() for v in c.values())


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=8)),
    lambda children: st.one_of(st.lists(children, max_size=5), st.dictionaries(st.text(max_size=6), children,
                                                                                 max_size=5)),
    max_leaves=30,
)
VALID = json.loads((REPO / "tests" / "fixtures" / "scb" / "TAB1267_data_2017.json").read_text(encoding="utf-8"))


def _mutated(draw_value: object, key: str) -> dict:
    data = json.loads(json.dumps(VALID))
    data[key] = draw_value
    return data


scb_answers = st.one_of(
    json_values,
    st.builds(_mutated, json_values, st.sampled_from(["id", "size", "value", "dimension", "role"])),
    st.builds(lambda values: {**VALID, "value": values},
              st.lists(st.one_of(st.integers(), st.floats(), st.text(max_size=5), st.none()), min_size=42,
                       max_size=42)),
)


@FUZZ
@given(scb_answers)
@example({**VALID, "value": ["nan", *VALID["value"][1:]]})  # N_nan
@example({**VALID, "value": ["inf", *VALID["value"][1:]]})  # N_inf
@example({**VALID, "size": [21, 5000, 5000], "id": ["Region", "A", "B"]})  # N_manycats5000
def test_scb_answers(data: object) -> None:
    try:
        if not isinstance(data, dict):
            raise scb.ScbError("not a dataset")
        by_code = scb.parse_counties(data, "fuzz", 2017)
    except Exception as exc:  # noqa: BLE001
        _one_line(exc)
        return
    assert all(isinstance(v, int) for v in by_code.values())


@FUZZ
@given(st.binary(max_size=500))
@example(b"[" * 200_000 + b"]" * 200_000)  # N_deepjson
@example(b'{"value": [' + b"9" * 5000 + b"]}")  # N_bigint
@example(b'{"value": [NaN, Infinity]}')  # N_nan, N_inf
def test_scb_bodies(body: bytes) -> None:
    try:
        scb.parse_json(body, "fuzz")
    except Exception as exc:  # noqa: BLE001
        _one_line(exc)


cells = st.one_of(spreadsheet_values, st.dates())


@FUZZ
@given(cells, cells, cells, st.one_of(st.none(), st.sampled_from(["kronor", "largest-remainder", "none", "x"])))
@example("Norrbotten", "1e-999999999", 2016, None)  # P02
@example("Norrbotten", "100,50", 2016, "largest-remainder")  # P05
def test_udfs_never_raise(region: object, pot: object, year: object, rounding: object) -> None:
    for result in (FK_ANDEL(region, pot, year, rounding), FK_FORDELA(pot, year, rounding)[0][0],
                   FK_KONTAKTER([region] * 21, pot, 3000, year, rounding)[0][0]):
        assert isinstance(result, (int, float)) or (isinstance(result, str) and result.startswith(ERROR_PREFIX)
                                                    and "\n" not in result)
