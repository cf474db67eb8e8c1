"""The generated 2017–2018 workbook: sheets, numbers from the engine, finish, and the Kontroll."""

from __future__ import annotations

import zipfile
from fractions import Fraction

import openpyxl
from wb_helpers import find_row, header_col, values

from xl_tools.api import fordela
from xl_tools.engine.rounding import round_half_away
from xl_tools.workbook.blocks import FIRST, LAST, SUM_ROW
from xl_tools.workbook.sheet import MISSING

MKR = 1_000_000


def test_sheets_in_order(default_workbook):
    wb = openpyxl.load_workbook(default_workbook)
    assert wb.sheetnames == ["Info", "Parametrar", "Befolkning", "Villkor 1", "Villkor 2", "Villkor 3", "Villkor 4",
                             "Sammanställning", "Utbetalningar", "Kontroll"]


def test_info_status_ok_and_waiting_checks(default_workbook):
    ws = values(default_workbook, "Info")
    assert ws["A4"].value == "Kontroll" and ws["B4"].value == "OK"
    # 2018's reference population (1 November 2017) is not shipped: its checks wait.
    assert ws["B5"].value > 0
    text = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    assert "Befolkning saknas för 1 november 2017" in text


def test_payouts_show_the_agreements_cash_flow(default_workbook):
    ws = values(default_workbook, "Utbetalningar")
    start = find_row(ws, "Per utbetalningsår")
    got = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(start + 2, start + 5)}
    assert got == {2017: 500 * MKR, 2018: 1_444 * MKR, 2019: 944 * MKR}
    assert ws.cell(start + 5, 1).value == "Summa" and ws.cell(start + 5, 2).value == 2_888 * MKR
    assert ws.cell(start + 2, 3).value == 500.0


def test_villkor_1_2017_is_the_engines_population_share(default_workbook):
    ws = values(default_workbook, "Villkor 1")
    max_col = header_col(ws, "Max (kr)")
    expected = fordela(150 * MKR, 2016, "kronor")
    got = [ws.cell(FIRST + 1 + i, max_col).value for i in range(21)]
    assert got == [int(r.amount) for r in expected.rows]
    assert got[0] == round_half_away(Fraction(150 * MKR * 2_264_111, 9_967_637))
    # Summa row: the rounded amounts, which may differ from the pot by a few kronor
    assert ws.cell(SUM_ROW + 1, max_col).value == int(expected.allocation.total)


def test_2018_columns_say_population_is_missing(default_workbook):
    ws = values(default_workbook, "Villkor 1")
    max_2018 = header_col(ws, "Max (kr)", nth=1)
    assert ws.cell(FIRST + 1, max_2018).value == MISSING
    assert ws.cell(SUM_ROW + 1, max_2018).value == MISSING
    assert "saknas" in ws.cell(FIRST - 1, max_2018 - 2).value.lower() or any(
        "saknas" in str(c.value).lower() for c in ws[FIRST - 1] if c.value)


def test_summary_layout_and_totals(default_workbook):
    ws = values(default_workbook, "Sammanställning")
    headers = [c.value for c in ws[FIRST]]
    year_2017 = headers[2:headers.index("Totalt villkor 1–4") + 1]
    # ordered by villkor; the shared pot's first column says what it is (not "Max": Utfall may exceed it)
    assert year_2017 == ["Villkor 1 Max", "Villkor 1 Utfall", "Villkor 2 Max", "Villkor 2 Utfall", "Villkor 3",
                         "Villkor 4 Andel om alla uppfyllt", "Villkor 4 Utfall", "Totalt villkor 1–4"]
    assert "Totalt villkor 1–4 (Mkr)" in headers
    v1, v2, v4 = (headers.index(h) + 1 for h in ("Villkor 1 Utfall", "Villkor 2 Utfall", "Villkor 4 Utfall"))
    # 2017 with every villkor met: 150 + 420 + 100 (villkor 4) = 670 Mkr, to within rounding
    assert abs(sum(ws.cell(SUM_ROW + 1, c).value for c in (v1, v2, v4)) - 670 * MKR) <= 21
    # villkor 3 of 2017 includes the contact stimulus, capped by the 1 November 2017 share: missing
    total_col = headers.index("Totalt villkor 1–4") + 1
    assert ws.cell(SUM_ROW + 1, total_col).value == MISSING
    assert ws.cell(SUM_ROW + 1, 2).value == "SUMMA"
    mkr_col = headers.index("Villkor 1 Utfall (Mkr)") + 1
    assert abs(ws.cell(FIRST + 1, mkr_col).value - ws.cell(FIRST + 1, v1).value / MKR) < 1e-9


