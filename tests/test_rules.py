"""The allocation rules of the agreement, checked with the agreement's own numbers.

Överenskommelsen 2017–2018 (sjukskrivningsmiljarden): villkor 1 is 150 Mkr and villkor 2
420 Mkr "i förhållande till befolkningsmängd den 1 november 2016", paid if the villkor
is met; villkor 3 is 500 Mkr by population plus 50 Mkr at 3 000 kr per patient contact,
each region at most its population share first, unused money to those who did more.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from xl_tools.engine.rules import (
    Allocation,
    allocate,
    per_unit_capped,
    population_share,
    share_if_qualified,
    shared_among_qualified,
)
from xl_tools.errors import XlToolsError
from xl_tools.population import load_population
from xl_tools.regions import REGIONS

POP_2016 = load_population().vector(2016)  # befolkningsmängd 1 november 2016, länskod order
TOTAL_2016 = sum(POP_2016)
GOTLAND = [r.code for r in REGIONS].index("09")
STOCKHOLM = [r.code for r in REGIONS].index("01")

VILLKOR_1 = 150_000_000
VILLKOR_2 = 420_000_000
VILLKOR_3 = 500_000_000
CONTACT_POT = 50_000_000
PER_CONTACT = 3_000


def test_the_2016_vector_is_the_21_counties() -> None:
    assert len(POP_2016) == 21
    assert TOTAL_2016 == 9_967_637
    assert POP_2016[STOCKHOLM] == 2_264_111
    assert POP_2016[GOTLAND] == 57_834


# --- population_share ---------------------------------------------------------------


@pytest.mark.parametrize("pot", [VILLKOR_1, VILLKOR_2, VILLKOR_3, CONTACT_POT, 100_000_000])
def test_population_share_sums_exactly_to_the_pot(pot: int) -> None:
    shares = population_share(pot, POP_2016)
    assert sum(shares) == pot
    assert all(isinstance(s, Fraction) for s in shares)
    assert shares[STOCKHOLM] == Fraction(pot * 2_264_111, 9_967_637)


def test_population_share_of_100_mkr_2016() -> None:
    """The issue's example: Stockholm 22 714 xxx kr, Gotland 580 xxx kr."""
    shares = population_share(100_000_000, POP_2016)
    assert 22_714_000 <= shares[STOCKHOLM] < 22_715_000
    assert 580_000 <= shares[GOTLAND] < 581_000


def test_population_share_keeps_ore() -> None:
    shares = population_share(Fraction(10050, 100), [1, 1])
    assert shares == [Fraction(201, 4), Fraction(201, 4)]


@pytest.mark.parametrize("pops", [[], [0, 5], [-1, 5], [1.5, 2], [True, 3]])
def test_population_share_refuses_bad_populations(pops: list[object]) -> None:
    with pytest.raises(XlToolsError):
        population_share(100, pops)  # type: ignore[arg-type]


@pytest.mark.parametrize("pot", [-1, 1.5, "100"])
def test_population_share_refuses_bad_pot(pot: object) -> None:
    with pytest.raises(XlToolsError):
        population_share(pot, [1, 2])  # type: ignore[arg-type]


# --- share_if_qualified (villkor 1 and 2) --------------------------------------------


def test_villkor_1_all_met_is_the_population_share() -> None:
    assert share_if_qualified(VILLKOR_1, POP_2016, [True] * 21) == population_share(VILLKOR_1, POP_2016)


def test_villkor_2_one_region_not_met_is_not_redistributed() -> None:
    met = [True] * 21
    met[GOTLAND] = False
    paid = share_if_qualified(VILLKOR_2, POP_2016, met)
    full = population_share(VILLKOR_2, POP_2016)
    assert paid[GOTLAND] == 0
    for i in range(21):
        if i != GOTLAND:
            assert paid[i] == full[i]  # the others get exactly what they would have
    assert sum(paid) == VILLKOR_2 - Fraction(VILLKOR_2 * 57_834, TOTAL_2016)


