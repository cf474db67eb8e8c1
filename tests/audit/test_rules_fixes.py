"""XL031: ExceLint's proposed fixes (reference-vector fingerprints, entropy-ranked fixes)."""

from __future__ import annotations

from conftest import LOUD, column

from xl_tools.audit import run_rules
from xl_tools.audit.reader import read_workbook
from xl_tools.audit.refvectors import Rect, categories, proposed_fixes, regions, shape


def test_fingerprint_sums_reference_vectors_and_counts_constants():
    assert shape("R[-1]C[0]*3.33+1").vector == (-1, 0, 0, 2)
    assert shape("R[-1]C[0]*3.33").vector == (-1, 0, 0, 1)
    assert shape("SUM(R[-3]C[0]:R[-1]C[0])").vector == (-6, 0, 0, 0)  # each cell of a range: -1 -2 -3
    assert shape("R[0]C[-1]*R1C2").vector == (1, 1, 0, 0)  # an absolute part is its coordinate
    assert shape("Blad2!R[0]C[0]+R[0]C[-1]").vector == (0, -1, 1, 0)  # another sheet: one unit on z
    assert shape('IF(COUNT(R[-2]C[0])=0,"",R[-2]C[0]*0)').vector == (-2, 0, 0, 0)  # repeated ref once, 0 no constant


def test_regions_join_vertical_runs_side_by_side():
    v, w = (-1, 0, 0, 0), (-2, 0, 0, 0)
    cells = {(r, c): v for r in range(1, 5) for c in (1, 2)}
    cells[(5, 1)] = w
    found = regions(cells)
    assert Rect(1, 1, 4, 2, v) in found and Rect(5, 1, 5, 1, w) in found


def test_categories_name_how_two_formulas_differ():
    a, b = shape("R[0]C[-2]+R[0]C[-1]"), shape("R[-1]C[-2]+R[-1]C[-1]")
    assert categories(a, b, vertical=True) == ("ranges", "off-axis")  # R[-1]C[-2]: neither row nor column
    assert categories(shape("R[0]C[-1]*2"), shape("R[0]C[-1]"), vertical=True) == ("one-extra-constant",)


def test_a_fat_fix_over_rows_and_columns_is_not_proposed():
    v, w = (-1, 0, 0, 0), (-2, 0, 0, 0)
    rects = [Rect(1, 1, 4, 2, v), Rect(5, 1, 5, 2, w)]
    shapes = {v: shape("R[-1]C[0]"), w: shape("R[-2]C[0]")}
    assert proposed_fixes(rects, shapes) == []
    rects = [Rect(1, 1, 4, 1, v), Rect(5, 1, 5, 1, w)]
    found = proposed_fixes(rects, shapes)
    assert [(f.small, f.large) for f in found] == [(rects[1], rects[0])]


def _sheet(wrong: int | None = None) -> dict[str, object]:
    sheet = column("A", 1, [float(x) for x in range(1, 13)]) | column("B", 1, [float(x) for x in range(11, 23)])
    sheet |= {f"C{r}": (f"=A{r}+B{r}", 0) for r in range(1, 13)}
    if wrong:
        sheet[f"C{wrong}"] = (f"=A{wrong - 1}+B{wrong - 1}", 0)
    return sheet


def test_xl031_flags_a_formula_copied_from_the_wrong_row(book):
    workbook = read_workbook(book({"S": _sheet(wrong=12)}))
    both = run_rules(workbook, only=["XL031"], settings=LOUD.changed(xl031_cells="both"))
    assert {"C12", "C11"} <= {f.cell for f in both}  # the odd cell and the block it disagrees with
    by_cell = {f.cell: f.message for f in both}
    assert "C12 beside it (=A11+B11)" in by_cell["C11"] and "e.g." not in by_cell["C11"]  # one cell named once
    assert "C1:C11 beside it (e.g. C1 (=A1+B1))" in by_cell["C12"]
    assert all(f.severity.label == "warning" for f in both)
    smaller = run_rules(workbook, only=["XL031"], settings=LOUD.changed(xl031_cells="smaller"))
    assert [f.cell for f in smaller] == ["C12"]


def test_xl031_is_quiet_on_a_consistent_table_with_its_totals(findings):
    sheet = _sheet()
    sheet["C13"] = ("=SUM(C1:C12)", 0)
    sheet["D1"] = ("=C1*2", 0)
    assert findings("XL031", {"S": sheet}) == []


def test_xl031_leaves_other_computations_and_links_alone(findings):
    sheet = _sheet()
    sheet |= {f"C{r}": (f"=ROUND(A{r}*B{r}/12,0)", 0) for r in range(13, 20)}  # another table below
    sheet |= {f"D{r}": (f"=Other!A{r}", 0) for r in range(1, 6)}
    sheet |= {f"D{r}": (f"=Other!B{r}*2", 0) for r in range(6, 9)}
    assert findings("XL031", {"S": sheet, "Other": {"A1": 1.0}}) == []


def test_xl002_skips_a_deviation_that_steps_over_a_blank_when_the_setting_says_so(book):
    """A run's formula copied to the odd cell would read a blank or a label: the step over it
    was deliberate (xl002_skip_non_numbers, chosen by cross-validation)."""
    sheet = column("A", 1, [1.0, 2.0, 3.0, 4.0, None, 6.0, 7.0, 8.0]) | column("B", 1, [float(x) for x in range(1, 9)])
    sheet |= {f"C{r}": (f"=A{r}*2", 0) for r in range(1, 9)}
    sheet["C5"] = ("=B5*2", 0)  # A5 is empty: the author took the neighbour on purpose
    workbook = read_workbook(book({"S": {k: v for k, v in sheet.items() if v is not None}}))
    loud = run_rules(workbook, only=["XL002"], settings=LOUD.changed(xl002_skip_non_numbers=False))
    assert [f.cell for f in loud] == ["C5"]
    assert run_rules(workbook, only=["XL002"], settings=LOUD.changed(xl002_skip_non_numbers=True)) == []


def test_xl031_flags_a_total_that_stands_in_a_line_of_parts(book):
    """=SUM(C1:C11) in row 12, where A12 and B12 are parts like the rows above: a copy of the
    block's formula belongs there, so the total is the slip (and only it is named)."""
    sheet = _sheet() | {f"C{r}": (f"=SUM(A{r}:B{r})", 0) for r in range(1, 12)}
    sheet["C12"] = ("=SUM(C1:C11)", 0)
    workbook = read_workbook(book({"S": sheet}))
    found = run_rules(workbook, only=["XL031"], settings=LOUD)
    assert [f.cell for f in found] == ["C12"]
    assert not run_rules(workbook, only=["XL031"], settings=LOUD.changed(xl031_total_among_parts=False))


def test_xl031_leaves_a_total_on_a_line_of_totals_alone(findings):
    sheet = _sheet() | {f"C{r}": (f"=SUM(A{r}:B{r})", 0) for r in range(1, 13)}
    sheet |= {"A13": ("=SUM(A1:A12)", 0), "B13": ("=SUM(B1:B12)", 0), "C13": ("=SUM(C1:C12)", 0)}
    assert findings("XL031", {"S": sheet}) == []
