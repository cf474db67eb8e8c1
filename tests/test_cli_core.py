"""The core commands through click's CliRunner: andel, fordela, befolkning."""

from __future__ import annotations

import csv
import io
import json
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner

from xl_tools import population as pop
from xl_tools.cli import cli


@pytest.fixture(autouse=True)
def _isolated_user_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XL_TOOLS_DATA", str(tmp_path))
    pop.reload_population()


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_fordela_100_mkr_2016_table() -> None:
    code, out = run("fordela", "100000000", "2016")
    assert code == 0, out
    lines = out.splitlines()
    assert "100 000 000 kr" in lines[0] and "1 November 2016" in lines[0] and "kronor" in lines[0]
    stockholm = next(line for line in lines if "Stockholm" in line)
    gotland = next(line for line in lines if "Gotland" in line)
    assert stockholm.rstrip().endswith("22 714 621")
    assert gotland.rstrip().endswith("580 218")
    assert sum(1 for line in lines if line[:2].isdigit()) == 21
    summa = next(line for line in lines if "Total" in line)
    assert summa.rstrip().endswith("99 999 999")
    assert "−1 kr" in lines[-1]


def test_fordela_largest_remainder_sums_exactly() -> None:
    code, out = run("fordela", "100000000", "2016", "--rounding", "largest-remainder")
    assert code == 0, out
    summa = next(line for line in out.splitlines() if "Total" in line)
    assert summa.rstrip().endswith("100 000 000")
    assert "equals the pot exactly" in out


def test_fordela_csv_is_swedish_excel_by_default() -> None:
    code, out = run("fordela", "100000000", "2016", "--format", "csv", "-r", "largest-remainder")
    assert code == 0, out
    assert out.startswith("\ufeff")  # UTF-8 with a BOM, so that Excel reads å, ä, ö
    rows = list(csv.reader(io.StringIO(out.removeprefix("\ufeff")), delimiter=";"))
    assert rows[1][3] == "0,2271462133"
    assert rows[0] == ["lanskod", "region", "befolkning", "andel", "belopp"]
    body = rows[1:-1]
    assert len(body) == 21
    assert body[0][:3] == ["01", "Stockholm", "2264111"]
    assert sum(int(r[4]) for r in body) == 100_000_000
    assert rows[-1][1] == "Summa" and rows[-1][4] == "100000000"


def test_fordela_csv_exact_amounts_are_decimals() -> None:
    code, out = run("fordela", "1,5 mdkr", "2016", "--format", "csv", "-r", "none")
    assert code == 0, out
    rows = list(csv.reader(io.StringIO(out.removeprefix("\ufeff")), delimiter=";"))
    assert all("/" not in r[4] for r in rows)
    assert rows[1][4] == "340719319,94"


def test_fordela_csv_international_dialect() -> None:
    code, out = run("fordela", "1,5 mdkr", "2016", "--format", "csv", "-r", "none", "--csv-dialect", "excel")
    assert code == 0, out
    assert not out.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[1][3:] == ["0.2271462133", "340719319.94"]


def test_fordela_json() -> None:
    code, out = run("fordela", "150 Mkr", "2016", "--format", "json")
    assert code == 0, out
    data = json.loads(out)
    assert data["pot"] == "150000000"
    assert data["reference_date"] == "2016-11-01"
    assert data["rounding"] == "kronor"
    assert data["population_total"] == 9_967_637
    assert len(data["regions"]) == 21
    first = data["regions"][0]
    assert first["region"] == "Stockholm" and first["code"] == "01"
    assert Fraction(first["exact"]) == Fraction(150_000_000 * 2_264_111, 9_967_637)
    total = sum(Fraction(r["amount"]) for r in data["regions"])
    assert Fraction(data["total"]) == total
    assert Fraction(data["difference"]) == total - 150_000_000
    assert abs(Fraction(data["difference"])) <= 10


@pytest.mark.parametrize("pot", ["150000000", "150 000 000", "150e6", "150 Mkr"])
def test_andel_pot_forms(pot: str) -> None:
    code, out = run("andel", "Norrbotten", pot, "2016")
    assert code == 0, out
    assert out == "3 765 878 kr\n"


def test_andel_mdkr_and_region_forms() -> None:
    code, out = run("andel", "BD", "1,5 mdkr", "2016")
    assert (code, out) == (0, "37 658 775 kr\n")  # round(1 500 000 000 × 250 246 / 9 967 637)


def test_andel_31_december() -> None:
    code, out = run("andel", "Gotland", "100000000", "2018-12-31")
    assert code == 0, out
    assert out.endswith(" kr\n")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("fordela", "-5", "2016"), "egative"),
        (("fordela", "-150 Mkr", "2016"), "egative"),
        (("fordela", "mycket", "2016"), "not an amount"),
        (("fordela", "3,000", "2016"), "ambiguous"),
        (("fordela", "1e999999", "2016"), "large"),
        (("fordela", "100000000", "2017"), "2016, 2019, 2020, 2021, 2022, 2023"),
        (("fordela", "100000000", "förra året"), "Not a year"),
        (("andel", "Botten", "100000000", "2016"), "Norrbotten"),
        (("andel", "Västra", "100000000", "2016"), "Västra Götaland"),
        (("andel", "Atlantis", "100000000", "2016"), "Unknown region"),
        (("andel", "Gotland", "-1", "2016"), "egative"),
        (("andel", "Gotland", "100", "2018"), "2016"),
    ],
)
def test_bad_input_is_one_line_exit_2(args: tuple[str, ...], says: str) -> None:
    code, out = run(*args)
    assert code == 2
    assert "Traceback" not in out
    lines = out.splitlines()
    assert len(lines) == 1, out
    assert lines[0].startswith("Error:")
    assert says in lines[0]


def test_befolkning_lists_dates_and_sources() -> None:
    code, out = run("befolkning")
    assert code == 0, out
    assert "1 November 2016" in out and "9 967 637" in out
    assert "31 December 2019" in out and "10 327 589" in out
    assert "SCB" in out
    assert "Missing (1 November): 2017, 2018" in out