def test_share_if_qualified_none_met_pays_nothing() -> None:
    assert sum(share_if_qualified(VILLKOR_1, POP_2016, [False] * 21)) == 0


@pytest.mark.parametrize("flags", [["ja"] * 21, ["nej"] * 21, [None] * 21, [2] * 21])
def test_met_must_be_true_or_false_not_text(flags: list[object]) -> None:
    """'nej' is truthy in Python: it must be refused, not paid."""
    with pytest.raises(XlToolsError):
        share_if_qualified(VILLKOR_1, POP_2016, flags)  # type: ignore[arg-type]
    with pytest.raises(XlToolsError):
        shared_among_qualified(VILLKOR_1, POP_2016, flags)  # type: ignore[arg-type]


def test_met_accepts_zero_and_one() -> None:
    flags = [1] * 21
    flags[GOTLAND] = 0
    assert share_if_qualified(VILLKOR_1, POP_2016, flags)[GOTLAND] == 0


def test_one_flag_per_region() -> None:
    with pytest.raises(XlToolsError, match="21"):
        share_if_qualified(VILLKOR_1, POP_2016, [True] * 20)


# --- shared_among_qualified (villkor 4's delvillkor) ----------------------------------


def test_shared_among_qualified_all_met_is_population_share() -> None:
    assert shared_among_qualified(CONTACT_POT, POP_2016, [True] * 21) == population_share(CONTACT_POT, POP_2016)


def test_shared_among_qualified_gives_the_whole_pot_to_those_who_met_it() -> None:
    met = [True] * 21
    met[STOCKHOLM] = False
    paid = shared_among_qualified(CONTACT_POT, POP_2016, met)
    assert paid[STOCKHOLM] == 0
    assert sum(paid) == CONTACT_POT
    denominator = TOTAL_2016 - 2_264_111
    assert paid[GOTLAND] == Fraction(CONTACT_POT * 57_834, denominator)
    # Everyone who met it gets more than their plain population share.
    full = population_share(CONTACT_POT, POP_2016)
    assert all(paid[i] > full[i] for i in range(21) if i != STOCKHOLM)


def test_shared_among_qualified_only_one_region_gets_everything() -> None:
    met = [False] * 21
    met[GOTLAND] = True
    paid = shared_among_qualified(CONTACT_POT, POP_2016, met)
    assert paid[GOTLAND] == CONTACT_POT
    assert sum(paid) == CONTACT_POT


def test_shared_among_qualified_none_met_pays_nothing() -> None:
    assert shared_among_qualified(CONTACT_POT, POP_2016, [False] * 21) == [0] * 21


# --- per_unit_capped (villkor 3's 3 000 kr per contact out of 50 Mkr) -----------------


def _caps(pot: int = CONTACT_POT) -> list[Fraction]:
    return population_share(pot, POP_2016)


def test_per_unit_capped_under_the_caps_pays_each_contact() -> None:
    units = [100] * 21  # 300 000 kr each: under every tak except Gotland's (about 290 112 kr)
    units[GOTLAND] = 10
    assert all(u * PER_CONTACT <= c for u, c in zip(units, _caps(), strict=True))
    paid = per_unit_capped(CONTACT_POT, POP_2016, units, PER_CONTACT)
    assert paid == [Fraction(u * PER_CONTACT) for u in units]
    assert sum(paid) == sum(units) * PER_CONTACT < CONTACT_POT  # the rest is not paid out


def test_per_unit_capped_one_big_region_gets_the_unused_money() -> None:
    """Stockholm's tak is 50 Mkr × 22,7 % ≈ 11,36 Mkr (3 785 contacts). With 10 000 contacts
    (30 Mkr) and nobody else reporting any, the unused money pays all of Stockholm's contacts."""
    units = [0] * 21
    units[STOCKHOLM] = 10_000
    paid = per_unit_capped(CONTACT_POT, POP_2016, units, PER_CONTACT)
    assert paid[STOCKHOLM] == 30_000_000
    assert sum(paid) == 30_000_000


