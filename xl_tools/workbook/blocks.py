"""One block of columns per allocation rule: the Excel formulas and their engine twins.

Each ``write_*`` function writes, for one post of the agreement, the columns of its
villkor sheet (one row per region) and, side by side, computes the same numbers with
the engine (:mod:`xl_tools.engine.rules`). The value the engine computes is stored
as the cell's cached value; the tests recalculate the formulas (Python and
LibreOffice) and require the same numbers.

Rule → block:
    share_if_qualified      Befolkning, Andel, Max, Uppfyllt (Ja/Nej), Utfall
    shared_among_qualified  Befolkning, Andel, Max, Uppfyllt (Ja/Nej), Utfall
    population_share        Befolkning, Andel, Belopp
    per_unit_capped         Befolkning, Andel, Tak, Kontakter, Belopp för kontakter,
                            Steg 1, Överskott, Utfall exakt, Utfall
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from xl_tools.agreement import Post
from xl_tools.engine.rules import (
    allocate,
    per_unit_capped,
    population_share,
    share_if_qualified,
    shared_among_qualified,
)
from xl_tools.regions import REGIONS
from xl_tools.workbook.inputs import NO, YES
from xl_tools.workbook.sheet import MISSING, Sheet

FIRST = 5  # first region row (0-based; Excel row 6)
LAST = FIRST + len(REGIONS) - 1  # Excel row 26
SUM_ROW = LAST + 1  # Excel row 27
HEADER_ROW = FIRST - 1
BLOCK_ROW = FIRST - 2


def region_columns(s: Sheet) -> None:
    """Länskod and region name in columns A and B, one row a region from FIRST, headed on
    HEADER_ROW (default widths unless the sheet sets its own)."""
    s.header_row(HEADER_ROW, ["Länskod", "Region"])
    for i, r in enumerate(REGIONS):
        s.put(FIRST + i, 0, r.code, "code")
        s.put(FIRST + i, 1, r.name, "text")
    s.widths.setdefault(0, 9)
    s.widths.setdefault(1, 18)


@dataclass
class BlockResult:
    """Where a post's numbers are on its sheet, and the engine's values for them."""

    post: Post
    sheet: Sheet
    first_col: int
    last_col: int
    max_col: int
    utfall_col: int
    input_col: int | None
    max_values: list[Any]
    utfall_values: list[Any]
    missing: bool
    columns: dict[str, int] = field(default_factory=dict)
    column_values: dict[str, list[Any]] = field(default_factory=dict)


class BlockWriter:
    """Writes one post's block, starting at column ``col`` of ``sheet``."""

    def __init__(self, sheet: Sheet, post: Post, col: int, *, pot_name: str, rate_name: str | None,
                 pop_ref: Callable[[int], str], pop_sum_ref: str, pop_range_ref: str,
                 populations: list[int] | None, typed_populations: list[int | None], guarded: bool,
                 rounding: str, flags: list[bool], units: list[int]) -> None:
        self.sheet = sheet
        self.post = post
        self.col = col
        self.first_col = col
        self.pot = pot_name
        self.rate = rate_name
        self.pop_ref = pop_ref
        self.pop_sum_ref = pop_sum_ref
        self.pop_range_ref = pop_range_ref
        self.pops = populations
        self.typed = typed_populations
        self.guarded = guarded
        self.missing = populations is None
        self.rounding = rounding
        self.flags = flags
        self.units = units
        self.columns: dict[str, int] = {}
        self.values: dict[str, list[Any]] = {}

    # -- helpers ---------------------------------------------------------------------------
    def _round(self, expr: str) -> str:
        return f"ROUND({expr},0)" if self.rounding == "kronor" else expr

    def _guard(self, on: str, expr: str) -> str:
        """Propagate the 'Befolkning saknas' text when the reference population may be missing."""
        return f"IF(ISNUMBER({on}),{expr},{on})" if self.guarded else expr

    def _cell(self, key: str, row: int, *, abs_row: bool = False) -> str:
        return self.sheet.ref(row, self.columns[key], abs_row=abs_row)

    def _range(self, key: str) -> str:
        return self.sheet.rng(FIRST, LAST, self.columns[key], absolute=True)

    def column(self, key: str, header: str, style: str,
               formula: Callable[[int], str] | None, values: list[Any], *, sum_row: str | None = "sum",
               is_input: bool = False, validation: dict | None = None) -> int:
        """Write one column: header, 21 region rows, and the Summa row."""
        col = self.col
        self.col += 1
        self.columns[key] = col
        self.values[key] = values
        self.sheet.put(HEADER_ROW, col, header, "header")
        for i in range(len(REGIONS)):
            row = FIRST + i
            if is_input:
                self.sheet.input(row, col, values[i], style)
            else:
                assert formula is not None
                value = values[i]
                self.sheet.formula(row, col, formula(row), value, style if value != MISSING else "missing")
        if is_input and validation:
            self.sheet.validations.append((FIRST, col, LAST, col, validation))
        rng = self.sheet.rng(FIRST, LAST, col, absolute=False)
        numbers = [v for v in values if isinstance(v, (int, float, Fraction)) and not isinstance(v, bool)]
        if sum_row == "sum":
            total = sum(Fraction(v) if not isinstance(v, float) else Fraction(v) for v in numbers)
            if self.guarded and not is_input:
                formula_text = f'IF(COUNT({rng})=0,"{MISSING}",SUM({rng}))'
                value: Any = MISSING if not numbers else _plain(total)
            else:
                formula_text = f"SUM({rng})"
                value = _plain(total)
            self.sheet.formula(SUM_ROW, col, formula_text, value, "total" if style != "share" else "share_total")
        elif sum_row == "count_yes":
            count = sum(1 for v in values if v == YES)
            self.sheet.formula(SUM_ROW, col, f'COUNTIF({rng},"{YES}")', count, "total_count")
        return col

    # -- the shared first columns -------------------------------------------------------------
    def population_and_share(self) -> None:
        pops_shown = self.pops if self.pops is not None else [t or 0 for t in self.typed]
        self.column("befolkning", "Befolkning", "int", lambda r: f"{self.pop_ref(r)}", list(pops_shown))
        if self.pops is None:
            shares: list[Any] = [MISSING] * len(REGIONS)
        else:
            total = sum(self.pops)
            shares = [float(Fraction(p, total)) for p in self.pops]
        befolkning = self.columns["befolkning"]

        def share_formula(row: int) -> str:
            ratio = f"{self.sheet.ref(row, befolkning)}/{self.pop_sum_ref}"
            if self.guarded:
                return f'IF(COUNT({self.pop_range_ref})<{len(REGIONS)},"{MISSING}",{ratio})'
            return ratio

        self.column("andel", "Andel", "share", share_formula, shares)

    def _qualified_input(self, header: str) -> None:
        values = [YES if q else NO for q in self.flags]
        self.column("uppfyllt", header, "input_text", None, values, sum_row="count_yes", is_input=True,
                    validation={"validate": "list", "source": [YES, NO],
                                "input_title": "Uppfyllt?", "input_message": "Välj Ja eller Nej.",
                                "error_title": "Ja eller Nej", "error_message": "Skriv Ja eller Nej."})

    def _rounded(self, exact: list[Fraction] | None) -> list[Any]:
        if exact is None:
            return [MISSING] * len(REGIONS)
        amounts = allocate(exact, self.rounding).amounts
        return [_plain(a) for a in amounts]

    def share_of_pot(self, key: str, header: str, style: str) -> None:
        """The population share of the pot, rounded: ``ROUND(Pott*Andel;0)`` (engine: population_share)."""
        pot = Fraction(self.post.belopp)
        amounts = self._rounded(population_share(pot, self.pops) if self.pops else None)
        self.column(key, header, style,
                    lambda r: self._guard(self._cell("andel", r), self._round(f"{self.pot}*{self._cell('andel', r)}")),
                    amounts)

    def result(self, max_key: str, utfall_key: str, input_key: str | None) -> BlockResult:
        return BlockResult(
            post=self.post, sheet=self.sheet, first_col=self.first_col, last_col=self.col - 1,
            max_col=self.columns[max_key], utfall_col=self.columns[utfall_key],
            input_col=self.columns.get(input_key) if input_key else None,
            max_values=self.values[max_key], utfall_values=self.values[utfall_key], missing=self.missing,
            columns=dict(self.columns), column_values=dict(self.values),
        )


