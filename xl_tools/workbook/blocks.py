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
from xl_tools.engine.rounding import round_half_away
from xl_tools.engine.rules import (
    allocate,
    fixed_plus_population,
    per_unit_capped,
    population_share,
    shared_among_qualified,
)
from xl_tools.regions import REGIONS
from xl_tools.workbook.inputs import NO, YES
from xl_tools.workbook.sheet import MISSING, Sheet, plain_number

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
                 rounding: str, flags: list[bool], units: list[int], fixed_name: str | None = None,
                 amounts: list[int | float] | None = None) -> None:
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
        self.fixed = fixed_name
        self.amounts = amounts or [0] * len(REGIONS)
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
               is_input: bool = False, validation: dict[str, Any] | None = None) -> int:
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
                value = MISSING if not numbers else plain_number(total)
            else:
                formula_text = f"SUM({rng})"
                value = plain_number(total)
            total_style = "total" if style != "share" else "share_total"
            self.sheet.formula(SUM_ROW, col, formula_text, value, "missing_total" if value == MISSING else total_style)
        elif sum_row == "count_yes":
            count = sum(1 for v in values if v == YES)
            self.sheet.formula(SUM_ROW, col, f'COUNTIF({rng},"{YES}")', count, "total_count")
        return col

    # -- the shared first columns -------------------------------------------------------------
    def population_and_share(self) -> None:
        # a population not typed yet says so (a blank cell would show as 0, which looks like data)
        pops_shown = self.pops if self.pops is not None else [t if isinstance(t, int) else MISSING for t in self.typed]
        self.column("befolkning", "Befolkning", "int",
                    lambda r: f'IF(ISNUMBER({self.pop_ref(r)}),{self.pop_ref(r)},"{MISSING}")' if self.guarded
                    else self.pop_ref(r), list(pops_shown))
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
        """The engine's amounts: ``exact`` rounded once by the workbook's method (populations as weights)."""
        if exact is None:
            return [MISSING] * len(REGIONS)
        amounts = allocate(exact, self.rounding, weights=self.pops).amounts
        return [plain_number(a) for a in amounts]

    def rounded(self, key: str, header: str, style: str, exact_formula: Callable[[int], str],
                exact: list[Fraction] | None, *, exact_key: str | None = None, guard_key: str = "andel") -> None:
        """The column ``key``: exact amounts rounded by the workbook's method, as plain formulas.

        ``kronor``: ``ROUND(x;0)`` per region. ``none``: ``x``. The two methods that make the amounts
        sum exactly to the whole-krona total write their steps as columns of their own:

        - ``largest-remainder``: exact, rest ``x − INT(x)``, its rank (largest first, ties by row),
          and ``INT(x) + 1`` for the ranks within ``ROUND(SUM(rest);0)`` (= ``ROUND(Σx) − Σ INT(x)``,
          the kronor left to hand out), ``INT(x)`` for the others;
        - ``residual-to-largest``: exact, ``ROUND(x;0)``, the population of each paid region, and
          ``ROUND(x;0)`` plus ``ROUND(SUM(x);0) − SUM(ROUND(x;0))`` on the first row whose population
          is the largest among the paid regions.

        ``exact_key`` names a column that already holds the exact amounts.
        """
        values = self._rounded(exact)
        missing = [MISSING] * len(REGIONS)
        if self.rounding in ("kronor", "none"):
            def formula(r: int) -> str:
                x = self._cell(exact_key, r) if exact_key else exact_formula(r)
                return self._guard(self._cell(exact_key or guard_key, r), self._round(x))

            self.column(key, header, style, formula, values)
            return
        base = header.replace(" (kr)", "")
        if exact_key is None:
            exact_key = f"{key}_exakt"
            self.column(exact_key, f"{base} exakt (kr)", "kr_exact",
                        lambda r: self._guard(self._cell(guard_key, r), exact_formula(r)),
                        [float(x) for x in exact] if exact is not None else missing)
        xs = self._range(exact_key)
        total = f"ROUND(SUM({xs}),0)"
        if self.rounding == "largest-remainder":
            # cached as the spreadsheet computes it: the float amount minus its whole kronor
            rests = [float(x) - int(x) for x in exact] if exact is not None else missing
            self.column(f"{key}_rest", f"{base} rest (kr)", "kr_exact",
                        lambda r: self._guard(self._cell(exact_key, r),
                                              f"{self._cell(exact_key, r)}-INT({self._cell(exact_key, r)})"), rests)
            order = _rank_desc(exact) if exact is not None else missing
            rest_range = self._range(f"{key}_rest")

            def rank(r: int) -> str:
                col = self.columns[f"{key}_rest"]
                above = f"{self.sheet.ref(FIRST, col, abs_row=True, abs_col=True)}:{self.sheet.ref(r, col)}"
                cell = self._cell(f"{key}_rest", r)
                return self._guard(cell, f"SUMPRODUCT(({rest_range}>{cell})*1)+SUMPRODUCT(({above}={cell})*1)")

            self.column(f"{key}_ordning", "Ordning (största rest först)", "int", rank, order, sum_row=None)

            def final(r: int) -> str:
                # ROUND(Σ rest) = ROUND(Σ x) − Σ INT(x): the kronor left to hand out
                body = (f"INT({self._cell(exact_key, r)})+IF({self._cell(f'{key}_ordning', r)}<="
                        f"ROUND(SUM({rest_range}),0),1,0)")
                return self._guard(self._cell(f"{key}_ordning", r), body)

            self.column(key, header, style, final, values)
            return
        # residual-to-largest
        halves = [plain_number(round_half_away(x)) for x in exact] if exact is not None else missing
        self.column(f"{key}_avrundat", f"{base} avrundat (kr)", "kr",
                    lambda r: self._guard(self._cell(exact_key, r), f"ROUND({self._cell(exact_key, r)},0)"), halves)
        weights = ([p if x != 0 else 0 for p, x in zip(self.pops, exact)]
                   if exact is not None and self.pops else missing)
        self.column(f"{key}_vikt", "Befolkning om belopp", "int",
                    lambda r: self._guard(self._cell(exact_key, r),
                                          f"IF({self._cell(exact_key, r)}<>0,{self._cell('befolkning', r)},0)"),
                    weights, sum_row=None)
        vikt = self._range(f"{key}_vikt")
        rounded_range = self._range(f"{key}_avrundat")

        def plug(r: int) -> str:
            col = self.columns[f"{key}_vikt"]
            above = f"{self.sheet.ref(FIRST, col, abs_row=True, abs_col=True)}:{self.sheet.ref(r, col)}"
            cell = self._cell(f"{key}_vikt", r)
            chosen = f"AND({cell}=MAX({vikt}),SUMPRODUCT(({above}=MAX({vikt}))*1)=1)"
            body = f"{self._cell(f'{key}_avrundat', r)}+IF({chosen},{total}-SUM({rounded_range}),0)"
            return self._guard(self._cell(f"{key}_avrundat", r), body)

        self.column(key, header, style, plug, values)

    def share_of_pot(self, key: str, header: str, style: str) -> None:
        """The population share of the pot, rounded (engine: population_share)."""
        pot = Fraction(self.post.belopp)
        self.rounded(key, header, style, lambda r: f"{self.pot}*{self._cell('andel', r)}",
                     population_share(pot, self.pops) if self.pops else None)

    def result(self, max_key: str, utfall_key: str, input_key: str | None) -> BlockResult:
        return BlockResult(
            post=self.post, sheet=self.sheet, first_col=self.first_col, last_col=self.col - 1,
            max_col=self.columns[max_key], utfall_col=self.columns[utfall_key],
            input_col=self.columns.get(input_key) if input_key else None,
            max_values=self.values[max_key], utfall_values=self.values[utfall_key], missing=self.missing,
            columns=dict(self.columns), column_values=dict(self.values),
        )


