"""A region's internal distribution of its grant money to its divisions (template kind ``intern_fordelning``).

The region receives its shares of an agreement (typed on the sheet *Mottaget*, defaults
from the template) and passes money on by rules of its own (sheet *Fördelning*):

``fast``        a fixed amount (training, central costs);
``per_styck``   a rate per treatment or contact (sheet *Parametrar*) × the reported volume;
``schablon``    a share of a salary per unit (a coordinator) × units × months / 12, paid
                1/12 per month.

*Sammanfattning* is the summary matrix of the region's own document: per activity the
amount received, what goes to each division, the total passed on and the share passed
on. *Kontroll* compares the matrix with the document's own sums and each received
amount with the region's population share of the agreement's pot (engine:
:func:`xl_tools.engine.rules.population_share`), and lists the document's own
contradictions. Every formula cell carries the value computed here in Python.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from xl_tools.agreement import TEMPLATE_DIR, Agreement, load_template
from xl_tools.engine.rounding import round_half_away as round_half_up
from xl_tools.engine.rules import population_share
from xl_tools.errors import XlToolsError
from xl_tools.followup.common import (
    FEL,
    MKR,
    OK,
    col_letter,
    load_toml,
    put_facts,
    put_help,
    read_named_inputs,
    write_atomic,
)
from xl_tools.i18n import _
from xl_tools.money import parse_count
from xl_tools.pipeline import PLAIN_ID, find_template
from xl_tools.population import PopulationTable, describe_date, load_population
from xl_tools.regions import REGIONS, resolve_region
from xl_tools.workbook.generate import GenerateResult, carried_inputs
from xl_tools.workbook.inputs import CarryReport
from xl_tools.workbook.render import generation_time
from xl_tools.workbook.sheet import Sheet, Workbook, plain_number, quote

KIND = "intern_fordelning"
TYPES = ("fast", "per_styck", "schablon")
AVVIKER = "AVVIKER"
DEFAULT_TOLERANCE = 1_000  # the document's amounts are rounded to 1 000 kr (Mkr with three decimals)


# ---------------------------------------------------------------------------------------- template
@dataclass
class Rate:
    id: str
    namn: str
    belopp: int


@dataclass
class Schablon:
    id: str
    namn: str
    lon: int
    andel_procent: int


@dataclass
class Row:
    id: str
    namn: str
    mottaget: int | None = None
    posts: tuple[str, ...] = ()
    del_av: str | None = None


@dataclass
class Line:
    id: str
    rad: str
    division: str
    typ: str
    text: str
    belopp: int | None = None
    antal: int | None = None
    manader: int = 12
    ref: str | None = None  # sats or schablon id


@dataclass
class Division:
    namn: str
    kort: str
    text: str = ""


@dataclass
class Internal:
    """A parsed ``intern_fordelning`` template."""

    id: str
    titel: str
    region: str
    ar: int
    kalla: str
    agreement_id: str | None
    divisions: list[Division]
    rates: list[Rate]
    schabloner: list[Schablon]
    rows: list[Row]
    lines: list[Line]
    kontroll: dict[str, int]
    avvikelser: list[str]
    befolkning: dt.date
    tolerans: int
    path: Path | None = None


def _int(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise XlToolsError(_("{where}: must be a non-negative whole number of kronor/units, got "
                             "{value}; fix the template.").format(
                               where=where, value=repr(value)))
    return value


def _str(data: dict[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise XlToolsError(_("{where}: missing text field {key}; add it to the template.").format(
                               where=where, key=repr(key)))
    return value


def load_internal(path: str | Path) -> Internal:
    """Read and check an ``intern_fordelning`` template (one-line XlToolsError on problems)."""
    path = Path(path)
    data = load_toml(path)
    name = path.name
    if data.get("typ") != KIND:
        raise XlToolsError(_("{name}: typ must be {kind}.").format(
                               name=name, kind=repr(KIND)))
    divisions = [Division(_str(d, "namn", f"{name} [[division]]"), d.get("kort") or d["namn"], d.get("text", ""))
                 for d in data.get("division", [])]
    if not divisions:
        raise XlToolsError(_("{name}: no [[division]]; list the divisions money is passed on to.").format(
                               name=name))
    div_names = {d.namn for d in divisions}
    rates = [Rate(_str(r, "id", f"{name} [[sats]]"), _str(r, "namn", f"{name} [[sats]]"),
                  _int(r.get("belopp"), f"{name} sats {r.get('id')} belopp")) for r in data.get("sats", [])]
    schabloner = [Schablon(_str(s, "id", f"{name} [[schablon]]"), _str(s, "namn", f"{name} [[schablon]]"),
                           _int(s.get("lon"), f"{name} schablon {s.get('id')} lon"),
                           _int(s.get("andel_procent"), f"{name} schablon {s.get('id')} andel_procent"))
                  for s in data.get("schablon", [])]
    rows = []
    for r in data.get("rad", []):
        where = f"{name} rad {r.get('id')}"
        posts = r.get("post", ())
        posts = (posts,) if isinstance(posts, str) else tuple(posts)
        mottaget = r.get("mottaget")
        rows.append(Row(_str(r, "id", where), _str(r, "namn", where),
                        None if mottaget is None else _int(mottaget, where + " mottaget"), posts, r.get("del_av")))
    row_ids = [r.id for r in rows]
    if len(set(row_ids)) != len(row_ids):
        raise XlToolsError(_("{name}: two [[rad]] have the same id; ids must be unique.").format(
                               name=name))
    for r in rows:
        if r.del_av is not None and r.del_av not in row_ids:
            raise XlToolsError(_("{name}: rad {id} has del_av = {del_av}, which is not a rad id.").format(
                                   name=name, id=r.id, del_av=repr(r.del_av)))
    rate_ids = {r.id for r in rates}
    schablon_ids = {s.id for s in schabloner}
    lines = []
    for li in data.get("fordelning", []):
        where = f"{name} fordelning {li.get('id')}"
        typ = _str(li, "typ", where)
        if typ not in TYPES:
            raise XlToolsError(_("{where}: typ {typ} is not one of {types}.").format(
                                   where=where, typ=repr(typ), types=', '.join(TYPES)))
        line = Line(_str(li, "id", where), _str(li, "rad", where), _str(li, "division", where), typ,
                    li.get("text", ""))
        if line.rad not in row_ids:
            raise XlToolsError(_("{where}: rad {rad} is not a [[rad]] id.").format(
                                   where=where, rad=repr(line.rad)))
        if line.division not in div_names:
            raise XlToolsError(_("{where}: division {division} is not one of {values}.").format(
                                   where=where, division=repr(line.division), values=', '.join(sorted(div_names))))
        if typ == "fast":
            line.belopp = _int(li.get("belopp"), where + " belopp")
        else:
            line.antal = _int(li.get("antal", 0), where + " antal")
            key = "sats" if typ == "per_styck" else "schablon"
            line.ref = _str(li, key, where)
            if line.ref not in (rate_ids if typ == "per_styck" else schablon_ids):
                raise XlToolsError(_("{where}: {key} {ref} is not defined in the template.").format(
                                       where=where, key=key, ref=repr(line.ref)))
            if typ == "schablon":
                line.manader = _int(li.get("manader", 12), where + " manader")
                if line.manader > 12:
                    raise XlToolsError(_("{where}: manader must be 0–12, got {manader}.").format(
                                           where=where, manader=line.manader))
        lines.append(line)
    line_ids = [li.id for li in lines]
    if len(set(line_ids)) != len(line_ids):
        raise XlToolsError(_("{name}: two [[fordelning]] have the same id; ids must be unique.").format(
                               name=name))
    kontroll = {k: _int(v, f"{name} kontroll.{k}") for k, v in data.get("kontroll", {}).items()
                if k != "tolerans"}
    region = resolve_region(_str(data, "region", name)).name
    befolkning = data.get("befolkning", dt.date(data.get("ar", 2017) - 1, 11, 1))
    if not isinstance(befolkning, dt.date):
        raise XlToolsError(_("{name}: befolkning must be a date (ÅÅÅÅ-MM-DD).").format(
                               name=name))
    return Internal(
        id=_str(data, "id", name), titel=_str(data, "titel", name), region=region,
        ar=_int(data.get("ar"), f"{name} ar"), kalla=data.get("kalla", ""),
        agreement_id=data.get("overenskommelse"), divisions=divisions, rates=rates, schabloner=schabloner,
        rows=rows, lines=lines, kontroll=kontroll, avvikelser=[a["text"] for a in data.get("avvikelse", [])],
        befolkning=befolkning, tolerans=_int(data.get("kontroll", {}).get("tolerans", DEFAULT_TOLERANCE),
                                             f"{name} kontroll.tolerans"), path=path)


# ---------------------------------------------------------------------------------------- inputs
@dataclass
class InternalInputs:
    """What the user typed: received amounts, rates, salaries, volumes, months, fixed amounts."""

    mottaget: dict[str, int] = field(default_factory=dict)
    sats: dict[str, int] = field(default_factory=dict)
    lon: dict[str, int] = field(default_factory=dict)
    andel: dict[str, int] = field(default_factory=dict)
    antal: dict[str, int] = field(default_factory=dict)
    manader: dict[str, int] = field(default_factory=dict)
    belopp: dict[str, int] = field(default_factory=dict)


INPUT_NAMES = {"mottaget": "in_Mottaget", "sats": "in_Sats", "lon": "in_Lon", "andel": "in_Andel_procent",
               "antal": "in_Antal", "manader": "in_Manader", "belopp": "in_Belopp"}


def read_internal_inputs(path: Path, t: Internal) -> tuple[InternalInputs, CarryReport]:
    """Read back the inputs of an existing workbook of this template."""
    raw = read_named_inputs(path)
    report = CarryReport(unplaced=list(raw.unplaced))
    inputs = InternalInputs()
    valid = {"mottaget": {r.id for r in t.rows if r.mottaget is not None},
             "sats": {r.id for r in t.rates}, "lon": {s.id for s in t.schabloner},
             "andel": {s.id for s in t.schabloner},
             "antal": {li.id for li in t.lines if li.typ != "fast"},
             "manader": {li.id for li in t.lines if li.typ == "schablon"},
             "belopp": {li.id for li in t.lines if li.typ == "fast"}}
    known = {li.id for li in t.lines} | {r.id for r in t.rows} | {r.id for r in t.rates} | \
        {sc.id for sc in t.schabloner}
    for attr, name in INPUT_NAMES.items():
        for key, value in raw.values.get(name, {}).items():
            if value in (None, ""):
                continue
            where = f"{name}[{key}]"
            if key not in valid[attr]:
                if key not in known:  # else: a formula cell in the input column (e.g. a per-styck Belopp)
                    report.unplaced.append(_("{where}: this input no longer exists in the template").format(
                                               where=where))
                continue
            try:
                number = parse_count(value)
            except XlToolsError as exc:
                report.unplaced.append(f"{where}: {exc}")
                continue
            getattr(inputs, attr)[key] = number
            report.carried.append(where)
    return inputs, report


# ---------------------------------------------------------------------------------------- model
@dataclass
class Computed:
    """The engine twin: every number the workbook's formulas compute, in kronor (exact)."""

    rate: dict[str, int]
    per_unit: dict[str, Fraction]
    line_amount: dict[str, Fraction]
    received: dict[str, int | None]
    cell: dict[tuple[str, str], Fraction]  # (row id, division) → kr
    row_total: dict[str, Fraction]
    total_received: int
    total_division: dict[str, Fraction]
    total_passed: Fraction


