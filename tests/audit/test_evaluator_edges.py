"""The small evaluator and the rules never raise: numeric edges give Excel error values,
random formulas and values (hypothesis) give a number, an error value or "cannot tell"."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xl_tools.audit import run_rules
from xl_tools.audit.evaluate import Evaluator
from xl_tools.audit.formula import to_r1c1
from xl_tools.audit.model import Cell, Sheet, Workbook


def _book(values: dict[str, object]) -> Workbook:
    sheet = Sheet("S")
    for address, value in values.items():
        col, row = ord(address[0]) - 64, int(address[1:])
        if isinstance(value, str) and value.startswith("="):
            sheet.cells[(row, col)] = Cell(row, col, 1.0, "n", value[1:])
        elif isinstance(value, float):
            sheet.cells[(row, col)] = Cell(row, col, value, "n")
        else:
            sheet.cells[(row, col)] = Cell(row, col, value, "s")
    return Workbook("memory", sheets=[sheet])


def _value(values: dict[str, object], formula: str):
    return Evaluator(_book(values)).value(to_r1c1(formula, 9, 9), "S", 9, 9)


@pytest.mark.parametrize("formula, expected", [
    ("A1^0.5", "#NUM!"),  # negative to a fractional power
    ("ROUND(B1,30)", 1e300),
    ("ROUND(B1,1E300)", 1e300),
    ("ROUND(A1,-400)", 0.0),
    ("2*1E400", "#NUM!"),
    ("B1*B1", "#NUM!"),  # overflow
    ("0^-1", "#DIV/0!"),
    ("A1/0", "#DIV/0!"),
    ("ROUND(C1,2)", "#NUM!"),  # a cached inf
    ("ROUND(2.5,0)", 3.0),
    ("ROUND(-2.5,0)", -3.0),
    ("ROUND(1.005,2)", 1.01),
    ("(-8)^3", -512.0),
    ("SUM(D1:D4)", 0.6),
])
def test_numeric_edges_give_excel_values(formula, expected):
    values = {"A1": -4.0, "B1": 1e300, "C1": math.inf, "D1": 0.1, "D2": 0.2, "D3": 0.3, "D4": "text"}
    result = _value(values, formula)
    assert result == pytest.approx(expected) if isinstance(expected, float) else result == expected


def test_running_sum_is_exact_and_each_prefix_sum_is_right():
    values = {f"A{r}": 0.1 for r in range(1, 9)}
    evaluator = Evaluator(_book(values))
    for r in range(1, 9):
        assert evaluator.value(to_r1c1(f"SUM($A$1:A{r})", r, 2), "S", r, 2) == math.fsum([0.1] * r)


_atom = st.one_of(
    st.sampled_from(["A1", "B2", "C3", "$A$1", "A1:A4", "B1:C3", "Z99", "TRUE", "1E400", "1E308", "0", "-0.5"]),
    st.floats(allow_nan=False, allow_infinity=False).map(lambda v: f"{abs(v):.17g}"),
    st.integers(min_value=-10**30, max_value=10**30).map(lambda v: str(abs(v))),
)


def _combine(children):
    return st.one_of(
        st.tuples(children, st.sampled_from(["+", "-", "*", "/", "^", "=", "<", ">=", "<>", "&"]), children)
        .map(lambda t: f"{t[0]}{t[1]}{t[2]}"),
        st.tuples(st.sampled_from(["SUM", "MIN", "MAX", "ROUND", "IF", "ABS", "SQRT", "VLOOKUP"]),
                  st.lists(children, min_size=0, max_size=3)).map(lambda t: f"{t[0]}({','.join(t[1])})"),
        children.map(lambda c: f"-({c})"),
        children.map(lambda c: f"{c}%"),
    )


formulas = st.recursive(_atom, _combine, max_leaves=12)
cell_values = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=5),
                        st.sampled_from([-1.0, 0.0, 1e308, -1e308, 5e-324]))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(formula=formulas, values=st.lists(cell_values, min_size=9, max_size=9))
def test_evaluator_never_raises(formula, values):
    book = dict(zip(["A1", "A2", "A3", "A4", "B1", "B2", "C1", "C2", "C3"], values))
    result = _value(book, formula)
    assert result is None or isinstance(result, str) or math.isfinite(result)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(column=st.lists(st.one_of(formulas.map(lambda f: "=" + f), cell_values), min_size=4, max_size=12))
def test_rules_never_raise(column):
    cells = {f"B{r}": v for r, v in enumerate(column, start=1)}
    cells |= {f"A{r}": float(r) for r in range(1, len(column) + 1)}
    cells["C1"] = "Summa"
    run_rules(_book(cells))
