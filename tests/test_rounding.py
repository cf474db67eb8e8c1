"""The named rounding rules: kronor, largest-remainder, none."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xl_tools.engine.rounding import (
    DEFAULT_ROUNDING,
    ROUNDING_RULES,
    apply_rounding,
    largest_remainder,
    normalise_rule,
    round_half_away,
)
from xl_tools.errors import XlToolsError

# Non-negative exact amounts with öre and worse (population shares have any denominator).
amounts = st.fractions(min_value=0, max_value=10**9, max_denominator=10**7)
amount_lists = st.lists(amounts, min_size=1, max_size=25)


def test_default_is_kronor() -> None:
    assert DEFAULT_ROUNDING == "kronor"
    assert set(ROUNDING_RULES) == {"kronor", "largest-remainder", "residual-to-largest", "none"}


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        (None, "kronor"),
        ("", "kronor"),
        ("kronor", "kronor"),
        ("KRONOR", "kronor"),
        (" kr ", "kronor"),
        ("largest-remainder", "largest-remainder"),
        ("largest_remainder", "largest-remainder"),
        ("största-rest", "largest-remainder"),
        ("none", "none"),
        ("exakt", "none"),
    ],
)
def test_normalise_rule(text: object, rule: str) -> None:
    assert normalise_rule(text) == rule


@pytest.mark.parametrize("bad", ["bankers", "round", "half-even", 0])
def test_unknown_rule_is_a_readable_error(bad: object) -> None:
    with pytest.raises(XlToolsError, match="kronor, largest-remainder, residual-to-largest, none"):
        normalise_rule(bad)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Fraction(0), 0),
        (Fraction(1, 2), 1),  # half away from zero, as Excel's ROUND(x;0)
        (Fraction(3, 2), 2),
        (Fraction(5, 2), 3),  # not banker's rounding (Python's round gives 2)
        (Fraction(-1, 2), -1),
        (Fraction(-5, 2), -3),
        (Fraction(49999, 100000), 0),
        (Fraction(2271462133, 100), 22714621),
        (Fraction(-7, 3), -2),
    ],
)
def test_round_half_away(value: Fraction, expected: int) -> None:
    assert round_half_away(value) == expected


@given(st.fractions(min_value=-10**9, max_value=10**9))
def test_round_half_away_is_nearest_and_symmetric(value: Fraction) -> None:
    r = round_half_away(value)
    assert abs(r - value) <= Fraction(1, 2)
    assert round_half_away(-value) == -r
    if abs(r - value) == Fraction(1, 2):
        assert abs(r) > abs(value)


def test_largest_remainder_known_case() -> None:
    # 100 kr over three equal regions: 33,33 each; one krona left, to the first (länskod order).
    third = Fraction(100, 3)
    assert largest_remainder([third, third, third], 100) == [34, 33, 33]
    assert largest_remainder([Fraction(1, 10), Fraction(9, 10), Fraction(1, 2)], 2) == [0, 1, 1]


def test_largest_remainder_unreachable_target_raises() -> None:
    with pytest.raises(ValueError):
        largest_remainder([Fraction(1, 2), Fraction(1, 2)], 5)


@given(amount_lists)
def test_kronor_rule(values: list[Fraction]) -> None:
    out = apply_rounding(values, "kronor")
    assert len(out) == len(values)
    for v, o in zip(values, out, strict=True):
        assert o.denominator == 1
        assert abs(o - v) <= Fraction(1, 2)
        assert o == round_half_away(v)
    # Each region is off by at most half a krona, so the total by at most n/2.
    assert abs(sum(out) - sum(values)) <= Fraction(len(values), 2)


@given(amount_lists)
def test_largest_remainder_rule(values: list[Fraction]) -> None:
    out = apply_rounding(values, "largest-remainder")
    assert sum(out) == round_half_away(sum(values))
    for v, o in zip(values, out, strict=True):
        assert o.denominator == 1
        assert math.floor(v) <= o <= math.ceil(v)
        assert o >= 0


@given(amount_lists)
def test_largest_remainder_hits_exact_integer_total(values: list[Fraction]) -> None:
    """When the exact amounts sum to whole kronor (a pot in kronor), the rounded ones do too."""
    total = sum(values)
    values = [*values, math.ceil(total) - total]  # top up to a whole total
    out = apply_rounding(values, "largest-remainder")
    assert sum(out) == math.ceil(total)


@given(amount_lists)
def test_none_rule_is_exact(values: list[Fraction]) -> None:
    assert apply_rounding(values, "none") == values


@given(amount_lists)
def test_every_rule_is_monotone(values: list[Fraction]) -> None:
    """A larger exact amount never gets fewer kronor than a smaller one in the same split.

    Not residual-to-largest: a negative residual on tiny amounts can take the largest below
    the next (the published method; on real pots the residual is a few kronor of millions)."""
    for rule in set(ROUNDING_RULES) - {"residual-to-largest"}:
        out = apply_rounding(values, rule)
        for i in range(len(values)):
            for j in range(len(values)):
                if values[i] > values[j]:
                    assert out[i] >= out[j], rule


@given(amount_lists)
def test_residual_to_largest_reaches_the_rounded_sum(values: list[Fraction]) -> None:
    out = apply_rounding(values, "residual-to-largest")
    assert sum(out) == round_half_away(sum(values, Fraction(0)))
    half_up = apply_rounding(values, "kronor")
    assert sum(1 for a, b in zip(out, half_up, strict=True) if a != b) <= 1


@given(amount_lists, st.integers(min_value=0, max_value=10))
def test_largest_remainder_with_explicit_target(values: list[Fraction], extra: int) -> None:
    floors = sum(math.floor(v) for v in values)
    ceils = sum(math.ceil(v) for v in values)
    target = min(floors + extra, ceils)
    out = apply_rounding(values, "largest-remainder", target=target)
    assert sum(out) == target


@given(amount_lists)
def test_kronor_rule_is_monotone_in_each_amount(values: list[Fraction]) -> None:
    bigger = [v + Fraction(1, 3) for v in values]
    for rule in ("kronor", "none"):
        assert all(b >= a for a, b in zip(apply_rounding(values, rule), apply_rounding(bigger, rule),
                                          strict=True))


# --- residual-to-largest (half-up, then the residual krona on the largest recipient) ---

def test_residual_to_largest_puts_the_residual_on_the_largest_weight():
    from xl_tools.engine.rounding import residual_to_largest

    values = [Fraction(1, 2), Fraction(1, 2), Fraction(2)]  # half-up: 1 + 1 + 2 = 4
    assert residual_to_largest(values, 3) == [1, 1, 1]
    assert residual_to_largest(values, 3, weights=[5, 1, 1]) == [0, 1, 2]


def test_residual_to_largest_alias_and_exact_sum():
    from xl_tools.engine.rounding import apply_rounding, normalise_rule

    assert normalise_rule("rest-till-storsta") == "residual-to-largest"
    pops = [2264111, 360124, 57834, 250246]
    total = sum(pops)
    exact = [Fraction(1_000_000 * p, total) for p in pops]
    rounded = apply_rounding(exact, "residual-to-largest", target=1_000_000, weights=pops)
    assert sum(rounded) == 1_000_000
    half_up = apply_rounding(exact, "kronor")
    assert [r - h for r, h in zip(rounded, half_up)][1:] == [0, 0, 0]


def test_whole_krona_rules_refuse_a_pot_with_ore():
    import pytest

    from xl_tools.engine.rounding import apply_rounding
    from xl_tools.errors import XlToolsError

    for rule in ("largest-remainder", "residual-to-largest"):
        with pytest.raises(XlToolsError, match="öre"):
            apply_rounding([Fraction(201, 4), Fraction(201, 4)], rule, target=Fraction(201, 2))


def test_fordela_residual_to_largest_sums_to_the_pot_and_refuses_ore():
    import pytest

    from xl_tools import api
    from xl_tools.errors import XlToolsError

    d = api.fordela(100_000_000, 2016, "residual-to-largest")
    assert sum(r.amount for r in d.rows) == 100_000_000
    with pytest.raises(XlToolsError):
        api.fordela("100,50", 2016, "largest-remainder")