def test_per_unit_capped_over_the_pot_uses_all_of_it_and_respects_the_caps() -> None:
    """Every region reports 1 000 contacts (3 Mkr each, 63 Mkr in all, more than 50 Mkr).
    Regions whose tak is under 3 Mkr get their tak plus a share of the unused money
    proportional to the contacts they were not yet paid for; the large regions (tak over
    3 Mkr) get exactly 3 Mkr."""
    units = [1000] * 21
    paid = per_unit_capped(CONTACT_POT, POP_2016, units, PER_CONTACT)
    caps = _caps()
    assert sum(paid) == CONTACT_POT
    under = [i for i in range(21) if caps[i] >= 3_000_000]
    over = [i for i in range(21) if caps[i] < 3_000_000]
    assert under and over
    for i in under:
        assert paid[i] == 3_000_000
    unused = CONTACT_POT - sum(min(caps[i], 3_000_000) for i in range(21))
    excess = {i: 3_000_000 - caps[i] for i in over}
    for i in over:
        assert caps[i] < paid[i] < 3_000_000
        assert paid[i] == caps[i] + unused * excess[i] / sum(excess.values())


def test_per_unit_capped_everyone_above_the_tak_gets_exactly_the_tak() -> None:
    """If every region did more contacts than its tak pays for, no money is unused: each
    region gets exactly its population share ('högst landstingets andel')."""
    units = [20_000] * 21
    paid = per_unit_capped(CONTACT_POT, POP_2016, units, PER_CONTACT)
    caps = _caps()
    assert sum(paid) == CONTACT_POT
    assert paid == caps


def test_per_unit_capped_zero_contacts_pays_nothing() -> None:
    assert sum(per_unit_capped(CONTACT_POT, POP_2016, [0] * 21, PER_CONTACT)) == 0


@pytest.mark.parametrize("bad", [-1, 1.5, True, "12", None])
def test_per_unit_capped_refuses_bad_units(bad: object) -> None:
    units: list[object] = [0] * 21
    units[3] = bad
    with pytest.raises(XlToolsError):
        per_unit_capped(CONTACT_POT, POP_2016, units, PER_CONTACT)  # type: ignore[arg-type]


@pytest.mark.parametrize(("pot", "rate"), [(-1, 3000), (CONTACT_POT, -1), (CONTACT_POT, 0.5)])
def test_per_unit_capped_refuses_bad_pot_or_rate(pot: object, rate: object) -> None:
    with pytest.raises(XlToolsError):
        per_unit_capped(pot, POP_2016, [0] * 21, rate)  # type: ignore[arg-type]


# Invariants of our interpretation (rules.per_unit_capped's docstring), by hypothesis.

populations = st.lists(st.integers(min_value=1, max_value=3_000_000), min_size=1, max_size=21)


@st.composite
def cases(draw: st.DrawFn) -> tuple[Fraction, list[int], list[int], Fraction]:
    pops = draw(populations)
    units = draw(st.lists(st.integers(min_value=0, max_value=30_000), min_size=len(pops), max_size=len(pops)))
    pot = draw(st.one_of(st.integers(min_value=0, max_value=100_000_000),
                         st.fractions(min_value=0, max_value=10**8, max_denominator=100)))
    rate = draw(st.sampled_from([Fraction(3000), Fraction(1), Fraction(250050, 100), Fraction(0)]))
    return Fraction(pot), pops, units, rate


@given(cases())
def test_per_unit_capped_invariants(case: tuple[Fraction, list[int], list[int], Fraction]) -> None:
    pot, pops, units, rate = case
    paid = per_unit_capped(pot, pops, units, rate)
    caps = population_share(pot, pops)
    demand = [u * rate for u in units]
    assert sum(paid) == min(pot, sum(demand))
    for p, d, c in zip(paid, demand, caps, strict=True):
        assert 0 <= p <= d
        assert p >= min(d, c)
        if d <= c:
            assert p == d
    if sum(demand) >= pot:
        assert sum(paid) == pot


