"""The template language: every key of every template kind, in one schema.

The schema does two things from one description:

- :func:`validate` refuses unknown keys (with "did you mean …") and values of the wrong
  type, naming the file and line, before a template's kind reads it;
- :func:`reference_markdown` writes ``docs/template-reference.md`` (a test checks the
  committed file is current).

A key's ``type`` is one of:

=============  ==============================================================
``text``       a string
``int``        a whole number
``year``       a year, 1990–2100
``villkor_nr`` a villkor number, 1–999
``amount``     kronor: a whole number, or a string such as "1 234,50"
``date``       a date, ÅÅÅÅ-MM-DD (no time)
``bool``       true / false
``int_list``   a list of whole numbers, e.g. ``[2017, 2018]``
``text_list``  a list of strings
``text_or_list`` a string or a list of strings
``amounts``    a table of amounts: ``{ 2017 = 1_220_000_000 }`` or one amount
``region_amounts`` a table region = amount, one per region
=============  ==============================================================
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field
from typing import Any

from xl_tools.i18n import N_, _

TYPE_NAMES = {
    "text": N_("text (in quotes)"), "int": N_("a whole number"), "amount": N_("an amount of kronor"),
    "date": N_("a date (ÅÅÅÅ-MM-DD)"), "bool": N_("true or false"), "year": N_("a year (1990–2100)"),
    "villkor_nr": N_("a villkor number (1–999)"), "int_list": N_("a list of whole numbers"),
    "text_list": N_("a list of texts"), "text_or_list": N_("a text or a list of texts"),
    "amounts": N_("an amount, or a table of year = amount"), "region_amounts": N_("a table of region = amount"),
}


@dataclass(frozen=True)
class Key:
    name: str
    type: str
    doc: str
    required: bool = False
    example: str = ""


@dataclass(frozen=True)
class Table:
    """A TOML table: the top level, an array of tables (``[[post]]``) or a table (``[kontroll]``)."""

    name: str
    doc: str
    keys: tuple[Key, ...] = ()
    array: bool = False
    free: str | None = None  # the type of user-named keys (``[kontroll]``), None if keys are fixed
    tables: tuple[Table, ...] = field(default=())

    def key(self, name: str) -> Key | None:
        return next((k for k in self.keys if k.name == name), None)

    def table(self, name: str) -> Table | None:
        return next((t for t in self.tables if t.name == name), None)


# ---------------------------------------------------------------------------------------------- kinds
_TYP = Key("typ", "text", "Mallens sort: `overenskommelse` (standard), `intern_fordelning` eller "
                          "`villkor3_sammanstallning`.", example='"overenskommelse"')
_ID = Key("id", "text", "Mallens namn, även arbetsbokens filnamn (`ID.xlsx`). Bokstäver, siffror, `-` och `_`; "
                        "unikt bland mallarna i mappen.", required=True, example='"kvinnors-halsa-2025"')
_TITEL = Key("titel", "text", "Överenskommelsens titel, överst på bladet Info.", required=True)
_KALLA = Key("kalla", "text", "Var beloppen står (dokument, datum, sida). Visas på bladet Info.")

AGREEMENT = Table("", "En överenskommelse: villkor, poster (belopp) och kontrollsummor.", keys=(
    _TYP, _ID, _TITEL,
    Key("kortnamn", "text", "Kort namn i bladrubriker (standard: titeln)."),
    Key("parter", "text_list", "Parterna, t.ex. `[\"Staten\", \"SKR\"]`."),
    Key("undertecknad", "date", "Dag då överenskommelsen undertecknades."),
    Key("ar", "int_list", "Överenskommelsens avtalsår.", required=True, example="[2025]"),
    _KALLA,
    Key("avrundning", "text", "Hur varje regions belopp avrundas: `kronor` (hela kronor per region, summan kan "
                              "avvika några kronor), `largest-remainder` (största rest; summan blir exakt potten), "
                              "`residual-to-largest` / `rest-till-storsta` (hela kronor, skillnaden till regionen "
                              "med störst befolkning), `none` (exakta belopp). Standard: `kronor`.",
        example='"largest-remainder"'),
), tables=(
    Table("kontroll", "Summor ur överenskommelsen som arbetsboken stämmer av på bladet Kontroll. Kända nycklar: "
                      "`till_regionerna`, `per_avtalsar`, `per_utbetalningsar` (tabeller år = belopp) och `totalt` "
                      "(ett belopp). Andra nycklar visas på bladet Parametrar.", free="amounts", keys=(
        Key("till_regionerna", "amounts", "Totalt till regionerna per avtalsår, t.ex. `{ 2025 = 5_886_500_000 }`."),
        Key("per_avtalsar", "amounts", "Totalt för överenskommelsen per avtalsår."),
        Key("per_utbetalningsar", "amounts", "Totalt som betalas ut per kalenderår."),
        Key("totalt", "amounts", "Överenskommelsens totala belopp."),
    )),
    Table("villkor", "Ett villkor: ett blad i arbetsboken när pengar går till regionerna.", array=True, keys=(
        Key("nr", "villkor_nr", "Villkorets nummer (unikt), 1–999.", required=True, example="1"),
        Key("namn", "text", "Villkorets namn.", required=True),
        Key("regel_text", "text", "Regeln i klartext, visas överst på villkorets blad."),
        Key("sida", "int", "Sida i överenskommelsen (visas på Parametrar)."),
    )),
    Table("post", "Ett belopp: en rad i överenskommelsens tabell (belopp, år, mottagare, regel).", array=True, keys=(
        Key("id", "text", "Postens namn (unikt), t.ex. `V1-2025`.", required=True),
        Key("ar", "year", "Avtalsåret beloppet hör till (ett av `ar`).", required=True),
        Key("belopp", "amount", "Potten i kronor.", required=True, example="300_000_000"),
        Key("mottagare", "text", "`regionerna`, eller en annan mottagare (t.ex. `SKR`).", required=True),
        Key("regel", "text", "Fördelningsregeln (se tabellen Regler nedan).", required=True),
        Key("utbetalning", "date", "Senaste utbetalningsdag.", required=True),
        Key("villkor", "villkor_nr", "Villkorets `nr` (krävs när mottagare är regionerna)."),
        Key("befolkning", "date", "Befolkningens referensdatum, oftast 1 november året före "
                                  "(krävs för regler som fördelar efter befolkning)."),
        Key("redovisning", "date", "Senaste redovisningsdag."),
        Key("per_enhet", "amount", "Belopp per enhet (regel `per_unit_capped`)."),
        Key("enhet", "text", "Vad som räknas (regel `per_unit_capped`), t.ex. `kontakter`."),
        Key("fast_per_region", "amount", "Fast belopp till varje region (regel `fixed_plus_population`)."),
        Key("belopp_per_region", "region_amounts", "Belopp per region (regel `amount_per_region`): en tabell "
                                                   "`[post.belopp_per_region]` med `Stockholm = 3_823_518` …"),
        Key("avrundning", "text", "Avrundning för just denna pott, när den skiljer sig från överenskommelsens "
                                  "`avrundning` (samma värden)."),
        Key("villkorstext", "text", "Kort text om vad som ska uppfyllas (kolumnrubrik)."),
        Key("beskrivning", "text", "Beskrivning av posten."),
        Key("endast_ar", "bool", "true: visa bara utbetalningsåret (när dagen inte är känd)."),
    )),
))

INTERNAL = Table("", "En regions interna fördelning av mottagna statsbidrag till divisioner (matris).", keys=(
    _TYP, _ID, _TITEL,
    Key("region", "text", "Regionen (vilket namn som helst som xl-tools känner igen).", required=True),
    Key("ar", "year", "Året.", required=True),
    Key("overenskommelse", "text", "`id` för överenskommelsens mall vars poster beloppen jämförs med."),
    _KALLA,
    Key("befolkning", "date", "Befolkningens referensdatum (standard 1 november året före)."),
), tables=(
    Table("kontroll", "Dokumentets egna summor (namn = belopp); `tolerans` i kronor.", free="amount"),
    Table("division", "En kolumn i matrisen (vart pengarna går).", array=True, keys=(
        Key("namn", "text", "Divisionens namn.", required=True), Key("kort", "text", "Kort namn."),
        Key("text", "text", "Förklaring."))),
    Table("sats", "Regionens egen ersättning per styck.", array=True, keys=(
        Key("id", "text", "Namn.", required=True), Key("namn", "text", "Text.", required=True),
        Key("belopp", "int", "Kronor per styck.", required=True))),
    Table("schablon", "En del av en lön per enhet, 1/12 per månad.", array=True, keys=(
        Key("id", "text", "Namn.", required=True), Key("namn", "text", "Text.", required=True),
        Key("lon", "int", "Årslön i kronor.", required=True),
        Key("andel_procent", "int", "Andel av lönen i procent.", required=True))),
    Table("rad", "En rad i matrisen: aktivitet och mottaget belopp.", array=True, keys=(
        Key("id", "text", "Namn.", required=True), Key("namn", "text", "Text.", required=True),
        Key("mottaget", "int", "Mottaget belopp i kronor."),
        Key("post", "text_or_list", "Post(er) i överenskommelsens mall att jämföra med."),
        Key("del_av", "text", "En varav-rad under raden med detta id."))),
    Table("fordelning", "En fördelningsrad till en division.", array=True, keys=(
        Key("id", "text", "Namn.", required=True), Key("rad", "text", "Radens id.", required=True),
        Key("division", "text", "Divisionens namn.", required=True),
        Key("typ", "text", "`fast`, `per_styck` eller `schablon`.", required=True),
        Key("belopp", "int", "Belopp (typ fast)."), Key("sats", "text", "Satsens id (typ per_styck)."),
        Key("schablon", "text", "Schablonens id (typ schablon)."), Key("antal", "int", "Antal."),
        Key("manader", "int", "Månader 0–12 (typ schablon)."), Key("text", "text", "Text."))),
    Table("avvikelse", "En motsägelse i dokumentet, visas på bladet Avvikelser.", array=True, keys=(
        Key("text", "text", "Texten.", required=True),)),
))

COMPILATION = Table("", "Sammanställning av regionernas redovisningar för villkor 3 och utbetalningen.", keys=(
    _TYP, _ID, _TITEL,
    Key("ar", "year", "Redovisningsåret.", required=True),
    Key("foregaende_ar", "year", "Året att jämföra med.", required=True),
    Key("befolkning", "date", "Befolkningens referensdatum.", required=True),
    Key("grundbelopp", "int", "Grundbeloppet i kronor.", required=True),
    Key("kontaktpott", "int", "Potten för kontakter i kronor.", required=True),
    Key("per_kontakt", "int", "Kronor per kontakt.", required=True),
    Key("avrundning", "text", "Avrundning (`kronor`)."), _KALLA,
), tables=(
    Table("behandling", "En behandlingsform i redovisningarna.", array=True, keys=(
        Key("id", "text", "Kort namn (bokstäver och siffror).", required=True),
        Key("namn", "text", "Namn.", required=True),
        Key("alias", "text_list", "Andra skrivsätt som importen godtar."))),
))

SCHEMAS: dict[str, Table] = {
    "overenskommelse": AGREEMENT,
    "intern_fordelning": INTERNAL,
    "villkor3_sammanstallning": COMPILATION,
}


# ---------------------------------------------------------------------------------------------- checking
@dataclass(frozen=True)
class Problem:
    """One thing wrong in a template: the dotted path of the key (``post[2].regl``) and what."""

    table: str  # "" top level, "post", "kontroll" ...
    index: int | None  # which [[post]]
    key: str | None
    message: str


def _type_ok(value: object, type_: str) -> bool:
    if type_ == "text":
        return isinstance(value, str)
    if type_ == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if type_ == "villkor_nr":
        return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 999
    if type_ == "year":
        return isinstance(value, int) and not isinstance(value, bool) and 1990 <= value <= 2100
    if type_ == "amount":
        return (isinstance(value, (int, float, str)) and not isinstance(value, bool))
    if type_ == "date":
        return isinstance(value, dt.date) and not isinstance(value, dt.datetime)
    if type_ == "bool":
        return isinstance(value, bool)
    if type_ == "int_list":
        return isinstance(value, list) and all(_type_ok(v, "int") for v in value)
    if type_ == "text_list":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if type_ == "text_or_list":
        return isinstance(value, str) or _type_ok(value, "text_list")
    if type_ == "amounts":
        if isinstance(value, dict):
            return all(_type_ok(int(k) if k.isdigit() else k, "year") and _type_ok(v, "amount")
                       for k, v in value.items())
        return _type_ok(value, "amount")
    if type_ == "region_amounts":
        return isinstance(value, dict) and all(_type_ok(v, "amount") for v in value.values())
    raise AssertionError(type_)


def _describe(value: object) -> str:
    if isinstance(value, dict):
        return _("a table")
    if isinstance(value, list):
        return _("a list")
    if isinstance(value, dt.datetime):
        return _("a date and time ({value})").format(value=value.isoformat())
    if isinstance(value, bool):
        return _("true/false")
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "…"


def suggestion(word: str, known: list[str]) -> str:
    """' Did you mean 'kontroll'?' (or '' when nothing is close)."""
    close = difflib.get_close_matches(word, known, n=1, cutoff=0.6)
    return " " + _("Did you mean '{word}'?").format(word=close[0]) if close else ""


def validate(data: dict[str, Any], schema: Table) -> list[Problem]:
    """Every unknown key and wrongly typed value in ``data`` (a parsed template)."""
    problems: list[Problem] = []
    _check_table(data, schema, "", None, problems)
    return problems


def _check_table(data: dict[str, Any], table: Table, name: str, index: int | None, problems: list[Problem]) -> None:
    known = [k.name for k in table.keys] + [t.name for t in table.tables]
    for key, value in data.items():
        spec = table.key(key)
        sub = table.table(key)
        if sub is not None:
            if sub.array:
                if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
                    problems.append(Problem(name, index, key, _("'{key}' must be tables written [[{key}]], got "
                                                                "{value}.").format(key=key, value=_describe(value))))
                    continue
                for i, item in enumerate(value):
                    _check_table(item, sub, key, i, problems)
            elif not isinstance(value, dict):
                problems.append(Problem(name, index, key, _("'{key}' must be a table written [{key}], got "
                                                            "{value}.").format(key=key, value=_describe(value))))
            else:
                _check_table(value, sub, key, None, problems)
            continue
        if spec is None and table.free is not None:
            spec = Key(key, table.free, "")
        if spec is None:
            where = f"[{name}]" if name and index is None else (f"[[{name}]]" if name else _("the template"))
            problems.append(Problem(name, index, key, _("unknown key '{key}' in {where}.").format(key=key, where=where)
                                    + suggestion(key, known)))
            continue
        if not _type_ok(value, spec.type):
            problems.append(Problem(name, index, key, _("'{key}' must be {type}, got {value}.").format(
                key=key, type=_(TYPE_NAMES[spec.type]), value=_describe(value))))
    for spec in table.keys:
        if spec.required and spec.name not in data:
            if name and index is not None:
                text = _("the key '{key}' is missing from [[{table}]] #{n}.").format(
                    key=spec.name, table=name, n=index + 1)
            elif name:
                text = _("the key '{key}' is missing from [{table}].").format(key=spec.name, table=name)
            else:
                text = _("the key '{key}' is missing.").format(key=spec.name)
            problems.append(Problem(name, index, None, text))


# ---------------------------------------------------------------------------------------------- docs
def reference_markdown() -> str:
    """``docs/template-reference.md``: every key of every kind, from this schema."""
    from xl_tools.engine.registry import RULES

    out = ["# Mallspråket: alla nycklar", "",
           "<!-- Genererad av `python -m xl_tools.schema > docs/template-reference.md` ur xl_tools/schema.py; "
           "ändra inte för hand. Ett test kontrollerar att filen är aktuell. -->", "",
           "En mall är en TOML-fil i `templates/`. Okända nycklar och fel typer stoppas med fil och rad "
           "(\"did you mean …\"). Datum skrivs ÅÅÅÅ-MM-DD, belopp i kronor (understreck får skilja tusental: "
           "`1_382_000_000`). Se också [Skriv en ny överenskommelse](skriv-en-ny-overenskommelse.md).", ""]
    for kind, schema in SCHEMAS.items():
        out += [f"## Sort `{kind}`", "", schema.doc, ""]
        out += _table_doc("Översta nivån", schema)
        for sub in schema.tables:
            title = f"`[[{sub.name}]]`" if sub.array else f"`[{sub.name}]`"
            out += _table_doc(title, sub)
        if kind == "overenskommelse":
            out += ["### Regler (`regel`)", "", "| regel | vad | kräver |", "|---|---|---|"]
            for rule in RULES.values():
                needs = ", ".join(["`befolkning`"] * rule.population + [f"`{n}`" for n in rule.needs]
                                  + (["Ja/Nej per region i arbetsboken"] if rule.qualified else []))
                out.append(f"| `{rule.name}` | {rule.label}. {rule.description} | {needs or '–'} |")
            out.append("")
    return "\n".join(out)


def _table_doc(title: str, table: Table) -> list[str]:
    lines = [f"### {title}", ""]
    if title != "Översta nivån":
        lines += [table.doc, ""]
    if table.keys:
        lines += ["| nyckel | typ | krävs | betydelse |", "|---|---|---|---|"]
        for k in table.keys:
            doc = k.doc + (f" Exempel: `{k.name} = {k.example}`." if k.example else "")
            lines.append(f"| `{k.name}` | {TYPE_NAMES[k.type]} | {'ja' if k.required else ''} | {doc} |")
        lines.append("")
    if table.free:
        lines += [f"Egna nycklar är tillåtna här ({TYPE_NAMES[table.free]}).", ""]
    return lines


if __name__ == "__main__":  # pragma: no cover
    print(reference_markdown())
