"""The villkor 3 compilation of the 21 regions' reports (template kind ``villkor3_sammanstallning``).

Input sheets (one per year, current and previous; one row per region): treatments per
treatment form by provider (privat, offentlig) and by sex (män, kvinnor), and the
contact table (treatments in total, contacts with the employer, contacts with
Arbetsförmedlingen). ``xl-tools import`` fills them (:mod:`xl_tools.followup.importer`).

Formula sheets: *Per region* (totals and shares; a region that reported nothing is
*Saknas*, not 0), *Behandlingsformer* (per form with share and change against the
previous year, and in falling order, with a top-five chart), *Utbetalning* (population
share of the grundbelopp plus the capped per-contact payment, written by the agreement
generator's blocks, :mod:`xl_tools.workbook.blocks`) and *Kontroll* (consistency checks
per region). Every formula cell carries the value computed here in Python.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from xl_tools.agreement import Post
from xl_tools.errors import XlToolsError
from xl_tools.followup.common import (
    FEL,
    OK,
    SAKNAS,
    col_letter,
    load_toml,
    put_facts,
    put_help,
    read_named_inputs,
    write_atomic,
)
from xl_tools.i18n import _
from xl_tools.money import parse_count
from xl_tools.population import PopulationTable, describe_date, load_population
from xl_tools.regions import BY_CODE, REGIONS
from xl_tools.workbook.blocks import (
    FIRST,
    HEADER_ROW,
    LAST,
    SUM_ROW,
    BlockWriter,
    region_columns,
    write_per_unit_capped,
    write_population_share,
)
from xl_tools.workbook.generate import GenerateResult, carried_inputs
from xl_tools.workbook.inputs import CarryReport
from xl_tools.workbook.render import generation_time
from xl_tools.workbook.sheet import ChartSpec, Sheet, Workbook, quote

KIND = "villkor3_sammanstallning"
GROUP_ROW = HEADER_ROW - 1
GROUPS = (("P", "Privat"), ("O", "Offentlig"), ("M", "Män"), ("K", "Kvinnor"))
CONTACT_COLS = (("TOT", "Behandlingar totalt"), ("AG", "Kontakt arbetsgivare"), ("AF", "Kontakt Arbetsförmedlingen"))
KOPIA = "Trolig kopia"
VARNING = "Varning"
FIRST_INPUT_COL = 2
N = len(REGIONS)


# ---------------------------------------------------------------------------------------- template
@dataclass(frozen=True)
class Form:
    id: str
    namn: str
    alias: tuple[str, ...] = ()


@dataclass
class Compilation:
    """A parsed ``villkor3_sammanstallning`` template."""

    id: str
    titel: str
    ar: int
    foregaende_ar: int
    befolkning: dt.date
    grundbelopp: int
    kontaktpott: int
    per_kontakt: int
    avrundning: str
    kalla: str
    forms: tuple[Form, ...]
    path: Path | None = None

    @property
    def years(self) -> tuple[int, int]:
        return (self.ar, self.foregaende_ar)

    def keys(self) -> list[str]:
        """The input columns' keys, in sheet order: P_KBT … K_ASB, TOT, AG, AF."""
        return [f"{g}_{f.id}" for g, _ in GROUPS for f in self.forms] + [k for k, _ in CONTACT_COLS]

    def header(self, key: str) -> str:
        """A one-line column header, e.g. 'Privat KBT' or 'Kontakt arbetsgivare'."""
        for k, text in CONTACT_COLS:
            if k == key:
                return text
        group, _, form = key.partition("_")
        return f"{dict(GROUPS)[group]} {next(f.namn for f in self.forms if f.id == form)}"


def load_compilation(path: str | Path) -> Compilation:
    """Read and check a ``villkor3_sammanstallning`` template."""
    path = Path(path)
    data = load_toml(path)
    name = path.name
    if data.get("typ") != KIND:
        raise XlToolsError(_("{name}: typ must be {kind}.").format(
                               name=name, kind=repr(KIND)))
    for key in ("id", "titel"):
        if not isinstance(data.get(key), str):
            raise XlToolsError(_("{name}: missing text field {key}; add it to the template.").format(
                                   name=name, key=repr(key)))
    for key in ("ar", "foregaende_ar", "grundbelopp", "kontaktpott", "per_kontakt"):
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise XlToolsError(_("{name}: {key} must be a non-negative whole number, got {value}.").format(
                                   name=name, key=key, value=repr(value)))
    if not isinstance(data.get("befolkning"), dt.date):
        raise XlToolsError(_("{name}: befolkning must be a date (ÅÅÅÅ-MM-DD), the population's "
                             "reference date.").format(
                               name=name))
    forms = []
    for f in data.get("behandling", []):
        if not isinstance(f.get("id"), str) or not f["id"].isalnum() or not isinstance(f.get("namn"), str):
            raise XlToolsError(_("{name}: every [[behandling]] needs an id (letters and digits) and a "
                                 "namn.").format(
                                   name=name))
        forms.append(Form(f["id"], f["namn"], tuple(f.get("alias", ()))))
    if not forms or len({f.id for f in forms}) != len(forms):
        raise XlToolsError(_("{name}: list the treatment forms as [[behandling]] with unique ids.").format(
                               name=name))
    if data["foregaende_ar"] == data["ar"]:
        raise XlToolsError(_("{name}: foregaende_ar must differ from ar.").format(
                               name=name))
    return Compilation(id=data["id"], titel=data["titel"], ar=data["ar"], foregaende_ar=data["foregaende_ar"],
                       befolkning=data["befolkning"], grundbelopp=data["grundbelopp"],
                       kontaktpott=data["kontaktpott"], per_kontakt=data["per_kontakt"],
                       avrundning=data.get("avrundning", "kronor"), kalla=data.get("kalla", ""),
                       forms=tuple(forms), path=path)


