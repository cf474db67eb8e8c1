"""A damaged user population file costs only its damaged dates, with a one-line warning (issue 13)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from xl_tools import population as pop
from xl_tools.cli import cli
from xl_tools.errors import PopulationDataError
from xl_tools.regions import REGIONS


@pytest.fixture()
def user_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XL_TOOLS_DATA", str(tmp_path / "data"))
    path = tmp_path / "data" / "population.csv"
    path.parent.mkdir()
    yield path
    pop.reload_population()


def _year(date: str, base: int, source: str = "Hämtad från SCB (test)") -> list[str]:
    return [f"{date},{r.code},{r.name},{base + k * 1000},{source}" for k, r in enumerate(REGIONS)]


def _write(path: Path, lines: list[str]) -> None:
    path.write_text("reference_date,county_code,county,population,source\n" + "\n".join(lines) + "\n",
                    encoding="utf-8")


def test_damaged_line_costs_only_its_date(user_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = _year("2017-11-01", 480_000) + _year("2018-11-01", 485_000)
    lines[25] = "2018-11-01,07,Kronoberg,4x89000,Hämtad från SCB (test)"  # 2018, one county damaged
    _write(user_file, lines)
    table = pop.reload_population()
    assert table.has(2017) and not table.has(2018)
    assert table.total(2016) == 9_967_637  # shipped data unaffected
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("Warning: ") and f"{user_file}: line 27" in err[0]
    assert "befolkning hamta --ar YEAR --replace" in err[0]
    with pytest.raises(PopulationDataError, match="line 27"):
        table.vector(2018)


def test_commands_not_needing_the_damaged_date_keep_working(user_file: Path) -> None:
    lines = _year("2017-11-01", 480_000)
    lines[3] = "2017-11-01,05,Östergötland,-5,x"
    _write(user_file, lines)
    pop.reload_population()
    ok = CliRunner().invoke(cli, ["andel", "Norrbotten", "150000000", "2016"])
    assert ok.exit_code == 0 and ok.output.strip().endswith("kr")
    bad = CliRunner().invoke(cli, ["andel", "Norrbotten", "150000000", "2017"])
    assert bad.exit_code == 2 and str(user_file) in bad.output and "Traceback" not in bad.output
    listing = CliRunner().invoke(cli, ["befolkning"])
    assert listing.exit_code == 0 and "Not used (damaged line in the user file): 1 November 2017" in listing.output


def test_binary_garbage_file_is_one_warning(user_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    user_file.write_bytes(b"\xff\xfe\x00garbage\x81\x00" * 50)
    table = pop.reload_population()
    assert table.has(2016)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not a readable population CSV" in err[0]


def test_strict_reading_still_refuses(user_file: Path) -> None:
    lines = _year("2017-11-01", 480_000)
    lines[0] = "2017-11-01,01,Stockholm,abc,x"
    _write(user_file, lines)
    with pytest.raises(PopulationDataError, match="line 2"):
        pop.read_csv(user_file)


def test_status_of_vectors(user_file: Path) -> None:
    _write(user_file, _year("2017-11-01", 480_000, "HÄRLEDD ur tabell.csv (test)"))
    table = pop.reload_population()
    assert table.status(2017) == "härledd" and table.is_provisional(2017)
    assert table.status(2024) == "preliminär"
    assert table.status(2023) == ""


def test_user_file_that_is_a_folder(user_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    user_file.mkdir()
    table = pop.reload_population()
    assert table.has(2016)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot be read" in err[0]


def test_writing_into_a_data_path_that_is_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("XL_TOOLS_DATA", str(blocker))
    pop.reload_population()
    table = Path(__file__).parent / "fixtures" / "allocation-tables" / "skr2022_kvinnors_halsa.csv"
    result = CliRunner().invoke(cli, ["befolkning", "harled", str(table), "--pot", "1382000000",
                                      "--spara", "2018-11-01"])
    assert result.exit_code == 2 and "Cannot write the population file" in result.output
    assert "Traceback" not in result.output