def compute(t: Internal, inp: InternalInputs) -> Computed:
    """Compute the distribution in Python (what the formulas must reproduce)."""
    rate = {r.id: inp.sats.get(r.id, r.belopp) for r in t.rates}
    per_unit: dict[str, Fraction] = {}
    for s in t.schabloner:
        exact = Fraction(inp.lon.get(s.id, s.lon) * inp.andel.get(s.id, s.andel_procent), 100)
        per_unit[s.id] = Fraction(round_half_up(exact))
    line_amount: dict[str, Fraction] = {}
    for li in t.lines:
        if li.typ == "fast":
            line_amount[li.id] = Fraction(inp.belopp.get(li.id, li.belopp or 0))
        elif li.typ == "per_styck":
            line_amount[li.id] = Fraction(inp.antal.get(li.id, li.antal or 0) * rate[li.ref or ""])
        else:
            months = inp.manader.get(li.id, li.manader)
            exact = inp.antal.get(li.id, li.antal or 0) * per_unit[li.ref or ""] * months / 12
            line_amount[li.id] = Fraction(round_half_up(exact))
    received = {r.id: (inp.mottaget.get(r.id, r.mottaget) if r.mottaget is not None else None) for r in t.rows}
    cell: dict[tuple[str, str], Fraction] = {}
    for r in reversed(t.rows):  # children come after their parent
        for d in t.divisions:
            own = sum((line_amount[li.id] for li in t.lines if li.rad == r.id and li.division == d.namn),
                      Fraction(0))
            children = sum((cell[(c.id, d.namn)] for c in t.rows if c.del_av == r.id), Fraction(0))
            cell[(r.id, d.namn)] = own + children
    row_total = {r.id: sum((cell[(r.id, d.namn)] for d in t.divisions), Fraction(0)) for r in t.rows}
    top = [r for r in t.rows if r.del_av is None]
    total_division = {d.namn: sum((cell[(r.id, d.namn)] for r in top), Fraction(0)) for d in t.divisions}
    return Computed(rate=rate, per_unit=per_unit, line_amount=line_amount, received=received, cell=cell,
                    row_total=row_total, total_received=sum(v or 0 for v in received.values()),
                    total_division=total_division, total_passed=sum(total_division.values(), Fraction(0)))


