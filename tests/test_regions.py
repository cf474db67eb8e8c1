"""The 21 regions and every name people type for them."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xl_tools.errors import UnknownRegionError
from xl_tools.regions import BY_CODE, REGIONS, Region, closest_regions, resolve_region

# Länskod, länsbokstav, short name, official county name, the region's own name
# (2019 and later) — from SCB's county list and the regions' own web sites.
EXPECTED = [
    ("01", "AB", "Stockholm", "Stockholms län", "Region Stockholm"),
    ("03", "C", "Uppsala", "Uppsala län", "Region Uppsala"),
    ("04", "D", "Södermanland", "Södermanlands län", "Region Sörmland"),
    ("05", "E", "Östergötland", "Östergötlands län", "Region Östergötland"),
    ("06", "F", "Jönköping", "Jönköpings län", "Region Jönköpings län"),
    ("07", "G", "Kronoberg", "Kronobergs län", "Region Kronoberg"),
    ("08", "H", "Kalmar", "Kalmar län", "Region Kalmar län"),
    ("09", "I", "Gotland", "Gotlands län", "Region Gotland"),
    ("10", "K", "Blekinge", "Blekinge län", "Region Blekinge"),
    ("12", "M", "Skåne", "Skåne län", "Region Skåne"),
    ("13", "N", "Halland", "Hallands län", "Region Halland"),
    ("14", "O", "Västra Götaland", "Västra Götalands län", "Västra Götalandsregionen"),
    ("17", "S", "Värmland", "Värmlands län", "Region Värmland"),
    ("18", "T", "Örebro", "Örebro län", "Region Örebro län"),
    ("19", "U", "Västmanland", "Västmanlands län", "Region Västmanland"),
    ("20", "W", "Dalarna", "Dalarnas län", "Region Dalarna"),
    ("21", "X", "Gävleborg", "Gävleborgs län", "Region Gävleborg"),
    ("22", "Y", "Västernorrland", "Västernorrlands län", "Region Västernorrland"),
    ("23", "Z", "Jämtland", "Jämtlands län", "Region Jämtland Härjedalen"),
    ("24", "AC", "Västerbotten", "Västerbottens län", "Region Västerbotten"),
    ("25", "BD", "Norrbotten", "Norrbottens län", "Region Norrbotten"),
]


def _strip_diacritics(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def test_there_are_21_regions_in_lanskod_order() -> None:
    assert len(REGIONS) == 21
    assert [r.code for r in REGIONS] == [e[0] for e in EXPECTED]
    assert list(BY_CODE) == [e[0] for e in EXPECTED]
    assert all(BY_CODE[r.code] is r for r in REGIONS)


@pytest.mark.parametrize("row", EXPECTED, ids=[e[2] for e in EXPECTED])
def test_region_metadata(row: tuple[str, str, str, str, str]) -> None:
    code, letter, name, county, region_name = row
    r = BY_CODE[code]
    assert (r.code, r.letter, r.name, r.county, r.region_name) == row
    assert str(r) == name


def _forms(row: tuple[str, str, str, str, str]) -> list[object]:
    code, letter, name, county, region_name = row
    forms: list[object] = [code, str(int(code)), int(code), float(int(code)), letter, name, county, region_name]
    r = BY_CODE[code]
    forms += list(r.aliases)
    forms += [f"{code} {county}"]  # as SCB's tables write it: "01 Stockholms län"
    for text in (name, county, region_name):
        forms += [text.upper(), text.lower(), _strip_diacritics(text), _strip_diacritics(text).upper(),
                  f"  {text}  "]
    forms += [letter.lower(), f"Region {name}", f"Landstinget {name}", f"{name} län"]
    return forms


@pytest.mark.parametrize("row", EXPECTED, ids=[e[2] for e in EXPECTED])
def test_every_form_of_every_region_resolves(row: tuple[str, str, str, str, str]) -> None:
    region = BY_CODE[row[0]]
    for form in _forms(row):
        assert resolve_region(form) is region, form


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Stockholms län", "01"),
        ("Region Stockholm", "01"),
        ("Stockholm", "01"),
        ("01", "01"),
        ("1", "01"),
        ("AB", "01"),
        ("ab", "01"),
        ("SLL", "01"),
        ("Sörmland", "04"),
        ("Sormland", "04"),
        ("Landstinget Sörmland", "04"),
        ("Jämtland Härjedalen", "23"),
        ("Jamtland-Harjedalen", "23"),
        ("Härjedalen", "23"),
        ("Norrbottn", "25"),
        ("Orebro", "18"),
        ("örebro län", "18"),
        ("ÖREBRO", "18"),
        ("VGR", "14"),
        ("Västra Götalandsregionen", "14"),
        ("Västra Götalands", "14"),
        ("Jönköpings", "06"),
        ("Gotlands", "09"),
        ("Dalarna, Region", "20"),
        ("Landstinget i Uppsala län", "03"),
        ("Västerbottens läns landsting", "24"),
        ("25 Norrbottens län", "25"),
        ("01 - Stockholms län", "01"),
        (14, "14"),
        (1.0, "01"),
    ],
)
def test_names_people_type(text: object, code: str) -> None:
    assert resolve_region(text).code == code


def test_region_object_passes_through() -> None:
    assert resolve_region(REGIONS[3]) is REGIONS[3]


REALISTIC_MISSPELLINGS = [
    ("Norrbottn", "25"), ("Norbotten", "25"), ("Norrbotn", "25"),
    ("Vasterbotn", "24"), ("Västerbottn", "24"), ("Västerbotton", "24"), ("Vesterbotten", "24"),
    ("Västmanlnd", "19"), ("Vestmanland", "19"),
    ("Värmlnd", "17"), ("Vermland", "17"),
    ("Stokholm", "01"), ("Upsala", "03"), ("Uppsla", "03"),
    ("Ostergotland", "05"), ("Östergötlnad", "05"),
    ("Jönköpng", "06"), ("Jonkoping", "06"),
    ("Kronberg", "07"), ("Kalmer", "08"), ("Kalmr", "08"),
    ("Gottland", "09"), ("Gotlnd", "09"), ("Blekinje", "10"),
    ("Skaane", "12"), ("Skone", "12"), ("Hallnd", "13"),
    ("Västra Götland", "14"), ("Vastra gotaland", "14"),
    ("Örebor", "18"), ("Dalarana", "20"), ("Dalarn", "20"),
    ("Gävelborg", "21"), ("Västernorland", "22"), ("Västernorrlnd", "22"),
    ("Jämtlnd", "23"), ("Södermannland", "04"), ("Sodermanland", "04"),
    ("Region Västerbottn", "24"), ("Landstinget i Värmlnd", "17"),
]


@pytest.mark.parametrize(("text", "code"), REALISTIC_MISSPELLINGS)
def test_realistic_misspellings_resolve_to_the_right_region(text: str, code: str) -> None:
    assert resolve_region(text).code == code


NOT_A_REGION = [
    "Västra",  # part of Västra Götaland — but also begins Västernorrland, Västmanland...
    "Botten",  # Norrbotten or Västerbotten
    "Väster",
    "Norr",
    "Östra",
    "Götaland",  # a landsdel; close to Gotland and part of Västra Götaland
    "Västergötland",  # a province, close to Östergötland: must not become Östergötland
    "Östra Götaland",
    "Norrland",
    "Norrbotten Västerbotten",
    "Sverige",
    "Gävle",  # a city
    "Göteborg",
    "Malmö",
    "Västerås",
    "Kristianstad",  # former county 11
    "Skaraborg",  # former county 16
    "Älvsborg",  # former county 15
    "Kopparberg",  # Dalarna's former name, too close to Kronoberg to guess
    "Region",
    "län",
    "Landstinget",
    "02",
    "11",
    "26",
    "0",
    "00",
    "0001",
    0,
    -1,
    26,
    1.5,
    True,
    None,
    "",
    "   ",
    ["01"],
]


@pytest.mark.parametrize("text", NOT_A_REGION, ids=repr)
def test_not_a_region_is_an_error_not_a_guess(text: object) -> None:
    with pytest.raises(UnknownRegionError) as info:
        resolve_region(text)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Botten", {"Norrbotten", "Västerbotten"}),
        ("Västra", {"Västra Götaland"}),
        ("Götaland", {"Västra Götaland", "Gotland"}),
        ("Västergötland", {"Östergötland", "Västra Götaland"}),
        ("Norrbottten x", {"Norrbotten"}),
    ],
)
def test_unknown_name_lists_the_closest_matches(text: str, expected: set[str]) -> None:
    with pytest.raises(UnknownRegionError) as info:
        resolve_region(text)
    message = str(info.value)
    assert "Did you mean" in message
    for name in expected:
        assert name in message


def test_contradictory_code_and_name_is_an_error() -> None:
    with pytest.raises(UnknownRegionError, match="contradictory"):
        resolve_region("01 Uppsala län")


def test_unknown_code_lists_the_codes() -> None:
    with pytest.raises(UnknownRegionError) as info:
        resolve_region("02")
    assert "25" in str(info.value) and "01" in str(info.value)


def test_closest_regions() -> None:
    assert closest_regions("Norrbote", 2)[0] == "Norrbotten"
    assert len(closest_regions("xyz", 3)) == 3


def _one_slip(word: str) -> set[str]:
    """Every deletion, doubling and swap of neighbours in ``word``."""
    out = set()
    for i in range(len(word)):
        out.add(word[:i] + word[i + 1:])
        out.add(word[:i] + word[i] + word[i:])
        if i + 1 < len(word):
            out.add(word[:i] + word[i + 1] + word[i] + word[i + 2:])
    out.discard(word)
    return out


@pytest.mark.parametrize("region", REGIONS, ids=str)
def test_a_typing_slip_never_gives_another_region(region: Region) -> None:
    """Exhaustive over deletions, doublings and swaps: right region or an error, never wrong."""
    for typo in _one_slip(region.name):
        try:
            got = resolve_region(typo)
        except UnknownRegionError:
            continue
        assert got is region, (typo, got.name)


@settings(max_examples=150, deadline=None)
@given(
    region=st.sampled_from(REGIONS),
    form=st.sampled_from(["name", "county", "region_name"]),
    position=st.integers(min_value=0, max_value=40),
    letter=st.sampled_from("abcdefghijklmnopqrstuvwxyzåäö"),
)
def test_a_wrong_letter_never_gives_another_region(region: Region, form: str, position: int,
                                                   letter: str) -> None:
    text = getattr(region, form)
    i = position % len(text)
    typo = text[:i] + letter + text[i + 1:]
    try:
        got = resolve_region(typo)
    except UnknownRegionError:
        return
    assert got is region, (typo, got.name)
