"""``xl-tools import``: CSV and xlsx in, misspellings and thousands, bad input refused atomically."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from followup_helpers import FIXED_TIME, row_of, sheet_values, synthetic_reports

from xl_tools.cli import cli
from xl_tools.errors import XlToolsError
from xl_tools.followup.compilation import generate_compilation
from xl_tools.followup.importer import import_reports
from xl_tools.regions import REGIONS

NAMES = {"25": "Norrbottn", "01": "Region Stockholm", "14": "VGR"}


@pytest.fixture
def workbook(tmp_path, compilation) -> Path:
    out = tmp_path / "v3.xlsx"
    generate_compilation(compilation, out, generated=FIXED_TIME)
    return out


def write_csv(path: Path, compilation, rows: dict[str, dict[str, object]], extra: list[list[str]] = ()) -> Path:
    keys = compilation.keys()
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Region", *(compilation.header(k) for k in keys)])
        for code, row in rows.items():
            name = NAMES.get(code, next(r.name for r in REGIONS if r.code == code))
            w.writerow([name, *(row.get(k, "") for k in keys)])
        for line in extra:
            w.writerow(line)
    return path


def test_csv_import_places_misspelled_regions_and_thousands(tmp_path, workbook, compilation):
    reports = synthetic_reports(compilation, skip=())
    rows = {code: dict(row) for code, row in reports.data[2020].items() if code != "09"}  # Gotland missing
    rows["25"]["O_KBT"] = 18_545
    rows["25"]["TOT"] += 18_545 - reports.data[2020]["25"]["O_KBT"]
    rows["25"]["K_KBT"] += 18_545 - reports.data[2020]["25"]["O_KBT"]
    shown = {code: {k: (f"{v:,}".replace(",", " ") if v >= 1000 else v) for k, v in row.items()}
             for code, row in rows.items()}
    src = write_csv(tmp_path / "in.csv", compilation, shown, extra=[["Summa", "1"], ["Atlantis", "3"]])
    result = import_reports(src, workbook)
    assert len(result.regions) == 20
    assert result.missing == ["Gotland"]
    assert len(result.unplaced) == 1 and "Atlantis" in result.unplaced[0]
    assert result.regions["25"]["O_KBT"] == 18_545
    assert result.ignored_columns == []
    assert result.regions["25"] == rows["25"]
    per_region = sheet_values(workbook, "Per region")
    assert row_of(per_region, "Gotland", 1)[2] == "Saknas"
    assert row_of(per_region, "Norrbotten", 1)[2] == "Ja"
    assert row_of(sheet_values(workbook, "Kontroll"), "Norrbotten", 1)[-1] == "OK"
    assert list(workbook.parent.glob("v3.bak-*.xlsx"))


def test_xlsx_in_the_workbooks_own_shape_round_trips(tmp_path, compilation):
    filled = tmp_path / "filled.xlsx"
    reports = synthetic_reports(compilation)
    generate_compilation(compilation, filled, reports=reports, generated=FIXED_TIME)
    target = tmp_path / "target.xlsx"
    generate_compilation(compilation, target, generated=FIXED_TIME)
    result = import_reports(filled, target, 2019)  # reads the sheet "Indata 2019", two-row header
    assert result.regions == reports.data[2019]
    assert result.ignored_columns == []
    assert sheet_values(target, "Indata 2019")[5:26] == sheet_values(filled, "Indata 2019")[5:26]


@pytest.mark.parametrize(("value", "message"), [("-3", "non-negative"), ("tolv", "not a whole number")])
def test_bad_number_stops_the_import_and_writes_nothing(tmp_path, workbook, compilation, value, message):
    before = workbook.read_bytes()
    src = write_csv(tmp_path / "in.csv", compilation, {"01": {"P_KBT": 5, "O_KBT": value}})
    with pytest.raises(XlToolsError, match=message) as exc:
        import_reports(src, workbook)
    assert "Stockholm" in str(exc.value) and "\n" not in str(exc.value)
    assert workbook.read_bytes() == before
    assert list(tmp_path.glob(".*.tmp.xlsx")) == []


def test_duplicated_region_stops_the_import(tmp_path, workbook, compilation):
    before = workbook.read_bytes()
    src = write_csv(tmp_path / "in.csv", compilation, {"25": {"P_KBT": 5}},
                    extra=[["Norrbotten", "6"]])
    with pytest.raises(XlToolsError, match="appears twice"):
        import_reports(src, workbook)
    assert workbook.read_bytes() == before


def test_wrong_year_and_not_a_compilation(tmp_path, workbook, compilation):
    src = write_csv(tmp_path / "in.csv", compilation, {"01": {"P_KBT": 5}})
    with pytest.raises(XlToolsError, match="--ar 2020"):
        import_reports(src, workbook, 2017)
    other = tmp_path / "other.xlsx"
    wb = openpyxl.Workbook()
    wb.save(other)
    with pytest.raises(XlToolsError, match="not a villkor 3 compilation"):
        import_reports(src, other)


def test_cli_import_reports_and_errors(tmp_path, workbook, compilation):
    runner = CliRunner()
    good = write_csv(tmp_path / "good.csv", compilation, {"25": {"P_KBT": 5, "M_KBT": 5, "TOT": 5}},
                     extra=[["Atlantis", "1"]])
    ok = runner.invoke(cli, ["import", str(good), str(workbook)])
    assert ok.exit_code == 0, ok.output
    assert "Imported 1 region(s) for 2020" in ok.output and "Atlantis" in ok.output
    bad = write_csv(tmp_path / "bad.csv", compilation, {"25": {"P_KBT": -5}})
    res = runner.invoke(cli, ["import", str(bad), str(workbook)])
    assert res.exit_code == 2
    assert res.output.startswith("Error: ")


@pytest.mark.parametrize("claimed", ["../templates/villkor3-sammanstallning-2020", "/etc/passwd", "x/../y"])
def test_template_id_in_the_workbook_is_never_a_path(tmp_path, workbook, compilation, claimed):
    """Info!B3 names the template by id only: a path written there (a hostile workbook) is not followed."""
    src = write_csv(tmp_path / "in.csv", compilation, {"01": {"P_KBT": 5}})
    wb = openpyxl.load_workbook(workbook)
    wb["Info"]["B3"] = claimed
    wb.save(workbook)
    with pytest.raises(XlToolsError, match="not a villkor 3 compilation"):
        import_reports(src, workbook)


def test_template_found_by_id_whatever_its_file_name(tmp_path, workbook, compilation):
    from xl_tools.agreement import TEMPLATE_DIR

    folder = tmp_path / "mallar"
    folder.mkdir()
    (folder / "annat-namn.toml").write_text(
        (TEMPLATE_DIR / "villkor3-sammanstallning-2020.toml").read_text(encoding="utf-8"), encoding="utf-8")
    src = write_csv(tmp_path / "in.csv", compilation, {"01": {"P_KBT": 5}})
    result = import_reports(src, workbook, template_dir=folder)
    assert result.generated is not None
