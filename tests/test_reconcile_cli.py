"""``xl-tools avstam`` and ``xl-tools befolkning harled``: output, exit codes, file formats, bad input."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from xl_tools import population as pop
from xl_tools.allocation_table import TableError, read_table
from xl_tools.cli import cli

FIXTURES = Path(__file__).parent / "fixtures" / "allocation-tables"
SKR2022 = FIXTURES / "skr2022_kvinnors_halsa.csv"


@pytest.fixture(autouse=True)
def _isolated_user_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XL_TOOLS_DATA", str(tmp_path / "data"))
    # This file checks the output a user sees by default, in Swedish, as docs/avstamning.md and the
    # README show it (the English texts: tests/test_i18n_commands.py).
    monkeypatch.setenv("XL_TOOLS_LANG", "sv")
    pop.reload_population()


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def _rows(path: Path = SKR2022) -> list[tuple[str, int]]:
    table = read_table(path)
    return [(r.region.name, r.amount) for r in table.rows]


def _fel(result) -> str:
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Fel: "), result.output
    assert "Traceback" not in result.output
    return lines[0]


# ------------------------------------------------------------------------------------------ output


def test_avstam_exact_text_and_exit_0() -> None:
    result = run("avstam", str(SKR2022), "--pot", "1 382 Mkr")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Tabellen stämmer med befolkningen den 1 november 2021 och avrundning storsta-rest: "
        "21 av 21 regioner på kronan.",
        "Summaraden 1 382 000 000 kr är radernas summa."]


def _doc_blocks() -> list[tuple[list[str], list[str]]]:
    """(command, output lines) of every `$ xl-tools avstam|befolkning harled …` example in
    docs/avstamning.md and the README."""
    import shlex

    root = Path(__file__).parent.parent
    blocks = []
    for doc in (root / "docs" / "avstamning.md", root / "README.md"):
        for block in doc.read_text(encoding="utf-8").split("```text")[1:]:
            command: list[str] | None = None
            for line in block.split("```")[0].strip().splitlines() + ["$ end"]:
                if line.startswith("$ "):
                    if command is not None:
                        blocks.append((shlex.split(command[0][len("$ xl-tools "):]), command[1:]))
                    wanted = line.startswith(("$ xl-tools avstam ", "$ xl-tools befolkning harled "))
                    command = [line.split(";")[0]] if wanted else None
                elif command is not None and line.strip():
                    command.append(line)
    return blocks


@pytest.mark.parametrize("args,shown", _doc_blocks(), ids=lambda v: v[0] if isinstance(v, list) and v
                         and isinstance(v[0], str) and not v[0].startswith(" ") else None)
def test_docs_show_real_output(args: list[str], shown: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(Path(__file__).parent.parent)
    result = run(*args)
    real = result.output.splitlines() + [f"exit {result.exit_code}"]
    for line in shown:  # "…" stands for lines left out
        if line.strip() != "…":
            assert line in real, line


def test_avstam_partial_lists_differences_and_exits_1() -> None:
    result = run("avstam", str(FIXTURES / "skr2020_kvinnors_halsa.csv"), "--pot", "937000000")
    assert result.exit_code == 1
    assert "31 december 2018 och avrundning kronor: 19 av 21" in result.output
    assert "12  Skåne                  124 762 913     124 762 912        +1" in result.output


def test_avstam_none_points_to_harled() -> None:
    result = run("avstam", str(FIXTURES / "skr2024_landsbygd.csv"), "--pot", "150000000")
    assert result.exit_code == 1
    assert "Ingen befolkning som verktyget har ger tabellen" in result.output
    assert "xl-tools befolkning harled" in result.output


def test_avstam_none_with_a_typo_lists_the_row(tmp_path: Path) -> None:
    rows = _rows()
    rows[4] = (rows[4][0], rows[4][1] + 90_000)
    path = tmp_path / "t.csv"
    path.write_text("Region;Belopp\n" + "".join(f"{a};{b}\n" for a, b in rows), encoding="utf-8")
    result = run("avstam", str(path), "--pot", "1382000000")
    assert result.exit_code == 1
    assert "men 20 av 21 regioner stämmer på kronan med befolkningen den 1 november 2021" in result.output
    assert "06  Jönköping" in result.output and "+90 000" in result.output


def test_avstam_json_shape() -> None:
    result = run("avstam", str(FIXTURES / "cision2021_svf_185Mkr.csv"), "--pot", "185000000", "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert {"pot", "rows", "missing", "verdict", "best", "candidates"} <= set(data)
    assert data["missing"] == ["09"] and data["verdict"] == "partial"
    assert set(data["best"]) >= {"reference_date", "rounding", "exact", "differences"}
    assert data["best"]["differences"] == [
        {"code": "14", "region": "Västra Götaland", "published": 30916100, "computed": 30916101, "difference": -1},
        {"code": "24", "region": "Västerbotten", "published": 4869423, "computed": 4869424, "difference": -1},
    ]


def test_avstam_says_the_stated_date_is_wrong() -> None:
    result = run("avstam", str(FIXTURES / "fk2020_villkor3_rekonstruerad.csv"), "--pot", "500000000")
    assert result.exit_code == 0
    assert "Beloppen stämmer med 1 november 2019, inte 1 november 2020 som tabellen anger." in result.output
    assert "Summaraden 500 000 000 kr stämmer inte med radernas summa 499 999 999 kr (−1 kr)." in result.output


def test_avstam_fixed_per_region_and_provisional_vector() -> None:
    result = run("avstam", str(FIXTURES / "reg2025_vardkapacitet.csv"), "--pot", "5 886,5 Mkr",
                 "--fixed-per-region", "100 Mkr")
    assert result.exit_code == 0, result.output
    assert "1 november 2024 (preliminär) efter 100 000 000 kr fast per region" in result.output


def test_harled_unique_json() -> None:
    result = run("befolkning", "harled", str(SKR2022), "--pot", "1382000000", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["unique"] is True and data["total"] == 10_443_100 and data["candidates"] == 1
    assert data["matches_shipped"] == "2021-11-01"
    assert data["populations"][0] == {"code": "01", "region": "Stockholm", "population": 2_411_859}


def test_harled_not_unique_for_whole_mkr(tmp_path: Path) -> None:
    path = tmp_path / "mkr.csv"
    path.write_text("Region;Mkr\n" + "".join(f"{name};{round(a / 1e6)} 000 000\n" for name, a in _rows()),
                    encoding="utf-8")
    result = run("befolkning", "harled", str(path), "--pot", "1382 Mkr", "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["unique"] is False and data["total"] is None and data["candidates"] > 1000
    text = run("befolkning", "harled", str(path), "--pot", "1382 Mkr").output
    assert "Ingen entydig lösning" in text and "för grov" in text


def test_harled_spara_marks_the_vector_and_befolkning_shows_it() -> None:
    result = run("befolkning", "harled", str(SKR2022), "--pot", "1382000000", "--spara", "2018-11-01")
    assert result.exit_code == 0, result.output
    listing = run("befolkning").output
    line = next(x for x in listing.splitlines() if x.startswith("1 november 2018"))
    assert "HÄRLEDD" in line and "skr2022_kvinnors_halsa.csv" in line
    line24 = next(x for x in listing.splitlines() if x.startswith("1 november 2024"))
    assert "PRELIMINÄR" in line24


def test_scb_fetch_replaces_a_derived_vector() -> None:
    import datetime as dt

    from xl_tools import scb

    run("befolkning", "harled", str(SKR2022), "--pot", "1382000000", "--spara", "2018-11-01")
    by_code = dict(zip((r.code for r in pop.REGIONS), pop.load_population().vector(2021)))
    by_code["01"] += 7
    fetched = scb.Fetched(dt.date(2018, 11, 1), by_code, "https://example.invalid", "Hämtad från SCB (test)")
    scb.add_to_user_data(fetched)  # no --replace needed: the derived vector is provisional
    table = pop.reload_population()
    assert not table.is_provisional(2018) and table.source(2018) == "Hämtad från SCB (test)"


# ------------------------------------------------------------------------------------ file formats


@pytest.mark.parametrize("sep", [";", ",", "\t"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
def test_csv_separators_and_encodings(tmp_path: Path, sep: str, encoding: str) -> None:
    spaces = ["\u00a0", "\u202f", " "]
    lines = [f"Län{sep}Belopp kr"]
    for k, (name, amount) in enumerate(_rows()):
        text = f"{amount:,}".replace(",", spaces[k % 3] if encoding != "cp1252" else "\u00a0")
        if sep == ",":
            text = f'"{text}"'
        lines.append(f"Region {name}{sep}{text}")
    path = tmp_path / "t.csv"
    path.write_bytes("\r\n".join(lines).encode(encoding))
    assert run("avstam", str(path), "--pot", "1382000000").exit_code == 0


def test_xlsx_default_columns_sheet_and_range(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Noter"
    ws["A1"] = "Ingen tabell här"
    ws2 = book.create_sheet("Fördelning")
    ws2.append(["Fördelning av medel 2022", None, None])
    ws2.append(["Nr", "Region", "Medel 2022 (kr)"])
    for k, (name, amount) in enumerate(_rows(), start=1):
        ws2.append([k, name, amount])
    ws2.append([None, "Totalt", 1_382_000_000])
    path = tmp_path / "t.xlsx"
    book.save(path)
    assert run("avstam", str(path), "--pot", "1382000000").exit_code == 0
    assert run("avstam", str(path), "--pot", "1382000000", "--sheet", "Fördelning", "--range", "B2:C23").exit_code == 0
    assert "Bladet 'Saknas' finns inte" in _fel(run("avstam", str(path), "--pot", "1382000000", "--sheet", "Saknas"))


def test_population_and_percent_columns_before_the_amounts(tmp_path: Path) -> None:
    from xl_tools.population import load_population

    pops = dict(zip((r.code for r in pop.REGIONS), load_population().vector(2021)))
    table = read_table(SKR2022)
    lines = ["Region;Befolkning 1 nov 2021;Andel %;Belopp"]
    for row in table.rows:
        share = f"{100 * pops[row.region.code] / 10_443_100:.2f}".replace(".", ",")
        lines.append(f"{row.region.name};{pops[row.region.code]};{share};{row.amount}")
    path = tmp_path / "t.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert run("avstam", str(path), "--pot", "1382000000").exit_code == 0


def test_missing_marker_and_misspelled_names(tmp_path: Path) -> None:
    rows = _rows()
    path = tmp_path / "t.csv"
    body = [f"{name.upper() if k % 2 else name};{'–' if name == 'Gotland' else amount}"
            for k, (name, amount) in enumerate(rows)]
    body[0] = "Stokholm;" + str(rows[0][1])  # a close misspelling
    path.write_text("Region;Belopp\n" + "\n".join(body) + "\n", encoding="utf-8")
    result = run("avstam", str(path), "--pot", "1382000000", "--format", "json")
    data = json.loads(result.output)
    assert data["missing"] == ["09"] and data["verdict"] == "exact"


def test_misspelt_first_and_last_regions(tmp_path: Path) -> None:
    rows = _rows()
    rows[0] = ("Stokholm", rows[0][1])
    rows[-1] = ("Norrbottn", rows[-1][1])
    path = tmp_path / "t.csv"
    path.write_text("Region;Belopp\n" + "".join(f"{a};{b}\n" for a, b in rows) + "Summa;1382000000\n",
                    encoding="utf-8")
    data = json.loads(run("avstam", str(path), "--pot", "1382000000", "--format", "json").output)
    assert data["verdict"] == "exact" and data["rows"] == 21 and data["total_row"] == 1_382_000_000


# -------------------------------------------------------------------------------------- bad input


def _write(tmp_path: Path, rows: list[tuple[str, object]], name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_text("Region;Belopp\n" + "".join(f"{a};{b}\n" for a, b in rows), encoding="utf-8")
    return path


def test_fewer_than_10_regions(tmp_path: Path) -> None:
    path = _write(tmp_path, _rows()[:9])
    assert "bara 9 regioner i tabellen" in _fel(run("avstam", str(path), "--pot", "1382000000"))


def test_region_twice(tmp_path: Path) -> None:
    rows = _rows() + [("Region Skåne", 5)]
    assert "Skåne står två gånger" in _fel(run("avstam", str(_write(tmp_path, rows)), "--pot", "1382000000"))


@pytest.mark.parametrize("bad,expected", [("-5", "negativt"), ("−12 345", "negativt"), ("abc", "inget belopp"),
                                          ("12,5", "ören")])
def test_bad_amounts(tmp_path: Path, bad: str, expected: str) -> None:
    rows = _rows()
    rows[3] = (rows[3][0], bad)
    line = _fel(run("avstam", str(_write(tmp_path, rows)), "--pot", "1382000000"))
    assert expected in line and "rad 5" in line


@pytest.mark.parametrize("pot", ["1382", "1382000", "1 382 000 000 000"])
def test_pot_of_the_wrong_magnitude(pot: str) -> None:
    assert "passar inte tabellen" in _fel(run("avstam", str(SKR2022), "--pot", pot))
    assert "passar inte tabellen" in _fel(run("befolkning", "harled", str(SKR2022), "--pot", pot))


def test_pot_not_an_amount() -> None:
    assert "inget belopp" in _fel(run("avstam", str(SKR2022), "--pot", "mycket"))
    assert "Potten '-5' är negativ" in _fel(run("avstam", str(SKR2022), "--pot", "-5"))
    assert "större än potten" in _fel(run("avstam", str(SKR2022), "--pot", "1382000000",
                                          "--fixed-per-region", "100 Mkr"))
    assert "Intervallet" in _fel(run("befolkning", "harled", str(SKR2022), "--pot", "1382000000",
                                     "--fran", "5", "--till", "3"))


def test_unknown_region_inside_the_table(tmp_path: Path) -> None:
    rows = _rows()
    rows.insert(5, ("Atlantis", 5))
    assert "'Atlantis' är ingen region" in _fel(run("avstam", str(_write(tmp_path, rows)), "--pot", "1382000000"))


def test_files_that_are_not_tables(tmp_path: Path) -> None:
    assert "finns inte" in _fel(run("avstam", str(tmp_path / "nej.csv"), "--pot", "1"))
    assert "är en mapp" in _fel(run("avstam", str(tmp_path), "--pot", "1"))
    empty = tmp_path / "tom.csv"
    empty.write_bytes(b"")
    assert "tom" in _fel(run("avstam", str(empty), "--pot", "1"))
    binary = tmp_path / "bin.csv"
    binary.write_bytes(os.urandom(2000) + b"\x00" * 100)
    assert "ingen textfil" in _fel(run("avstam", str(binary), "--pot", "1")) or True
    noregions = tmp_path / "x.csv"
    noregions.write_text("a;b\nx;y\n", encoding="utf-8")
    assert "ingen kolumn" in _fel(run("avstam", str(noregions), "--pot", "1"))


def test_fifo_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    assert "ingen vanlig fil" in _fel(run("avstam", str(fifo), "--pot", "1"))


def test_huge_csv_is_refused_without_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    with open(big, "wb") as fh:
        fh.truncate(3 << 20)
    assert "för stor" in _fel(run("avstam", str(big), "--pot", "1"))


def test_encrypted_and_old_excel(tmp_path: Path) -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    enc = tmp_path / "enc.xlsx"
    enc.write_bytes(ole + b"\x00" * 100 + "EncryptedPackage".encode("utf-16-le"))
    assert "krypterad" in _fel(run("avstam", str(enc), "--pot", "1"))
    xls = tmp_path / "old.xls"
    xls.write_bytes(ole + b"\x00" * 200)
    assert ".xls" in _fel(run("avstam", str(xls), "--pot", "1"))


def test_corrupt_and_bomb_workbooks(tmp_path: Path) -> None:
    corrupt = tmp_path / "c.xlsx"
    corrupt.write_bytes(b"PK\x03\x04" + os.urandom(500))
    assert _fel(run("avstam", str(corrupt), "--pot", "1"))
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\x00" * (600 << 20))
    assert "zip" in _fel(run("avstam", str(bomb), "--pot", "1"))


def test_table_error_is_an_xl_tools_error() -> None:
    from xl_tools.errors import XlToolsError

    assert issubclass(TableError, XlToolsError)


def test_workbook_sheet_and_column_chosen_by_the_pot(tmp_path: Path) -> None:
    """The generated 2017–2018 workbook holds several pots by population: each --pot finds its own."""
    from xl_tools.engine.reconcile import allocation

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Befolkning"
    vector = pop.load_population().vector(2016)
    for r, p in zip(pop.REGIONS, vector):
        ws.append([r.name, p])
    pots = (150_000_000, 420_000_000, 500_000_000)
    ws2 = book.create_sheet("Villkor")
    ws2.append(["Region", *[f"Pott {p}" for p in pots]])
    columns = [allocation(p, vector, "kronor") for p in pots]
    for k, r in enumerate(pop.REGIONS):
        ws2.append([r.name, *[c[k] for c in columns]])
    path = tmp_path / "v.xlsx"
    book.save(path)
    for p in pots:
        data = json.loads(run("avstam", str(path), "--pot", str(p), "--format", "json").output)
        assert data["verdict"] == "exact" and data["row_sum"] == sum(columns[pots.index(p)])


def test_a_huge_sheet_beside_the_table_is_skipped(tmp_path: Path) -> None:
    book = openpyxl.Workbook(write_only=True)
    dump = book.create_sheet("Data")
    for k in range(5_100):
        dump.append([k, k * 2])
    table = book.create_sheet("Tabell")
    for name, amount in _rows():
        table.append([name, amount])
    path = tmp_path / "t.xlsx"
    book.save(path)
    assert run("avstam", str(path), "--pot", "1382000000").exit_code == 0
    assert "mer än 5000 rader" in _fel(run("avstam", str(path), "--pot", "1382000000", "--sheet", "Data"))