def write_share_if_qualified(w: BlockWriter) -> BlockResult:
    """Villkor 1 and 2: the population share, paid if the villkor was met (engine: share_if_qualified).

    Max is the population share rounded by the workbook's method; a region that met the villkor
    gets its Max, one that did not gets 0.
    """
    w.population_and_share()
    w.share_of_pot("max", "Max (kr)", "kr")
    w._qualified_input("Uppfyllt (Ja/Nej)")
    utfall = [m if m == MISSING or q else 0 for m, q in zip(w.values["max"], w.flags)]
    w.column("utfall", "Utfall (kr)", "kr_result",
             lambda r: w._guard(w._cell("max", r), f'IF({w._cell("uppfyllt", r)}="{YES}",{w._cell("max", r)},0)'),
             utfall)
    return w.result("max", "utfall", "uppfyllt")


def write_shared_among_qualified(w: BlockWriter) -> BlockResult:
    """Villkor 4: the pot shared only among the regions that met it (engine: shared_among_qualified).

    The first amount column is each region's share if every region met it; Utfall may be more
    than that when some did not (their money goes to the others).
    """
    w.population_and_share()
    pot = Fraction(w.post.belopp)
    w.share_of_pot("max", "Andel om alla uppfyllt (kr)", "kr")
    w._qualified_input("Uppfyllt (Ja/Nej)")
    flags, pops = w._range("uppfyllt"), w._range("befolkning")

    def exact(r: int) -> str:
        share = f'{w.pot}*{w._cell("befolkning", r)}/SUMIF({flags},"{YES}",{pops})'
        return f'IF({w._cell("uppfyllt", r)}="{YES}",{share},0)'

    w.rounded("utfall", "Utfall (kr)", "kr_result", exact,
              shared_among_qualified(pot, w.pops, w.flags) if w.pops else None, guard_key="max")
    return w.result("max", "utfall", "uppfyllt")


