"""The generator's, the template reader's, the import's and the safe open/write errors speak Swedish by
default (one line, ``Fel: …``) and English with XL_TOOLS_LANG=en; numbers in them are Swedish in both."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.cli_checks import one_error_line
from xl_tools.agreement import TEMPLATE_DIR
from xl_tools.cli import cli

SV, EN = {"XL_TOOLS_LANG": "sv"}, {"XL_TOOLS_LANG": "en"}
TEXT = (TEMPLATE_DIR / "sjukskrivning-2017-2018.toml").read_text(encoding="utf-8")


def error_line(args: list[str], env: dict[str, str]) -> str:
    return one_error_line(CliRunner().invoke(cli, args, env=env), prefix=None)  # the tests check Fel:/Error:


def test_template_errors_in_swedish_with_line_and_did_you_mean(tmp_path: Path) -> None:
    path = tmp_path / "fel.toml"
    path.write_text(TEXT.replace("[kontroll]", "[kontrol]", 1), encoding="utf-8")
    swedish = error_line(["generate", str(path), "-o", str(tmp_path / "x.xlsx")], SV)
    assert swedish.startswith(f"Fel: {path}: rad ") and "okänd nyckel 'kontrol' i mallen. Menade du 'kontroll'?" \
        in swedish
    english = error_line(["generate", str(path), "-o", str(tmp_path / "x.xlsx")], EN)
    assert english.startswith(f"Error: {path}: line ") and "unknown key 'kontrol' in the template." in english
    typed = tmp_path / "typ.toml"
    typed.write_text(TEXT.replace("ar = [2017, 2018]", "ar = 2017", 1), encoding="utf-8")
    assert "'ar' ska vara en lista med heltal, fick 2017." in error_line(["generate", str(typed)], SV)
    missing = error_line(["generate", str(tmp_path / "finns-inte.toml")], SV)
    assert missing.startswith("Fel: Mallen finns inte: ") and "'xl-tools mallar' listar" in missing


def test_output_and_open_errors_in_swedish(tmp_path: Path) -> None:
    line = error_line(["generate", "sjukskrivning-2017-2018", "-o", str(tmp_path / "ut.txt")], SV)
    assert line == "Fel: Utdata ska vara en .xlsx-fil, fick ut.txt. Använd -o NAMN.xlsx."
    assert error_line(["generate", "sjukskrivning-2017-2018", "-o", str(tmp_path / "saknas" / "a.xlsx")], SV) == \
        f"Fel: Mappen {tmp_path / 'saknas'} finns inte. Skapa den eller välj en annan -o."
    foreign = tmp_path / "annan.xlsx"
    foreign.write_bytes(b"inte en arbetsbok")
    assert "är ingen .xlsx-arbetsbok (skadad, krypterad eller annat format)" in error_line(
        ["generate", "sjukskrivning-2017-2018", "-o", str(foreign)], SV)
    old = tmp_path / "gammal.xlsx"
    old.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 600)
    assert error_line(["audit", str(old)], SV) == ("Fel: gammal.xlsx är en gammal binär Excel-fil (.xls). Öppna den "
                                                   "i Excel eller LibreOffice och spara den som .xlsx.")
    assert error_line(["audit", str(tmp_path / "borta.xlsx")], SV).startswith("Fel: Hittar ingen arbetsbok: ")
    assert error_line(["audit", str(tmp_path / "borta.xlsx")], EN).startswith("Error: No such workbook: ")


@pytest.mark.parametrize("env, expected", [
    (SV, "Fel: rapport.csv har 10 002 rader; en rapport har en rad per region (högst 10 000 rader läses)."),
    (EN, "Error: rapport.csv has 10 002 lines; a report has one row per region (at most 10 000 lines are read)."),
])
def test_import_errors_in_both_languages_with_swedish_numbers(tmp_path: Path, env, expected) -> None:
    book = tmp_path / "v3.xlsx"
    assert CliRunner().invoke(cli, ["generate", "villkor3-sammanstallning-2020", "-o", str(book)]).exit_code == 0
    report = tmp_path / "rapport.csv"
    report.write_text("Region;Privat KBT\n" + "Gotland;1\n" * 10_001, encoding="utf-8")
    assert error_line(["import", str(report), str(book)], env) == expected


def test_import_summary_and_help_in_swedish(tmp_path: Path) -> None:
    book = tmp_path / "v3.xlsx"
    CliRunner().invoke(cli, ["generate", "villkor3-sammanstallning-2020", "-o", str(book)])
    report = tmp_path / "rapport.csv"
    report.write_text("Region;Privat KBT;Offentlig KBT\nGotland;1;2\nAtlantis;3;4\n", encoding="utf-8")
    out = CliRunner().invoke(cli, ["import", str(report), str(book)], env=SV).output
    assert out.startswith("Importerade 1 region(er) för 2020. Saknas (visas som Saknas): Stockholm")
    assert "Kunde inte placera 1 rad(er): rad 3: Okänd region 'Atlantis'" in out
    assert "Varning: 1 rad(er) kunde inte placeras (se ovan)." in out and "förra versionen sparad som" in out
    helped = CliRunner().invoke(cli, ["import", "--help"], env=SV).output
    assert "Importera regionernas rapporter för villkor 3" in helped


def test_verify_scb_and_libreoffice_commands_in_swedish(tmp_path: Path) -> None:
    book = tmp_path / "b.xlsx"
    CliRunner().invoke(cli, ["generate", "kvinnors-halsa-2017", "-o", str(book)])
    assert error_line(["verify", str(book), "--no-python", "--no-libreoffice"], SV) == (
        "Fel: Inget att kontrollera mot: --no-python och --no-libreoffice lämnar ingen beräkningsmotor. "
        "Ta bort den ena.")
    assert error_line(["verify", str(book), "--no-python", "--no-libreoffice"], EN).startswith(
        "Error: Nothing to check against")
    fetched = CliRunner().invoke(cli, ["befolkning", "hamta", "--ar", "2017", "--url", "ftp://x"], env=SV)
    assert fetched.exit_code == 2 and fetched.output.splitlines()[-1].startswith("Fel: 'ftp://x/")
    assert "är ingen http(s)-adress; ange t.ex. --url " in fetched.output
    assert "Hämtar tabellbeskrivning TAB1267 från ftp://x …" in fetched.output  # progress in Swedish too
    helped = CliRunner().invoke(cli, ["libreoffice", "install", "--help"], env=SV).output
    assert "Installera Basic-biblioteket och Python-skriptet för =FK_ANDEL(...)" in helped
    assert "Skapa mappen för --profile om den inte finns." in helped
