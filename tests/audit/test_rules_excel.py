"""Each Excel-style rule fires on a workbook that has the problem and not on one without."""

from __future__ import annotations

from tests.audit.conftest import column


def cells(found):
    return sorted((f.sheet, f.cell) for f in found)


def _column_formulas(bad_row: int | None = None, bad=None) -> dict:
    sheet = {}
    for r in range(2, 10):
        sheet[f"A{r}"] = r * 10
        sheet[f"B{r}"] = r
        sheet[f"C{r}"] = (f"=A{r}*B{r}", r * 10 * r)
    if bad_row:
        sheet[f"C{bad_row}"] = bad
    return sheet


def test_xl001_error_value(findings):
    assert cells(findings("XL001", {"S": {"A1": 1, "B1": ("=A1/0", "#DIV/0!")}})) == [("S", "B1")]
    assert findings("XL001", {"S": {"A1": 1, "B1": ("=A1/2", 0.5)}}) == []


def test_xl002_inconsistent_formula(findings):
    found = findings("XL002", {"S": _column_formulas(5, ("=A5*B6", 300))})
    assert cells(found) == [("S", "C5")]
    assert "C2:C9" in found[0].message
    assert findings("XL002", {"S": _column_formulas()}) == []


def test_xl002_formula_without_a_reference_on_its_sheet_is_an_input(findings):
    """=(0.81+0.84)/2 or a link to another sheet in a column of copies: typed in or linked, not a
    copy whose references slipped (the same principle as XL031's)."""
    assert findings("XL002", {"S": _column_formulas(5, ("=(0.81+0.84)/2", 0.825))}) == []
    assert findings("XL002", {"S": _column_formulas(5, ("=Other!A5", 1)), "Other": {"A5": 1}}) == []
    assert cells(findings("XL002", {"S": _column_formulas(5, ("=A5*2", 100))})) == [("S", "C5")]


def test_xl002_total_at_end_of_run_is_not_inconsistent(findings):
    sheet = _column_formulas()
    sheet["C10"] = ("=SUM(C2:C9)", 0)
    assert findings("XL002", {"S": sheet}) == []


def test_xl010_typed_constant_among_formulas(findings):
    found = findings("XL010", {"S": _column_formulas(6, 350)})
    assert cells(found) == [("S", "C6")]
    assert found[0].severity.label == "error" and "would give 360" in found[0].message
    assert findings("XL010", {"S": _column_formulas()}) == []


def test_xl010_formula_overwritten_by_its_own_value_is_info(findings):
    found = findings("XL010", {"S": _column_formulas(6, 360)})  # 60 * 6: the value the formula gave
    assert cells(found) == [("S", "C6")]
    assert found[0].severity.label == "info" and "overwritten by its value" in found[0].message


def test_xl010_pattern_that_cannot_be_worked_out_is_a_warning(findings):
    sheet = {}
    for r in range(2, 10):
        sheet[f"A{r}"] = r * r
        sheet[f"C{r}"] = (f"=SQRT(A{r})", r)  # SQRT is not in the small evaluator
    sheet["C6"] = 6
    found = findings("XL010", {"S": sheet})
    assert [(f.cell, f.severity.label) for f in found] == [("C6", "warning")]


def test_xl010_average_in_a_row_of_sums_is_not_a_total(findings):
    sheet = {}
    for c in "ABCDEF":
        sheet.update(column(c, 1, [1, 2, 3]))
        sheet[f"{c}4"] = (f"=SUM({c}1:{c}3)", 6)
    sheet.update(column("G", 1, [1.2, 1.5, 0.9]))
    sheet["G4"] = 1.2  # a typed average at the foot of a column of ratios, in the totals row
    assert findings("XL010", {"S": sheet}) == []
    sheet["G4"] = 5  # a typed "total" larger than every part, and not their sum
    assert findings("XL010", {"S": sheet})[0].severity.label == "error"