# ---------------------------------------------------------------------------------------- inputs
@dataclass
class Reports:
    """The regions' reports: ``data[year][länskod][key] = count`` (absent region = did not report)."""

    data: dict[int, dict[str, dict[str, int]]] = field(default_factory=dict)

    def row(self, year: int, code: str) -> dict[str, int]:
        return self.data.get(year, {}).get(code, {})

    def value(self, year: int, code: str, key: str) -> int | None:
        return self.row(year, code).get(key)

    def reported(self, year: int, code: str) -> bool:
        return bool(self.row(year, code))


def input_name(year: int, key: str) -> str:
    return f"in_{year}_{key}"


def read_reports(path: Path, c: Compilation) -> tuple[Reports, CarryReport]:
    """Read back the counts typed (or imported) into an existing workbook."""
    raw = read_named_inputs(path, key_of=lambda v: str(v) if str(v) in BY_CODE else None)
    report = CarryReport(unplaced=list(raw.unplaced))
    reports = Reports()
    known = {input_name(y, k): (y, k) for y in c.years for k in c.keys()}
    for name, column in raw.values.items():
        for code, value in column.items():
            if value in (None, ""):
                continue
            if name not in known:
                report.unplaced.append(_("{name}[{code}]: this input no longer exists in the template").format(
                                           name=name, code=code))
                continue
            year, key = known[name]
            try:
                count = parse_count(value)
            except XlToolsError as exc:
                report.unplaced.append(f"{name}[{BY_CODE[code].name}]: {exc}")
                continue
            if count is not None:
                reports.data.setdefault(year, {}).setdefault(code, {})[key] = count
                report.carried.append(f"{name}[{code}]")
    return reports, report


# ---------------------------------------------------------------------------------------- engine twin
@dataclass
class RegionFigures:
    """The per-region numbers the formula sheets compute (None where the region is missing)."""

    reported: bool
    total: int | None = None
    privat: int | None = None
    offentlig: int | None = None
    man: int | None = None
    kvinnor: int | None = None
    contacts: int | None = None
    checks: dict[str, str] = field(default_factory=dict)
    status: str = SAKNAS


def figures(c: Compilation, reports: Reports, year: int, code: str) -> RegionFigures:
    """Totals, shares and consistency checks of one region (what *Per region* and *Kontroll* show)."""
    row = reports.row(year, code)
    if not row:
        return RegionFigures(reported=False, checks={k: SAKNAS for k in CHECKS})

    def total(group: str) -> int:
        return sum(row.get(f"{group}_{f.id}", 0) for f in c.forms)

    def vec(group: str) -> list[int]:
        return [row.get(f"{group}_{f.id}", 0) for f in c.forms]

    p, o, m, k = total("P"), total("O"), total("M"), total("K")
    tot, ag, af = row.get("TOT", 0), row.get("AG", 0), row.get("AF", 0)
    checks = {
        "sex_total": OK if p + o == m + k else FEL,
        "sex_form": OK if all(a + b == x + y for a, b, x, y in zip(vec("P"), vec("O"), vec("M"), vec("K"),
                                                                    strict=True)) else FEL,
        "contact_total": OK if tot == p + o else FEL,
        "contacts_le": OK if ag <= tot and af <= tot else FEL,
        "copy_tables": KOPIA if vec("P") == vec("M") and vec("O") == vec("K") else OK,
        "copy_year": OK,
    }
    other = reports.row(c.foregaende_ar if year == c.ar else c.ar, code)
    if other and all(row.get(key, 0) == other.get(key, 0) for key in c.keys()):
        checks["copy_year"] = KOPIA
    if FEL in checks.values():
        status = FEL
    elif KOPIA in checks.values():
        status = VARNING
    else:
        status = OK
    return RegionFigures(True, p + o, p, o, m, k, ag + af, checks, status)