def write_population_share(w: BlockWriter) -> BlockResult:
    """An unconditional population share (villkor 3's grundbelopp; engine: population_share)."""
    w.population_and_share()
    w.share_of_pot("belopp", "Belopp (kr)", "kr_result")
    return w.result("belopp", "belopp", None)


def write_fixed_plus_population(w: BlockWriter) -> BlockResult:
    """A fixed amount per region plus the population share of the rest (engine: fixed_plus_population)."""
    w.population_and_share()
    fixed = Fraction(w.post.fast_per_region or 0)
    fixed_name = w.fixed
    assert fixed_name is not None  # the layout names the fixed amount of every post that has one
    w.column("fast", "Fast (kr)", "kr", lambda r: fixed_name, [plain_number(fixed)] * len(REGIONS))
    fixed_sum = w.sheet.ref(SUM_ROW, w.columns["fast"], abs_row=True, abs_col=True)
    w.rounded("belopp", "Belopp (kr)", "kr_result",
              lambda r: f"{w._cell('fast', r)}+({w.pot}-{fixed_sum})*{w._cell('andel', r)}",
              fixed_plus_population(w.post.belopp, w.pops, fixed) if w.pops else None)
    return w.result("belopp", "belopp", None)


def write_amount_per_region(w: BlockWriter) -> BlockResult:
    """A pot given as typed amounts per region (engine: amount_per_region): yellow input cells."""
    w.column("belopp", "Belopp (kr)", "input_int", None, list(w.amounts), is_input=True,
             validation={"validate": "decimal", "criteria": ">=", "value": 0,
                         "input_title": "Belopp", "input_message": "Regionens belopp i kronor (0 eller mer).",
                         "error_title": "Belopp", "error_message": "Skriv ett belopp i kronor, 0 eller mer."})
    return w.result("belopp", "belopp", "belopp")


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
                         "input_title": "Antal",
                         "input_message": f"Antal {w.post.enhet}: skriv ett heltal, 0 eller mer.",
                         "error_title": "Heltal", "error_message": "Skriv ett heltal, 0 eller mer."})
    demand = [rate * u for u in w.units]
    w.column("krav", f"Belopp för {w.post.enhet} (kr)", "kr",
             lambda r: f"{w._cell('enheter', r)}*{w.rate}", [plain_number(d) for d in demand])
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
    w.rounded("utfall", "Utfall (kr)", "kr_result", lambda r: w._cell("exakt", r), exact, exact_key="exakt")
    # Max for the summary is the cap (the population share of the pot), rounded like the outcome.
    return w.result("tak", "utfall", "enheter")




def _rank_desc(exact: list[Fraction]) -> list[int]:
    """1 for the largest remainder, ties broken by row (the order largest_remainder gives kronor)."""
    rests = [x - int(x) for x in exact]
    order = sorted(range(len(rests)), key=lambda i: (-rests[i], i))
    rank = [0] * len(rests)
    for position, i in enumerate(order, start=1):
        rank[i] = position
    return rank