def test_xl002_sum_in_the_middle_of_row_formulas(findings):
    sheet = {}
    for r in range(2, 10):
        sheet[f"A{r}"], sheet[f"B{r}"], sheet[f"C{r}"] = r, 2 * r, (f"=SUM(A{r}:B{r})", 3 * r)
    sheet["C6"] = ("=SUM(C2:C5)", 42)  # a slip: the row's numbers are beside it, nothing says "total"
    assert cells(findings("XL002", {"S": sheet})) == [("S", "C6")]
    sheet["D6"] = "Delsumma"  # labelled as a subtotal: a layout, not a slip
    assert findings("XL002", {"S": sheet}) == []


def test_xl003_sum_stops_short(findings):
    short = {**column("A", 1, [1, 2, 3, 4, 5]), "A6": ("=SUM(A1:A4)", 10)}
    full = {**column("A", 1, [1, 2, 3, 4, 5]), "A6": ("=SUM(A1:A5)", 15)}
    found = findings("XL003", {"S": short})
    assert cells(found) == [("S", "A6")] and "A5" in found[0].message
    assert findings("XL003", {"S": full}) == []


def test_xl003_left_out_cell_used_elsewhere_is_not_omitted(findings):
    # an income statement: the line just above a subtotal belongs to the line below it
    sheet = {**column("A", 1, [13.2, -8.3, -13.7]), "A4": ("=SUM(A2:A3)", -22), "A5": ("=A1+A4", -8.8)}
    assert findings("XL003", {"S": sheet}) == []
    del sheet["A5"]
    assert cells(findings("XL003", {"S": sheet})) == [("S", "A4")]


def test_xl003_total_at_the_foot_of_its_table_stops_rows_short(findings):
    """The key column (wafer sizes, typed numbers) runs down to the row above the total: the
    total's range leaves out the table's last rows, empty now (xl003_table_foot)."""
    sheet = {**column("A", 1, [0.25, 0.18, 0.13, 0.09, 0.065, 0.045]), **column("B", 1, [5, 6, 7])}
    sheet["B7"] = ("=SUM(B1:B3)", 18)
    found = findings("XL003", {"S": sheet})
    assert cells(found) == [("S", "B7")] and "B4:B6" in found[0].message
    sheet["B7"] = ("=SUM(B1:B6)", 18)
    assert findings("XL003", {"S": sheet}) == []
    # the key column goes on past the total: a data row, not the foot of the table
    sheet |= {"B7": ("=SUM(B1:B3)", 18), "A7": 0.03}
    assert findings("XL003", {"S": sheet}) == []
    # the same along a row
    row = {"A1": 1.0, "B1": 2.0, "C1": 3.0, "D1": 4.0, "A2": 5.0, "B2": 6.0, "E2": ("=SUM(A2:B2)", 11)}
    found = findings("XL003", {"S": row})
    assert cells(found) == [("S", "E2")] and "C2:D2 are left out" in found[0].message


def test_xl003_grand_total_stops_short_of_a_line_of_totals(findings):
    sheet = {}
    for c in "ABCD":
        sheet.update(column(c, 1, [1, 2, 3]))
        sheet[f"{c}4"] = (f"=SUM({c}1:{c}3)", 6)
    sheet["A6"] = ("=SUM(A4:C4)", 18)  # D4 is the same kind of total, left out
    found = findings("XL003", {"S": sheet})
    assert cells(found) == [("S", "A6")] and "D4" in found[0].message
    sheet["A6"] = ("=SUM(A4:D4)", 24)
    assert findings("XL003", {"S": sheet}) == []


def test_xl007_double_minus(findings):
    sheet = {"A1": 5, "A2": 3, "A3": ("=SUM(A1--A2)", 8)}
    found = findings("XL007", {"S": sheet})
    assert cells(found) == [("S", "A3")]
    clean = {"A1": 5, "A2": 3, "A3": ("=SUMPRODUCT(--(A1:A2>4))", 1), "A4": ("=A1-(-A2)", 8),
             "A5": ('="x--y"&A1', "x--y5")}
    assert findings("XL007", {"S": clean}) == []