CHECKS = {
    "sex_total": "Vårdgivare = kön (summa)",
    "sex_form": "Män + kvinnor = totalt, per form",
    "contact_total": "Kontakttabellens totalt = behandlingar",
    "contacts_le": "Kontakter ≤ behandlingar",
    "copy_tables": "Vårdgivarrad = könsrad (kopia?)",
    "copy_year": "Samma som föregående år (kopia?)",
}


def _share(num: int | None, den: int | None) -> Any:
    if num is None or den is None:
        return SAKNAS
    return num / den if den else 0


# ---------------------------------------------------------------------------------------- layout
class CompilationBuilder:
    """Lays out the compilation workbook."""

    def __init__(self, c: Compilation, reports: Reports, table: PopulationTable, generated: dt.datetime) -> None:
        self.c = c
        self.r = reports
        self.table = table
        self.generated = generated
        self.names: dict[str, str] = {}
        self.col: dict[str, int] = {k: FIRST_INPUT_COL + i for i, k in enumerate(c.keys())}
        self.last_input_col = FIRST_INPUT_COL + len(c.keys()) - 1
        self.input_sheets = {y: Sheet(f"Indata {y}", tab_color="#BF8F00") for y in c.years}
        self.per_region = Sheet("Per region", tab_color="#375623")
        self.forms_sheet = Sheet("Behandlingsformer", tab_color="#375623")
        self.payout = Sheet("Utbetalning", tab_color="#375623")
        self.checks = Sheet("Kontroll", tab_color="#C00000")
        self.params = Sheet("Parametrar", tab_color="#7F7F7F")
        self.info = Sheet("Info", tab_color="#1F4E78")
        self.charts: list[ChartSpec] = []
        self.fig = {y: {r.code: figures(c, reports, y, r.code) for r in REGIONS} for y in c.years}

    def build(self) -> Workbook:
        self.build_params()
        for year in self.c.years:
            self.build_inputs(year)
        self.build_per_region()
        self.build_forms()
        self.build_payout()
        status = self.build_checks()
        self.build_info(status)
        sheets = [self.info, self.params, *self.input_sheets.values(), self.per_region, self.forms_sheet,
                  self.payout, self.checks]
        return Workbook(template_id=self.c.id, title=self.c.titel, subject="Sammanställning av villkor 3",
                        sheets=sheets,
                    names=self.names, status=status, charts=self.charts)

    # -- helpers ------------------------------------------------------------------------------
    def _in(self, year: int, key: str, row: int) -> str:
        return self.input_sheets[year].ref(row, self.col[key], external=True)

    def _in_range(self, year: int, first_key: str, last_key: str, row: int) -> str:
        s = self.input_sheets[year]
        a = s.ref(row, self.col[first_key])
        b = s.ref(row, self.col[last_key])
        return f"{quote(s.name)}!{a}:{b}"

    def _group(self, year: int, group: str, row: int) -> str:
        return self._in_range(year, f"{group}_{self.c.forms[0].id}", f"{group}_{self.c.forms[-1].id}", row)

    def _all(self, year: int, row: int) -> str:
        keys = self.c.keys()
        return self._in_range(year, keys[0], keys[-1], row)

    # -- Parametrar ---------------------------------------------------------------------------
    def build_params(self) -> None:
        s = self.params
        c = self.c
        s.put(0, 0, "Parametrar – villkor 3", "title")
        s.put(1, 0, "Beloppen ur överenskommelsen (se mallen för källor och antaganden). Ändra dem i mallen och "
                    "generera om.", "note")
        rows = [("Grundbelopp (kr)", c.grundbelopp, "Pott_Grund", "kr_param"),
                ("Kontaktpott (kr)", c.kontaktpott, "Pott_Kontakt", "kr_param"),
                ("Ersättning per kontakt (kr)", c.per_kontakt, "Kr_per_kontakt", "kr_param")]
        for i, (label, value, name, style) in enumerate(rows):
            s.put(3 + i, 0, label, "text")
            s.put(3 + i, 1, value, style)
            self.names[name] = f"=Parametrar!$B${4 + i}"
        s.put(6, 0, "Befolkning per", "text")
        s.put(6, 1, c.befolkning, "date")
        s.put(7, 0, "Redovisningsår / föregående år", "text")
        s.put(7, 1, f"{c.ar} / {c.foregaende_ar}", "text")
        s.put(8, 0, "Källa", "text")
        s.put(8, 1, c.kalla, "text")
        s.put(10, 0, "Behandlingsformer", "subtitle")
        for i, f in enumerate(c.forms):
            s.put(11 + i, 0, f.id, "text")
            s.put(11 + i, 1, f.namn, "text")
        s.widths.update({0: 30, 1: 60})

    # -- Indata -------------------------------------------------------------------------------
    def build_inputs(self, year: int) -> None:
        s = self.input_sheets[year]
        c = self.c
        s.put(0, 0, f"Indata {year} – regionernas redovisningar för villkor 3", "title")
        s.put(1, 0, "En rad per region. Lämna en region tom om den inte har redovisat (den visas då som Saknas, "
                    "inte som 0). Fyll med 'xl-tools import FIL ARBETSBOK --ar " + str(year) + "'.", "note")
        region_columns(s)
        nforms = len(c.forms)
        for gi, (_g, text) in enumerate(GROUPS):
            first = FIRST_INPUT_COL + gi * nforms
            s.merges.append((GROUP_ROW, first, GROUP_ROW, first + nforms - 1,
                             f"Behandlingar per form – {text.lower()}", "header_group"))
        first = FIRST_INPUT_COL + len(GROUPS) * nforms
        s.merges.append((GROUP_ROW, first, GROUP_ROW, first + len(CONTACT_COLS) - 1, "Kontakter", "header_group"))
        for key, col in self.col.items():
            label = dict(CONTACT_COLS).get(key) or next(f.namn for f in c.forms if f.id == key.split("_", 1)[1])
            s.put(HEADER_ROW, col, label, "header")
            for i, region in enumerate(REGIONS):
                s.input(FIRST + i, col, self.r.value(year, region.code, key), "input_int")
            self.names[input_name(year, key)] = "=" + s.rng(FIRST, LAST, col, external=True)
            rng = s.rng(FIRST, LAST, col, absolute=False)
            total = sum(self.r.value(year, r.code, key) or 0 for r in REGIONS)
            s.formula(SUM_ROW, col, f"SUM({rng})", total, "total")
            s.widths[col] = 9
        s.validations.append((FIRST, FIRST_INPUT_COL, LAST, self.last_input_col, {
            "validate": "integer", "criteria": ">=", "value": 0, "input_title": "Antal",
            "input_message": "Heltal, 0 eller mer. Lämna tomt om regionen inte redovisat.",
            "error_title": "Heltal", "error_message": "Skriv ett heltal, 0 eller mer."}))
        s.put(SUM_ROW, 1, "Summa", "total_label")
        s.widths.update({0: 8, 1: 16})
        s.freeze = (FIRST, 2)

    # -- Per region ---------------------------------------------------------------------------
    def build_per_region(self) -> None:
        s = self.per_region
        y = self.c.ar
        s.put(0, 0, f"Per region {y}: behandlingar, kontakter och andelar", "title")
        s.put(1, 0, "Saknas = regionen har inte redovisat (inte 0). Andelar av regionens behandlingar.", "note")
        headers = ["Redovisat", "Behandlingar", "Privat", "Offentlig", "Män", "Kvinnor",
                   "Kontakter", "Andel privat", "Andel kvinnor", "Andel behandlingar med kontakt"]
        region_columns(s)
        s.header_row(HEADER_ROW, headers, first_col=2)
        for i, region in enumerate(REGIONS):
            row = FIRST + i
            x = row + 1
            f = self.fig[y][region.code]
            s.formula(row, 2, f'IF(COUNT({self._all(y, row)})=0,"{SAKNAS}","Ja")', "Ja" if f.reported else SAKNAS,
                      "center")

            def guarded(expr: str, x: int = x) -> str:
                return f'IF($C{x}="{SAKNAS}","{SAKNAS}",{expr})'

            sums = {
                3: (f"SUM({self._group(y, 'P', row)},{self._group(y, 'O', row)})", f.total),
                4: (f"SUM({self._group(y, 'P', row)})", f.privat),
                5: (f"SUM({self._group(y, 'O', row)})", f.offentlig),
                6: (f"SUM({self._group(y, 'M', row)})", f.man),
                7: (f"SUM({self._group(y, 'K', row)})", f.kvinnor),
                8: (f"SUM({self._in(y, 'AG', row)},{self._in(y, 'AF', row)})", f.contacts),
            }
            for col, (expr, value) in sums.items():
                s.formula(row, col, guarded(expr), value if f.reported else SAKNAS,
                          "int" if f.reported else "missing")
            shares = {9: ("E", "D", f.privat, f.total), 10: ("H", "G", f.kvinnor, None), 11: ("I", "D", f.contacts,
                                                                                             f.total)}
            for col, (num, den, nv, dv) in shares.items():
                if col == 10:
                    den_expr = f"(G{x}+H{x})"
                    dv = None if f.man is None or f.kvinnor is None else f.man + f.kvinnor
                else:
                    den_expr = f"{den}{x}"
                value = _share(nv, dv)
                s.formula(row, col, guarded(f"IF({den_expr}=0,0,{num}{x}/{den_expr})"), value,
                          "pct" if f.reported else "missing")
        s.put(SUM_ROW, 1, "Riket (redovisade)", "total_label")
        reported = [self.fig[y][r.code] for r in REGIONS if self.fig[y][r.code].reported]
        totals = {}
        for col, attr in zip(range(3, 9), ("total", "privat", "offentlig", "man", "kvinnor", "contacts"),
                             strict=True):
            value = sum(getattr(f, attr) for f in reported)
            totals[col] = value
            s.formula(SUM_ROW, col, f"SUM({s.rng(FIRST, LAST, col, absolute=False)})", value, "total")
        s.formula(SUM_ROW, 2, f'COUNTIF({s.rng(FIRST, LAST, 2, absolute=False)},"Ja")', len(reported), "total")
        t = SUM_ROW + 1
        s.formula(SUM_ROW, 9, f"IF(D{t}=0,0,E{t}/D{t})", _share(totals[4], totals[3]), "pct_total")
        s.formula(SUM_ROW, 10, f"IF(G{t}+H{t}=0,0,H{t}/(G{t}+H{t}))", _share(totals[7], totals[6] + totals[7]),
                  "pct_total")
        s.formula(SUM_ROW, 11, f"IF(D{t}=0,0,I{t}/D{t})", _share(totals[8], totals[3]), "pct_total")
        s.widths.update({0: 8, 1: 16, 2: 10, 3: 12, 4: 10, 5: 10, 6: 10, 7: 10, 8: 10, 9: 11, 10: 11, 11: 16})
        s.freeze = (FIRST, 2)
        if reported:  # a chart only of numbers that exist (import regenerates the workbook)
            self.charts.append(ChartSpec(sheet=s.name, title="Andel behandlingar med kontakt per region",
                                         categories=(1, FIRST, LAST), values=(11, FIRST, LAST),
                                         anchor=(SUM_ROW + 3, 1), kind="column", num_format="0%"))

    # -- Behandlingsformer --------------------------------------------------------------------
    def build_forms(self) -> None:
        s = self.forms_sheet
        c = self.c
        y, prev = c.ar, c.foregaende_ar
        s.put(0, 0, f"Behandlingsformer {y} (alla regioner som redovisat)", "title")
        s.put(1, 0, f"Antal = privat + offentlig. Förändring mot {prev}. Den dolda kolumnen G (Sorteringsnyckel) "
                    "bryter lika antal i mallens ordning.", "note")
        headers = ["Behandlingsform", f"Antal {y}", "Andel", f"Antal {prev}", "Förändring (antal)",
                   "Förändring (%)", "Sorteringsnyckel"]
        s.header_row(HEADER_ROW, headers)
        counts = {}
        for year in (y, prev):
            counts[year] = [sum((self.r.value(year, r.code, f"P_{f.id}") or 0) + (self.r.value(year, r.code,
                                f"O_{f.id}") or 0) for r in REGIONS) for f in c.forms]
        total = sum(counts[y])
        first, last = FIRST, FIRST + len(c.forms) - 1
        sum_row = last + 1  # the Summa row right under the forms (as many as the template has)
        keys = []
        for i, f in enumerate(c.forms):
            row = FIRST + i
            x = row + 1
            s.put(row, 0, f.namn, "text")
            for col, year in ((1, y), (3, prev)):
                ish = self.input_sheets[year]
                expr = (f"SUM({ish.rng(FIRST, LAST, self.col['P_' + f.id], external=True)})+"
                        f"SUM({ish.rng(FIRST, LAST, self.col['O_' + f.id], external=True)})")
                s.formula(row, col, expr, counts[year][i], "int")
            s.formula(row, 2, f"IF(B${sum_row + 1}=0,0,B{x}/B${sum_row + 1})",
                      counts[y][i] / total if total else 0, "pct")
            s.formula(row, 4, f"B{x}-D{x}", counts[y][i] - counts[prev][i], "int_change")
            s.formula(row, 5, f'IF(D{x}=0,"–",B{x}/D{x}-1)',
                      "–" if counts[prev][i] == 0 else counts[y][i] / counts[prev][i] - 1, "pct_change")
            key = counts[y][i] + (len(c.forms) - i) / 100
            keys.append(key)
            s.formula(row, 6, f"B{x}+{len(c.forms) - i}/100", key, "small")
        s.put(sum_row, 0, "Summa", "total_label")
        s.formula(sum_row, 1, f"SUM(B{first + 1}:B{last + 1})", total, "total")
        s.formula(sum_row, 3, f"SUM(D{first + 1}:D{last + 1})", sum(counts[prev]), "total")
        s.formula(sum_row, 2, f"IF(B{sum_row + 1}=0,0,1)", 1 if total else 0, "pct_total")
        # The falling order, by formula.
        top = sum_row + 3
        s.put(top - 1, 0, f"I fallande ordning {y}", "subtitle")
        s.header_row(top, ["Plats", "Behandlingsform", "Antal", "Andel", "Förändring (antal)"])
        order = sorted(range(len(c.forms)), key=lambda i: -keys[i])
        keyrng = s.rng(first, last, 6)
        for rank, i in enumerate(order, start=1):
            row = top + rank
            match = f"MATCH(LARGE({keyrng},{rank}),{keyrng},0)"
            s.put(row, 0, rank, "center")
            s.formula(row, 1, f"INDEX({s.rng(first, last, 0)},{match})", c.forms[i].namn, "text")
            s.formula(row, 2, f"INDEX({s.rng(first, last, 1)},{match})", counts[y][i], "int")
            s.formula(row, 3, f"INDEX({s.rng(first, last, 2)},{match})", counts[y][i] / total if total else 0, "pct")
            s.formula(row, 4, f"INDEX({s.rng(first, last, 4)},{match})", counts[y][i] - counts[prev][i],
                      "int_change")
        if total:  # a chart only of numbers that exist (import regenerates the workbook)
            self.charts.append(ChartSpec(sheet=s.name, title=f"De fem vanligaste behandlingsformerna {y}",
                                         categories=(1, top + 1, top + 5), values=(2, top + 1, top + 5),
                                         anchor=(top + len(c.forms) + 3, 0), kind="bar"))
        s.widths.update({0: 50, 1: 36, 2: 12, 3: 12, 4: 16, 5: 14, 6: 14})
        s.freeze = (FIRST, 1)
        s.hidden_cols.add(6)  # the sort key is a helper: out of view and out of print

    # -- Utbetalning --------------------------------------------------------------------------
    def build_payout(self) -> None:
        s = self.payout
        c = self.c
        s.put(0, 0, f"Utbetalning villkor 3 {c.ar}", "title")
        s.put(1, 0, f"Grundbelopp efter befolkningen {describe_date(c.befolkning)}; därtill {c.per_kontakt:,} kr "
                    "per kontakt, högst regionens befolkningsandel av kontaktpotten; outnyttjade medel går till "
                    "regioner med fler kontakter (samma regel och formler som överenskommelsens arbetsbok). En "
                    "region som saknas räknas med 0 kontakter.".replace(",", " "), "note")
        region_columns(s)
        pops = self.table.vector(c.befolkning) if c.befolkning in self.table.values else None
        if pops is None:
            raise XlToolsError(_("{path}: the population at {value} is not in xl_tools data; choose a "
                                 "reference date that is (see 'xl-tools befolkning').").format(
                                   path=c.path, value=describe_date(c.befolkning)))
        s.put(GROUP_ROW, 2, "Befolkning", "block")
        for i in range(len(REGIONS)):
            s.put(FIRST + i, 2, pops[i], "int_data")
        s.put(HEADER_ROW, 2, describe_date(c.befolkning), "header")
        s.formula(SUM_ROW, 2, f"SUM({s.rng(FIRST, LAST, 2, absolute=False)})", sum(pops), "total")
        s.put(SUM_ROW, 1, "Summa", "total_label")
        pay_date = dt.date(c.ar, 12, 31)
        grund = Post(id=f"V3-{c.ar}", ar=c.ar, belopp=Fraction(c.grundbelopp), mottagare="regionerna",
                     regel="population_share", utbetalning=pay_date, villkor=3, befolkning=c.befolkning)
        kontakt = Post(id=f"V3K-{c.ar}", ar=c.ar, belopp=Fraction(c.kontaktpott), mottagare="regionerna",
                       regel="per_unit_capped", utbetalning=pay_date, villkor=3, befolkning=c.befolkning,
                       per_enhet=Fraction(c.per_kontakt), enhet="kontakter")
        contacts = [self.fig[c.ar][r.code].contacts or 0 for r in REGIONS]
        common: dict[str, Any] = {
                  "pop_ref": lambda r: s.ref(r, 2), "pop_sum_ref": s.ref(SUM_ROW, 2, abs_row=True, abs_col=True),
                  "pop_range_ref": s.rng(FIRST, LAST, 2), "populations": pops, "typed_populations": list(pops),
                  "guarded": False, "rounding": c.avrundning, "flags": [True] * N}
        w1 = BlockWriter(s, grund, 3, pot_name="Pott_Grund", rate_name=None, units=[0] * N, **common)
        b1 = write_population_share(w1)
        s.put(GROUP_ROW, b1.first_col, "Grundbelopp", "block")
        w2 = BlockWriter(s, kontakt, b1.last_col + 1, pot_name="Pott_Kontakt", rate_name="Kr_per_kontakt",
                         units=contacts, **common)
        b2 = write_per_unit_capped(w2)
        s.put(GROUP_ROW, b2.first_col, "Kontaktersättning", "block")
        # The contacts are not typed here: they come from Per region (a missing region counts 0).
        units_col = b2.columns["enheter"]
        s.validations = [v for v in s.validations if v[1] != units_col]
        for i in range(N):
            row = FIRST + i
            ref = self.per_region.ref(row, 8, external=True)
            s.formula(row, units_col, f"IF(ISNUMBER({ref}),{ref},0)", contacts[i], "int")
        total_col = b2.last_col + 1
        s.put(HEADER_ROW, total_col, "Totalt (kr)", "header_total")
        for i in range(N):
            row = FIRST + i
            s.formula(row, total_col, f"{s.ref(row, b1.utfall_col)}+{s.ref(row, b2.utfall_col)}",
                      b1.utfall_values[i] + b2.utfall_values[i], "kr_result")
        s.formula(SUM_ROW, total_col, f"SUM({s.rng(FIRST, LAST, total_col, absolute=False)})",
                  sum(b1.utfall_values) + sum(b2.utfall_values), "total")
        self.payout_total = sum(b1.utfall_values) + sum(b2.utfall_values)
        for col in range(3, total_col + 1):
            s.widths[col] = 13
        s.widths.update({0: 8, 1: 16, 2: 12})
        s.freeze = (FIRST, 2)

    # -- Kontroll -----------------------------------------------------------------------------
    def build_checks(self) -> str:
        s = self.checks
        c = self.c
        y, prev = c.ar, c.foregaende_ar
        s.put(0, 0, f"Kontroll av redovisningarna {y}", "title")
        s.put(1, 0, "FEL = tabellerna stämmer inte mot varandra; Trolig kopia = två tabellrader är lika tal för tal "
                    f"(vårdgivar- och könsraden, eller samma rad som {prev}); Saknas = ingen redovisning.", "note")
        headers = ["Redovisat", *CHECKS.values(), "Status"]
        region_columns(s)
        s.header_row(HEADER_ROW, headers, first_col=2)
        status_col = 3 + len(CHECKS)
        for i, region in enumerate(REGIONS):
            row = FIRST + i
            x = row + 1
            f = self.fig[y][region.code]
            s.formula(row, 2, f"{self.per_region.ref(row, 2, external=True)}", "Ja" if f.reported else SAKNAS,
                      "center")
            P, O, M, K = (self._group(y, g, row) for g, _ in GROUPS)  # noqa: N806
            tot, ag, af = (self._in(y, k, row) for k in ("TOT", "AG", "AF"))
            other = self._all(prev, row)
            exprs = {
                "sex_total": (f'IF(SUM({P},{O})=SUM({M},{K}),"{OK}","{FEL}")'),
                "sex_form": f'IF(SUMPRODUCT(({P}+{O}-{M}-{K})^2)=0,"{OK}","{FEL}")',
                "contact_total": f'IF({tot}=SUM({P},{O}),"{OK}","{FEL}")',
                "contacts_le": f'IF(AND({ag}<={tot},{af}<={tot}),"{OK}","{FEL}")',
                "copy_tables": f'IF(SUMPRODUCT(({P}-{M})^2)+SUMPRODUCT(({O}-{K})^2)=0,"{KOPIA}","{OK}")',
                "copy_year": f'IF(COUNT({other})=0,"{OK}",IF(SUMPRODUCT(({self._all(y, row)}-{other})^2)=0,'
                             f'"{KOPIA}","{OK}"))',
            }
            for j, key in enumerate(CHECKS):
                value = f.checks[key]
                s.formula(row, 3 + j, f'IF($C{x}="{SAKNAS}","{SAKNAS}",{exprs[key]})', value,
                          "status" if value != SAKNAS else "missing")
            first_l, last_l = col_letter(3), col_letter(2 + len(CHECKS))
            s.formula(row, status_col,
                      f'IF($C{x}="{SAKNAS}","{SAKNAS}",IF(COUNTIF({first_l}{x}:{last_l}{x},"{FEL}")>0,"{FEL}",'
                      f'IF(COUNTIF({first_l}{x}:{last_l}{x},"{KOPIA}")>0,"{VARNING}","{OK}")))', f.status,
                      "status")
        statuses = [self.fig[y][r.code].status for r in REGIONS]
        rng = s.rng(FIRST, LAST, status_col, absolute=False)
        summary = [("Regioner med FEL", FEL), ("Regioner som saknas", SAKNAS), ("Regioner med varning", VARNING)]
        row = SUM_ROW + 1
        for label, word in summary:
            s.put(row, 1, label, "text_bold")
            s.formula(row, 2, f'COUNTIF({rng},"{word}")', statuses.count(word), "int")
            row += 1
        self.count_rows = {word: SUM_ROW + 1 + i for i, (_, word) in enumerate(summary)}
        s.widths.update({0: 8, 1: 22, 2: 10, status_col: 10})
        s.widths.update({3 + j: 17 for j in range(len(CHECKS))})
        s.freeze = (FIRST, 2)
        self.status_counts = {w: statuses.count(w) for _, w in summary}
        return FEL if statuses.count(FEL) else OK

    # -- Info ---------------------------------------------------------------------------------
    def build_info(self, status: str) -> None:
        s = self.info
        c = self.c
        put_facts(s, c.titel, [("Mall", c.id), ("Källa", c.kalla),
                               ("Genererad", self.generated.strftime("%Y-%m-%d %H:%M"))])
        s.put(6, 0, "Kontroll", "text_bold")
        fel_row = self.count_rows[FEL] + 1
        s.formula(6, 1, f'IF(Kontroll!C{fel_row}>0,"{FEL}","{OK}")', status, "status_big")
        s.put(7, 0, "Regioner som saknas", "text_bold")
        s.formula(7, 1, f"Kontroll!C{self.count_rows[SAKNAS] + 1}", self.status_counts[SAKNAS], "int")
        s.put(8, 0, "Regioner med varning (trolig kopia)", "text_bold")
        s.formula(8, 1, f"Kontroll!C{self.count_rows[VARNING] + 1}", self.status_counts[VARNING], "int")
        s.put(9, 0, f"Utbetalas totalt {c.ar} (kr)", "text_bold")
        col = col_letter(max(cell[1] for cell in self.payout.cells))
        s.formula(9, 1, f"Utbetalning!{col}{SUM_ROW + 1}", self.payout_total, "kr_result")
        help_rows = [
            "Så används arbetsboken:",
            f"1. Indata {c.ar} och Indata {c.foregaende_ar}: en rad per region (gula celler), eller "
            f"'xl-tools import FIL ARBETSBOK --ar ÅR'.",
            "2. Per region: behandlingar, kontakter och andelar. Saknas = ingen redovisning.",
            "3. Behandlingsformer: antal, andel och förändring, i fallande ordning och de fem vanligaste.",
            "4. Utbetalning: grundbelopp efter befolkning plus kontaktersättningen med tak och omfördelning.",
            "5. Kontroll: tabellerna mot varandra och troliga kopior.",
            "Generera om med 'xl-tools build'; inskrivna värden behålls.",
        ]
        put_help(s, 11, help_rows)
        s.widths.update({0: 36, 1: 100})



