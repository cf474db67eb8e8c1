"""Spreadsheet functions (UDFs): ``=FK_ANDEL(region; pot; år)`` and its siblings.

Plain Python functions over :mod:`xl_tools.api`, usable three ways:

- from Python: ``from xl_tools.udfs import FK_ANDEL``;
- from Excel with the xlwings add-in (``macros/README.md``): the functions are
  decorated with ``xlwings.func``; their docstrings are the Excel function help;
- from LibreOffice Calc through the Basic library installed by
  ``xl-tools libreoffice install`` (``xl_tools/libreoffice/``).

A function never raises: a problem with the input comes back as one line of text in
the cell, starting with ``#FEL:`` (for example ``#FEL: Unknown region 'Xyz'. Did you
mean: ...``).

Amounts: without ``avrundning`` the exact share is returned as a float; with
``"kronor"`` each region is rounded to whole kronor (like ``AVRUNDA(x;0)``), with
``"largest-remainder"`` whole kronor that sum exactly to the pot, with
``"residual-to-largest"`` (``"rest-till-storsta"``) each region rounded to whole kronor and
the difference to the pot put on the region with the largest population; ``"none"`` is exact.

Speed: the population vector of a reference date, the parsed pots and the resolved
region names are cached in this module, so repeated calls cost a few microseconds.
Call :func:`clear_cache` after changing the population data in the same process.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from fractions import Fraction
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from xl_tools import api
from xl_tools.engine.rounding import normalise_rule
from xl_tools.errors import PopulationDataError, XlToolsError
from xl_tools.money import parse_amount
from xl_tools.population import (
    load_population,
    reload_population,
    to_reference_date,
    user_data_file,
)
from xl_tools.regions import REGIONS, resolve_region

if TYPE_CHECKING:
    from functools import _lru_cache_wrapper

_F = TypeVar("_F", bound=Callable[..., Any])
_T = TypeVar("_T")
_ROUNDING_DOC = "Valfri: \"kronor\", \"largest-remainder\", \"rest-till-storsta\" eller \"none\". Utelämnad: "



class _Decorator(Protocol):
    """What xlwings' ``@func`` and ``@arg(...)`` are: they return the function they decorate."""

    def __call__(self, f: _F, /) -> _F: ...


try:  # xlwings is optional here: on Linux it imports but its decorators do nothing.
    import xlwings as _xw

    _func: _Decorator = _xw.func
    _arg: Callable[..., _Decorator] = _xw.arg
except Exception:  # noqa: BLE001 - any failure to import xlwings means "no xlwings"
    def _no_func(f: _F) -> _F:
        return f

    def _no_arg(*args: Any, **kwargs: Any) -> _Decorator:
        return _no_func

    _func, _arg = _no_func, _no_arg

__all__ = [
    "ERROR_PREFIX",
    "FK_ANDEL",
    "FK_BEFOLKNING",
    "FK_FORDELA",
    "FK_KONTAKTER",
    "FK_REGION",
    "FK_REGIONER",
    "clear_cache",
]

ERROR_PREFIX = "#FEL: "
Number = int | float
Cell = Number | str

# --------------------------------------------------------------------------- caches


def _cache_key(value: object) -> tuple[type, object]:
    """A hashable, type-distinguishing key (1 and 1.0 and '1' may mean different things)."""
    return (type(value), value)


@lru_cache(maxsize=4096)
def _region_index(key: tuple[type, object]) -> int:
    return REGIONS.index(resolve_region(key[1]))


@lru_cache(maxsize=4096)
def _pot(key: tuple[type, object]) -> tuple[int, int]:
    amount = parse_amount(key[1])
    return amount.numerator, amount.denominator


@lru_cache(maxsize=1024)
def _date(key: tuple[type, object]) -> dt.date:
    return to_reference_date(key[1])


