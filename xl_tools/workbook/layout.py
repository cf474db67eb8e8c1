"""The layout of an agreement workbook, sheet by sheet (text in Swedish).

Sheets: Info, Parametrar, Befolkning, one per villkor with money to the regions,
Sammanställning, Utbetalningar, Kontroll. Numbers from the agreement are typed only
on Parametrar (defined names ``Pott_<post>``, ``Kr_per_<post>``, ``Kontroll_*``);
every other number is a formula whose cached value the engine computed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from xl_tools import __version__
from xl_tools.agreement import Agreement, Post
from xl_tools.engine import registry
from xl_tools.engine.rounding import round_half_away
from xl_tools.population import PopulationTable, describe_date
from xl_tools.regions import REGIONS
from xl_tools.workbook.blocks import (
    BLOCK_ROW,
    FIRST,
    HEADER_ROW,
    LAST,
    SUM_ROW,
    BlockResult,
    BlockWriter,
    region_columns,
)
from xl_tools.workbook.inputs import Inputs, input_name, population_input_name
from xl_tools.workbook.render import generation_time
from xl_tools.workbook.sheet import MISSING, Chart, Sheet, Workbook, plain_number, quote
from xl_tools.workbook.textsize import width_for

ROUNDING_TEXT = {
    "kronor": ("hela kronor (ROUND)", "Varje region avrundas till hela kronor (ROUND), som Försäkringskassan "
               "redovisar; summan kan därför avvika från potten med några kronor. Bladet Kontroll visar avvikelsen."),
    "largest-remainder": ("största rest (hela kronor, summan = potten)",
                          "Största rest: varje region får först hela kronor nedåt (INT); de kronor som fattas till "
                          "potten går en i taget till regionerna med störst rest (lika rest: den som står först). "
                          "Summan blir exakt potten."),
    "residual-to-largest": ("hela kronor, resten till största region",
                            "Varje region avrundas till hela kronor (ROUND); skillnaden mot potten läggs på den "
                            "region med störst befolkning bland dem som får pengar. Summan blir exakt potten."),
    "none": ("ingen (exakta belopp)", "Inga avrundningar: exakta belopp."),
}
OK, FEL, SAKNAS = "OK", "FEL", "SAKNAS"


class Builder:
    def __init__(self, agreement: Agreement, table: PopulationTable, inputs: Inputs,
                 generated: dt.datetime) -> None:
        self.a = agreement
        self.table = table
        self.inputs = inputs
        self.generated = generated
        self.names: dict[str, str] = {}
        self.pot_name: dict[str, str] = {}
        self.rate_name: dict[str, str] = {}
        self.fixed_name: dict[str, str] = {}
        self.pot_row: dict[str, int] = {}
        self.pop_col: dict[dt.date, int] = {}
        self.blocks: list[BlockResult] = []
        self.info = Sheet("Info", protect=True, tab_color="#1F4E78")
        self.params = Sheet("Parametrar", tab_color="#7F7F7F")
        self.pop = Sheet("Befolkning", tab_color="#7F7F7F")
        self.summary = Sheet("Sammanställning", tab_color="#375623")
        self.payouts = Sheet("Utbetalningar", tab_color="#375623")
        self.checks = Sheet("Kontroll", tab_color="#C00000")
        self.villkor_sheets: list[Sheet] = []
        self.check_rows: list[str] = []
        self.check_labels: list[str] = []
        self.kontroll_names: dict[tuple[str, int | None], str] = {}

    # ------------------------------------------------------------------ population
    def shipped(self, date: dt.date) -> bool:
        return date in self.table.values

    def populations(self, date: dt.date) -> list[int] | None:
        if self.shipped(date):
            return self.table.vector(date)
        typed = self.inputs.population.get(date, {})
        values = [typed.get(r.code) for r in REGIONS]
        if all(isinstance(v, int) and v > 0 for v in values):
            return [int(v) for v in values if v is not None]
        return None

    def typed_populations(self, date: dt.date) -> list[int | None]:
        typed = self.inputs.population.get(date, {})
        return [typed.get(r.code) for r in REGIONS]

    # ------------------------------------------------------------------ sheets
    def build(self) -> Workbook:
        self.build_params()
        self.build_population()
        for v in self.a.region_villkor():
            self.build_villkor(v.nr)
        self.build_summary()
        self.build_payouts()
        self.build_checks()
        status = self.build_info()
        sheets = [self.info, self.params, self.pop, *self.villkor_sheets, self.summary, self.payouts,
                  self.checks]
        return Workbook(template_id=self.a.id, title=self.a.titel, subject="Fördelning av medel enligt överenskommelse",
                        sheets=sheets, names=self.names, status=status, blocks=self.blocks,
                        failed=[label for label, st in zip(self.check_labels, self.check_rows) if st == FEL],
                        waiting=self.check_rows.count(SAKNAS))

    def build_params(self) -> None:
        s = self.params
        s.put(0, 0, f"Parametrar – {self.a.kortnamn}", "title")
        s.put(1, 0, "Beloppen och datumen ur överenskommelsen. Detta är det enda stället där ett belopp ur "
                    "överenskommelsen skrivs in; ändra dem i mallen och generera om arbetsboken.", "note")
        headers = ["Post", "Villkor", "Beskrivning", "Mottagare", "Avtalsår", "Regel", "Belopp (kr)",
                   "Per enhet (kr)", "Befolkning per", "Redovisning senast", "Utbetalas senast",
                   "Fast per region (kr)", "Sida"]
        s.header_row(3, headers)
        row = 4
        for p in self.a.poster:
            s.put(row, 0, p.id, "text")
            s.put(row, 1, p.villkor if p.villkor is not None else "", "center")
            s.put(row, 2, p.title, "wrap")
            s.put(row, 3, p.mottagare, "text")
            s.put(row, 4, p.ar, "center")
            s.put(row, 5, registry.rule(p.regel).label, "wrap")
            s.put(row, 6, plain_number(p.belopp), "kr_param")
            name = f"Pott_{p.name_id}"
            self.names[name] = f"=Parametrar!$G${row + 1}"
            self.pot_name[p.id] = name
            self.pot_row[p.id] = row
            if p.per_enhet is not None:
                s.put(row, 7, plain_number(p.per_enhet), "kr_param")
                rname = f"Kr_per_{p.name_id}"
                self.names[rname] = f"=Parametrar!$H${row + 1}"
                self.rate_name[p.id] = rname
            if p.befolkning:
                s.put(row, 8, p.befolkning, "date")
            if p.redovisning:
                s.put(row, 9, p.redovisning, "date")
            s.put(row, 10, p.utbetalning.year if p.endast_ar else p.utbetalning, "center" if p.endast_ar else "date")
            if p.fast_per_region is not None:
                s.put(row, 11, plain_number(p.fast_per_region), "kr_param")
                fname = f"Fast_{p.name_id}"
                self.names[fname] = f"=Parametrar!$L${row + 1}"
                self.fixed_name[p.id] = fname
            villkor = next((v for v in self.a.villkor if v.nr == p.villkor), None)
            s.put(row, 12, f"s. {villkor.sida}" if villkor and villkor.sida else "", "text")
            row += 1
        self.param_last = row - 1
        row += 1
        s.put(row, 0, "Kontrollsummor ur överenskommelsen", "subtitle")
        row += 1
        s.header_row(row, ["Kontroll", "År", "Belopp (kr)"])
        row += 1
        labels = {"till_regionerna": "Totalt till regionerna", "per_avtalsar": "Totalt per avtalsår",
                  "per_utbetalningsar": "Utbetalas per år", "totalt": "Totalt för överenskommelsen"}
        for key, value in self.a.kontroll.items():
            items = value.items() if isinstance(value, dict) else [(None, value)]
            for year, amount in items:
                s.put(row, 0, labels.get(key, key), "wrap")
                s.put(row, 1, year if year is not None else "", "center")
                s.put(row, 2, plain_number(amount), "kr_param")
                name = f"Kontroll_{key}" + (f"_{year}" if year is not None else "")
                self.names[name] = f"=Parametrar!$C${row + 1}"
                self.kontroll_names[(key, year)] = name
                row += 1
        s.put(row + 1, 0, "Avrundning", "text")
        own = [f"{p.id}: {ROUNDING_TEXT[p.avrundning][0]}" for p in self.a.poster
               if p.avrundning and p.avrundning != self.a.avrundning]
        s.put(row + 1, 1, ROUNDING_TEXT[self.a.avrundning][0] + (" (utom " + "; ".join(own) + ")" if own else ""),
              "text")
        s.widths.update({0: 14, 1: 8, 2: 44, 3: 22, 4: 9, 5: 40, 6: 16, 7: 13, 8: 14, 9: 17, 10: 16, 11: 16,
                         12: 8})
        s.freeze = (4, 1)

    def build_population(self) -> None:
        s = self.pop
        s.put(0, 0, "Befolkning per län och referensdatum", "title")
        s.put(1, 0, "Överenskommelsen fördelar medlen i förhållande till befolkningsmängden vid referensdatumet. "
                    "Andelar räknas på summan av de 21 länen.", "note")
        region_columns(s)
        for i, date in enumerate(self.a.reference_dates()):
            col = 2 + i
            self.pop_col[date] = col
            provisional = self.shipped(date) and self.table.is_provisional(date)
            s.put(BLOCK_ROW, col, describe_date(date) + (" (preliminär)" if provisional else ""),
                  "block_missing" if provisional else "block")
            s.put(HEADER_ROW, col, "Befolkning", "header")
            if self.shipped(date):
                for j, value in enumerate(self.table.vector(date)):
                    s.put(FIRST + j, col, value, "int_data")
                source = self.table.sources.get(date, "")
            else:
                typed = self.typed_populations(date)
                for j, typed_value in enumerate(typed):
                    s.input(FIRST + j, col, typed_value, "input_int")
                s.validations.append((FIRST, col, LAST, col, {
                    "validate": "integer", "criteria": ">", "value": 0,
                    "input_title": "Befolkning saknas",
                    "input_message": f"Skriv SCB:s folkmängd {describe_date(date)} eller kör "
                                     f"'xl-tools befolkning hamta --ar {date.year}' och generera om.",
                    "error_title": "Heltal", "error_message": "Skriv ett positivt heltal."}))
                self.names[population_input_name(date)] = "=" + s.rng(FIRST, LAST, col, external=True)
                source = (f"SAKNAS: folkmängd {describe_date(date)} finns inte i xl_tools data. Hämta den med "
                          f"'xl-tools befolkning hamta --ar {date.year}' eller skriv in SCB:s siffror i de gula "
                          "cellerna.")
            rng = s.rng(FIRST, LAST, col, absolute=False)
            pops = self.populations(date)
            typed = [v for v in self.typed_populations(date) if isinstance(v, int)]
            if self.shipped(date):
                s.formula(SUM_ROW, col, f"SUM({rng})", sum(pops or typed), "int_total")
            else:  # nothing typed yet: say so rather than 0
                s.formula(SUM_ROW, col, f'IF(COUNT({rng})=0,"{MISSING}",SUM({rng}))',
                          sum(typed) if typed else MISSING, "int_total" if typed else "missing_total")
            s.put(SUM_ROW + 2 + i, 0, f"Källa {describe_date(date)}:", "text_bold")
            s.put(SUM_ROW + 2 + i, 2, source, "note" if self.shipped(date) and not provisional else "warning_line")
        s.widths.update({0: 9, 1: 18, **{2 + i: 16 for i in range(len(self.pop_col))}})
        s.freeze = (FIRST, 2)

    def build_villkor(self, nr: int) -> None:
        villkor = next(v for v in self.a.villkor if v.nr == nr)
        s = Sheet(villkor.sheet_name, tab_color="#2F75B5")
        self.villkor_sheets.append(s)
        s.put(0, 0, f"Villkor {nr}. {villkor.namn}", "title")
        s.put(1, 0, "Regel: " + villkor.regel_text, "rule")
        s.put(2, 0, "Gula celler är indata. Övriga celler räknas fram; ändra inte formlerna.", "note")
        region_columns(s)
        col = 2
        for post in self.a.region_posts(nr):
            rule = registry.rule(post.regel)
            date = post.befolkning
            pop_col = self.pop_col[date] if date else 2
            pop_sheet = self.pop

            def pop_ref(r: int, c: int = pop_col, sh: Sheet = pop_sheet) -> str:
                return sh.ref(r, c, external=True)
            writer = BlockWriter(
                s, post, col, pot_name=self.pot_name[post.id], rate_name=self.rate_name.get(post.id),
                pop_ref=pop_ref,
                pop_sum_ref=pop_sheet.ref(SUM_ROW, pop_col, abs_row=True, abs_col=True, external=True),
                pop_range_ref=pop_sheet.rng(FIRST, LAST, pop_col, external=True),
                populations=self.populations(date) if date else None,
                typed_populations=self.typed_populations(date) if date else [None] * len(REGIONS),
                guarded=date is not None and not self.shipped(date), rounding=self.a.rounding_of(post),
                flags=[self.inputs.flag(post.id, r.code) for r in REGIONS],
                units=[self.inputs.unit(post.id, r.code) for r in REGIONS],
                fixed_name=self.fixed_name.get(post.id),
                amounts=[self.inputs.amount(post, r.code) for r in REGIONS],
            )
            if not rule.population:
                writer.missing = False
            block = rule.block_writer()(writer)
            self.blocks.append(block)
            title = f"{post.ar}: {post.title} – {_kr_text(post.belopp)} kr"
            if date:
                title += f", befolkning {describe_date(date)}"
            if self.a.rounding_of(post) != self.a.avrundning:
                title += f", avrundning {ROUNDING_TEXT[self.a.rounding_of(post)][0]}"
            if block.missing:
                title += f" ({MISSING.lower()})"
            paid = f"Utbetalas {post.utbetalning.year}" if post.endast_ar else \
                f"Utbetalas senast {post.utbetalning.isoformat()}"
            title += f"\n{paid}" + (
                f", redovisning senast {post.redovisning.isoformat()}" if post.redovisning else "")
            # a one-column block gets a wide column for its title; a block waiting for its population
            # is wide enough to say so on one line (the row heights follow the text when rendered)
            width: float = 14 if block.last_col > block.first_col else 30
            if block.missing:
                width = max(width, width_for(MISSING, 10))
            s.merges.append((BLOCK_ROW, block.first_col, BLOCK_ROW, block.last_col, title,
                             "block_missing" if block.missing else "block"))
            if block.input_col is not None:
                self.names[input_name(post)] = "=" + s.rng(FIRST, LAST, block.input_col, external=True)
            for c in range(block.first_col, block.last_col + 1):
                s.widths[c] = width
            col = block.last_col + 2
        s.put(SUM_ROW, 1, "Summa", "total_label")
        s.freeze = (FIRST, 2)
        # a chart only of the years whose numbers exist (a regenerated workbook gets the others)
        series = [(f"{b.post.ar} {b.post.title}", b.utfall_col) for b in self.blocks if b.sheet is s and not b.missing]
        if series:
            s.charts.append(Chart(title=f"Villkor {nr}: utfall per region (kr)", categories=(1, FIRST, LAST),
                                  series=series, anchor=(SUM_ROW + 3, 1)))

    # ------------------------------------------------------------------ summary
    def build_summary(self) -> None:
        s = self.summary
        s.put(0, 0, "Sammanställning per region", "title")
        s.put(1, 0, "Utfall per villkor och år, villkor för villkor; för villkor med Ja/Nej även beloppet om "
                    "villkoret är uppfyllt. Beloppen i Mkr till höger.", "note")
        region_columns(s)
        numbers = [v.nr for v in self.a.region_villkor()]
        col = 2
        kr_columns: list[tuple[int, str, int]] = []  # (col, header, year)
        for year in self.a.ar:
            start = col
            total_cols = []
            for nr in numbers:
                blocks = [b for b in self.blocks if b.post.villkor == nr and b.post.ar == year]
                if not blocks:
                    continue
                rules = [registry.rule(b.post.regel) for b in blocks]
                if any(r.qualified for r in rules):
                    labels = {r.summary for r in rules if r.qualified}
                    label = labels.pop() if len(labels) == 1 else "Max"
                    col = self._summary_sum(s, col, f"Villkor {nr} {label}", blocks, "max")
                    col = self._summary_sum(s, col, f"Villkor {nr} Utfall", blocks, "utfall")
                else:
                    col = self._summary_sum(s, col, f"Villkor {nr}", blocks, "utfall")
                total_cols.append(col - 1)
            if len(total_cols) > 1:
                col = self._summary_add(s, col, f"Totalt villkor {_range_text(numbers)}", total_cols)
            s.merges.append((BLOCK_ROW, start, BLOCK_ROW, col - 1, f"År {year}", "block"))
            for c in range(start, col):
                kr_columns.append((c, str(s.cells[(HEADER_ROW, c)].value), year))
                s.widths[c] = max(15, width_for(MISSING, 10)) if self._any_missing() else 15
            col += 1
        # Mkr mirror
        mkr_start = col
        for year in self.a.ar:
            cols = [c for c in kr_columns if c[2] == year]
            if not cols:
                continue
            start = col
            for src, header, _ in cols:
                s.put(HEADER_ROW, col, f"{header} (Mkr)", "header")
                for row in range(FIRST, SUM_ROW + 1):
                    value = s.cells[(row, src)].value
                    ref = s.ref(row, src)
                    missing = value == MISSING
                    formula = f"IF(ISNUMBER({ref}),{ref}/1000000,{ref})" if self._any_missing() else f"{ref}/1000000"
                    shown = value if missing else value / 1_000_000
                    style = ("missing_total" if row == SUM_ROW else "missing") if missing else (
                        "mkr_total" if row == SUM_ROW else "mkr")
                    s.formula(row, col, formula, shown, style)
                s.widths[col] = max(13, width_for(MISSING, 10)) if self._any_missing() else 13
                col += 1
            s.merges.append((BLOCK_ROW, start, BLOCK_ROW, col - 1, f"År {year} (Mkr)", "block"))
            col += 1
        s.put(BLOCK_ROW - 1, mkr_start, "Belopp i miljoner kronor, tre decimaler", "small")
        s.put(SUM_ROW, 1, "SUMMA", "total_label")
        s.freeze = (FIRST, 2)

    def _any_missing(self) -> bool:
        return any(b.missing for b in self.blocks)

    def _summary_sum(self, s: Sheet, col: int, header: str, blocks: list[BlockResult], which: str) -> int:
        """A column adding the Max (or Utfall) of several posts' blocks on their villkor sheets."""
        def refs(row: int) -> list[str]:
            return [b.sheet.ref(row, b.max_col if which == "max" else b.utfall_col, external=True) for b in blocks]

        def values(i: int) -> list[Any]:
            found = [(b.max_values if which == "max" else b.utfall_values)[i] for b in blocks]
            if which == "max" and any(b.post.regel == "per_unit_capped" for b in blocks):
                found = [_round_kr(v, self.a.rounding_of(b.post)) for v, b in zip(found, blocks)]
            return found

        return self._added_column(s, col, header, "header", refs, values, any(b.missing for b in blocks), "kr")

    def _summary_add(self, s: Sheet, col: int, header: str, cols: list[int]) -> int:
        """A column adding other columns of the summary sheet, row by row."""
        missing = any(s.cells[(FIRST + i, c)].value == MISSING for c in cols for i in range(len(REGIONS)))
        return self._added_column(s, col, header, "header_total", lambda row: [s.ref(row, c) for c in cols],
                                  lambda i: [s.cells[(FIRST + i, c)].value for c in cols], missing, "kr_result")

    def _added_column(self, s: Sheet, col: int, header: str, header_style: str,
                      refs: Callable[[int], list[str]], values: Callable[[int], list[Any]], missing: bool,
                      style: str) -> int:
        """Write ``=a+b+…`` per region (guarded with 'Befolkning saknas' when a part may be missing),
        its engine value, and the Summa row."""
        s.put(HEADER_ROW, col, header, header_style)
        for i in range(len(REGIONS)):
            row = FIRST + i
            parts, found = refs(row), values(i)
            value = MISSING if any(v == MISSING for v in found) else plain_number(sum(Fraction(v) for v in found))
            expr = "+".join(parts)
            formula = f'IF(COUNT({",".join(parts)})<{len(parts)},"{MISSING}",{expr})' if missing else expr
            s.formula(row, col, formula, value, "missing" if value == MISSING else style)
        self._summary_total(s, col, missing)
        return col + 1

    def _summary_total(self, s: Sheet, col: int, missing: bool) -> None:
        rng = s.rng(FIRST, LAST, col, absolute=False)
        values = [s.cells[(FIRST + i, col)].value for i in range(len(REGIONS))]
        numbers = [v for v in values if v != MISSING]
        if missing:
            value: Any = MISSING if not numbers else plain_number(sum(Fraction(v) for v in numbers))
            s.formula(SUM_ROW, col, f'IF(COUNT({rng})=0,"{MISSING}",SUM({rng}))', value,
                      "missing_total" if value == MISSING else "total")
        else:
            s.formula(SUM_ROW, col, f"SUM({rng})", plain_number(sum(Fraction(v) for v in numbers)), "total")

    # ------------------------------------------------------------------ payouts
    def build_payouts(self) -> None:
        s = self.payouts
        s.put(0, 0, "Utbetalningar", "title")
        s.put(1, 0, "Alla belopp i överenskommelsen med mottagare och senaste utbetalningsdag, summerade per "
                    "utbetalningsår och avtalsår. Beloppen hämtas från Parametrar.", "note")
        headers = ["Post", "Mottagare", "Villkor", "Avtalsår", "Beskrivning", "Belopp (kr)", "Utbetalas senast",
                   "Utbetalningsår"]
        s.header_row(3, headers)
        first = 4
        for i, p in enumerate(self.a.poster):
            row = first + i
            s.put(row, 0, p.id, "text")
            s.put(row, 1, p.mottagare, "text")
            s.put(row, 2, p.villkor if p.villkor is not None else "", "center")
            s.put(row, 3, p.ar, "center")
            s.put(row, 4, p.title, "wrap")
            s.formula(row, 5, self.pot_name[p.id], plain_number(p.belopp), "kr")
            s.put(row, 6, p.utbetalning, "date")
            s.formula(row, 7, f"YEAR({s.ref(row, 6)})", p.utbetalning.year, "center")
        last = first + len(self.a.poster) - 1
        amounts = s.rng(first, last, 5)
        pay_years = s.rng(first, last, 7)
        agreement_years = s.rng(first, last, 3)
        recipients = s.rng(first, last, 1)
        row = last + 1
        s.formula(row, 5, f"SUM({s.rng(first, last, 5, absolute=False)})",
                  plain_number(sum(p.belopp for p in self.a.poster)),
                  "total")
        s.put(row, 4, "Summa", "total_label")
        self.payout_total_ref = s.ref(row, 5, abs_row=True, abs_col=True, external=True)

        def table(start: int, title: str, keys: list[Any], criteria_range: str,
                  value_of: Callable[[Post], object]) -> dict[Any, str]:
            s.row_groups.append((start, start + 2 + len(keys)))  # title, headings, rows and Summa on one page
            s.put(start, 0, title, "subtitle")
            s.put(start + 1, 0, title.split(" per ")[-1].capitalize(), "header")
            s.put(start + 1, 1, "Belopp (kr)", "header")
            s.put(start + 1, 2, "Mkr", "header")
            refs = {}
            for j, key in enumerate(keys):
                r = start + 2 + j
                s.put(r, 0, key, "center" if isinstance(key, int) else "wrap")
                total = sum((p.belopp for p in self.a.poster if value_of(p) == key), Fraction(0))
                s.formula(r, 1, f"SUMIF({criteria_range},{s.ref(r, 0)},{amounts})", plain_number(total), "kr")
                s.formula(r, 2, f"{s.ref(r, 1)}/1000000", float(total / 1_000_000), "mkr")
                refs[key] = s.ref(r, 1, abs_row=True, abs_col=True, external=True)
            r = start + 2 + len(keys)
            s.put(r, 0, "Summa", "total_label")
            grand = plain_number(sum((p.belopp for p in self.a.poster), Fraction(0)))
            s.formula(r, 1, f"SUM({s.rng(start + 2, r - 1, 1, absolute=False)})", grand, "total")
            s.formula(r, 2, f"{s.ref(r, 1)}/1000000", float(Fraction(grand) / 1_000_000), "mkr_total")
            return refs

        start = last + 3
        self.by_payout_year = table(start, "Per utbetalningsår", self.a.payout_years(), pay_years,
                                    lambda p: p.utbetalning.year)
        start += len(self.a.payout_years()) + 4
        self.by_agreement_year = table(start, "Per avtalsår", list(self.a.ar), agreement_years, lambda p: p.ar)
        start += len(self.a.ar) + 4
        recipients_list = list(dict.fromkeys(p.mottagare for p in self.a.poster))
        self.by_recipient = table(start, "Per mottagare", recipients_list, recipients, lambda p: p.mottagare)
        # regions per agreement year (the agreement's "totalt till regionerna")
        start += len(recipients_list) + 4
        s.row_groups.append((start, start + 1 + len(self.a.ar)))
        s.put(start, 0, "Till regionerna per avtalsår", "subtitle")
        s.put(start + 1, 0, "Avtalsår", "header")
        s.put(start + 1, 1, "Belopp (kr)", "header")
        self.regions_by_year: dict[int, str] = {}
        for j, year in enumerate(self.a.ar):
            r = start + 2 + j
            s.put(r, 0, year, "center")
            total = sum((p.belopp for p in self.a.region_posts() if p.ar == year), Fraction(0))
            s.formula(r, 1, f'SUMIFS({amounts},{agreement_years},{s.ref(r, 0)},{recipients},"regionerna")',
                      plain_number(total), "kr")
            self.regions_by_year[year] = s.ref(r, 1, abs_row=True, abs_col=True, external=True)
        s.widths.update({0: 14, 1: 26, 2: 8, 3: 9, 4: 44, 5: 16, 6: 15, 7: 14})
        s.freeze = (4, 1)

    # ------------------------------------------------------------------ checks
    def build_checks(self) -> None:
        s = self.checks
        s.put(0, 0, "Kontroll", "title")
        s.put(1, 0, "Varje avstämning som formel. Status OK när skillnaden ryms inom avrundningen, FEL annars, "
                    "SAKNAS när befolkningsdata saknas (kontrollen kan inte göras än).", "note")
        headers = ["Kontroll", "Förväntat", "Faktiskt", "Differens", "Tolerans", "Status", "Förklaring"]
        s.header_row(3, headers)
        self.check_row = 4
        tolerance_regions = f"ROWS({quote('Befolkning')}!$A${FIRST + 1}:$A${LAST + 1})/2"
        for b in self.blocks:
            p = b.post
            per_region = self.a.rounding_of(p) == "kronor"
            tol_value = len(REGIONS) // 2 if per_region else 0
            tol_formula = f"INT({tolerance_regions})" if per_region else None
            sum_ref = b.sheet.ref(SUM_ROW, b.utfall_col, external=True)
            checks = registry.rule(p.regel).checks
            if "max_sums_to_pot" in checks:
                max_sum = b.sheet.ref(SUM_ROW, b.max_col, external=True)
                typed = p.regel == "amount_per_region"
                what = "Beloppen" if typed or b.max_col == b.utfall_col else "Max"
                self._check(f"{p.id}: {what} summerar till potten", self.pot_name[p.id], plain_number(p.belopp),
                            max_sum,
                            _sum_or_missing(b.max_values), None if typed else tol_formula, 0 if typed else tol_value,
                            "Beloppen per region ska tillsammans bli potten." if typed else
                            "Regionernas belopp ska tillsammans bli potten; avrundning till hela kronor per region "
                            "kan ge några kronors skillnad.")
            if "utfall_within_max" in checks:
                # (not for shared_among_qualified: there the regions that met it share the whole pot,
                # so a region may get more than its population share of it)
                over = _count_over(b.sheet.rng(FIRST, LAST, b.utfall_col, external=True),
                                   b.sheet.rng(FIRST, LAST, b.max_col, external=True))
                count = 0 if not b.missing else MISSING
                if not b.missing:
                    count = sum(1 for u, m in zip(b.utfall_values, b.max_values) if u > m)
                self._check(f"{p.id}: Utfall ≤ Max för varje region", None, 0, over, count, None, 0,
                            "Antal regioner vars utfall är större än max; ska vara 0.", missing=b.missing)
            if "utfall_sums_to_pot_if_anyone" in checks:
                assert b.input_col is not None  # a villkor with this check has its Uppfyllt column
                flags = b.sheet.rng(FIRST, LAST, b.input_col, external=True)
                expected_formula = f'IF(COUNTIF({flags},"Ja")>0,{self.pot_name[p.id]},0)'
                anyone = any(v == "Ja" for v in b.column_values["uppfyllt"])
                self._check(f"{p.id}: Utfall summerar till potten", expected_formula,
                            plain_number(p.belopp) if anyone else 0, sum_ref, _sum_or_missing(b.utfall_values),
                            tol_formula, tol_value,
                            "Potten delas helt mellan regionerna som uppfyllt villkoret (0 om ingen uppfyllt).")
            if "utfall_is_min_pot_demand" in checks:
                demand = b.sheet.ref(SUM_ROW, b.columns["krav"], external=True)
                expected_formula = f"MIN({self.pot_name[p.id]},{demand})"
                demand_total = sum(Fraction(v) for v in b.column_values["krav"])
                self._check(f"{p.id}: Utfall = MIN(pott, {p.enhet} × belopp)", expected_formula,
                            plain_number(min(p.belopp, demand_total)), sum_ref, _sum_or_missing(b.utfall_values),
                            tol_formula, tol_value,
                            f"Hela potten betalas ut om {p.enhet} räcker, annars {p.enhet} × belopp per enhet.")
                over = _count_over(b.sheet.rng(FIRST, LAST, b.utfall_col, external=True),
                                   b.sheet.rng(FIRST, LAST, b.columns["krav"], external=True))
                count = MISSING if b.missing else sum(
                    1 for u, d in zip(b.utfall_values, b.column_values["krav"]) if u > d)
                self._check(f"{p.id}: ingen region får mer än {p.enhet} ger", None, 0, over, count, None, 0,
                            f"Antal regioner som får mer än antal {p.enhet} × belopp; ska vara 0.", missing=b.missing)
        for key, label, refs in (("till_regionerna", "Totalt till regionerna", self.regions_by_year),
                                 ("per_avtalsar", "Totalt per avtalsår", self.by_agreement_year),
                                 ("per_utbetalningsar", "Utbetalningar per år", self.by_payout_year)):
            value = self.a.kontroll.get(key)
            if not isinstance(value, dict):
                continue
            for year, amount in value.items():
                ref = refs.get(year)
                if ref is None:
                    actual_value: Any = 0
                    actual_formula = None
                else:
                    actual_value = self._value_of(ref)
                    actual_formula = ref
                self._check(f"{label} {year}", self.kontroll_names[(key, year)], plain_number(amount),
                            actual_formula or "0", actual_value, None, 0,
                            "Överenskommelsens belopp ska stämma med summan av posterna i Parametrar.")
        total = self.a.kontroll.get("totalt")
        if total is not None and not isinstance(total, dict):
            self._check("Totalt för överenskommelsen", self.kontroll_names[("totalt", None)], plain_number(total),
                        self.payout_total_ref, self._value_of(self.payout_total_ref), None, 0,
                        "Summan av alla poster ska bli överenskommelsens totala belopp.")
        status_rng = s.rng(4, self.check_row - 1, 5)
        self.status_range = f"Kontroll!{status_rng}"
        missing = max(12, width_for(MISSING, 10)) if SAKNAS in self.check_rows else 12
        s.widths.update({0: 52, 1: 16, 2: max(16, missing), 3: missing, 4: 9, 5: 9, 6: 56})
        s.freeze = (4, 1)

    def _value_of(self, external_ref: str) -> Any:
        sheet_name, cell = external_ref.rsplit("!", 1)
        sheet_name = sheet_name.strip("'").replace("''", "'")
        from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

        letters, row = coordinate_from_string(cell.replace("$", ""))
        sheet = next(sh for sh in (self.payouts, self.summary, self.params, *self.villkor_sheets)
                     if sh.name == sheet_name)
        return sheet.cells[(row - 1, column_index_from_string(letters) - 1)].value

    def _check(self, label: str, expected_formula: str | None, expected: Any, actual_formula: str, actual: Any,
               tol_formula: str | None, tol: int, explanation: str, missing: bool = False) -> None:
        s = self.checks
        r = self.check_row
        self.check_row += 1
        s.put(r, 0, label, "text")
        s.formula(r, 1, expected_formula if expected_formula is not None else str(expected), expected, "kr")
        missing = missing or actual == MISSING
        s.formula(r, 2, actual_formula, actual, "missing" if missing else "kr")
        e, a, d = s.ref(r, 1), s.ref(r, 2), s.ref(r, 3)
        # to the öre: exact (unrounded) amounts differ from the pot only by the spreadsheet's float error
        diff: Any = MISSING if missing else plain_number(Fraction(round_half_away(
            (Fraction(actual) - Fraction(expected)) * 100), 100))
        s.formula(r, 3, f'IF(ISNUMBER({a}),ROUND({a}-{e},2),"{MISSING}")', diff, "missing" if missing else "kr_diff")
        s.formula(r, 4, tol_formula or "0", tol, "int")
        t = s.ref(r, 4)
        if missing:
            status = SAKNAS
        else:
            status = OK if abs(Fraction(diff)) <= tol else FEL
        s.formula(r, 5, f'IF(ISNUMBER({d}),IF(ABS({d})<={t},"{OK}","{FEL}"),"{SAKNAS}")', status, "status")
        s.put(r, 6, explanation, "note_wrap")
        self.check_rows.append(status)
        self.check_labels.append(label)

    # ------------------------------------------------------------------ info
    def build_info(self) -> str:
        s = self.info
        a = self.a
        s.put(0, 0, a.titel, "title")
        s.put(1, 0, "Överenskommelse mellan " + " och ".join(a.parter), "text")
        fails = self.check_rows.count(FEL)
        waiting = self.check_rows.count(SAKNAS)
        status = FEL if fails else OK
        s.put(3, 0, "Kontroll", "text_bold")
        rng = self.status_range
        s.formula(3, 1, f'IF(COUNTIF({rng},"{FEL}")>0,"{FEL}","{OK}")', status, "status_big")
        s.formula(4, 1, f'COUNTIF({rng},"{SAKNAS}")', waiting, "int")
        s.put(4, 0, "Kontroller som väntar på data", "text")
        missing_dates = [d for d in a.reference_dates() if self.populations(d) is None]
        row = 6
        lines: list[tuple[str, str]] = [
            ("Vad är detta", "Fördelning och uppföljning av statens medel enligt överenskommelsen: ett blad per "
                             "villkor med en rad per region, sammanställning, utbetalningar och kontroller."),
            ("Källa", a.kalla),
        ]
        if a.reference_dates():
            provisional = [d for d in a.reference_dates() if self.shipped(d) and self.table.is_provisional(d)]
            lines.append(("Befolkning", "Medlen fördelas i förhållande till befolkningen vid referensdatumen: "
                          + ", ".join(describe_date(d) for d in a.reference_dates()) + ". Se bladet Befolkning."))
            if provisional:
                lines.append(("PRELIMINÄR", "Befolkningen " + ", ".join(describe_date(d) for d in provisional)
                              + " är preliminär (härledd ur en publicerad tabell, datumet inte bekräftat); ersätt "
                              "den med 'xl-tools befolkning hamta --ar ÅR' och generera om."))
        if missing_dates:
            lines.append(("SAKNAS", "Befolkning saknas för " + ", ".join(describe_date(d) for d in missing_dates)
                          + ". Kolumner som beror på den visar 'Befolkning saknas'. Hämta med 'xl-tools befolkning "
                          "hamta --ar ÅR' och generera om, eller skriv in SCB:s siffror på bladet Befolkning."))
        lines += [
            ("Indata", "Gula celler: det du skriver in per region (Uppfyllt Ja/Nej, antal, belopp per region) och "
                       "befolkning som saknas. Allt annat är formler (låsta, bladskydd utan lösenord)."),
            ("Belopp", "Belopp ur överenskommelsen skrivs bara på bladet Parametrar (namngivna celler Pott_…)."),
            ("Avrundning", ROUNDING_TEXT[a.avrundning][1]),
            ("Generera om", "xl-tools build   (alla mallar)   eller   xl-tools generate "
                            f"templates/{a.path.name if a.path else ''} -o FIL.xlsx. Indata du skrivit in följer med; "
                            "förra versionen sparas som .bak.xlsx."),
            ("Mall", str(a.path.name) if a.path else a.id),
            ("Genererad", self.generated.strftime("%Y-%m-%d %H:%M") + f" av xl_tools {__version__}"),
        ]
        for label, text in lines:
            s.put(row, 0, label, "text_bold")
            s.put(row, 1, text, "wrap" if label not in ("SAKNAS", "PRELIMINÄR") else "warning")
            row += 1
        row += 1
        s.put(row, 0, "Ordlista", "subtitle")
        row += 1
        for word, meaning in GLOSSARY:
            s.put(row, 0, word, "text_bold")
            s.put(row, 1, meaning, "wrap")
            row += 1
        s.widths.update({0: 26, 1: 110})
        return status


