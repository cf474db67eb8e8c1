"""Audit findings, trace and diff speak Swedish by default (Swedish Excel menu names in the advice)
and English on request; numbers are in Swedish form in both (``1 234 567``, ``0,2271``), never in
exponent form (``1.23457e+06``)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
import xlsxwriter
from click.testing import CliRunner

from xl_tools.cli import cli
from xl_tools.money import format_number

SV, EN = {"XL_TOOLS_LANG": "sv"}, {"XL_TOOLS_LANG": "en"}


@pytest.mark.parametrize("value, kwargs, expected", [
    (5.3e6, {}, "5 300 000"),
    (1234567.0, {}, "1 234 567"),
    (1234567.891, {}, "1 234 567,891"),
    (0.1 + 0.2, {}, "0,3"),
    (22.7146, {}, "22,7146"),
    (-3.5, {}, "-3,5"),
    (-0.0, {}, "0"),
    (1e20, {}, "100 000 000 000 000 000 000"),
    (1e-7, {}, "0,0000001"),
    (Fraction(1, 3), {"significant": 6}, "0,333333"),
    (Fraction(10**20), {}, "100 000 000 000 000 000 000"),
    (123456.789, {"decimals": 2}, "123 456,79"),
    (0.227146, {"significant": 6}, "0,227146"),
    (float("inf"), {}, "∞"),
])
def test_format_number_is_swedish_and_never_exponential(value, kwargs, expected) -> None:
    assert format_number(value, **kwargs) == expected


def test_approximate_lookup_names_the_swedish_function(tmp_path: Path) -> None:
    wb = xlsxwriter.Workbook(str(tmp_path / "l.xlsx"))
    ws = wb.add_worksheet("S")
    for row in range(1, 5):
        ws.write(f"A{row}", row)
        ws.write(f"B{row}", row * 10)
    ws.write_formula("D1", "=VLOOKUP(2,A1:B4,2)", None, 20)
    wb.close()
    args = ["audit", str(tmp_path / "l.xlsx")]
    assert "LETARAD använder ungefärlig matchning" in CliRunner().invoke(cli, args, env=SV).output
    assert "VLOOKUP uses approximate match" in CliRunner().invoke(cli, args, env=EN).output


def _book(path: Path) -> Path:
    """B1:B6 copy =A·10 except B4, a typed 1 234 567 (the formula gives 4 000 000); manual calculation."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Fördelning")
    for row in range(1, 7):
        ws.write(f"A{row}", row * 100_000)
        if row == 4:
            ws.write(f"B{row}", 1_234_567)
        else:
            ws.write_formula(f"B{row}", f"=A{row}*10", None, row * 1_000_000)
    wb.set_calc_mode("manual")
    wb.close()
    return path


def test_audit_findings_in_swedish_by_default(tmp_path: Path) -> None:
    out = CliRunner().invoke(cli, ["audit", str(_book(tmp_path / "b.xlsx"))], env=SV).output
    assert out.startswith("Granskning av ")
    assert "[arbetsbok]" in out and "VARNING" in out and "FEL" in out
    assert "Arbetsboken är inställd på manuell beräkning" in out
    assert "Välj Formler > Beräkningsalternativ > Automatiskt, räkna om och spara." in out
    assert "Inskrivet värde 1 234 567 i kolumnen B1:B6, där formeln som B3 (=A3*10) skulle ge 4 000 000." in out
    assert "Återställ formeln (kopiera den från en granncell)" in out
    assert "2 fynd: 1 fel, 1 varning, 0 info." in out
    assert "e+0" not in out and "Typed" not in out


def test_audit_findings_in_english_on_request_with_the_same_numbers(tmp_path: Path) -> None:
    out = CliRunner().invoke(cli, ["audit", str(_book(tmp_path / "b.xlsx"))], env=EN).output
    assert out.startswith("Audit of ")
    assert "Set Formulas > Calculation Options > Automatic, recalculate and save." in out
    assert "Typed value 1 234 567 in column B1:B6, where the formula like B3 (=A3*10) would give 4 000 000." in out
    assert "2 findings: 1 error, 1 warning, 0 info." in out
    assert "e+0" not in out


def test_audit_json_messages_follow_the_language(tmp_path: Path) -> None:
    import json

    book = str(_book(tmp_path / "b.xlsx"))
    swedish = json.loads(CliRunner().invoke(cli, ["audit", book, "--format", "json"], env=SV).output)
    assert any(f["message"].startswith("Inskrivet värde 1 234 567") for f in swedish["findings"])
    assert {f["severity"] for f in swedish["findings"]} == {"error", "warning"}  # the JSON keys stay stable


def test_trace_in_swedish_with_swedish_numbers(tmp_path: Path) -> None:
    book = str(_book(tmp_path / "b.xlsx"))
    out = CliRunner().invoke(cli, ["trace", book, "Fördelning!B3"], env=SV).output.splitlines()
    assert out[0] == "Fördelning!B3 =A3*10 = 3 000 000"
    assert out[1] == "Överordnade:" and out[2].strip() == "└─ Fördelning!A3 = 300 000" and out[3] == "Underordnade:"
    english = CliRunner().invoke(cli, ["trace", book, "Fördelning!B3"], env=EN).output.splitlines()
    assert english[1] == "Precedents:" and english[0] == "Fördelning!B3 =A3*10 = 3 000 000"
    bad = CliRunner().invoke(cli, ["trace", book, "Saknas!B3"], env=SV)
    assert bad.exit_code == 2 and "Fel: Arbetsboken har inget blad 'Saknas'. Blad: Fördelning." in bad.output