@lru_cache(maxsize=256)
def _populations(date: dt.date) -> tuple[tuple[int, ...], int]:
    try:
        pops = load_population().vector(date)
    except PopulationDataError:
        # The year may have been fetched (by another process) since the data were loaded:
        # read the user data file again, but only if it changed since we last looked.
        if not _user_file_changed():
            raise
        pops = reload_population().vector(date)
    return tuple(pops), sum(pops)


_seen_user_file: list[object] = [None]


def _user_file_changed() -> bool:
    path = user_data_file()
    try:
        stamp: object = (str(path), path.stat().st_mtime_ns)
    except OSError:
        stamp = (str(path), None)
    changed = stamp != _seen_user_file[0]
    _seen_user_file[0] = stamp
    return changed


@lru_cache(maxsize=64)
def _rule(key: tuple[type, object]) -> str:
    value = key[1]
    if value is None or (isinstance(value, str) and not value.strip()):
        return "none"
    return normalise_rule(value)


@lru_cache(maxsize=1024)
def _distribution(num: int, den: int, date: dt.date, rule: str) -> tuple[Fraction, ...]:
    return tuple(row.amount for row in api.fordela(Fraction(num, den), date, rule).rows)


def _cached(fn: _lru_cache_wrapper[_T], value: object) -> _T:
    try:
        return fn(_cache_key(value))
    except TypeError:  # unhashable input (a list from a range): not cached
        return fn.__wrapped__((type(value), value))


def clear_cache() -> None:
    """Forget cached populations, pots and region names (after changing population data)."""
    for fn in (_region_index, _pot, _date, _populations, _rule, _distribution):
        fn.cache_clear()


# --------------------------------------------------------------------------- helpers


def _error(exc: Exception) -> str:
    if isinstance(exc, XlToolsError):
        return ERROR_PREFIX + str(exc)
    return f"{ERROR_PREFIX}internal error ({type(exc).__name__}: {exc}); please report it."


def _number(value: Fraction) -> Number:
    """Whole kronor as int, anything else as the nearest float."""
    return value.numerator if value.denominator == 1 else float(value)


def _share(region_i: int, num: int, den: int, date: dt.date, rule: str) -> Number:
    pops, total = _populations(date)
    top = num * pops[region_i]
    bottom = den * total
    if rule == "none":
        if top % bottom == 0:
            return top // bottom
        return top / bottom  # int / int is correctly rounded to the nearest float
    if rule == "kronor":
        # Half away from zero (top, bottom >= 0), as engine.rounding.round_half_away.
        return (2 * top + bottom) // (2 * bottom)
    return _number(_distribution(num, den, date, rule)[region_i])


def _column(values: Iterable[object]) -> list[list[Any]]:
    return [[v] for v in values]


def _flatten(values: object) -> list[object]:
    """The cells of a range (a value, a row, a column or a 2-D block) in reading order."""
    if isinstance(values, (list, tuple)):
        out: list[object] = []
        for v in values:
            out.extend(_flatten(v))
        return out
    return [values]


# --------------------------------------------------------------------------- functions


@_func
@_arg("region", doc="Regionens namn, länskod eller länsbokstav, t.ex. \"Norrbotten\", \"25\" eller \"BD\".")
@_arg("pot", doc="Beloppet som fördelas, i kronor (t.ex. 150000000 eller \"150 Mkr\").")
@_arg("ar", doc="Året i \"befolkningsmängd den 1 november ÅR\" (2017 års medel: 2016), eller ett datum.")
@_arg("avrundning", doc=_ROUNDING_DOC + "exakt belopp.")
def FK_ANDEL(region: Cell, pot: Cell, ar: Cell | dt.date, avrundning: str | None = None) -> Cell:
    """Regionens andel av beloppet, i förhållande till befolkningsmängden den 1 november år ÅR. Exempel: =FK_ANDEL("Norrbotten"; 150000000; 2016). Utan avrundning: exakt belopp i kronor."""  # noqa: E501 - one line: it is the Excel function help
    try:
        num, den = _cached(_pot, pot)
        return _share(_cached(_region_index, region), num, den, _cached(_date, ar), _cached(_rule, avrundning))
    except Exception as exc:  # noqa: BLE001 - a cell shows the message, never a crash
        return _error(exc)


