"""Agreement templates (``templates/*.toml``): loading and validation.

A template is a declarative description of one överenskommelse: its villkor and
its posts (the rows of the agreement's money table: amount, year, recipient,
allocation rule, reference date for the population, payout date). The workbook
generator and the engine read the same :class:`Agreement`.

Validation errors name the file, the line and the field::

    templates/x.toml: line 57, post 'V1-2017', field 'belopp': must be a whole
    number of kronor ≥ 0, got -5
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, TypeVar

from xl_tools.engine.registry import REGION_RULES, RULES
from xl_tools.engine.rounding import ROUNDING_RULES, normalise_rule
from xl_tools.errors import XlToolsError
from xl_tools.pipeline import Locator, TemplateError, read_template
from xl_tools.schema import suggestion

T = TypeVar("T")

__all__ = ["Agreement", "Post", "TemplateError", "Villkor", "load_template"]

REGION_RECIPIENT = "regionerna"
# what agreements call the regions (landstingen before 2019)
_REGION_WORDS = {"regionerna", "regioner", "regionen", "landstingen", "landsting", "landstingen/regionerna"}
WORKBOOK_ROUNDING = ROUNDING_RULES
def _template_dir() -> Path:
    """The shipped templates: ``templates/`` of a source checkout (where users see and edit them), or, in an
    installed wheel, the same files installed as the package ``xl_tools.templates`` (see setup.cfg)."""
    import importlib.resources

    source = Path(__file__).resolve().parent.parent / "templates"
    installed = Path(str(importlib.resources.files("xl_tools") / "templates"))
    return installed if installed.is_dir() else source


TEMPLATE_DIR = _template_dir()
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class Villkor:
    nr: int
    namn: str
    regel_text: str
    sida: int | None = None

    @property
    def sheet_name(self) -> str:
        return f"Villkor {self.nr}"


@dataclass(frozen=True)
class Post:
    """One amount of the agreement (a row of its money table)."""

    id: str
    ar: int
    belopp: Fraction
    mottagare: str
    regel: str
    utbetalning: dt.date
    villkor: int | None = None
    befolkning: dt.date | None = None
    redovisning: dt.date | None = None
    per_enhet: Fraction | None = None
    enhet: str = "kontakter"
    villkorstext: str = ""
    beskrivning: str = ""
    endast_ar: bool = False
    fast_per_region: Fraction | None = None
    belopp_per_region: dict[str, Fraction] = field(default_factory=dict)  # by länskod
    avrundning: str | None = None  # this pot's rounding when it is not the agreement's

    @property
    def to_regions(self) -> bool:
        return self.mottagare == REGION_RECIPIENT

    @property
    def name_id(self) -> str:
        """The id as it appears in Excel defined names (letters, digits, underscore)."""
        return self.id.replace("-", "_")

    @property
    def title(self) -> str:
        return self.villkorstext or self.beskrivning or self.id


@dataclass(frozen=True)
class Agreement:
    id: str
    titel: str
    kortnamn: str
    parter: tuple[str, ...]
    ar: tuple[int, ...]
    kalla: str
    avrundning: str
    villkor: tuple[Villkor, ...]
    poster: tuple[Post, ...]
    kontroll: dict[str, dict[int, Fraction] | Fraction] = field(default_factory=dict)
    path: Path | None = None
    undertecknad: dt.date | None = None

    def rounding_of(self, post: Post) -> str:
        """The rounding of one pot: its own ``avrundning``, else the agreement's."""
        return post.avrundning or self.avrundning

    def region_posts(self, villkor_nr: int | None = None) -> list[Post]:
        return [p for p in self.poster if p.to_regions and (villkor_nr is None or p.villkor == villkor_nr)]

    def region_villkor(self) -> list[Villkor]:
        """The villkor with money to the regions: one workbook sheet each."""
        numbers = {p.villkor for p in self.region_posts()}
        return [v for v in self.villkor if v.nr in numbers]

    def reference_dates(self) -> list[dt.date]:
        return sorted({p.befolkning for p in self.region_posts() if p.befolkning})

    def payout_years(self) -> list[int]:
        return sorted({p.utbetalning.year for p in self.poster})

    def post(self, post_id: str) -> Post:
        for p in self.poster:
            if p.id == post_id:
                return p
        raise KeyError(post_id)


def load_template(path: str | Path) -> Agreement:
    """Read and validate one agreement template (``typ = "overenskommelse"``)."""
    raw = read_template(path)
    if raw.kind.name != "overenskommelse":
        raise raw.locator.error(f"this is a template of typ {raw.kind.name!r}, not an agreement "
                                "(overenskommelse).", raw.locator.line_of_key("typ"))
    return _build(raw.data, raw.locator)


