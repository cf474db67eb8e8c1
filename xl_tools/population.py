"""Population per region and reference date (the allocation key of the agreements).

The agreements say "i förhållande till befolkningsmängd den 1 november ÅR". The data
shipped with the package is in ``xl_tools/data/population/`` (source note in
``SOURCES.md`` there). Years fetched from SCB with ``xl-tools befolkning hamta`` are
kept in a user data file (see :func:`user_data_file`) and read after the shipped data.

A year given as an integer means 1 November of that year. Any other reference date
(31 December occurs) can be given as a :class:`datetime.date`, ISO text
(``"2018-12-31"``) or an Excel date serial number.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import sys
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

from xl_tools.errors import PopulationDataError
from xl_tools.i18n import N_, _
from xl_tools.money import format_kr
from xl_tools.regions import BY_CODE, REGIONS, Region, resolve_region

DATA_DIR = Path(__file__).parent / "data" / "population"
SHIPPED_FILES = ("population_1nov_derived.csv", "population_31dec_2010_2019.csv",
                 "population_1nov_2024_probable.csv")
SHIPPED_SOURCES = {
    "population_1nov_derived.csv": (
        "Folkmängd 1 november, rekonstruerad ur publicerade fördelningstabeller "
        "(Försäkringskassan/SKR); se xl_tools/data/population/SOURCES.md"
    ),
    "population_31dec_2010_2019.csv": "SCB, Folkmängd 31 december (BE0101N1 / TAB638)",
    "population_1nov_2024_probable.csv": (
        "PRELIMINÄR: härledd ur regeringens tabell över vårdkapacitetsbidraget 2025, datumet "
        "1 november 2024 är inte bekräftat av källan; ersätts av 'xl-tools befolkning hamta --ar 2024'"
    ),
}
# Shipped vectors that are not confirmed statistics: shown as provisional wherever they are used,
# until a fetch from SCB replaces them.
PROVISIONAL_FILES = frozenset({"population_1nov_2024_probable.csv"})
# A vector is provisional (not confirmed statistics) when its source text starts with one of these:
# the shipped probable 2024 vector ("PRELIMINÄR: …") and vectors the user derived from a published
# table with 'xl-tools befolkning harled --spara' ("HÄRLEDD ur <table> …"). A fetch from SCB replaces
# either.
PROVISIONAL_MARK = "PRELIMINÄR"
DERIVED_MARK = "HÄRLEDD"
CSV_FIELDS = ("reference_date", "county_code", "county", "population")
# Excel's day zero for serial dates (serial 1 = 1900-01-01, with Excel's 1900 leap-year bug).
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def user_data_file() -> Path:
    """Where fetched years are stored: ``$XL_TOOLS_DATA/population.csv``,
    else ``~/.local/share/xl_tools/population.csv``."""
    base = os.environ.get("XL_TOOLS_DATA")
    if base:
        return Path(base) / "population.csv"
    return Path.home() / ".local" / "share" / "xl_tools" / "population.csv"


def to_reference_date(when: object) -> dt.date:
    """Turn a year, a date, ISO text or an Excel serial number into a reference date.

    ``2016`` → 1 November 2016. Numbers above 3000 are read as Excel date serials. Dates are
    also accepted as the tool writes them: ``"1 november 2016"``, ``"31 dec 2018"``.
    """
    if isinstance(when, dt.datetime):
        return when.date()
    if isinstance(when, dt.date):
        return when
    if isinstance(when, float) and when.is_integer():
        when = int(when)
    if isinstance(when, bool):
        raise PopulationDataError(_("Not a year or date: {value!r}.").format(value=when))
    if isinstance(when, int):
        if 1900 <= when <= 2100:
            return dt.date(when, 11, 1)
        if 3000 < when < 80000:
            return _EXCEL_EPOCH + dt.timedelta(days=when)
        raise PopulationDataError(_not_a_date(when))
    if isinstance(when, str):
        text = when.strip()
        if text.isdecimal() and len(text) <= 9:  # not '²⁰¹⁶' (isdigit, but int() refuses it)
            return to_reference_date(int(text))
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
        written = _written_date(text)
        if written is not None:
            return written
    raise PopulationDataError(_not_a_date(repr(when)))


def _not_a_date(value: object) -> str:
    return _("Not a year or date: {value}. Give a year such as 2016 (meaning 1 November), a date such as "
             "2018-12-31 or '1 november 2016'.").format(value=value)


_MONTHS = {name: number for number, names in enumerate((
    ("januari", "january", "jan"), ("februari", "february", "feb"), ("mars", "march", "mar"),
    ("april", "apr"), ("maj", "may"), ("juni", "june", "jun"), ("juli", "july", "jul"),
    ("augusti", "august", "aug"), ("september", "sep", "sept"), ("oktober", "october", "okt", "oct"),
    ("november", "nov"), ("december", "dec")), start=1) for name in names}
_WRITTEN_DATE = re.compile(r"^(\d{1,2})\.?\s+([a-zåäö]+)\.?\s+(\d{4})$")


def _written_date(text: str) -> dt.date | None:
    """``1 november 2016``, ``1 nov. 2016``, ``31 December 2018`` (as the tool itself writes dates)."""
    match = _WRITTEN_DATE.match(" ".join(text.lower().split()))
    if match is None or match.group(2) not in _MONTHS:
        return None
    try:
        return dt.date(int(match.group(3)), _MONTHS[match.group(2)], int(match.group(1)))
    except ValueError:
        return None


_DATE_TEXT = [
    (re.compile(r"\b1\s*nov(?:ember)?\.?\s*(\d{4})", re.IGNORECASE), 11, 1),
    (re.compile(r"(\d{4})-11-01"), 11, 1),
    (re.compile(r"\b31\s*dec(?:ember)?\.?\s*(\d{4})", re.IGNORECASE), 12, 31),
    (re.compile(r"(\d{4})-12-31"), 12, 31),
]


def dates_in_text(text: str) -> set[dt.date]:
    """Reference dates a heading states: "1 november 2019", "1 nov. 2019", "2019-11-01",
    "31 december 2018", "2018-12-31" (years 1990–2100)."""
    found = set()
    for pattern, month, day in _DATE_TEXT:
        for m in pattern.finditer(text):
            if 1990 <= int(m.group(1)) <= 2100:
                found.add(dt.date(int(m.group(1)), month, day))
    return found


def describe_date(date: dt.date) -> str:
    """Swedish description, as the agreements and the workbooks write it: ``1 november 2016``."""
    months = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
              "september", "oktober", "november", "december")
    return f"{date.day} {months[date.month - 1]} {date.year}"


_MONTH_NAMES = (N_("January"), N_("February"), N_("March"), N_("April"), N_("May"), N_("June"), N_("July"),
                N_("August"), N_("September"), N_("October"), N_("November"), N_("December"))


def date_text(date: dt.date) -> str:
    """A date in the current language, for messages: ``1 november 2016`` (Swedish, the default)
    or ``1 November 2016``; :func:`to_reference_date` reads both back."""
    month = _(_MONTH_NAMES[date.month - 1])
    return f"{date.day} {month} {date.year}"


# What :meth:`PopulationTable.status` returns, as shown to a user.
STATUS_TEXT = {"härledd": N_("derived"), "preliminär": N_("provisional")}


def status_text(status: str) -> str:
    """``"härledd"`` → ``härledd`` (Swedish) or ``derived`` (English); ``""`` stays empty."""
    return _(STATUS_TEXT[status]) if status in STATUS_TEXT else status


@dataclass
class PopulationTable:
    """Populations by reference date and länskod, with the source of each date."""

    values: dict[dt.date, dict[str, int]] = field(default_factory=dict)
    sources: dict[dt.date, str] = field(default_factory=dict)
    provisional: set[dt.date] = field(default_factory=set)
    # Dates left out because their rows in the user file are damaged: the one-line reason.
    damaged: dict[dt.date, str] = field(default_factory=dict)
    # Problems met while reading the user file (one line each), shown once as warnings.
    problems: list[str] = field(default_factory=list)

    def is_provisional(self, when: object) -> bool:
        """True for a vector whose date or values are not confirmed statistics: the shipped
        probable 2024 vector and vectors derived from a published table (shown as such)."""
        return to_reference_date(when) in self.provisional

    def status(self, when: object) -> str:
        """``"härledd"`` (derived by the user from a table), ``"preliminär"`` (shipped, not
        confirmed) or ``""`` (statistics, or reconstructed and verified; see the source)."""
        date = to_reference_date(when)
        if date not in self.provisional:
            return ""
        return "härledd" if self.sources.get(date, "").startswith(DERIVED_MARK) else "preliminär"

    def dates(self) -> list[dt.date]:
        return sorted(self.values)

    def has(self, when: object) -> bool:
        return to_reference_date(when) in self.values

    def _require(self, when: object) -> tuple[dt.date, dict[str, int]]:
        date = to_reference_date(when)
        try:
            return date, self.values[date]
        except KeyError:
            if date in self.damaged:
                raise PopulationDataError(self.damaged[date]) from None
            raise PopulationDataError(self.missing_message(date)) from None

    def missing_message(self, date: dt.date) -> str:
        nov = ", ".join(str(d.year) for d in self.dates() if (d.month, d.day) == (11, 1))
        other = ", ".join(d.isoformat() for d in self.dates() if (d.month, d.day) != (11, 1))
        text = _("No population data for {date}. 1 November exists for: {years}; other dates: {others}.").format(
            date=date_text(date), years=nov, others=other)
        if (date.month, date.day) == (11, 1):
            text += " " + _("Fetch it with 'xl-tools befolkning hamta --ar {year}'.").format(year=date.year)
        return text

    def population(self, region: object, when: object) -> int:
        """Population of one region at the reference date."""
        _, by_code = self._require(when)
        return by_code[resolve_region(region).code]

    def vector(self, when: object) -> list[int]:
        """The 21 populations in länskod order."""
        _, by_code = self._require(when)
        return [by_code[r.code] for r in REGIONS]

    def total(self, when: object) -> int:
        """Sum of the 21 counties (the denominator of every share)."""
        return sum(self.vector(when))

    def share(self, region: object, when: object) -> Fraction:
        """Exact population share of a region."""
        return Fraction(self.population(region, when), self.total(when))

    def source(self, when: object) -> str:
        date, _ = self._require(when)
        return self.sources.get(date, "")

    def add(self, date: dt.date, by_code: dict[str, int], source: str) -> None:
        validate_counties(by_code, date)
        self.values[date] = dict(by_code)
        self.sources[date] = source


def validate_counties(by_code: dict[str, int], date: dt.date) -> None:
    """Check a year of data: exactly the 21 counties, positive integers, plausible total."""
    missing = [BY_CODE[c].name for c in BY_CODE if c not in by_code]
    extra = [c for c in by_code if c not in BY_CODE]
    if missing:
        raise PopulationDataError(
            _("Population for {date} is incomplete, missing: {regions}. All 21 counties are needed.").format(
                date=date_text(date), regions=", ".join(missing)))
    if extra:
        raise PopulationDataError(
            _("Population for {date} has unknown länskoder: {codes}. 'xl-tools regioner' lists the 21 "
              "counties.").format(date=date_text(date), codes=", ".join(map(str, extra))))
    for code, value in by_code.items():
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise PopulationDataError(
                _("Population for {region} on {date} is {value!r}; it must be a positive whole number.").format(
                    region=BY_CODE[code].name, date=date_text(date), value=value))
    total = sum(by_code.values())
    if not 8_000_000 <= total <= 13_000_000:
        raise PopulationDataError(
            _("Population total for {date} is {total}, which is not plausible for Sweden (expected 8–13 million). "
              "Check the source.").format(date=date_text(date), total=format_kr(total)))


def read_csv(path: Path, default_source: str = "", *, lenient: bool = False) -> PopulationTable:
    """Read a population CSV (columns reference_date, county_code, county, population[, source]).

    Strict by default: the first bad line raises :class:`PopulationDataError` naming the file and
    line. With ``lenient`` (the user file, read by every command) a damaged line costs only its
    own reference date: the date is left out (``table.damaged`` says why, and asking for it
    raises that reason), the other dates are read, and ``table.problems`` holds one line per
    problem for a warning.
    """
    table = PopulationTable()
    raw: dict[dt.date, dict[str, int]] = {}
    sources: dict[dt.date, str] = {}
    fix = _("Fix or delete the line (the file is plain CSV), or fetch the year again with "
            "'xl-tools befolkning hamta --ar YEAR --replace'.")

    def problem(message: str, date: dt.date | None = None) -> None:
        if not lenient:
            raise PopulationDataError(message)
        text = f"{message} {fix}"
        table.problems.append(text)
        if date is not None:
            table.damaged.setdefault(date, text)

    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    except (UnicodeDecodeError, csv.Error) as exc:
        problem(_("{path} is not a readable population CSV ({reason}); no year in it is used.").format(
            path=path, reason=type(exc).__name__))
        return table
    except OSError as exc:  # a folder, no permission, an unreadable disk
        problem(_("{path} cannot be read ({reason}); no year in it is used.").format(
            path=path, reason=exc.strerror or type(exc).__name__))
        return table
    for lineno, row in enumerate(rows, start=2):
        date = None
        try:
            date = dt.date.fromisoformat((row.get("reference_date") or "").strip())
            code = f"{int(row['county_code']):02d}"
            value = int(row["population"])
        except (KeyError, ValueError, AttributeError, TypeError) as exc:
            problem(_("{path}: line {line} is not a population row ({reason}). Expected columns: {columns}.").format(
                path=path, line=lineno, reason=exc, columns=", ".join(CSV_FIELDS)), date)
            continue
        year = raw.setdefault(date, {})
        if code in year and year[code] != value:
            problem(_("{path}: line {line} gives county {code} on {date} a second, different population "
                      "({first} and {second}). Keep one row per county and date.").format(
                path=path, line=lineno, code=code, date=date.isoformat(), first=year[code], second=value), date)
            continue
        year[code] = value
        if row.get("source"):
            sources[date] = row["source"]
    for date, by_code in raw.items():
        if date in table.damaged:
            continue
        try:
            table.add(date, by_code, sources.get(date, default_source))
        except PopulationDataError as exc:
            problem(f"{path}: {exc}", date)
    return table


def write_csv(path: Path, table: PopulationTable) -> None:
    """Write a table atomically (temporary file, then rename); a folder that cannot be written is
    one :class:`PopulationDataError`, and no half-written file is left."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow((*CSV_FIELDS, "source"))
            for date in table.dates():
                for r in REGIONS:
                    writer.writerow((date.isoformat(), r.code, r.name, table.values[date][r.code],
                                     table.sources.get(date, "")))
        os.replace(tmp, path)
    except OSError as exc:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        raise PopulationDataError(
            _("Cannot write the population file {path} ({reason}). Check that {folder} is a writable folder, "
              "or set XL_TOOLS_DATA to one.").format(path=path, reason=exc.strerror or type(exc).__name__,
                                                     folder=path.parent)) from None