def linked_agreement(t: Internal) -> Agreement | None:
    """The agreement template whose posts the received amounts are compared with, found by its id
    (``overenskommelse``) beside the internal template or among the shipped ones; None if there is none."""
    if not t.agreement_id or not PLAIN_ID.match(t.agreement_id):
        return None
    folders = [t.path.parent] if t.path else []
    for folder in dict.fromkeys([*folders, TEMPLATE_DIR]):
        try:
            return load_template(find_template(t.agreement_id, folder))
        except XlToolsError:
            continue
    return None


def round3(value: Fraction | float) -> float:
    """Excel's ROUND(x, 3) for a Mkr amount (half away from zero)."""
    return round_half_up(Fraction(value) * 1000) / 1000


# ---------------------------------------------------------------------------------------- layout
class InternalBuilder:
    """Lays out the five sheets of the internal-distribution workbook."""

    def __init__(self, t: Internal, inp: InternalInputs, table: PopulationTable, generated: dt.datetime) -> None:
        self.t = t
        self.inp = inp
        self.table = table
        self.generated = generated
        self.c = compute(t, inp)
        self.names: dict[str, str] = {}
        self.info = Sheet("Info", tab_color="#1F4E78")
        self.params = Sheet("Parametrar", tab_color="#7F7F7F")
        self.received = Sheet("Mottaget", tab_color="#7F7F7F")
        self.lines = Sheet("Fördelning", tab_color="#375623")
        self.matrix = Sheet("Sammanfattning", tab_color="#375623")
        self.checks = Sheet("Kontroll", tab_color="#C00000")
        self.received_row: dict[str, int] = {}
        self.matrix_row: dict[str, int] = {}
        self.line_first = self.line_last = 0
        self.div_col: dict[str, int] = {}

    def build(self) -> Workbook:
        self.build_params()
        self.build_received()
        self.build_lines()
        self.build_matrix()
        status = self.build_checks()
        self.build_info(status)
        return Workbook(template_id=self.t.id, title=self.t.titel, subject="Intern fördelning av statsbidrag",
                        sheets=[self.info, self.params, self.received, self.lines, self.matrix,
                                       self.checks], names=self.names, status=status)

    # -- Parametrar --------------------------------------------------------------------------
    def build_params(self) -> None:
        s = self.params
        s.put(0, 0, f"Regionens egna regler – {self.t.region} {self.t.ar}", "title")
        s.put(1, 0, "Ersättningar per styck och schabloner som regionen själv beslutat. Gula celler kan ändras; "
                    "de behålls när arbetsboken genereras om.", "note")
        s.header_row(3, ["Id", "Ersättning per styck", "Kronor"])
        row = 4
        first = row
        for r in self.t.rates:
            s.put(row, 0, r.id, "text")
            s.put(row, 1, r.namn, "text")
            s.input(row, 2, self.c.rate[r.id], "input_int")
            self.names[f"Sats_{_nid(r.id)}"] = f"=Parametrar!$C${row + 1}"
            row += 1
        if self.t.rates:
            self.names[INPUT_NAMES["sats"]] = "=" + s.rng(first, row - 1, 2, external=True)
            s.validations.append((first, 2, row - 1, 2, _int_validation("Kronor per styck")))
        row += 1
        s.header_row(row, ["Id", "Schablon", "Lön (kr/år)", "Andel (%)", "Per enhet och år (kr)"])
        row += 1
        first = row
        for sc in self.t.schabloner:
            s.put(row, 0, sc.id, "text")
            s.put(row, 1, sc.namn, "wrap")
            s.input(row, 2, self.inp.lon.get(sc.id, sc.lon), "input_int")
            s.input(row, 3, self.inp.andel.get(sc.id, sc.andel_procent), "input_int")
            s.formula(row, 4, f"ROUND(C{row + 1}*D{row + 1}/100,0)", plain_number(self.c.per_unit[sc.id]), "kr_result")
            self.names[f"Schablon_{_nid(sc.id)}"] = f"=Parametrar!$E${row + 1}"
            row += 1
        if self.t.schabloner:
            self.names[INPUT_NAMES["lon"]] = "=" + s.rng(first, row - 1, 2, external=True)
            self.names[INPUT_NAMES["andel"]] = "=" + s.rng(first, row - 1, 3, external=True)
            s.validations.append((first, 2, row - 1, 2, _int_validation("Lön per år")))
            s.validations.append((first, 3, row - 1, 3, _int_validation("Procent", 100)))
        row += 1
        s.put(row, 0, "Divisioner", "subtitle")
        row += 1
        for d in self.t.divisions:
            s.put(row, 0, d.kort, "text")
            s.put(row, 1, d.namn + (f" – {d.text}" if d.text else ""), "text")
            row += 1
        s.widths.update({0: 12, 1: 60, 2: 14, 3: 11, 4: 20})
        s.freeze = (4, 0)

    # -- Mottaget ----------------------------------------------------------------------------
    def build_received(self) -> None:
        s = self.received
        s.put(0, 0, f"Mottagna belopp – {self.t.region} {self.t.ar}", "title")
        s.put(1, 0, "Vad regionen får per överenskommelse och villkor (kronor). Förifyllt ur regionens dokument; "
                    "skriv in beslutade belopp när de är kända. Jämförelsen med befolkningsandelen finns på "
                    "bladet Kontroll.", "note")
        s.header_row(3, ["Id", "Aktivitet", "Mottaget (kr)", "Post i överenskommelsen"])
        row = 4
        first = row
        for r in self.t.rows:
            if r.mottaget is None:
                continue
            s.put(row, 0, r.id, "text")
            s.put(row, 1, r.namn, "text")
            s.input(row, 2, self.c.received[r.id], "input_int")
            s.put(row, 3, ", ".join(r.posts), "text")
            self.received_row[r.id] = row
            row += 1
        self.names[INPUT_NAMES["mottaget"]] = "=" + s.rng(first, row - 1, 2, external=True)
        s.validations.append((first, 2, row - 1, 2, _int_validation("Mottaget belopp i kronor")))
        s.put(row, 1, "Summa", "total_label")
        s.formula(row, 2, f"SUM(C{first + 1}:C{row})", self.c.total_received, "total")
        self.received_sum_row = row
        s.widths.update({0: 10, 1: 62, 2: 16, 3: 24})
        s.freeze = (4, 0)

    # -- Fördelning --------------------------------------------------------------------------
    def build_lines(self) -> None:
        s = self.lines
        s.put(0, 0, f"Fördelning till divisionerna – {self.t.region} {self.t.ar}", "title")
        s.put(1, 0, "En rad per fördelning. Fast belopp: skriv beloppet. Per styck: antal × ersättningen på "
                    "Parametrar. Schablon: antal enheter × schablon × månader / 12, betalas med 1/12 per månad.",
              "note")
        headers = ["Id", "Rad", "Aktivitet", "Division", "Typ", "Antal", "Kr per styck/enhet", "Månader",
                   "Belopp (kr)", "Per månad (kr)"]
        s.header_row(3, headers)
        first_div = len(headers)
        for i, d in enumerate(self.t.divisions):
            self.div_col[d.namn] = first_div + i
            s.put(3, first_div + i, d.namn, "header")
        row = 4
        self.line_first = row
        names_of = {r.id: r.namn for r in self.t.rows}
        type_text = {"fast": "Fast belopp", "per_styck": "Per styck", "schablon": "Schablon"}
        for li in self.t.lines:
            x = row + 1
            s.put(row, 0, li.id, "text")
            s.put(row, 1, li.rad, "text")
            s.put(row, 2, li.text or names_of[li.rad], "text")
            s.put(row, 3, li.division, "text")
            s.put(row, 4, type_text[li.typ], "text")
            amount = plain_number(self.c.line_amount[li.id])
            if li.typ == "fast":
                s.input(row, 8, amount, "input_int")
            else:
                s.input(row, 5, self.inp.antal.get(li.id, li.antal or 0), "input_int")
                if li.typ == "per_styck":
                    s.formula(row, 6, f"Sats_{_nid(li.ref or '')}", self.c.rate[li.ref or ""], "kr")
                    s.formula(row, 8, f"F{x}*G{x}", amount, "kr_result")
                else:
                    months = self.inp.manader.get(li.id, li.manader)
                    s.formula(row, 6, f"Schablon_{_nid(li.ref or '')}", plain_number(self.c.per_unit[li.ref or ""]),
                              "kr")
                    s.input(row, 7, months, "input_int")
                    s.formula(row, 8, f"ROUND(F{x}*G{x}*H{x}/12,0)", amount, "kr_result")
                    s.formula(row, 9, f"IF(H{x}>0,I{x}/H{x},0)",
                              plain_number(self.c.line_amount[li.id] / months) if months else 0, "kr")
            for d in self.t.divisions:
                col = self.div_col[d.namn]
                head = s.ref(3, col, abs_row=True)
                s.formula(row, col, f'IF($D{x}={head},$I{x},0)', amount if d.namn == li.division else 0, "kr")
            row += 1
        self.line_last = row - 1
        for key, col in (("antal", 5), ("manader", 7), ("belopp", 8)):
            self.names[INPUT_NAMES[key]] = "=" + s.rng(self.line_first, self.line_last, col, external=True)
        s.validations.append((self.line_first, 5, self.line_last, 5, _int_validation("Antal")))
        s.validations.append((self.line_first, 7, self.line_last, 7, _int_validation("Månader", 12)))
        s.validations.append((self.line_first, 8, self.line_last, 8, _int_validation("Belopp i kronor")))
        s.put(row, 2, "Summa", "total_label")
        total = sum(self.c.line_amount.values(), Fraction(0))
        for col, value in [(8, total), *[(self.div_col[d.namn], self.c.total_division[d.namn])
                                        for d in self.t.divisions]]:
            s.formula(row, col, f"SUM({s.rng(self.line_first, self.line_last, col, absolute=False)})",
                      plain_number(value), "total")
        s.widths.update({0: 17, 1: 9, 2: 46, 3: 13, 4: 11, 5: 8, 6: 13, 7: 9, 8: 13, 9: 12})
        s.widths.update({c: 11 for c in self.div_col.values()})
        s.freeze = (4, 1)

    def _line_range(self, col: int) -> str:
        return self.lines.rng(self.line_first, self.line_last, col, external=True)

    # -- Sammanfattning (the matrix) ---------------------------------------------------------
    def build_matrix(self) -> None:
        s = self.matrix
        t = self.t
        s.put(0, 0, f"Sammanfattning {t.ar} – {t.region} (miljoner kronor)", "title")
        s.put(1, 0, "Per aktivitet: mottaget belopp, vad som går vidare till varje division, totalt vidare och "
                    "andel vidare. Som matrisen 'Sammanfattning tabell' i regionens dokument.", "note")
        headers = ["Aktivitet", f"{t.ar} (mottaget)", *[d.kort for d in t.divisions], "Totalt", "Andel vidare"]
        s.header_row(3, headers)
        ndiv = len(t.divisions)
        tot_col, share_col = 2 + ndiv, 3 + ndiv
        agreement = self._agreement_title()
        s.put(4, 0, agreement, "text_bold")
        row = 5
        top_rows: list[int] = []
        placed: set[str] = set()

        def place(r: Row) -> None:
            nonlocal row
            sub = r.del_av is not None
            self.matrix_row[r.id] = row
            placed.add(r.id)
            row += 1
            children = [c for c in t.rows if c.del_av == r.id]
            if children:
                s.put(row, 0, "varav", "text_sub")
                row += 1
                for child in children:
                    place(child)
            self._matrix_row(r, sub, children, tot_col, share_col)

        for r in t.rows:
            if r.del_av is None:
                top_rows.append(row)
                place(r)
        x = row + 1
        s.put(row, 0, "Summa", "total_label")
        s.formula(row, 1, "+".join(f"B{r + 1}" for r in top_rows), self.c.total_received / MKR, "mkr_total")
        for i, d in enumerate(t.divisions):
            col = 2 + i
            letter = col_letter(col)
            s.formula(row, col, "+".join(f"{letter}{r + 1}" for r in top_rows),
                      float(self.c.total_division[d.namn] / MKR), "mkr_total")
        s.formula(row, tot_col, f"SUM({s.rng(row, row, 2, absolute=False).split(':')[0]}:"
                                f"{col_letter(1 + ndiv)}{x})", float(self.c.total_passed / MKR), "mkr_total")
        s.formula(row, share_col, f"IF(B{x}>0,{col_letter(tot_col)}{x}/B{x},0)",
                  float(self.c.total_passed / self.c.total_received) if self.c.total_received else 0, "pct_total")
        self.matrix_sum_row = row
        self.tot_col, self.share_col = tot_col, share_col
        s.widths.update({0: 58, 1: 13, tot_col: 11, share_col: 12})
        s.widths.update({2 + i: 10 for i in range(ndiv)})
        s.freeze = (4, 1)

    def _matrix_row(self, r: Row, sub: bool, children: list[Row], tot_col: int, share_col: int) -> None:
        s = self.matrix
        row = self.matrix_row[r.id]
        x = row + 1
        s.put(row, 0, r.namn, "text_sub" if sub else "text")
        style = "mkr_sub" if sub else "mkr"
        if r.id in self.received_row:
            s.formula(row, 1, f"{quote('Mottaget')}!C{self.received_row[r.id] + 1}/{MKR}",
                      (self.c.received[r.id] or 0) / MKR, style)
        ids = self._line_range(1)
        for i, d in enumerate(self.t.divisions):
            col = 2 + i
            formula = f'SUMIF({ids},"{r.id}",{self._line_range(self.div_col[d.namn])})/{MKR}'
            if children:
                formula += "+" + "+".join(f"{col_letter(col)}{self.matrix_row[c.id] + 1}" for c in children)
            s.formula(row, col, formula, float(self.c.cell[(r.id, d.namn)] / MKR), style)
        s.formula(row, tot_col, f"SUM(C{x}:{col_letter(tot_col - 1)}{x})", float(self.c.row_total[r.id] / MKR), style)
        if r.id in self.received_row:
            received = self.c.received[r.id] or 0
            s.formula(row, share_col, f"IF(B{x}>0,{col_letter(tot_col)}{x}/B{x},0)",
                      float(self.c.row_total[r.id] / received) if received else 0, "pct")

    def _agreement_title(self) -> str:
        agreement = linked_agreement(self.t)
        return agreement.kortnamn if agreement else self.t.titel

    # -- Kontroll ----------------------------------------------------------------------------
    def build_checks(self) -> str:
        s = self.checks
        t = self.t
        s.put(0, 0, "Kontroll och avvikelser", "title")
        s.put(1, 0, "1. Arbetsbokens summor mot dokumentets (miljoner kronor, tre decimaler som i dokumentet).",
              "subtitle")
        s.header_row(3, ["Kontroll", "Dokumentet (Mkr)", "Arbetsboken (Mkr)", "Status"])
        row = 4
        statuses: list[str] = []
        mx = self.matrix
        sum_row = self.matrix_sum_row + 1
        lines_sum = self.line_last + 2  # the Summa row of Fördelning (kronor, exact)
        fd = quote(self.lines.name)
        items: list[tuple[str, str, str, Fraction]] = []
        k = t.kontroll
        if "mottaget" in k:
            items.append(("Summa mottaget", "mottaget", f"{quote(self.received.name)}!C{self.received_sum_row + 1}",
                          Fraction(self.c.total_received)))
        if "vidare" in k:
            items.append(("Summa vidare till divisionerna", "vidare", f"{fd}!I{lines_sum}", self.c.total_passed))
        for d in t.divisions:
            if d.namn in k:
                items.append((f"Summa {d.namn}", d.namn, f"{fd}!{col_letter(self.div_col[d.namn])}{lines_sum}",
                              self.c.total_division[d.namn]))
        for label, key, ref, value in items:
            doc = k[key] / MKR
            mine = round3(value / MKR)
            s.put(row, 0, label, "text")
            s.put(row, 1, doc, "mkr")
            s.formula(row, 2, f"ROUND({ref}/1000,0)/1000", mine, "mkr")
            status = OK if abs(mine - doc) < 1e-9 else FEL
            s.formula(row, 3, f'IF(ABS(C{row + 1}-B{row + 1})<0.0000001,"{OK}","{FEL}")', status, "status")
            statuses.append(status)
            row += 1
        if "andel_procent" in k:
            share = self.c.total_passed / self.c.total_received if self.c.total_received else Fraction(0)
            mine_pct = round_half_up(share * 100)
            s.put(row, 0, "Andel vidare (hela procent)", "text")
            s.put(row, 1, k["andel_procent"], "int")
            s.formula(row, 2, f"ROUND({quote(mx.name)}!{col_letter(self.share_col)}{sum_row}*100,0)", mine_pct, "int")
            status = OK if mine_pct == k["andel_procent"] else FEL
            s.formula(row, 3, f'IF(C{row + 1}=B{row + 1},"{OK}","{FEL}")', status, "status")
            statuses.append(status)
            row += 1
        if "koordinatorer" in k and t.schabloner:
            ids = {li.id for li in t.lines if li.typ == "schablon"}
            value = sum((self.c.line_amount[i] for i in ids), Fraction(0)) / MKR
            s.put(row, 0, "Koordinatorer (schablon) totalt", "text")
            s.put(row, 1, k["koordinatorer"] / MKR, "mkr")
            types = self._line_range(4)
            s.formula(row, 2, f'ROUND(SUMIF({types},"Schablon",{self._line_range(8)})/1000,0)/1000', round3(value),
                      "mkr")
            status = OK if abs(round3(value) - k["koordinatorer"] / MKR) < 1e-9 else FEL
            s.formula(row, 3, f'IF(ABS(C{row + 1}-B{row + 1})<0.0000001,"{OK}","{FEL}")', status, "status")
            statuses.append(status)
            row += 1
        self.check_range = (4, row - 1)
        row += 1
        row = self._deviations(row)
        row += 1
        s.put(row, 0, "3. Dokumentets egna motsägelser", "subtitle")
        row += 1
        for text in t.avvikelser:
            s.merges.append((row, 0, row, 8, text, "wrap"))
            row += 1
        s.widths.update({0: 44, 1: 16, 2: 16, 3: 12, 4: 13, 5: 13, 6: 15, 7: 14, 8: 12, 9: 12})
        s.freeze = (1, 0)
        self.errors = statuses.count(FEL)
        return FEL if self.errors else OK

    def _deviations(self, row: int) -> int:
        """Each received amount against the region's population share of the agreement's pot."""
        s = self.checks
        t = self.t
        s.put(row, 0, "2. Mottaget mot regionens befolkningsandel av överenskommelsens belopp", "subtitle")
        row += 1
        s.put(row, 0, f"Befolkningsandelen räknas som i överenskommelsen (motorn: population_share). Tolerans "
                      f"{t.tolerans:,} kr".replace(",", " ") + " eftersom dokumentet avrundar till tusental kronor. "
                      "För kontaktersättningen är andelen ett tak, inte ett löfte.", "note")
        row += 1
        headers = ["Aktivitet", "Post(er)", "Pott (kr)", "Befolkning per", f"Befolkning {t.region}",
                   "Befolkning riket", "Befolkningsandel (kr)", "Mottaget (kr)", "Skillnad (kr)", "Status"]
        s.header_row(row, headers)
        row += 1
        agreement = linked_agreement(t)
        region = resolve_region(t.region)
        index = next(i for i, r in enumerate(REGIONS) if r == region)
        first = row
        self.deviation_count = 0
        for r in t.rows:
            if not r.posts or r.id not in self.received_row or agreement is None:
                continue
            try:
                posts = [agreement.post(p) for p in r.posts]
            except KeyError as exc:
                raise XlToolsError(_("{path}: rad {id} names post {args}, which is not in "
                                     "{agreement_id}.toml.").format(
                                       path=t.path, id=r.id, args=repr(exc.args[0]),
                                       agreement_id=t.agreement_id)) from None
            pot = sum((p.belopp for p in posts), Fraction(0))
            date = posts[0].befolkning or t.befolkning
            note = ""
            if date not in self.table.values:
                note = f" (folkmängd {describe_date(date)} saknas; {describe_date(t.befolkning)} används)"
                date = t.befolkning
            pops = self.table.vector(date)
            share = round_half_up(population_share(pot, pops)[index])
            received = self.c.received[r.id] or 0
            diff = received - share
            x = row + 1
            s.put(row, 0, r.namn + note, "wrap")
            s.put(row, 1, ", ".join(r.posts), "text")
            s.put(row, 2, plain_number(pot), "kr")
            s.put(row, 3, date, "date")
            s.put(row, 4, pops[index], "int")
            s.put(row, 5, sum(pops), "int")
            s.formula(row, 6, f"ROUND(C{x}*E{x}/F{x},0)", share, "kr")
            s.formula(row, 7, f"{quote('Mottaget')}!C{self.received_row[r.id] + 1}", received, "kr")
            s.formula(row, 8, f"H{x}-G{x}", diff, "kr_diff")
            status = OK if abs(diff) <= t.tolerans else AVVIKER
            s.formula(row, 9, f'IF(ABS(I{x})<=Tolerans,"{OK}","{AVVIKER}")', status, "status")
            self.deviation_count += status == AVVIKER
            row += 1
        self.names["Tolerans"] = f"=Kontroll!$B${row + 2}"
        s.put(row + 1, 0, "Tolerans (kr)", "text")
        s.put(row + 1, 1, t.tolerans, "kr_param")
        s.put(row + 2, 0, "Antal avvikelser", "text")
        s.formula(row + 2, 1, f'COUNTIF(J{first + 1}:J{max(row, first + 1)},"{AVVIKER}")', self.deviation_count,
                  "int")
        self.deviation_cell = f"Kontroll!B{row + 3}"
        return row + 3

    # -- Info --------------------------------------------------------------------------------
    def build_info(self, status: str) -> None:
        s = self.info
        t = self.t
        put_facts(s, t.titel, [("Mall", t.id), ("Region", t.region), ("Källa", t.kalla),
                               ("Genererad", self.generated.strftime("%Y-%m-%d %H:%M"))])
        s.put(7, 0, "Kontroll", "text_bold")
        first, last = self.check_range
        s.formula(7, 1, f'IF(COUNTIF(Kontroll!D{first + 1}:D{max(last, first) + 1},"{FEL}")>0,"{FEL}","{OK}")',
                  status, "status_big")
        s.put(8, 0, "Avvikelser mot befolkningsandel", "text_bold")
        s.formula(8, 1, self.deviation_cell, self.deviation_count, "int")
        help_rows = [
            "Så används arbetsboken:",
            "1. Mottaget: skriv in vad regionen får per villkor (gula celler).",
            "2. Parametrar: regionens egna ersättningar per styck och schabloner.",
            "3. Fördelning: antal behandlingar, kontakter och enheter per division; fasta belopp.",
            "4. Sammanfattning: matrisen per aktivitet och division, totalt vidare och andel vidare.",
            "5. Kontroll: summorna mot regionens dokument och mottaget mot befolkningsandelen.",
            "Generera om med 'xl-tools build'; inskrivna värden behålls.",
        ]
        put_help(s, 10, help_rows)
        s.widths.update({0: 34, 1: 100})