@given(cases(), st.data())
def test_per_unit_capped_is_monotone_in_own_units(case: tuple[Fraction, list[int], list[int], Fraction],
                                                  data: st.DataObject) -> None:
    pot, pops, units, rate = case
    i = data.draw(st.integers(min_value=0, max_value=len(pops) - 1))
    more = list(units)
    more[i] += data.draw(st.integers(min_value=1, max_value=5_000))
    assert per_unit_capped(pot, pops, more, rate)[i] >= per_unit_capped(pot, pops, units, rate)[i]


@given(cases(), st.data())
def test_per_unit_capped_others_doing_more_never_helps_me(case: tuple[Fraction, list[int], list[int], Fraction],
                                                          data: st.DataObject) -> None:
    pot, pops, units, rate = case
    assume(len(pops) >= 2)
    i = data.draw(st.integers(min_value=0, max_value=len(pops) - 1))
    j = (i + 1) % len(pops)
    more = list(units)
    more[j] += data.draw(st.integers(min_value=1, max_value=5_000))
    assert per_unit_capped(pot, pops, more, rate)[i] <= per_unit_capped(pot, pops, units, rate)[i]


@given(populations, st.integers(min_value=0, max_value=10**10))
def test_population_share_invariants(pops: list[int], pot: int) -> None:
    shares = population_share(pot, pops)
    assert sum(shares) == pot
    for a, pa in zip(shares, pops, strict=True):
        assert a >= 0
        for b, pb in zip(shares, pops, strict=True):
            if pa > pb:
                assert a >= b


@given(populations, st.integers(min_value=0, max_value=10**10), st.data())
def test_shared_among_qualified_invariants(pops: list[int], pot: int, data: st.DataObject) -> None:
    met = data.draw(st.lists(st.booleans(), min_size=len(pops), max_size=len(pops)))
    paid = shared_among_qualified(pot, pops, met)
    assert sum(paid) == (pot if any(met) else 0)
    assert all(p == 0 for p, q in zip(paid, met, strict=True) if not q)
    kept = share_if_qualified(pot, pops, met)
    assert all(k <= p for k, p in zip(kept, paid, strict=True))  # sharing never pays less


# --- allocate / Allocation ------------------------------------------------------------


def test_allocate_kronor_100_mkr_2016_reconciles_within_a_few_kronor() -> None:
    a = allocate(population_share(100_000_000, POP_2016), "kronor")
    assert isinstance(a, Allocation)
    assert a.rounding == "kronor"
    assert a.target == 100_000_000
    assert a.amounts[STOCKHOLM] == 22_714_621
    assert a.amounts[GOTLAND] == 580_218
    assert a.total == 99_999_999
    assert a.difference == -1


def test_allocate_largest_remainder_reconciles_exactly() -> None:
    a = allocate(population_share(100_000_000, POP_2016), "largest-remainder")
    assert a.total == 100_000_000
    assert a.difference == 0


def test_allocate_none_is_exact() -> None:
    exact = population_share(100_000_000, POP_2016)
    a = allocate(exact, "none")
    assert list(a.amounts) == exact
    assert a.difference == 0


def test_the_difference_keeps_ore_when_the_pot_has_ore() -> None:
    a = allocate(population_share(Fraction(10050, 100), [1, 1, 1, 1]), "kronor")
    # 4 × 25,125 → 4 × 25 = 100; difference −0,50 kr, not "−1" or "−0".
    assert a.difference == Fraction(-1, 2)


def test_allocate_default_rounding_is_kronor() -> None:
    assert allocate([Fraction(1, 2)]).amounts == (1,)


def test_allocate_refuses_unknown_rounding() -> None:
    with pytest.raises(XlToolsError):
        allocate([Fraction(1)], "bankers")


def test_villkor_3_contact_rule_with_real_caps_and_rounding() -> None:
    """End to end: 1 000 contacts each, rounded to whole kronor, reconciles within ±10 kr;
    largest-remainder gives exactly 50 000 000 kr."""
    exact = per_unit_capped(CONTACT_POT, POP_2016, [1000] * 21, PER_CONTACT)
    assert abs(allocate(exact, "kronor").difference) <= 10
    assert allocate(exact, "largest-remainder").total == CONTACT_POT