def write_share_if_qualified(w: BlockWriter) -> BlockResult:
    """Villkor 1 and 2: the population share, paid if the villkor was met (engine: share_if_qualified)."""
    w.population_and_share()
    pot = Fraction(w.post.belopp)
    w.share_of_pot("max", "Max (kr)", "kr")
    w._qualified_input("Uppfyllt (Ja/Nej)")
    utfall = w._rounded(share_if_qualified(pot, w.pops, w.flags) if w.pops else None)
    w.column("utfall", "Utfall (kr)", "kr_result",
             lambda r: w._guard(w._cell("max", r), f'IF({w._cell("uppfyllt", r)}="{YES}",{w._cell("max", r)},0)'),
             utfall)
    return w.result("max", "utfall", "uppfyllt")


def write_shared_among_qualified(w: BlockWriter) -> BlockResult:
    """Villkor 4: the pot shared only among the regions that met it (engine: shared_among_qualified)."""
    w.population_and_share()
    pot = Fraction(w.post.belopp)
    w.share_of_pot("max", "Max (kr)", "kr")
    w._qualified_input("Uppfyllt (Ja/Nej)")
    utfall = w._rounded(shared_among_qualified(pot, w.pops, w.flags) if w.pops else None)
    flags, pops = w._range("uppfyllt"), w._range("befolkning")

    def utfall_formula(r: int) -> str:
        share = f'{w.pot}*{w._cell("befolkning", r)}/SUMIF({flags},"{YES}",{pops})'
        return w._guard(w._cell("max", r), f'IF({w._cell("uppfyllt", r)}="{YES}",{w._round(share)},0)')

    w.column("utfall", "Utfall (kr)", "kr_result", utfall_formula, utfall)
    return w.result("max", "utfall", "uppfyllt")