def _nid(text: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in text)


def _int_validation(title: str, maximum: int | None = None) -> dict[str, Any]:
    # the prompt and the error state one rule
    rule = "ett heltal, 0 eller mer" if maximum is None else f"ett heltal från 0 till {maximum}"
    options: dict[str, Any] = {"validate": "integer", "input_title": title, "input_message": f"Skriv {rule}.",
                               "error_title": "Heltal", "error_message": f"Skriv {rule}."}
    if maximum is None:
        options.update({"criteria": ">=", "value": 0})
    else:
        options.update({"criteria": "between", "minimum": 0, "maximum": maximum})
    return options


# ---------------------------------------------------------------------------------------- generate
def build_internal(t: Internal, inputs: InternalInputs | None = None, *, table: PopulationTable | None = None,
                   generated: dt.datetime | None = None) -> Workbook:
    """Lay out the workbook (no file written)."""
    return InternalBuilder(t, inputs or InternalInputs(), table or load_population(),
                           generated or generation_time()).build()


def generate_internal(template: str | Path | Internal, out: str | Path, *, inputs: InternalInputs | None = None,
                      carry_over: bool = True, discard_unmatched: bool = False,
                      generated: dt.datetime | None = None) -> GenerateResult:
    """Generate the internal-distribution workbook at ``out``, carrying over typed inputs."""
    t = template if isinstance(template, Internal) else load_internal(template)
    out = Path(out)
    report = CarryReport()
    if inputs is None:
        inputs, report = carried_inputs(out, lambda path: read_internal_inputs(path, t), InternalInputs,
                                        carry_over=carry_over, discard_unmatched=discard_unmatched)
    book = build_internal(t, inputs, generated=generated)
    backup = write_atomic(book, out)
    return GenerateResult(path=out, status=book.status, carry=report, backup=backup, workbook=book)


def generate_internal_into(template: Path, out_dir: Path, *, discard_unmatched: bool = False) -> GenerateResult:
    """The ``intern_fordelning`` kind for ``xl-tools build``."""
    t = load_internal(template)
    return generate_internal(t, Path(out_dir) / f"{t.id}.xlsx", discard_unmatched=discard_unmatched)
