"""ExceLint's core as published: reference-vector resultants, entropy-guided decomposition,
fixes ranked by entropy reduction weighted by fix distance."""

from __future__ import annotations

from conftest import column

from xl_tools.audit import run_rules
from xl_tools.audit.entropy_tree import decompose, fixes, resultant
from xl_tools.audit.reader import read_workbook
from xl_tools.audit.settings import DEFAULT


def test_resultant_sums_reference_vectors_and_ranges_count_each_cell():
    assert resultant("R[-1]C[0]+R[-1]C[1]") == (-2.0, 1.0, 0.0)
    assert resultant("SUM(R[-3]C[0]:R[-1]C[0])") == (-6.0, 0.0, 0.0)  # three cells above: -1 -2 -3
    assert resultant("R1C1", 3, 2) == (-2.0, -1.0, 0.0)  # absolute parts become vectors from the cell
    assert resultant("Blad2!R[0]C[0]") == (0.0, 0.0, 1.0)


def test_decomposition_splits_where_entropy_drops_most():
    classes = {(r, c): (0 if c <= 3 else 1) for r in range(1, 6) for c in range(1, 6)}
    leaves = decompose(classes)
    assert sorted((x.c1, x.c2, x.cls) for x in leaves) == [(1, 3, 0), (4, 5, 1)]


def test_odd_line_in_a_block_is_the_best_fix():
    classes = {(r, c): 0 for r in range(1, 11) for c in range(1, 4)}
    classes.update({(5, c): 1 for c in range(1, 4)})  # one row with another pattern
    leaves = decompose(classes)
    found = sorted(fixes(leaves, {0: (-1.0, 0.0, 0.0), 1: (-2.0, 0.0, 0.0)}), key=lambda f: -f.score)
    assert found and (found[0].small.r1, found[0].small.r2) == (5, 5)


def test_xl030_with_the_entropy_tree_flags_a_row_copied_from_the_wrong_row(book):
    sheet = column("A", 1, list(range(1, 13))) | column("B", 1, list(range(11, 23)))
    sheet |= {f"C{r}": (f"=A{r}+B{r}", 0) for r in range(1, 13)}
    sheet |= {f"D{r}": (f"=A{r}*B{r}", 0) for r in range(1, 13)}
    sheet["C6"], sheet["D6"] = ("=A5+B5", 0), ("=A5*B5", 0)
    found = run_rules(read_workbook(book({"S": sheet})), only=["XL030"],
                      settings=DEFAULT.changed(xl030_method="entropy-tree", xl030_min_score=1.0))
    assert {f.cell for f in found} >= {"C6", "D6"}
