"""The region's internal distribution: Norrbotten 2017 reproduced, three-way checked, regenerated."""

from __future__ import annotations

import openpyxl
import pytest
from followup_helpers import FIXED_TIME, INTERNAL, row_of, sheet_values

from xl_tools.errors import XlToolsError
from xl_tools.followup.internal import InternalInputs, generate_internal, load_internal
from xl_tools.verify import verify_workbook
from xl_tools.workbook.kinds import generator_for, template_kind


@pytest.fixture(scope="module")
def default_book(tmp_path_factory):
    out = tmp_path_factory.mktemp("internal") / "norrbotten.xlsx"
    result = generate_internal(INTERNAL, out, generated=FIXED_TIME)
    return out, result


def test_matrix_reproduces_the_documents_sjukskrivning_figures(default_book):
    path, result = default_book
    assert result.status == "OK"
    rows = sheet_values(path, "Sammanfattning")
    header = row_of(rows, "Aktivitet")
    summa = dict(zip(header, row_of(rows, "Summa"), strict=True))
    assert summa["2017 (mottaget)"] == pytest.approx(31.138)
    assert summa["Totalt"] == pytest.approx(19.3075)  # the document shows 19,308 (Kontroll rounds and agrees)
    assert summa["Centralt"] == pytest.approx(4.540)
    assert summa["LS"] == pytest.approx(0.060)
    assert summa["NS"] == pytest.approx(14.7075)  # document: 14,708
    assert round(summa["Andel vidare"] * 100) == 62
    v3 = dict(zip(header, row_of(rows, "Insatser för lindrig o medelsvår psykisk ohälsa och långvarig smärta"),
                  strict=True))
    assert (v3["Centralt"], v3["LS"], v3["NS"], v3["Totalt"]) == pytest.approx((1.615, 0.060, 7.610, 9.285))
    koord = dict(zip(header, row_of(rows, "Funktion för koordinering"), strict=True))
    assert (koord["Centralt"], koord["NS"], koord["Totalt"]) == pytest.approx((0.480, 4.560, 5.040))


def test_kontroll_agrees_with_document_and_flags_population_share_deviations(default_book):
    path, _ = default_book
    rows = sheet_values(path, "Kontroll")
    assert row_of(rows, "Summa vidare till divisionerna")[1:4] == [19.308, 19.308, "OK"]
    assert row_of(rows, "Andel vidare (hela procent)")[3] == "OK"
    v1 = row_of(rows, "Försäkringsmedicin kompetenssatsning")
    assert v1[6:10] == [3_765_878, 3_900_000, 134_122, "AVVIKER"]  # 3,9 Mkr is not the population share
    v2 = row_of(rows, "Funktion för koordinering")
    assert v2[8:10] == [375_543, "AVVIKER"]
    v3 = row_of(rows, "Insatser för lindrig o medelsvår psykisk ohälsa och långvarig smärta")
    assert v3[6:10] == [12_552_925, 12_553_000, 75, "OK"]
    assert row_of(rows, "Antal avvikelser")[1] == 2


@pytest.mark.spreadsheet
def test_default_workbook_three_way(default_book):
    path, _ = default_book
    report = verify_workbook(path)
    assert report.formula_cells > 200
    assert report.checked == ["formulas", "libreoffice"]
    assert report.mismatches == []


@pytest.mark.spreadsheet
def test_regeneration_keeps_inputs_and_nine_month_scenario_is_three_way(tmp_path):
    out = tmp_path / "n.xlsx"
    generate_internal(INTERNAL, out, generated=FIXED_TIME)
    wb = openpyxl.load_workbook(out)
    ws = wb["Fördelning"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "KOORD-PSYK")
    ws.cell(row, 8).value = 9  # the document's footnote: 9 months from 1 April
    wb.save(out)
    result = generate_internal(INTERNAL, out, generated=FIXED_TIME)
    assert result.carry.unplaced == []
    assert result.backup is not None and result.backup.exists()
    assert any("KOORD-PSYK" in c for c in result.carry.carried)
    lines = sheet_values(out, "Fördelning")
    assert row_of(lines, "KOORD-PSYK")[8] == 900_000
    checks = sheet_values(out, "Kontroll")
    assert row_of(checks, "Koordinatorer (schablon) totalt")[2:4] == [4.74, "FEL"]
    assert result.status == "FEL"
    assert verify_workbook(out).mismatches == []


def test_typed_received_amount_changes_deviation(tmp_path):
    out = tmp_path / "n.xlsx"
    generate_internal(INTERNAL, out, inputs=InternalInputs(mottaget={"V1": 3_765_878}), generated=FIXED_TIME)
    rows = sheet_values(out, "Kontroll")
    assert row_of(rows, "Försäkringsmedicin kompetenssatsning")[8:10] == [0, "OK"]
    assert row_of(rows, "Summa mottaget")[3] == "FEL"  # no longer the document's 31,138


def test_unplaceable_input_refuses_to_regenerate(tmp_path):
    out = tmp_path / "n.xlsx"
    generate_internal(INTERNAL, out, generated=FIXED_TIME)
    wb = openpyxl.load_workbook(out)
    ws = wb["Fördelning"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "KBT-NS")
    ws.cell(row, 6).value = "många"
    wb.save(out)
    before = out.read_bytes()
    with pytest.raises(XlToolsError, match="cannot be placed"):
        generate_internal(INTERNAL, out, generated=FIXED_TIME)
    assert out.read_bytes() == before


def test_bad_template_is_one_line_error(tmp_path):
    text = INTERNAL.read_text(encoding="utf-8").replace('division = "Länssjukvård"', 'division = "Länsjukvård"')
    bad = tmp_path / "bad.toml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(XlToolsError, match="Länsjukvård") as exc:
        load_internal(bad)
    assert "\n" not in str(exc.value)


def test_build_dispatches_the_kind(tmp_path):
    assert template_kind(INTERNAL) == "intern_fordelning"
    result = generator_for("intern_fordelning")(INTERNAL, tmp_path, discard_unmatched=False)
    assert result.path == tmp_path / "norrbotten-intern-fordelning-2017.xlsx"
    assert result.status == "OK"