def load_shipped() -> PopulationTable:
    table = PopulationTable()
    for name in SHIPPED_FILES:
        part = read_csv(DATA_DIR / name, SHIPPED_SOURCES[name])
        table.values.update(part.values)
        table.sources.update(part.sources)
        if name in PROVISIONAL_FILES:
            table.provisional.update(part.values)
    return table


@lru_cache(maxsize=1)
def _load_cached(user_file: str) -> PopulationTable:
    table = load_shipped()
    path = Path(user_file)
    if path.exists() or path.is_symlink():
        user = read_csv(path, f"Hämtad från SCB ({path})", lenient=True)
        table.values.update(user.values)
        table.sources.update(user.sources)
        for date in user.values:
            if is_marked_provisional(user.sources.get(date, "")):
                table.provisional.add(date)
            else:
                table.provisional.discard(date)
        table.damaged = {d: msg for d, msg in user.damaged.items() if d not in table.values}
        table.problems = user.problems
        for message in user.problems:
            print(_("Warning: {message}").format(message=message), file=sys.stderr)
    return table


def is_marked_provisional(source: str) -> bool:
    """True for a source text that marks a vector as not confirmed statistics."""
    return source.startswith((PROVISIONAL_MARK, DERIVED_MARK))


def load_population() -> PopulationTable:
    """The shipped data plus the user's fetched (or derived) years; loaded once per process.

    A damaged user file does not stop the commands that do not need it: each damaged date is
    left out with a one-line warning on stderr (file, line, how to fix it), shown once."""
    return _load_cached(str(user_data_file()))


def reload_population() -> PopulationTable:
    """Forget the cached table (after fetching a year) and load again."""
    _load_cached.cache_clear()
    return load_population()


def regions_with_population(when: object) -> list[tuple[Region, int]]:
    table = load_population()
    return list(zip(REGIONS, table.vector(when), strict=True))
