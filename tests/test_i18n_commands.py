"""andel, fordela, befolkning [DATUM], avstam and befolkning harled speak Swedish by default and
English with XL_TOOLS_LANG=en; numbers are Swedish in both (``22 714 621``, ``22,7146``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from xl_tools import population as pop
from xl_tools.allocation_table import TableError, read_table
from xl_tools.cli import cli
from xl_tools.engine.reconcile import DerivationError, derive
from xl_tools.errors import PopulationDataError
from xl_tools.reconcile import avstam, harled

FIXTURES = Path(__file__).parent / "fixtures" / "allocation-tables"
SKR2022 = FIXTURES / "skr2022_kvinnors_halsa.csv"
SV, EN = {"XL_TOOLS_LANG": "sv"}, {"XL_TOOLS_LANG": "en"}


@pytest.fixture(autouse=True)
def _isolated_user_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XL_TOOLS_DATA", str(tmp_path / "data"))
    pop.reload_population()


def run(args: list[str], env: dict[str, str]):
    return CliRunner().invoke(cli, args, env=env)


# ------------------------------------------------------------------------------- andel, fordela


def test_andel_help_and_error_in_both_languages() -> None:
    assert "En regions andel av POT efter befolkningen den 1 november YEAR" in run(["andel", "--help"], SV).output
    assert "A region's share of POT by population at 1 November YEAR" in run(["andel", "--help"], EN).output
    swedish = run(["andel", "Gotland", "-1", "2016"], SV)
    assert swedish.exit_code == 2
    assert "Negativa belopp är inte tillåtna: '-1'. Ange ett positivt belopp" in swedish.output
    english = run(["andel", "Gotland", "-1", "2016"], EN)
    assert english.exit_code == 2 and "Negative amounts are not allowed: '-1'." in english.output


def test_fordela_table_in_both_languages_with_swedish_numbers() -> None:
    swedish = run(["fordela", "100000000", "2016"], SV).output.splitlines()
    assert swedish[0] == "Fördelning av 100 000 000 kr efter befolkning 1 november 2016 (avrundning: kronor)"
    assert swedish[1].split() == ["Kod", "Region", "Befolkning", "Andel", "%", "Belopp", "kr"]
    assert swedish[-2].split() == ["Summa", "9", "967", "637", "100,0000", "99", "999", "999"]
    assert swedish[-1].startswith("Summan avviker med −1 kr från beloppet eftersom varje region avrundas")
    english = run(["fordela", "100000000", "2016"], EN).output.splitlines()
    assert english[0] == "Allocation of 100 000 000 kr by population at 1 November 2016 (rounding: kronor)"
    assert english[1].split() == ["Code", "Region", "Population", "Share", "%", "Amount", "kr"]
    assert english[2].split() == ["01", "Stockholm", "2", "264", "111", "22,7146", "22", "714", "621"]
    assert english[-2].split()[0] == "Total" and english[-1].startswith("The total differs from the pot by −1 kr")
    help_sv = run(["fordela", "--help"], SV).output
    assert "Fördela POT på de 21 regionerna" in help_sv and "sv: svensk Excel (';', decimalkomma" in help_sv


# ------------------------------------------------------------------------------- befolkning


def test_befolkning_listing_in_both_languages() -> None:
    swedish = run(["befolkning"], SV).output
    assert swedish.splitlines()[0].split() == ["Referensdatum", "Summa", "21", "län", "Status", "Källa"]
    assert "1 november 2024       10 587 140  PRELIMINÄR" in swedish
    assert "Saknas (1 november): 2017, 2018 — hämta med 'xl-tools befolkning hamta --ar ÅR'." in swedish
    english = run(["befolkning"], EN).output
    assert english.splitlines()[0].startswith("Reference date")
    assert "1 November 2024       10 587 140  PROVISIONAL" in english
    assert "Missing (1 November): 2017, 2018" in english


@pytest.mark.parametrize("date", [["2016"], ["1 november 2016"], ["1", "november", "2016"], ["2016-11-01"]])
def test_befolkning_date_shows_each_region(date: list[str]) -> None:
    result = run(["befolkning", *date], SV)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Befolkningen den 1 november 2016"
    assert lines[1].split() == ["Kod", "Region", "Befolkning", "Andel", "%"]
    assert lines[2].split() == ["01", "Stockholm", "2", "264", "111", "22,7146"]
    assert sum(1 for line in lines if line[:2].isdigit()) == 21
    assert lines[23].split() == ["Summa", "9", "967", "637", "100,0000"]
    assert lines[24].startswith("Källa: Folkmängd 1 november, rekonstruerad ur publicerade fördelningstabeller")
    assert len(lines) == 25  # confirmed data: no provisional mark


def test_befolkning_date_marks_provisional_and_derived_data(tmp_path: Path) -> None:
    swedish = run(["befolkning", "2024"], SV).output.splitlines()
    assert swedish[0] == "Befolkningen den 1 november 2024 (PRELIMINÄR)"
    assert swedish[-1].startswith("PRELIMINÄR: inte bekräftad statistik") and "--ar 2024" in swedish[-1]
    english = run(["befolkning", "2024"], EN).output.splitlines()
    assert english[0] == "Population at 1 November 2024 (PROVISIONAL)"
    assert english[-1].startswith("PROVISIONAL: not confirmed statistics")
    saved = run(["befolkning", "harled", str(SKR2022), "--pot", "1382000000", "--spara", "2018-11-01"], SV)
    assert saved.exit_code == 0, saved.output
    derived = run(["befolkning", "2018"], SV).output.splitlines()
    assert derived[0] == "Befolkningen den 1 november 2018 (HÄRLEDD)"
    assert derived[-2].startswith("Källa: HÄRLEDD ur skr2022_kvinnors_halsa.csv")
    assert derived[-1].startswith("HÄRLEDD: beräknad ur en publicerad tabell")
    assert run(["befolkning", "2018"], EN).output.startswith("Population at 1 November 2018 (DERIVED)")


def test_befolkning_date_31_december_in_english() -> None:
    result = run(["befolkning", "31 dec 2018"], EN)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "Population at 31 December 2018"
    assert "Source: SCB, Folkmängd 31 december" in result.output


@pytest.mark.parametrize(("args", "sv", "en"), [
    (["2017"], "Befolkning saknas för 1 november 2017.", "No population data for 1 November 2017."),
    (["hamat"], "'hamat' är varken ett underkommando (hamta, harled) eller ett datum.",
     "'hamat' is neither a subcommand (hamta, harled) nor a date."),
    (["31", "februari", "2016"], "Inget år eller datum: '31 februari 2016'.",
     "Not a year or date: '31 februari 2016'."),
])
def test_befolkning_bad_date_is_one_line_exit_2(args: list[str], sv: str, en: str) -> None:
    for env, text in ((SV, sv), (EN, en)):
        result = run(["befolkning", *args], env)
        assert result.exit_code == 2 and "Traceback" not in result.output
        assert len(result.output.strip().splitlines()) == 1 and text in result.output, result.output


def test_befolkning_subcommands_still_work() -> None:
    assert "Härled heltalsbefolkningen bakom en publicerad fördelningstabell" in \
        run(["befolkning", "harled", "--help"], SV).output
    assert run(["befolkning", "hamta", "--help"], SV).exit_code == 0
    assert "[DATUM | COMMAND [ARGS]...]" in run(["befolkning", "--help"], SV).output
    result = run(["befolkning", "harled", str(SKR2022), "--pot", "1382000000"], EN)
    assert result.exit_code == 0 and result.output.startswith("Unique solution: national population 10 443 100")


# ------------------------------------------------------------------------------- avstam, harled


def test_avstam_speaks_english_on_request() -> None:
    result = run(["avstam", str(SKR2022), "--pot", "1 382 Mkr"], EN)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "The table matches the population at 1 November 2021 and rounding largest-remainder: "
        "21 of 21 regions to the krona.",
        "The total row 1 382 000 000 kr is the sum of the rows."]
    partial = run(["avstam", str(FIXTURES / "skr2020_kvinnors_halsa.csv"), "--pot", "937000000"], EN).output
    assert "  Code Region                   Published        Computed  Difference\n" in partial
    assert "  12   Skåne                  124 762 913     124 762 912          +1\n" in partial
    assert "Best candidates:" in partial


def test_avstam_errors_and_help_in_both_languages(tmp_path: Path) -> None:
    missing = str(tmp_path / "nej.csv")
    assert run(["avstam", missing, "--pot", "1"], SV).output == \
        f"Fel: Filen {missing} finns inte. Kontrollera sökvägen.\n"
    assert run(["avstam", missing, "--pot", "1"], EN).output == \
        f"Error: The file {missing} does not exist. Check the path.\n"
    assert "Stäm av en publicerad fördelningstabell TABLE" in run(["avstam", "--help"], SV).output
    assert "Check a published allocation TABLE" in run(["avstam", "--help"], EN).output


def test_harled_in_english() -> None:
    result = run(["befolkning", "harled", str(SKR2022), "--pot", "1382000000"], EN)
    lines = result.output.splitlines()
    assert lines[0] == ("Unique solution: national population 10 443 100 (rounding largest-remainder); "
                        "no other total between 9 000 000 and 11 500 000 fits.")
    assert lines[1] == "It equals the population at 1 November 2021 that the tool already holds."
    assert lines[2].split() == ["Code", "Region", "Population"]


# ------------------------------------------------------------------------------- the Python API


def test_api_errors_follow_the_language(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XL_TOOLS_LANG", "sv")
    with pytest.raises(PopulationDataError, match="^Inget år eller datum: 'förra året'. Ange ett år"):
        pop.to_reference_date("förra året")
    with pytest.raises(TableError, match=r"^Potten '-5' är negativ; ange ett belopp ≥ 0 kr\.$"):
        avstam(SKR2022, "-5")
    with pytest.raises(TableError, match=r"^Det fasta beloppet 'x' är inget belopp\."):
        avstam(SKR2022, "1382000000", fixed_per_region="x")
    folder = tmp_path / "mapp"
    folder.mkdir()
    with pytest.raises(TableError, match="är en mapp"):
        read_table(folder)
    assert pop.date_text(dt.date(2018, 12, 31)) == "31 december 2018"
    monkeypatch.setenv("XL_TOOLS_LANG", "en")
    with pytest.raises(PopulationDataError, match="^Not a year or date: 'förra året'. Give a year"):
        pop.to_reference_date("förra året")
    with pytest.raises(TableError, match="is a folder"):
        read_table(folder)
    assert pop.date_text(dt.date(2018, 12, 31)) == "31 December 2018"
    assert pop.to_reference_date(pop.date_text(dt.date(2018, 12, 31))) == dt.date(2018, 12, 31)
    assert pop.describe_date(dt.date(2018, 12, 31)) == "31 december 2018"  # the workbooks' wording, always


def test_fixed_amounts_taking_the_whole_pot(monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine names the refusal (a reason, no prose); the face words it."""
    published = [5_000_000] * 21
    with pytest.raises(DerivationError) as refused:
        derive(published, 105_000_000, fixed=5_000_000)
    assert refused.value.reason == "no-rest"
    monkeypatch.setenv("XL_TOOLS_LANG", "sv")
    table = read_table(SKR2022)
    with pytest.raises(TableError, match=r"^De fasta beloppen, 21 × 66 000 000 kr, är hela potten 1 386 000 000 kr: "
                                         "inget fördelas efter befolkning"):
        harled(table, 1_386_000_000, fixed_per_region=66_000_000)
    with pytest.raises(TableError, match="^Intervallet 5–1 för rikets folkmängd går inte"):
        harled(table, 1_382_000_000, low=5, high=1)
    monkeypatch.setenv("XL_TOOLS_LANG", "en")
    with pytest.raises(TableError, match="are the whole pot 1 386 000 000 kr: nothing is split by population"):
        avstam(table, 1_386_000_000, fixed_per_region=66_000_000)