def _require(data: dict[str, Any], key: str, kind: type[T], where: str, loc: Locator,
             line: int | None) -> T:
    if key not in data:
        raise loc.error(f"{where}: field '{key}' is missing.", line)
    value = data[key]
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise loc.error(f"{where}, field '{key}': expected {_kind_name(kind)}, got {value!r}.", line)
    return value


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {int: "a whole number", str: "text", list: "a list", dict: "a table", dt.date: "a date (YYYY-MM-DD)",
             bool: "true/false", float: "a number"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _money(value: object, where: str, key: str, loc: Locator, line: int | None) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise loc.error(f"{where}, field '{key}': must be an amount of kronor, got {value!r}.", line)
    from xl_tools.errors import AmountError
    from xl_tools.money import parse_amount

    try:
        return parse_amount(value, what=key)
    except AmountError as exc:
        raise loc.error(f"{where}, field '{key}': {exc}", line) from None


def _per_region(value: object, where: str, loc: Locator, line: int | None) -> dict[str, Fraction]:
    """``belopp_per_region = { Stockholm = 3_823_518, … }``: one amount per region, by any region name."""
    from xl_tools.errors import UnknownRegionError
    from xl_tools.regions import REGIONS, resolve_region

    if value is None:
        return {}
    if not isinstance(value, dict):
        raise loc.error(f"{where}, field 'belopp_per_region': expected a table of region = amount, "
                        f"got {value!r}.", line)
    result: dict[str, Fraction] = {}
    for name, amount in value.items():
        try:
            region = resolve_region(name)
        except UnknownRegionError as exc:
            raise loc.error(f"{where}, field 'belopp_per_region': {exc}", line) from None
        if region.code in result:
            raise loc.error(f"{where}, field 'belopp_per_region': {region.name} is given twice.", line)
        result[region.code] = _money(amount, where, f"belopp_per_region.{name}", loc, line)
    missing = [r.name for r in REGIONS if r.code not in result]
    if result and missing:
        raise loc.error(f"{where}, field 'belopp_per_region': no amount for {', '.join(missing)} "
                        "(give 0 for a region that gets nothing).", line)
    return result


def _build(data: dict[str, Any], loc: Locator) -> Agreement:
    top = "agreement"
    agreement_id = _require(data, "id", str, top, loc, loc.line_of_key("id"))
    titel = _require(data, "titel", str, top, loc, loc.line_of_key("titel"))
    years = _require(data, "ar", list, top, loc, loc.line_of_key("ar"))
    if not years or not all(isinstance(y, int) and 2000 <= y <= 2100 for y in years):
        raise loc.error(f"{top}, field 'ar': give the agreement's years, e.g. [2017, 2018]; got {years!r}.",
                        loc.line_of_key("ar"))
    try:
        rounding = normalise_rule(data.get("avrundning", "kronor"))
    except XlToolsError:
        raise loc.error(
            f"{top}, field 'avrundning': workbooks support {', '.join(WORKBOOK_ROUNDING)} "
            f"(or rest-till-storsta); got {data.get('avrundning')!r}.", loc.line_of_key("avrundning")) from None

    villkor: list[Villkor] = []
    for i, raw in enumerate(data.get("villkor", [])):
        line = loc.line_of("villkor", i)
        where = f"villkor #{i + 1}"
        nr = _require(raw, "nr", int, where, loc, line)
        namn = _require(raw, "namn", str, where, loc, line)
        villkor.append(Villkor(nr=nr, namn=namn, regel_text=str(raw.get("regel_text", "")),
                               sida=raw.get("sida")))
    numbers = [v.nr for v in villkor]
    if len(set(numbers)) != len(numbers):
        raise loc.error("villkor: two villkor have the same 'nr'.", loc.line_of("villkor", 0))

    posts: list[Post] = []
    seen: set[str] = set()
    for i, raw in enumerate(data.get("post", [])):
        line = loc.line_of("post", i)
        pid = _require(raw, "id", str, f"post #{i + 1}", loc, line)
        where = f"post '{pid}'"
        if not _ID.match(pid):
            raise loc.error(f"{where}, field 'id': use letters, digits, '-' and '_' only.", line)
        if pid in seen:
            raise loc.error(f"{where}: the id is used twice.", line)
        seen.add(pid)

        def at(key: str, _i: int = i) -> int | None:
            return loc.line_of("post", _i, key)

        year = _require(raw, "ar", int, where, loc, at("ar"))
        if year not in years:
            raise loc.error(f"{where}, field 'ar': {year} is not one of the agreement's years {years}.", at("ar"))
        amount = _money(raw.get("belopp"), where, "belopp", loc, at("belopp"))
        recipient = _require(raw, "mottagare", str, where, loc, at("mottagare"))
        if recipient.strip().casefold() in _REGION_WORDS:
            recipient = REGION_RECIPIENT
        rule = _require(raw, "regel", str, where, loc, at("regel"))
        if rule not in RULES:
            raise loc.error(f"{where}, field 'regel': unknown rule {rule!r}; use one of {', '.join(RULES)}."
                            + suggestion(rule, list(RULES)), at("regel"))
        if (recipient == REGION_RECIPIENT) != (rule in REGION_RULES):
            raise loc.error(
                f"{where}, field 'regel': rule {rule!r} does not fit mottagare {recipient!r} "
                f"(regions use {', '.join(REGION_RULES)}; other recipients use 'fixed').", at("regel"))
        payout = _require(raw, "utbetalning", dt.date, where, loc, at("utbetalning"))
        vnr = raw.get("villkor")
        if vnr is not None and vnr not in numbers:
            raise loc.error(f"{where}, field 'villkor': no [[villkor]] with nr = {vnr}.", at("villkor"))
        reference = raw.get("befolkning")
        if rule in REGION_RULES:
            if vnr is None:
                raise loc.error(f"{where}: field 'villkor' is missing (money to the regions belongs to a villkor).",
                                line)
            if not RULES[rule].population and reference is None:
                pass
            elif not isinstance(reference, dt.date):
                raise loc.error(
                    f"{where}, field 'befolkning': the population reference date (YYYY-MM-DD) is missing or not a "
                    f"date, got {reference!r}.", at("befolkning"))
        rate = None
        if rule == "per_unit_capped":
            rate = _money(raw.get("per_enhet"), where, "per_enhet", loc, at("per_enhet"))
            if rate <= 0:
                raise loc.error(f"{where}, field 'per_enhet': must be more than 0.", at("per_enhet"))
        fixed = None
        if rule == "fixed_plus_population":
            fixed = _money(raw.get("fast_per_region"), where, "fast_per_region", loc, at("fast_per_region"))
            if fixed.denominator != 1 or fixed * 21 > amount:
                raise loc.error(f"{where}, field 'fast_per_region': whole kronor, at most belopp / 21; "
                                f"got {raw.get('fast_per_region')!r}.", at("fast_per_region"))
        per_region: dict[str, Fraction] = {}
        if rule == "amount_per_region":
            per_region = _per_region(raw.get("belopp_per_region"), where, loc, at("belopp_per_region"))
        post_rounding = None
        if "avrundning" in raw:
            try:
                post_rounding = normalise_rule(raw["avrundning"])
            except XlToolsError:
                raise loc.error(f"{where}, field 'avrundning': use one of {', '.join(WORKBOOK_ROUNDING)} "
                                f"(or rest-till-storsta); got {raw['avrundning']!r}.", at("avrundning")) from None
        report = raw.get("redovisning")
        if report is not None and not isinstance(report, dt.date):
            raise loc.error(f"{where}, field 'redovisning': expected a date (YYYY-MM-DD), got {report!r}.",
                            at("redovisning"))
        posts.append(Post(
            id=pid, ar=year, belopp=amount, mottagare=recipient, regel=rule, utbetalning=payout,
            villkor=vnr, befolkning=reference, redovisning=report, per_enhet=rate,
            enhet=str(raw.get("enhet", "kontakter")), villkorstext=str(raw.get("villkorstext", "")),
            beskrivning=str(raw.get("beskrivning", "")), endast_ar=bool(raw.get("endast_ar", False)),
            fast_per_region=fixed, belopp_per_region=per_region, avrundning=post_rounding,
        ))
    if not posts:
        raise loc.error("the template has no [[post]]: nothing to distribute.", None)

    kontroll: dict[str, dict[int, Fraction] | Fraction] = {}
    for key, value in data.get("kontroll", {}).items():
        line = loc.line_of_key(key)
        if isinstance(value, dict):
            kontroll[key] = {int(k): _money(v, "kontroll", key, loc, line) for k, v in value.items()}
        else:
            kontroll[key] = _money(value, "kontroll", key, loc, line)

    return Agreement(
        id=agreement_id, titel=titel, kortnamn=str(data.get("kortnamn", titel)),
        parter=tuple(data.get("parter", ())), ar=tuple(years), kalla=str(data.get("kalla", "")),
        avrundning=rounding, villkor=tuple(villkor), poster=tuple(posts), kontroll=kontroll,
        path=loc.path, undertecknad=data.get("undertecknad"),
    )


def list_templates(directory: Path = TEMPLATE_DIR) -> list[Path]:
    from xl_tools.pipeline import list_templates as listed

    return listed(directory)
