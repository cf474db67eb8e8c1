"""Amounts as people type them, and Swedish formatting."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xl_tools.errors import AmountError
from xl_tools.money import MAX_AMOUNT, format_kr, format_mkr, parse_amount

# The forms the issue lists, plus the ones finance staff paste from documents.
ACCEPTED = [
    (150000000, 150_000_000),
    ("150000000", 150_000_000),
    ("150 000 000", 150_000_000),
    ("150\u00a0000\u00a0000", 150_000_000),  # non-breaking spaces from Word/Excel
    ("150\u202f000\u202f000", 150_000_000),
    ("150e6", 150_000_000),
    ("150E6", 150_000_000),
    ("1,5e6", 1_500_000),
    ("150 Mkr", 150_000_000),
    ("150 mkr", 150_000_000),
    ("150mkr", 150_000_000),
    ("150 Mkr.", 150_000_000),
    ("150 mnkr", 150_000_000),
    ("150 miljoner", 150_000_000),
    ("21,7 miljoner kronor", 21_700_000),
    ("1,5 mdkr", 1_500_000_000),
    ("1.5 mdkr", 1_500_000_000),
    ("1,500 mdkr", 1_500_000_000),
    ("1,5 miljarder kronor", 1_500_000_000),
    ("2 888 000 000", 2_888_000_000),
    ("150 000 000 kr", 150_000_000),
    ("150 kronor", 150),
    ("150 SEK", 150),
    ("150 tkr", 150_000),
    ("3 000", 3000),
    ("1'000'000", 1_000_000),
    ("1.234.567", 1_234_567),
    ("1,234,567", 1_234_567),
    ("1.234,50", Fraction(246_9, 2)),
    ("1,234.50", Fraction(246_9, 2)),
    ("1 234,5", Fraction(246_9, 2)),
    ("150 000 000,50", Fraction(300_000_001, 2)),
    ("3,00", 3),
    ("0,500", Fraction(1, 2)),
    ("  150  ", 150),
    ("0", 0),
    (Decimal("1234.50"), Fraction(2469, 2)),
    (Fraction(2469, 2), Fraction(2469, 2)),
    (1234.5, Fraction(2469, 2)),
    (0.1, Fraction(1, 10)),  # the float's shortest decimal, not its binary value
]


@pytest.mark.parametrize(("text", "expected"), ACCEPTED)
def test_parse_amount_accepts_typed_forms(text: object, expected: Fraction | int) -> None:
    result = parse_amount(text)
    assert result == expected
    assert isinstance(result, Fraction)


REFUSED = [
    "-5",
    "-150 Mkr",
    -1,
    "abc",
    "",
    "   ",
    "150 Mkr extra",
    "150 Mkr 2016",
    "e6",
    ".5",
    "1,,5",
    "1..5",
    "1 5 0",
    "12 34",
    "inf",
    "nan",
    "12,345",  # fractions of an öre, or 12 345 in English: refused either way
    "0,005",
    "1e-3",
    float("nan"),
    float("inf"),
    Fraction(1, 3),
    Decimal("1.005"),
    True,
    None,
    [1],
    "1e999999999",  # must not hang building a huge exact number
    "9" * 5000,
    Decimal("1e999999999"),
    MAX_AMOUNT + 1,
]


@pytest.mark.parametrize("value", REFUSED, ids=lambda v: repr(v)[:30])
def test_parse_amount_refuses_bad_input_with_one_line(value: object) -> None:
    with pytest.raises(AmountError) as info:
        parse_amount(value)
    message = str(info.value)
    assert "\n" not in message
    assert len(message) < 250


@pytest.mark.parametrize("text", ["3,000", "3.000", "100,000", "150.000"])
def test_lone_separator_before_three_digits_is_ambiguous_not_guessed(text: str) -> None:
    """'3,000' is 3 kr in Swedish but 3 000 kr in English: never silently pick one."""
    with pytest.raises(AmountError, match="ambiguous"):
        parse_amount(text)


def test_negative_message_says_positive() -> None:
    with pytest.raises(AmountError, match="negative"):
        parse_amount("-100")


def test_what_names_the_field_in_the_message() -> None:
    with pytest.raises(AmountError, match="rate per contact"):
        parse_amount("x", what="rate per contact")


@given(st.integers(min_value=0, max_value=MAX_AMOUNT))
def test_whole_kronor_round_trip_through_swedish_format(n: int) -> None:
    assert parse_amount(format_kr(n)) == n
    assert parse_amount(str(n)) == n


@given(st.integers(min_value=0, max_value=10**13))
def test_ore_round_trip_through_swedish_format(ore: int) -> None:
    amount = Fraction(ore, 100)
    assert parse_amount(format_kr(amount, 2)) == amount


@pytest.mark.parametrize(
    ("amount", "decimals", "text"),
    [
        (0, 0, "0"),
        (999, 0, "999"),
        (1000, 0, "1 000"),
        (22_714_621, 0, "22 714 621"),
        (-1234, 0, "-1 234"),
        (Fraction(12345, 100), 2, "123,45"),
        (Fraction(2, 3), 2, "0,67"),  # rounded, not truncated
        (Fraction(-2, 3), 2, "-0,67"),
        (Fraction(1, 2), 0, "1"),  # half away from zero
        (Fraction(-1, 2), 0, "-1"),
        (Fraction(-1, 3), 0, "0"),  # no "-0"
        (Fraction(-1, 300), 2, "0,00"),
        (Fraction(1, 200), 2, "0,01"),
    ],
)
def test_format_kr(amount: Fraction | int, decimals: int, text: str) -> None:
    assert format_kr(amount, decimals) == text


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (22_714_621, "22,715"),
        (22_714_500, "22,715"),  # half away from zero, not banker's rounding
        (22_713_500, "22,714"),
        (150_000_000, "150,000"),
        (0, "0,000"),
        (-400, "0,000"),
        (-1_500_000, "-1,500"),
    ],
)
def test_format_mkr(amount: int, text: str) -> None:
    assert format_mkr(amount) == text