@_func
@_arg("region", doc="Regionens namn, länskod eller länsbokstav.")
@_arg("ar", doc="Året (befolkningen den 1 november ÅR) eller ett datum, t.ex. 2018-12-31.")
def FK_BEFOLKNING(region: Cell, ar: Cell | dt.date) -> Cell:
    """Regionens befolkning den 1 november år ÅR (eller vid ett annat datum). Exempel: =FK_BEFOLKNING("Gotland"; 2016)."""  # noqa: E501 - one line: it is the Excel function help
    try:
        pops, _ = _populations(_cached(_date, ar))
        return pops[_cached(_region_index, region)]
    except Exception as exc:  # noqa: BLE001
        return _error(exc)


@_func
@_arg("pot", doc="Beloppet som fördelas, i kronor.")
@_arg("ar", doc="Året (befolkningen den 1 november ÅR) eller ett datum.")
@_arg("avrundning", doc=_ROUNDING_DOC + "exakta belopp.")
def FK_FORDELA(pot: Cell, ar: Cell | dt.date, avrundning: str | None = None) -> list[list[Cell]]:
    """Fördelar beloppet på alla 21 regioner efter befolkning, som en kolumn i länskodsordning (samma ordning som FK_REGIONER()). Exempel: =FK_FORDELA(100000000; 2016; "largest-remainder")."""  # noqa: E501 - one line: it is the Excel function help
    try:
        num, den = _cached(_pot, pot)
        date = _cached(_date, ar)
        rule = _cached(_rule, avrundning)
        if rule == "none" or rule == "kronor":
            return _column(_share(i, num, den, date, rule) for i in range(len(REGIONS)))
        return _column(_number(a) for a in _distribution(num, den, date, rule))
    except Exception as exc:  # noqa: BLE001
        return [[_error(exc)]]


@_func
def FK_REGIONER() -> list[list[str]]:
    """De 21 regionerna i länskodsordning, som en kolumn (samma ordning som FK_FORDELA och FK_KONTAKTER)."""
    return _column(r.name for r in REGIONS)


@_func
@_arg("text", doc="Ett regionnamn som det skrivs, t.ex. \"Region Jämtland Härjedalen\", \"VGR\" eller \"01\".")
def FK_REGION(text: Cell) -> str:
    """Regionens normaliserade namn, t.ex. =FK_REGION("Västra Götalandsregionen") ger "Västra Götaland"."""
    try:
        return REGIONS[_cached(_region_index, text)].name
    except Exception as exc:  # noqa: BLE001
        return _error(exc)


@_func
@_arg("kontakter", doc="Antal kontakter per region: 21 celler i länskodsordning (tom cell = 0).")
@_arg("pot", doc="Potten i kronor.")
@_arg("belopp_per_kontakt", doc="Ersättning per kontakt i kronor, t.ex. 3000.")
@_arg("ar", doc="Året (befolkningen den 1 november ÅR) som ger varje regions tak.")
@_arg("avrundning", doc=_ROUNDING_DOC + "exakta belopp.")
def FK_KONTAKTER(kontakter: Any, pot: Cell, belopp_per_kontakt: Cell, ar: Cell | dt.date,
                 avrundning: str | None = None) -> list[list[Cell]]:
    """Ersättning per kontakt med tak: varje region får kontakter × belopp, högst sin befolkningsandel av potten; det som blir över går till regioner med fler kontakter. Ger en kolumn med 21 belopp i länskodsordning."""  # noqa: E501 - one line: it is the Excel function help
    try:
        alloc = api.kontakter(_flatten(kontakter), pot, belopp_per_kontakt, _cached(_date, ar),
                              _cached(_rule, avrundning))
        return _column(_number(a) for a in alloc.amounts)
    except Exception as exc:  # noqa: BLE001
        return [[_error(exc)]]