GLOSSARY = (
    ("Överenskommelse", "Avtal mellan staten och SKL/SKR om statsbidrag till regionerna."),
    ("Villkor", "Ett insatsområde med krav som ska vara uppfyllda för att medlen ska betalas ut."),
    ("Delvillkor", "Del av ett villkor med en egen pott."),
    ("Pott", "Beloppet som fördelas för ett villkor och år."),
    ("Max", "Regionens andel av potten om villkoret är uppfyllt (befolkningsandel)."),
    ("Utfall", "Det belopp regionen faktiskt får."),
    ("Tak", "Högsta belopp i första steget för ersättning per enhet: befolkningsandelen av potten."),
    ("Referensdatum", "Dag då befolkningen räknas, oftast 1 november året före."),
    ("Länskod", "SCB:s tvåsiffriga kod för länet (01 Stockholm … 25 Norrbotten)."),
)


def _count_over(values: str, limits: str) -> str:
    """Number of regions whose value exceeds its limit; 'Befolkning saknas' while data is missing."""
    return f'IF(COUNT({values})<ROWS({values}),"{MISSING}",SUMPRODUCT(({values}>{limits})*1))'


def _sum_or_missing(values: list[Any]) -> Any:
    if any(v == MISSING for v in values):
        return MISSING
    return plain_number(sum(Fraction(v) for v in values))


def _round_kr(value: Any, rounding: str) -> Any:
    if value == MISSING or rounding != "kronor":
        return value
    from xl_tools.engine.rounding import round_half_away

    return round_half_away(Fraction(value))


def _kr_text(amount: Fraction) -> str:
    from xl_tools.money import format_kr

    return format_kr(amount)


def _and_list(numbers: list[int]) -> str:
    numbers = sorted(numbers)
    if len(numbers) == 1:
        return str(numbers[0])
    return ", ".join(map(str, numbers[:-1])) + " och " + str(numbers[-1])


def _range_text(numbers: list[int]) -> str:
    numbers = sorted(numbers)
    if numbers == list(range(numbers[0], numbers[-1] + 1)) and len(numbers) > 2:
        return f"{numbers[0]}–{numbers[-1]}"
    return _and_list(numbers)


def build_workbook(agreement: Agreement, table: PopulationTable, inputs: Inputs,
                   generated: dt.datetime | None = None) -> Workbook:
    """Lay out the whole workbook with formulas and engine values (no file written)."""
    return Builder(agreement, table, inputs, generated or generation_time()).build()