# ---------------------------------------------------------------------------------------- generate
def build_compilation(c: Compilation, reports: Reports | None = None, *, table: PopulationTable | None = None,
                      generated: dt.datetime | None = None) -> Workbook:
    """Lay out the workbook (no file written)."""
    return CompilationBuilder(c, reports or Reports(), table or load_population(),
                              generated or generation_time()).build()


def validate_reports(c: Compilation, reports: Reports) -> None:
    """Raise for counts that cannot be in the workbook (unknown region or column, negative, not whole)."""
    keys = set(c.keys())
    for year, by_code in reports.data.items():
        if year not in c.years:
            raise XlToolsError(_("Reports for {year}, but this workbook holds {ar} and {foregaende_ar}.").format(
                                   year=year, ar=c.ar, foregaende_ar=c.foregaende_ar))
        for code, row in by_code.items():
            if code not in BY_CODE:
                raise XlToolsError(_("Unknown länskod {code} in the reports for {year}.").format(
                                       code=repr(code), year=year))
            for key, value in row.items():
                if key not in keys:
                    raise XlToolsError(_("Unknown column {key} in the reports for {year}.").format(
                                           key=repr(key), year=year))
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise XlToolsError(_("{name} {year} {key}: {value} is not a non-negative whole "
                                         "number.").format(
                                           name=BY_CODE[code].name, year=year, key=key, value=repr(value)))