def write_population_share(w: BlockWriter) -> BlockResult:
    """An unconditional population share (villkor 3's grundbelopp; engine: population_share)."""
    w.population_and_share()
    w.share_of_pot("belopp", "Belopp (kr)", "kr_result")
    return w.result("belopp", "belopp", None)


def write_per_unit_capped(w: BlockWriter) -> BlockResult:
    """Villkor 3's contact stimulus (engine: per_unit_capped); see its docstring for the rule."""
    w.population_and_share()
    pot = Fraction(w.post.belopp)
    rate = Fraction(w.post.per_enhet or 0)
    caps_exact = population_share(pot, w.pops) if w.pops else None
    missing = [MISSING] * len(REGIONS)
    w.column("tak", "Tak (kr)", "kr",
             lambda r: w._guard(w._cell("andel", r), f"{w.pot}*{w._cell('andel', r)}"),
             [float(c) for c in caps_exact] if caps_exact else missing)
    w.column("enheter", f"{w.post.enhet.capitalize()} (antal)", "input_int", None, list(w.units), is_input=True,
             validation={"validate": "integer", "criteria": ">=", "value": 0,
                         "input_title": "Antal", "input_message": "Antal behandlingar med kontakt (heltal ≥ 0).",
                         "error_title": "Heltal", "error_message": "Skriv ett heltal, 0 eller mer."})
    demand = [rate * u for u in w.units]
    w.column("krav", f"Belopp för {w.post.enhet} (kr)", "kr",
             lambda r: f"{w._cell('enheter', r)}*{w.rate}", [_plain(d) for d in demand])
    step1 = [min(d, c) for d, c in zip(demand, caps_exact)] if caps_exact else None
    w.column("steg1", "Steg 1: högst tak (kr)", "kr",
             lambda r: w._guard(w._cell("tak", r), f"MIN({w._cell('krav', r)},{w._cell('tak', r)})"),
             [float(s) for s in step1] if step1 else missing)
    excess = [d - s for d, s in zip(demand, step1)] if step1 else None
    w.column("overskott", "Överskott (kr)", "kr",
             lambda r: w._guard(w._cell("steg1", r), f"{w._cell('krav', r)}-{w._cell('steg1', r)}"),
             [float(e) for e in excess] if excess else missing)
    exact = per_unit_capped(pot, w.pops, w.units, rate) if w.pops else None
    s1, ex = w._range("steg1"), w._range("overskott")
    unused = f"({w.pot}-SUM({s1}))"

    def exact_formula(r: int) -> str:
        e = w._cell("overskott", r)
        body = f"{w._cell('steg1', r)}+IF(SUM({ex})<={unused},{e},{unused}*{e}/SUM({ex}))"
        return w._guard(w._cell("steg1", r), body)

    w.column("exakt", "Utfall exakt (kr)", "kr_exact", exact_formula,
             [float(x) for x in exact] if exact else missing)
    w.column("utfall", "Utfall (kr)", "kr_result",
             lambda r: w._guard(w._cell("exakt", r), w._round(w._cell("exakt", r))), w._rounded(exact))
    # Max for the summary is the cap (the population share of the pot), rounded like the outcome.
    return w.result("tak", "utfall", "enheter")


WRITERS: dict[str, Callable[[BlockWriter], BlockResult]] = {
    "share_if_qualified": write_share_if_qualified,
    "shared_among_qualified": write_shared_among_qualified,
    "population_share": write_population_share,
    "per_unit_capped": write_per_unit_capped,
}


def _plain(value: Fraction | int | float) -> int | float:
    """A Fraction as an int when whole, else a float (for the file's cached value)."""
    if isinstance(value, float):
        return value
    value = Fraction(value)
    return int(value) if value.denominator == 1 else float(value)
