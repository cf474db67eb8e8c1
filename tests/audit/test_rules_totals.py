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
