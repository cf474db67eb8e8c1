"""XL030: formula pattern that differs from its surrounding region (ExceLint-style)."""

from __future__ import annotations

from xl_tools.audit.model import column_letter

COLS = [column_letter(c) for c in range(3, 11)]  # C..J: 8 columns


def _table(wrong_row: int | None = None) -> dict[str, object]:
    """Data in C2:J7 and a 6×8 formula table C11:J16 doubling it (row 11 reads row 2, …)."""
    sheet: dict[str, object] = {}
    for i in range(6):
        for j, col in enumerate(COLS):
            sheet[f"{col}{2 + i}"] = float(10 * i + j + 1)
            source = 2 + i - (1 if 11 + i == wrong_row else 0)
            sheet[f"{col}{11 + i}"] = f"={col}{source}*2"
    return sheet


def test_xl030_row_referencing_the_wrong_row(findings):
    found = findings("XL030", {"S": _table(wrong_row=14)})
    assert sorted(f.cell for f in found) == sorted(f"{col}14" for col in COLS)
    assert all(f.severity.label == "warning" for f in found)


def test_xl030_clean_table_with_total_row_and_column(findings):
    sheet = _table()
    for i in range(6):
        sheet[f"K{11 + i}"] = f"=SUM(C{11 + i}:J{11 + i})"
    for col in [*COLS, "K"]:
        sheet[f"{col}17"] = f"=SUM({col}11:{col}16)"
    assert findings("XL030", {"S": sheet}) == []
    assert findings("XL030", {"S": _table()}) == []


def test_xl030_totals_line_summing_different_spans(findings):
    sheet: dict[str, object] = {}
    for col in "BCDE":
        for row in range(2, 7):
            sheet[f"{col}{row}"] = 1.0
        sheet[f"{col}7"] = f"=SUM({col}2:{col}6)"
    sheet["C7"] = "=SUM(C3:C6)"  # one total leaves out the first row
    found = findings("XL030", {"S": sheet})
    assert sorted(f.cell for f in found) == ["B7", "C7", "D7", "E7"]


def test_xl030_seed_row_and_running_balance_are_not_flagged(findings):
    sheet: dict[str, object] = {"B2": "=A2"}
    for row in range(2, 12):
        sheet[f"A{row}"] = float(row)
    for row in range(3, 12):
        sheet[f"B{row}"] = f"=B{row - 1}+A{row}"
    sheet["C2"] = "=B2"
    assert findings("XL030", {"S": sheet}) == []


def test_xl030_interleaved_count_and_percent_totals_are_two_lines(findings):
    # N and % columns side by side; the % totals reach one row further (an empty row): two
    # lines of totals interleaved, each consistent in itself
    sheet: dict[str, object] = {}
    for col_n, col_p in (("B", "C"), ("E", "F"), ("H", "I")):
        for row in range(2, 7):
            sheet[f"{col_n}{row}"] = float(row)
            sheet[f"{col_p}{row}"] = f"={col_n}{row}/{col_n}$9"
        sheet[f"{col_n}9"] = f"=SUM({col_n}2:{col_n}6)"
        sheet[f"{col_p}9"] = f"=SUM({col_p}2:{col_p}7)"
    assert findings("XL030", {"S": sheet}) == []


def test_xl030_leaves_a_single_odd_member_of_a_line_to_xl002(findings):
    # ratios down a column, the subtotal row's ratio reads the subtotal column: XL002's
    # finding (one odd member of a run), not a whole line for XL030
    sheet: dict[str, object] = {}
    for row in range(2, 9):
        sheet[f"A{row}"] = float(row)
        sheet[f"C{row}"] = f"=A{row}/$A$20"
    sheet["B9"] = "=SUM(A2:A8)"
    sheet["C9"] = "=B9/$A$20"
    sheet["A20"] = 100.0
    assert findings("XL030", {"S": sheet}) == []


def test_xl030_a_pair_of_totals_that_sum_different_spans(findings):
    sheet: dict[str, object] = {}
    for col in ("B", "D"):
        for row in range(2, 7):
            sheet[f"{col}{row}"] = 1.0
    sheet["B7"], sheet["D7"] = "=SUM(B2:B6)", "=SUM(D3:D6)"
    assert sorted(f.cell for f in findings("XL030", {"S": sheet})) == ["B7", "D7"]
    sheet["D7"] = "=SUM(D2:D6)"
    assert findings("XL030", {"S": sheet}) == []
