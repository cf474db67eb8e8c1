"""XL012 totals and XL013 shares."""

from __future__ import annotations

from tests.audit.conftest import column


def _table(total) -> dict:
    sheet = {"A1": "Region", "B1": "Belopp"}
    sheet.update(column("A", 2, [f"R{i}" for i in range(5)]))
    sheet.update(column("B", 2, [100_000_000, 100_000_000, 100_000_000, 100_000_000, 99_999_999]))
    sheet["A7"] = "SUMMA"
    sheet["B7"] = total
    return sheet


def test_xl012_typed_total_that_does_not_add_up_reports_kronor(findings):
    found = findings("XL012", {"S": _table(500_000_000)})
    assert [(f.cell, f.severity.label) for f in found] == [("B7", "error")]
    assert "−1 kr" in found[0].message


def test_xl012_typed_total_that_adds_up_is_info(findings):
    found = findings("XL012", {"S": _table(499_999_999)})
    assert [(f.cell, f.severity.label) for f in found] == [("B7", "info")]


def test_xl012_sum_formula_total_is_clean(findings):
    assert findings("XL012", {"S": _table(("=SUM(B2:B6)", 499_999_999))}) == []


def test_xl012_formula_total_with_wrong_value(findings):
    found = findings("XL012", {"S": _table(("=B2+B3+B4+B5", 400_000_000))})
    assert [f.cell for f in found] == ["B7"] and "99 999 999" in found[0].message


def test_xl013_shares_not_summing_to_one(findings):
    bad = {"A1": "Andel", **column("A", 2, [0.3333, 0.3333, 0.3333])}
    good = {"A1": "Andel", **column("A", 2, [0.25, 0.25, 0.5])}
    assert [f.cell for f in findings("XL013", {"S": bad})] == ["A1"]
    assert findings("XL013", {"S": good}) == []


def test_xl012_total_of_chosen_columns_is_clean(findings):
    # Max and Utfall side by side; the "Summa Max" column adds every other column.
    sheet = {"A1": "Region", "B1": "V1 Max", "C1": "V1 Utfall", "D1": "V2 Max", "E1": "V2 Utfall",
             "F1": "Summa Max", "A2": "R", "B2": 10, "C2": 8, "D2": 20, "E2": 20, "F2": ("=B2+D2", 30)}
    assert findings("XL012", {"S": sheet}) == []
    sheet["F2"] = ("=B2+D2", 31)
    assert [f.cell for f in findings("XL012", {"S": sheet})] == ["F2"]


def test_xl012_years_beside_totals_are_not_totals(findings):
    sheet = {"A1": "Totalt 1", "B1": 2017, "C1": 100, "A2": "Totalt 2", "B2": 2018, "C2": 200,
             "A3": "Totalt per år", "B3": 2019, "C3": 150}
    assert findings("XL012", {"S": sheet}) == []


def test_xl012_year_heading_is_not_a_part(findings):
    sheet = {"A1": "År", "B1": 2019, "C1": 2020, "D1": 2021}
    for col in "BCD":
        sheet.update(column(col, 2, [10, 20, 30]))
    sheet["A5"] = "Summa"
    sheet.update({"B5": ("=SUM(B2:B4)", 60), "C5": 60, "D5": ("=SUM(D2:D4)", 60)})
    found = findings("XL012", {"S": sheet})
    assert [(f.cell, f.severity.label) for f in found] == [("C5", "info")]  # typed, but it adds up


def test_xl012_total_of_parts_and_their_subtotal_is_not_off(findings):
    # the parts above the total include their own subtotal: 100 + 200 + 300 = 2 × 300
    sheet = {"B2": "a", "B3": "b", "B4": "Delsumma", **column("C", 2, [100, 200, 300]),
             "B5": "Summa", "C5": 300}
    assert findings("XL012", {"S": sheet}) == []
    sheet["C5"] = 310
    assert [f.severity.label for f in findings("XL012", {"S": sheet})] == ["error"]


def test_xl012_parts_cut_by_a_note_are_not_judged(findings):
    sheet = {**column("B", 1, [10, 20, "moved to row 9", 30, 40]), "A6": "TOTAL", "B6": 100}
    assert findings("XL012", {"S": sheet}) == []
    sheet["B6"] = 75  # the numbers above the note are not counted in the typed total either
    assert findings("XL012", {"S": sheet}) == []


def test_xl012_typed_total_rounded_from_decimal_parts_is_info(findings):
    sheet = {**column("B", 1, [10.4, 20.3, 30.2]), "A4": "Total", "B4": 61}
    found = findings("XL012", {"S": sheet})
    assert [(f.cell, f.severity.label) for f in found] == [("B4", "info")] and "rounded" in found[0].message


def test_xl012_section_total_under_an_earlier_subtotal(findings):
    sheet = {"A1": "a", "A2": "b", "A3": "Total secteur 1", "A4": "c", "A5": "d", "A6": "Total secteur 2",
             **column("B", 1, [400, 1236, ("=SUM(B1:B2)", 1636), 566, 1326, ("=SUM(B4:B5)", 1892)])}
    assert findings("XL012", {"S": sheet}) == []


def test_xl012_grand_total_echoing_a_wrong_subtotal_is_a_note(findings):
    # a long project list (the grand total is far below the "Total" heading, so not taken as
    # the corner where two total lines cross)
    sheet = {"A1": "Project", "B1": "Part 1", "C1": "Part 2", "D1": "Total"}
    last = 80
    for row in range(2, last):
        sheet.update({f"A{row}": f"P{row}", f"B{row}": 10, f"C{row}": 5, f"D{row}": (f"=SUM(B{row}:C{row})", 15)})
    sheet["D3"] = ("=D2+B3+C3", 30)  # a wrong row total: 15 too much
    n = last - 2
    sheet.update({f"A{last}": "Total", f"B{last}": (f"=SUM(B2:B{last - 1})", 10 * n),
                  f"C{last}": (f"=SUM(C2:C{last - 1})", 5 * n), f"D{last}": (f"=SUM(D2:D{last - 1})", 15 * n + 15)})
    found = {f.cell: f for f in findings("XL012", {"S": sheet})}
    assert found["D3"].severity.label == "error" and "−15" in found["D3"].message
    # the grand total is off by the same 15 because it takes in D3: a note pointing there
    assert found[f"D{last}"].severity.label == "info" and "D3" in found[f"D{last}"].message