def test_no_typed_numbers_in_formula_areas(default_workbook):
    """On the villkor and summary sheets every number is a formula, except the yellow input cells."""
    wb = openpyxl.load_workbook(default_workbook)
    for name in ("Villkor 1", "Villkor 2", "Villkor 3", "Villkor 4", "Sammanställning"):
        ws = wb[name]
        for row in ws.iter_rows(min_row=FIRST + 1, max_row=SUM_ROW + 1, min_col=3):
            for cell in row:
                if isinstance(cell.value, (int, float)):
                    assert cell.protection.locked is False, f"{name}!{cell.coordinate} is a typed number"
                    assert cell.fill.fgColor.rgb.endswith("FFF2CC")


def test_finish(default_workbook):
    wb = openpyxl.load_workbook(default_workbook)
    ws = wb["Villkor 3"]
    assert ws.freeze_panes == "C6"
    assert ws.protection.sheet is True
    assert ws.page_setup.orientation == "landscape" and str(ws.page_setup.paperSize) == "9"
    kr = ws.cell(FIRST + 1, header_col(ws, "Belopp (kr)")).number_format
    assert kr == "#,##0"
    share = ws.cell(FIRST + 1, header_col(ws, "Andel")).number_format
    assert share == "0.0000%"
    assert ws.column_dimensions["C"].width > 10
    # input cells: unlocked, validated
    contacts = header_col(ws, "Kontakter (antal)")
    assert ws.cell(FIRST + 1, contacts).protection.locked is False
    rules = [dv for dv in ws.data_validations.dataValidation if dv.type == "whole"]
    assert rules and rules[0].operator == "greaterThanOrEqual"
    yes_no = [dv for dv in wb["Villkor 1"].data_validations.dataValidation if dv.type == "list"]
    assert yes_no and "Ja" in yes_no[0].formula1
    # defined names for the pots
    names = set(wb.defined_names.keys())
    assert {"Pott_V1_2017", "Pott_V3K_2018", "Kr_per_V3K_2017", "in_V1_2017", "in_V3K_2017"} <= names
    # formulas reference the named pots and the Befolkning sheet
    max_formula = wb["Villkor 1"].cell(FIRST + 1, header_col(wb["Villkor 1"], "Max (kr)")).value
    assert "Pott_V1_2017" in max_formula
    # one chart per villkor sheet
    with zipfile.ZipFile(default_workbook) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 4


def test_every_check_is_ok_or_waiting(default_workbook):
    ws = values(default_workbook, "Kontroll")
    statuses = [ws.cell(r, 6).value for r in range(5, ws.max_row + 1) if ws.cell(r, 1).value]
    assert statuses and set(statuses) <= {"OK", "SAKNAS"}
    labels = [ws.cell(r, 1).value for r in range(5, ws.max_row + 1)]
    assert "Totalt till regionerna 2017" in labels
    assert not any("Tabell 1" in str(label) for label in labels)
    assert "Utbetalningar per år 2019" in labels


def test_kronor_rounding_difference_is_shown(default_workbook):
    ws = values(default_workbook, "Kontroll")
    row = find_row(ws, "V2-2017: Max summerar till potten")
    expected, actual, diff, tol, status = (ws.cell(row, c).value for c in range(2, 7))
    assert expected == 420 * MKR
    exact = fordela(420 * MKR, 2016, "kronor").allocation
    assert actual == int(exact.total) and diff == int(exact.difference)
    assert tol == 10 and status == "OK"


def test_second_template_builds_without_code_change(tmp_path):
    from xl_tools.agreement import TEMPLATE_DIR
    from xl_tools.workbook import generate_workbook

    result = generate_workbook(TEMPLATE_DIR / "sjukskrivning-2020-villkor3.toml", tmp_path / "v3.xlsx")
    assert result.status == "OK"
    ws = values(tmp_path / "v3.xlsx", "Villkor 3")
    expected = fordela(500 * MKR, 2019, "kronor")
    col = header_col(ws, "Belopp (kr)")
    assert [ws.cell(FIRST + 1 + i, col).value for i in range(21)] == [int(r.amount) for r in expected.rows]
    assert LAST - FIRST == 20
