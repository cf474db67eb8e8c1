"""Amounts of money: reading what people type, writing it the Swedish way.

Kronor are kept exact: :class:`fractions.Fraction` (whole kronor are Fractions with
denominator 1). Never float.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from xl_tools.errors import AmountError

_UNITS = {
    "": 1,
    "kr": 1,
    "kronor": 1,
    "sek": 1,
    "tkr": 1_000,
    "tusen": 1_000,
    "mkr": 1_000_000,
    "mnkr": 1_000_000,
    "milj": 1_000_000,
    "miljon": 1_000_000,
    "miljoner": 1_000_000,
    "mdkr": 1_000_000_000,
    "mdr": 1_000_000_000,
    "miljard": 1_000_000_000,
    "miljarder": 1_000_000_000,
}
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009_']+")
_AMOUNT = re.compile(
    r"^(?P<num>[+-]?[0-9][0-9 .,']*(?:e[+-]?\d+)?)\s*(?P<unit>[a-zåäö.]+(?: (?:kronor|kr|sek))?)?$"
)


def parse_amount(value: object, *, what: str = "pot") -> Fraction:
    """Read an amount of kronor: ``150000000``, ``"150 000 000"``, ``"150e6"``,
    ``"150 Mkr"``, ``"1,5 mdkr"``, ``"21,7 miljoner kronor"``.

    Decimal comma or point. Must be non-negative and a whole number of öre.
    """
    if isinstance(value, bool) or value is None:
        raise AmountError(f"The {what} is missing or not a number: {value!r}. Give kronor, e.g. 150000000 or '150 Mkr'.")
    if isinstance(value, int):
        result = Fraction(value)
    elif isinstance(value, Fraction):
        result = value
    elif isinstance(value, Decimal):
        result = Fraction(value)
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise AmountError(f"The {what} is not a number: {value!r}.")
        # A float from a spreadsheet: take its shortest decimal representation.
        result = Fraction(Decimal(repr(value)))
    elif isinstance(value, str):
        result = _parse_text(value, what)
    else:
        raise AmountError(f"The {what} is not a number: {value!r}. Give kronor, e.g. 150000000 or '150 Mkr'.")
    if result < 0:
        raise AmountError(f"The {what} is negative ({value!r}). Give a positive amount of kronor.")
    if (result * 100).denominator != 1:
        raise AmountError(f"The {what} {value!r} has fractions of an öre. Round it to öre (two decimals).")
    return result


def _parse_text(text: str, what: str) -> Fraction:
    cleaned = _SPACES.sub(" ", text.strip().lower())
    match = _AMOUNT.match(cleaned)
    unit = (match.group("unit") or "").split()[0] if match and match.group("unit") else ""
    if match is None or unit.rstrip(".") not in _UNITS:
        raise AmountError(
            f"The {what} {text!r} is not an amount. Give kronor, e.g. 150000000, '150 000 000', '150e6', "
            "'150 Mkr' or '1,5 mdkr'."
        )
    number = _normalise_number(match.group("num").replace(" ", "").replace("'", ""))
    try:
        return Fraction(Decimal(number)) * _UNITS[unit.rstrip(".")]
    except InvalidOperation:
        raise AmountError(f"The {what} {text!r} is not an amount.") from None


def _normalise_number(num: str) -> str:
    """Decide what ',' and '.' mean: decimal comma, decimal point or thousands separators."""
    if "," in num and "." in num:
        # "1.234,50" (Swedish/German) or "1,234.50" (English)
        if num.rfind(",") > num.rfind("."):
            return num.replace(".", "").replace(",", ".")
        return num.replace(",", "")
    if num.count(",") > 1:
        return num.replace(",", "")
    if num.count(".") > 1:
        return num.replace(".", "")
    return num.replace(",", ".")


def format_kr(amount: Fraction | int, decimals: int = 0) -> str:
    """Swedish format with a space as thousands separator: ``22 714 621``; ``1 234,50``."""
    amount = Fraction(amount)
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    scaled = amount * 10**decimals
    whole = int(scaled)  # caller rounds first; this only formats
    if scaled != whole:
        whole = int(Decimal(scaled.numerator) / Decimal(scaled.denominator))
    int_part, frac_part = divmod(whole, 10**decimals) if decimals else (whole, 0)
    text = f"{int_part:,}".replace(",", " ")
    if decimals:
        text += "," + str(frac_part).rjust(decimals, "0")
    return sign + text


def format_mkr(amount: Fraction | int, decimals: int = 3) -> str:
    """Millions of kronor with a decimal comma: ``22,715``."""
    value = Fraction(amount) / 1_000_000
    q = Decimal(value.numerator) / Decimal(value.denominator)
    return f"{q:.{decimals}f}".replace(".", ",")