def generate_compilation(template: str | Path | Compilation, out: str | Path, *, reports: Reports | None = None,
                         carry_over: bool = True, discard_unmatched: bool = False,
                         generated: dt.datetime | None = None) -> GenerateResult:
    """Generate the compilation workbook at ``out``, carrying over the counts already in it."""
    c = template if isinstance(template, Compilation) else load_compilation(template)
    out = Path(out)
    report = CarryReport()
    if reports is None:
        carried, report = carried_inputs(out, lambda path: read_reports(path, c), Reports,
                                         carry_over=carry_over, discard_unmatched=discard_unmatched)
        reports = carried
    validate_reports(c, reports)
    book = build_compilation(c, reports, generated=generated)
    backup = write_atomic(book, out)
    return GenerateResult(path=out, status=book.status, carry=report, backup=backup, workbook=book)


def generate_compilation_into(template: Path, out_dir: Path, *, discard_unmatched: bool = False) -> GenerateResult:
    """The ``villkor3_sammanstallning`` kind for ``xl-tools build``."""
    c = load_compilation(template)
    return generate_compilation(c, Path(out_dir) / f"{c.id}.xlsx", discard_unmatched=discard_unmatched)


def fold(text: object) -> str:
    """Lower-case, no diacritics, single spaces (for matching column headers)."""
    value = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode().lower()
    return " ".join("".join(ch if ch.isalnum() else " " for ch in value).split())