def test_xl003_year_header_is_not_omitted(findings):
    sheet = {"A1": 2019, **column("A", 2, [1, 2, 3]), "A5": ("=SUM(A2:A4)", 6)}
    assert findings("XL003", {"S": sheet}) == []


def test_xl004_number_stored_as_text(findings):
    found = findings("XL004", {"S": {"A1": 5, "A2": "12", "A3": ("=SUM(A1:A2)", 5)}})
    assert cells(found) == [("S", "A2")] and found[0].severity.label == "warning"
    assert findings("XL004", {"S": {"A1": 5, "A2": "01", "A3": "Stockholm"}}) == []


def test_xl005_formula_refers_to_empty_cell(findings):
    assert cells(findings("XL005", {"S": {"A1": 1, "B1": ("=A1+A2", 1)}})) == [("S", "B1")]
    assert findings("XL005", {"S": {"A1": 1, "A2": 2, "B1": ("=A1+A2", 3)}}) == []


def test_xl006_unlocked_formula_in_protected_sheet(findings):
    sheet = {"A1": 1, "B1": ("=A1*2", 2)}
    found = findings("XL006", {"S": sheet}, protect=["S"], unlocked=["B1"])
    assert cells(found) == [("S", "B1")]
    assert findings("XL006", {"S": sheet}, protect=["S"]) == []


def test_xl011_magic_number(findings):
    found = findings("XL011", {"S": {"A1": 100, "B1": ("=A1*0.2271", 22.71)}})
    assert cells(found) == [("S", "B1")] and "0,2271" in found[0].message
    clean = {"A1": 100, "B1": ("=ROUND(A1*100/1000,2)", 10), "C1": ("=IF(A1>0,1,0)", 1)}
    assert findings("XL011", {"S": clean}) == []


def test_xl014_stale_cached_value(findings):
    assert cells(findings("XL014", {"S": {"A1": 2, "A2": 3, "A3": ("=SUM(A1:A2)*2", 7)}})) == [("S", "A3")]
    ok = {"A1": 2, "A2": 3, "A3": ("=ROUND(SUM(A1:A2)/3,2)", 1.67), "A4": ("=IF(A1>1,MAX(A1:A2),0)", 3)}
    assert findings("XL014", {"S": ok}) == []


def test_xl014_skips_formulas_it_cannot_evaluate(findings):
    assert findings("XL014", {"S": {"A1": 2, "A2": ("=VLOOKUP(A1,B1:C3,2,FALSE)", 99)}}) == []


def test_xl015_manual_calculation(findings):
    assert [f.rule for f in findings("XL015", {"S": {"A1": 1}}, manual=True)] == ["XL015"]
    assert findings("XL015", {"S": {"A1": 1}}) == []


def test_xl016_approximate_lookup(findings):
    sheet = {"A1": 1, "B1": 2, "C1": ("=VLOOKUP(A1,A1:B1,2)", 2), "D1": ("=MATCH(1,A1:B1)", 1)}
    assert cells(findings("XL016", {"S": sheet})) == [("S", "C1"), ("S", "D1")]
    exact = {"A1": 1, "B1": 2, "C1": ("=VLOOKUP(A1,A1:B1,2,FALSE)", 2), "D1": ("=MATCH(1,A1:B1,0)", 1)}
    assert findings("XL016", {"S": exact}) == []


def test_xl017_external_reference_and_webservice(findings):
    sheet = {"A1": ("=[1]Data!A1*2", 0), "A2": ('=WEBSERVICE("http://example.com")', "x")}
    assert cells(findings("XL017", {"S": sheet})) == [("S", "A1"), ("S", "A2")]
    assert findings("XL017", {"S": {"A1": 1, "A2": ("=Other!A1", 0)}, "Other": {"A1": 0}}) == []