def test_diff_in_swedish_with_swedish_numbers(tmp_path: Path) -> None:
    before = _book(tmp_path / "a.xlsx")
    wb = xlsxwriter.Workbook(str(tmp_path / "b.xlsx"))
    ws = wb.add_worksheet("Fördelning")
    for row in range(1, 7):
        ws.write(f"A{row}", row * 100_000 + (5_300_000 if row == 2 else 0))
        ws.write_formula(f"B{row}", f"=A{row}*10", None, row * 1_000_000)
    wb.add_worksheet("Ny")
    wb.close()
    result = CliRunner().invoke(cli, ["diff", str(before), str(tmp_path / "b.xlsx")], env=SV)
    lines = result.output.splitlines()
    assert result.exit_code == 1
    assert lines[0].split() == ["värde", "Fördelning!A2:", "200", "000", "→", "5", "500", "000"]
    assert lines[1].split() == ["formel", "Fördelning!B4:", "1", "234", "567", "→", "=A4*10"]
    assert lines[2].split() == ["nytt", "blad", "Ny:", "(inget)", "→", "Ny"]
    assert lines[-1] == "3 ändringar."
    english = CliRunner().invoke(cli, ["diff", str(before), str(tmp_path / "b.xlsx")], env=EN).output
    assert "value         Fördelning!A2: 200 000 → 5 500 000" in english and english.endswith("3 changes.\n")


def _mixed_book(path: Path) -> Path:
    """Findings of every severity on two sheets and at workbook level (manual calculation)."""
    wb = xlsxwriter.Workbook(str(path))
    first = wb.add_worksheet("Första")
    second = wb.add_worksheet("Andra")
    for ws in (first, second):
        for row in range(1, 7):
            ws.write(f"A{row}", row * 100_000)
            if row == 4:
                ws.write(f"B{row}", 1_234_567)  # XL010 error: the formula gives 4 000 000
            else:
                ws.write_formula(f"B{row}", f"=A{row}*10", None, row * 1_000_000)
        ws.write_formula("D1", "=B9", None, 0)  # XL005 info: refers to an empty cell
    wb.set_calc_mode("manual")  # XL015 warning (workbook level)
    wb.close()
    return path


def test_annotated_copy_in_swedish_sorted_filtered_frozen_landscape(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from xl_tools.audit.annotate import FILLS
    from xl_tools.workbook.render import INPUT_FILL

    out = tmp_path / "granskad.xlsx"
    result = CliRunner().invoke(cli, ["audit", str(_mixed_book(tmp_path / "b.xlsx")), "--min-severity", "info",
                                      "--annotate", str(out)], env=SV)
    assert result.exit_code == 1 and "Kommenterad kopia skriven till" in result.output
    wb = load_workbook(out)
    ws = wb["Granskning"]
    assert wb.sheetnames[0] == "Granskning"
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("Blad", "Cell", "Regel", "Allvar", "Beskrivning", "Förslag")
    severities = [r[3] for r in rows[1:]]
    order = {"fel": 0, "varning": 1, "info": 2}
    assert severities == sorted(severities, key=order.__getitem__) and set(severities) == set(order)
    errors = [(r[0], r[1]) for r in rows[1:] if r[3] == "fel"]
    assert errors == [("Första", "B4"), ("Andra", "B4")]  # by sheet in the workbook's order
    assert ("(arbetsbok)", None, "XL015", "varning") == rows[1 + len(errors)][:4]
    assert all(r[4] and not r[4].startswith(("The ", "Typed")) for r in rows[1:])  # one language: Swedish
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == f"A1:F{len(rows)}"
    assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    widths = [ws.column_dimensions[c].width for c in "ABCDEF"]
    assert all(w >= len(h) for w, h in zip(widths, rows[0])) and widths[4] <= 70
    for r, row in enumerate(rows, start=1):
        assert ws.cell(row=r, column=5).alignment.wrap_text
        needed = max(1, -(-len(row[4]) // int((widths[4] - 1) * 1.15)))
        assert ws.row_dimensions[r].height >= needed * 15
    warning = FILLS[next(s for s in FILLS if s.label == "warning")]
    assert warning.upper() != INPUT_FILL.lstrip("#").upper() and warning.upper() != "FFEB9C"
    marked = wb["Första"]["B4"]
    assert marked.fill.start_color.rgb.endswith(FILLS[max(FILLS)]) and marked.comment.text.startswith("XL010 (fel):")


def test_annotated_copy_in_english_on_request(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "audited.xlsx"
    CliRunner().invoke(cli, ["audit", str(_mixed_book(tmp_path / "b.xlsx")), "--annotate", str(out)], env=EN)
    rows = list(load_workbook(out)["Granskning"].iter_rows(values_only=True))
    assert rows[0] == ("Sheet", "Cell", "Rule", "Severity", "Description", "Suggestion")
    assert [r[3] for r in rows[1:]] == ["error", "error", "warning"]
    assert rows[1][4].startswith("Typed value 1 234 567 in column B1:B6")