def test_befolkning_date_as_json_and_date_or_subcommand() -> None:
    import json

    data = json.loads(run(["befolkning", "--format", "json", "1 nov 2024"], EN).output)
    assert data["reference_date"] == "2024-11-01" and data["status"] == "preliminär"
    assert data["total"] == 10_587_140 == sum(r["population"] for r in data["regions"])
    assert data["regions"][0] == {"code": "01", "region": "Stockholm", "population": 2_471_773}
    assert json.loads(run(["befolkning", "2016", "--format", "json"], SV).output)["total"] == 9_967_637
    listing = json.loads(run(["befolkning", "--format", "json"], SV).output)
    assert {"reference_date": "2016-11-01", "total": 9_967_637, "status": ""}.items() <= listing[6].items()
    both = run(["befolkning", "2016", "hamta", "--ar", "2016"], SV)
    assert both.exit_code == 2 and "Ange antingen ett datum eller ett underkommando (hamta), inte båda." in both.output


def test_translations_keep_every_placeholder() -> None:
    """A Swedish text that drops or misspells a ``{field}`` of its English msgid fails at run time."""
    import string

    from babel.messages.pofile import read_po

    po = Path(__file__).parents[1] / "xl_tools" / "locale" / "sv" / "LC_MESSAGES" / "xl_tools.po"
    with open(po, "rb") as fh:
        catalogue = read_po(fh, locale="sv")

    def fields(text: str) -> list[str]:
        return sorted(f"{name}!{conv}:{spec}" for _, name, spec, conv in string.Formatter().parse(text)
                      if name is not None)

    wrong = [m.id for m in catalogue if m.id and not isinstance(m.id, tuple) and fields(m.id) != fields(m.string)]
    assert wrong == []


def test_hamta_help_names_the_default_urls_in_both_languages() -> None:
    from xl_tools import scb

    for env, word in ((SV, "Basadress"), (EN, "base URL")):
        text = " ".join(run(["befolkning", "hamta", "--help"], env).output.split())
        assert word in text
        assert scb.DEFAULT_BASE_URL in text and scb.DEFAULT_V1_URL in text  # the help follows the constants


def test_scb_number_refusals_are_swedish_by_default() -> None:
    from xl_tools import scb
    from xl_tools.errors import XlToolsError
    from xl_tools.i18n import set_language

    set_language("sv")
    try:
        with pytest.raises(XlToolsError, match="ett tal med 25 siffror"):
            scb.parse_json(b'{"value": [' + b"9" * 25 + b"]}", "http://127.0.0.1/x")
    finally:
        set_language(None)  # back to XL_TOOLS_LANG, as every other test expects