def test_xl018_hidden_sheets_and_rows(findings):
    found = findings("XL018", {"S": {"A1": 1, "A2": ("=A1", 1)}, "H": {"A1": 1}, "V": {"A1": 1}},
                     hidden=["H"], very_hidden=["V"], hidden_rows={"S": [2]})
    assert sorted((f.sheet, f.cell, f.severity.label) for f in found) == [
        ("H", "", "info"), ("S", "A2", "info"), ("V", "", "warning")]
    assert findings("XL018", {"S": {"A1": 1, "A2": ("=A1", 1)}}) == []


def test_xl011_power_of_ten_is_a_unit_not_a_magic_number(findings):
    assert findings("XL011", {"S": {"A1": 5, "B1": ("=A1/1000000", 0)}}) == []
    assert [f.cell for f in findings("XL011", {"S": {"A1": 5, "B1": ("=A1*0.2271", 0)}})] == ["B1"]


def test_xl002_guarded_copy_has_the_same_fingerprint(findings):
    sheet = {**column("A", 1, list(range(1, 9))), **column("B", 1, list(range(1, 9)))}
    sheet.update({f"C{r}": (f'=IF(ISNUMBER(A{r}),A{r}*B{r},"x")', r * r) for r in range(1, 9)})
    sheet["C3"] = ("=A3*B3", 9)  # same references, no guard: not inconsistent
    assert findings("XL002", {"S": sheet}) == []
    sheet["C3"] = ("=A3*B4", 12)  # a different reference: inconsistent
    assert [f.cell for f in findings("XL002", {"S": sheet})] == ["C3"]


def test_xl003_line_of_copied_totals_leaving_out_the_same_row_is_layout(findings):
    sheet = {}
    for col in "ABC":
        sheet.update(column(col, 1, [10, 1, 2, 3]))
        sheet[f"{col}5"] = (f"=SUM({col}2:{col}4)", 6)
    assert findings("XL003", {"S": sheet}) == []
    sheet["B5"] = ("=SUM(B3:B4)", 5)
    assert "B5" in [f.cell for f in findings("XL003", {"S": sheet})]


def test_xl004_column_of_codes_is_text_by_design(findings):
    codes = column("A", 1, ["01", "03", "10", "12", "25"]) | {"B6": "=SUM(C1:C5)"}
    assert findings("XL004", {"S": codes}) == []
    assert [f.cell for f in findings("XL004", {"S": column("A", 1, ["10", "12", "25"])})] == ["A1", "A2", "A3"]


def test_xl005_formula_that_tests_for_empty_inputs_is_not_flagged(findings):
    assert findings("XL005", {"S": {"B1": '=IF(COUNT(A1)=0,"saknas",A1*2)'}}) == []
    found = findings("XL005", {"S": {"B1": "=A1*2"}})
    assert [f.cell for f in found] == ["B1"] and "type 0" not in found[0].suggestion


def test_xl001_error_spreading_to_users_is_one_finding(findings):
    sheet = {"A1": 0, "B1": ("=10/A1", "#DIV/0!"), "C1": ("=B1*2", "#DIV/0!"), "D1": ("=SUM(B1:C1)", "#DIV/0!"),
             "A3": ("=#REF!+1", "#REF!")}
    found = findings("XL001", {"S": sheet})
    assert sorted(f.cell for f in found) == ["A3", "B1"]
    assert "2 cells that use it show the error too" in next(f for f in found if f.cell == "B1").message


def test_xl017_one_finding_per_sheet_and_kind_of_link(findings):
    sheet = {f"A{r}": f"=[1]Budget!B{r}" for r in range(1, 6)} | {"B1": '=WEBSERVICE("http://x")'}
    found = findings("XL017", {"S": sheet})
    assert sorted(f.cell for f in found) == ["A1", "B1"]
    assert "So do 4 other formulas on this sheet" in next(f for f in found if f.cell == "A1").message
