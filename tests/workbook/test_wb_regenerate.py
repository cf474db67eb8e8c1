"""Regenerating keeps what the user typed, refuses what it cannot place, and never half-writes."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
from wb_helpers import FIXED_TIME, find_row, header_col, input_values, type_inputs, values

from xl_tools.errors import XlToolsError
from xl_tools.workbook import generate as generate_module
from xl_tools.workbook import generate_workbook


@pytest.fixture
def workbook(tmp_path, default_workbook) -> Path:
    path = tmp_path / "avtal.xlsx"
    shutil.copy(default_workbook, path)
    return path


def test_inputs_survive_regeneration(workbook, agreement):
    type_inputs(workbook, {"in_V1_2017": {"03": "Nej", "25": "nej"}, "in_V4B_2017": {"09": "Nej"},
                           "in_V3K_2018": {"01": 12_000, "25": "18 545"}})
    result = generate_workbook(agreement, workbook, generated=FIXED_TIME)
    assert input_values(workbook, "in_V1_2017")["03"] == "Nej"
    assert input_values(workbook, "in_V1_2017")["25"] == "Nej"
    assert input_values(workbook, "in_V1_2017")["01"] == "Ja"
    assert input_values(workbook, "in_V4B_2017")["09"] == "Nej"
    assert input_values(workbook, "in_V3K_2018")["01"] == 12_000
    assert input_values(workbook, "in_V3K_2018")["25"] == 18_545
    assert len(result.carry.changed) == 5 and not result.carry.unplaced
    assert result.backup is not None and result.backup.exists()
    # the outcome follows the inputs: Uppsala did not meet villkor 1 in 2017
    ws = values(workbook, "Villkor 1")
    uppsala = find_row(ws, "03")
    assert ws.cell(uppsala, 6).value == "Nej" and ws.cell(uppsala, 7).value == 0


def test_inputs_matched_by_region_not_by_address(workbook, agreement):
    """A user who sorted the rows (Norrbotten first) keeps Norrbotten's inputs."""
    wb = openpyxl.load_workbook(workbook)
    ws = wb["Villkor 1"]
    col = 6  # Uppfyllt 2017
    top, bottom = 6, 26  # Stockholm, Norrbotten
    for c in (1, 2, col):
        ws.cell(top, c).value, ws.cell(bottom, c).value = ws.cell(bottom, c).value, ws.cell(top, c).value
    ws.cell(top, col).value = "Nej"  # now Norrbotten's row
    wb.save(workbook)
    generate_workbook(agreement, workbook, generated=FIXED_TIME)
    got = input_values(workbook, "in_V1_2017")
    assert got["25"] == "Nej" and got["01"] == "Ja"


def test_unplaceable_input_stops_and_changes_nothing(workbook, agreement):
    type_inputs(workbook, {"in_V2_2017": {"12": "kanske"}})
    before = workbook.read_bytes()
    with pytest.raises(XlToolsError, match=r"cannot be placed.*'kanske'.*--discard-unmatched"):
        generate_workbook(agreement, workbook)
    assert workbook.read_bytes() == before
    assert not list(workbook.parent.glob("*.tmp.xlsx"))
    # with the override it regenerates, dropping the bad value, and keeps a backup
    result = generate_workbook(agreement, workbook, discard_unmatched=True)
    assert input_values(workbook, "in_V2_2017")["12"] == "Ja"
    assert result.backup.read_bytes() == before


def test_input_name_over_whole_columns_cannot_be_placed(workbook, agreement):
    """A user (or another tool) pointed an input name at whole columns: one clear line, not a crash."""
    wb = openpyxl.load_workbook(workbook)
    sheet = wb.defined_names["in_V2_2017"].attr_text.split("!")[0]
    wb.defined_names["in_V2_2017"].attr_text = f"{sheet}!$C:$C"
    wb.save(workbook)
    before = workbook.read_bytes()
    with pytest.raises(XlToolsError, match=r"cannot be placed.*in_V2_2017: its range is whole rows or columns"):
        generate_workbook(agreement, workbook)
    assert workbook.read_bytes() == before


def test_negative_contacts_cannot_be_placed(workbook, agreement):
    type_inputs(workbook, {"in_V3K_2017": {"05": -3}})
    with pytest.raises(XlToolsError, match="not a non-negative whole number"):
        generate_workbook(agreement, workbook)


@pytest.mark.parametrize("lock", ["~${name}", ".~lock.{name}#"])
def test_workbook_open_elsewhere_is_refused(workbook, agreement, lock):
    (workbook.parent / lock.format(name=workbook.name)).write_text("owner")
    before = workbook.read_bytes()
    with pytest.raises(XlToolsError, match="open in another program"):
        generate_workbook(agreement, workbook)
    assert workbook.read_bytes() == before


def test_failure_while_writing_leaves_old_file(workbook, agreement, monkeypatch):
    before = workbook.read_bytes()

    def broken_render(layout, path):
        Path(path).write_bytes(b"half a workbook")
        raise OSError("disk full")

    monkeypatch.setattr(generate_module, "render", broken_render)
    with pytest.raises(XlToolsError, match="disk full"):  # one line (was a bare OSError)
        generate_workbook(agreement, workbook)
    assert workbook.read_bytes() == before
    assert not list(workbook.parent.glob(".*tmp*"))


def test_corrupt_existing_file_is_refused(tmp_path, agreement):
    path = tmp_path / "avtal.xlsx"
    path.write_bytes(b"this is not a workbook")
    with pytest.raises(XlToolsError, match="not an .xlsx workbook"):
        generate_workbook(agreement, path)
    assert path.read_bytes() == b"this is not a workbook"


def test_bad_output_names(tmp_path, agreement):
    with pytest.raises(XlToolsError, match=r"must be an \.xlsx"):
        generate_workbook(agreement, tmp_path / "avtal.xls")
    with pytest.raises(XlToolsError, match="does not exist"):
        generate_workbook(agreement, tmp_path / "nowhere" / "avtal.xlsx")


def test_typed_population_fills_the_missing_year(workbook, agreement):
    """A user who types SCB's 1 November 2017 figures gets the 2018 columns computed."""
    from xl_tools.population import load_population
    from xl_tools.regions import REGIONS

    # test data only: 31 December 2017 stands in for numbers a user would type
    stand_in = load_population().vector("2017-12-31")
    type_inputs(workbook, {"in_Befolkning_2017_11_01": {r.code: v for r, v in zip(REGIONS, stand_in)}})
    result = generate_workbook(agreement, workbook, generated=FIXED_TIME)
    assert result.status == "OK"
    ws = values(workbook, "Info")
    assert ws["B5"].value == 0  # no check waits for data any more
    v1 = values(workbook, "Villkor 1")
    max_2018 = header_col(v1, "Max (kr)", nth=1)
    assert all(isinstance(v1.cell(r, max_2018).value, int) for r in range(6, 27))
