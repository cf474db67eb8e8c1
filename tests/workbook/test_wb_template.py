"""The 2017–2018 agreement template against the agreement's own numbers, and template validation."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path

import pytest
from wb_helpers import AGREEMENT_2017

from xl_tools.agreement import TEMPLATE_DIR, TemplateError, list_templates, load_template

MKR = 1_000_000


def test_tabell_1_totals_to_the_regions(agreement):
    by_year: dict[int, int] = defaultdict(int)
    for p in agreement.region_posts():
        by_year[p.ar] += p.belopp
    assert by_year == {2017: 1_220 * MKR, 2018: 1_230 * MKR}


def test_tabell_1_totals_per_agreement_year(agreement):
    by_year: dict[int, int] = defaultdict(int)
    for p in agreement.poster:
        by_year[p.ar] += p.belopp
    assert by_year == {2017: 1_444 * MKR, 2018: 1_444 * MKR}


def test_cash_flow_of_section_6(agreement):
    """"varav 500 000 000 kronor 2017, 1 444 000 000 kronor 2018 och 944 000 000 kronor 2019"."""
    by_year: dict[int, int] = defaultdict(int)
    for p in agreement.poster:
        by_year[p.utbetalning.year] += p.belopp
    assert by_year == {2017: 500 * MKR, 2018: 1_444 * MKR, 2019: 944 * MKR}
    assert sum(by_year.values()) == 2_888 * MKR


def test_villkor_pots_and_reference_dates(agreement):
    pots = {p.id: (p.belopp, p.befolkning) for p in agreement.region_posts()}
    nov16, nov17 = dt.date(2016, 11, 1), dt.date(2017, 11, 1)
    assert pots["V1-2017"] == (150 * MKR, nov16) and pots["V1-2018"] == (150 * MKR, nov17)
    assert pots["V2-2017"] == (420 * MKR, nov16) and pots["V2-2018"] == (430 * MKR, nov17)
    assert pots["V3-2017"] == (500 * MKR, nov16) and pots["V3-2018"] == (500 * MKR, nov17)
    # both years' contact stimulus are capped by the 1 November 2017 share
    assert pots["V3K-2017"] == (50 * MKR, nov17) and pots["V3K-2018"] == (50 * MKR, nov17)
    assert [pots[k][0] for k in ("V4A-2017", "V4B-2017", "V4A-2018", "V4B-2018")] == [
        50 * MKR, 50 * MKR, 25 * MKR, 75 * MKR]
    v3k = agreement.post("V3K-2017")
    assert v3k.per_enhet == 3_000 and v3k.regel == "per_unit_capped"


def test_payout_dates(agreement):
    dates = {p.id: p.utbetalning for p in agreement.poster}
    assert dates["V3-2017"] == dt.date(2017, 2, 1)
    assert dates["V1-2017"] == dt.date(2018, 1, 26)
    assert dates["V3K-2017"] == dt.date(2018, 4, 27)
    assert dates["V3K-2018"] == dt.date(2019, 4, 29)
    assert dates["V2-2018"] == dt.date(2019, 1, 28)


def test_every_template_loads():
    templates = list_templates(TEMPLATE_DIR)
    assert len(templates) >= 2
    for t in templates:
        text = t.read_text(encoding="utf-8")
        if 'typ = "overenskommelse"' in text or "typ =" not in text:
            load_template(t)


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    text = AGREEMENT_2017.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "broken.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _line_of(path: Path, needle: str) -> int:
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return n
    raise AssertionError(needle)


@pytest.mark.parametrize(
    ("old", "new", "field", "needle"),
    [
        ("belopp = 420_000_000", "belopp = -420_000_000", "belopp", "belopp = -420_000_000"),
        ("belopp = 420_000_000", 'belopp = "mycket"', "belopp", 'belopp = "mycket"'),
        ('regel = "share_if_qualified"', 'regel = "gissa"', "regel", 'regel = "gissa"'),
        ("befolkning = 2016-11-01\nredovisning = 2017-10-03\nutbetalning = 2018-01-26\n"
         'villkorstext = "Villkor 1 uppfyllt 2017"',
         'befolkning = "nyligen"\nredovisning = 2017-10-03\nutbetalning = 2018-01-26\n'
         'villkorstext = "Villkor 1 uppfyllt 2017"', "befolkning", 'befolkning = "nyligen"'),
        ("utbetalning = 2018-04-27", 'utbetalning = "april"', "utbetalning", 'utbetalning = "april"'),
        ("per_enhet = 3_000\nenhet = \"kontakter\"\n# \"motsvarar",
         "per_enhet = 0\nenhet = \"kontakter\"\n# \"motsvarar", "per_enhet", "per_enhet = 0"),
    ],
)
def test_template_errors_name_line_and_field(tmp_path, old, new, field, needle):
    path = _broken(tmp_path, old, new)
    with pytest.raises(TemplateError) as info:
        load_template(path)
    message = str(info.value)
    assert f"line {_line_of(path, needle)}," in message
    assert f"'{field}'" in message
    assert "\n" not in message


def test_duplicate_post_id_is_refused(tmp_path):
    path = _broken(tmp_path, 'id = "V1-2018"', 'id = "V1-2017"')
    with pytest.raises(TemplateError, match="used twice"):
        load_template(path)


def test_year_outside_agreement_is_refused(tmp_path):
    path = _broken(tmp_path, "ar = 2018\nbelopp = 430_000_000", "ar = 2019\nbelopp = 430_000_000")
    with pytest.raises(TemplateError, match="2019 is not one of the agreement's years"):
        load_template(path)


def test_toml_syntax_error(tmp_path):
    path = _broken(tmp_path, "nr = 1", "nr = = 1")
    with pytest.raises(TemplateError, match="not valid TOML"):
        load_template(path)


def test_missing_template_file(tmp_path):
    with pytest.raises(TemplateError, match="Template not found"):
        load_template(tmp_path / "nope.toml")
