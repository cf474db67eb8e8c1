"""Amounts of money: reading what people type, writing it the Swedish way.

Kronor are kept exact: :class:`fractions.Fraction` (whole kronor are Fractions with
denominator 1). Never float.
"""

from __future__ import annotations

import math
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
# Larger amounts are typing mistakes (and "1e999999" would hang exact arithmetic).
MAX_AMOUNT = 10**15
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009_']+")
_AMOUNT = re.compile(
    r"^(?P<num>[+-]?[0-9][0-9 .,']*(?:e[+-]?\d+)?)\s*(?P<unit>[a-zåäö.]+(?: (?:kronor|kr|sek))?)?$"
)


def _show(value: object) -> str:
    """The value as typed, shortened for a one-line message."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def parse_amount(value: object, *, what: str = "pot") -> Fraction:
    """Read an amount of kronor: ``150000000``, ``"150 000 000"``, ``"150e6"``,
    ``"150 Mkr"``, ``"1,5 mdkr"``, ``"21,7 miljoner kronor"``.

    Decimal comma or point. Must be non-negative and a whole number of öre.
    """
    if isinstance(value, bool) or value is None:
        raise AmountError(
            f"The {what} is missing or not a number: {_show(value)}. Give kronor, e.g. 150000000 or '150 Mkr'."
        )
    if isinstance(value, int):
        result = Fraction(value)
    elif isinstance(value, Fraction):
        result = value
    elif isinstance(value, Decimal):
        if not value.is_finite() or value.adjusted() > 18:
            raise AmountError(f"The {what} is not a plausible number: {_show(value)}.")
        result = Fraction(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise AmountError(f"The {what} is not a number: {_show(value)}.")
        # A float from a spreadsheet: take its shortest decimal representation.
        result = Fraction(Decimal(repr(value)))
    elif isinstance(value, str):
        result = _parse_text(value, what)
    else:
        raise AmountError(f"The {what} is not a number: {_show(value)}. Give kronor, e.g. 150000000 or '150 Mkr'.")
    if result < 0:
        raise AmountError(f"The {what} is negative ({_show(value)}). Give a positive amount of kronor.")
    if result > MAX_AMOUNT:
        raise AmountError(
            f"The {what} {_show(value)} is implausibly large (more than {MAX_AMOUNT:,} kr). Check the amount."
        )
    if (result * 100).denominator != 1:
        raise AmountError(f"The {what} {_show(value)} has fractions of an öre. Round it to öre (two decimals).")
    return result


def _parse_text(text: str, what: str) -> Fraction:
    cleaned = _SPACES.sub(" ", text.strip().lower())
    match = _AMOUNT.match(cleaned)
    unit = (match.group("unit") or "").split()[0] if match and match.group("unit") else ""
    if match is None or unit.rstrip(".") not in _UNITS:
        raise AmountError(
            f"The {what} {_show(text)} is not an amount. Give kronor, e.g. 150000000, '150 000 000', '150e6', "
            "'150 Mkr' or '1,5 mdkr'."
        )
    multiplier = _UNITS[unit.rstrip(".")]
    number = _normalise_number(match.group("num").strip(), multiplier, text, what)
    try:
        decimal = Decimal(number)
    except (InvalidOperation, ValueError):
        raise AmountError(f"The {what} {_show(text)} is not an amount.") from None
    if not decimal.is_finite() or decimal.adjusted() > 18:
        raise AmountError(
            f"The {what} {_show(text)} is implausibly large (more than {MAX_AMOUNT:,} kr). Check the amount."
        )
    return Fraction(decimal) * multiplier


_GROUPED = re.compile(r"^[0-9]{1,3}(?:(?P<sep>[ ,.'])[0-9]{3})(?:(?P=sep)[0-9]{3})*$")


def _normalise_number(num: str, multiplier: int, text: str, what: str) -> str:
    """Decide what ',' and '.' mean: decimal comma, decimal point or thousands separators.

    Thousands separators (space, ``'``, ``,`` or ``.``) must group digits by three.
    A lone ``,`` or ``.`` followed by exactly three digits in a plain amount of kronor
    (``"3,000"``, ``"3.000"``) is ambiguous — 3 kronor in Swedish, 3 000 in English —
    and is refused rather than guessed.
    """
    sign = ""
    if num[:1] in "+-":
        sign, num = num[0], num[1:]
    mantissa, exp_sep, exponent = num.partition("e")
    if exp_sep:
        exponent = "e" + exponent
    mantissa = mantissa.strip()

    def bad(reason: str) -> AmountError:
        return AmountError(f"The {what} {_show(text)} is not an amount: {reason}.")

    # Decimal part: the last ',' or '.' if it is not a thousands separator.
    int_part, dec_part = mantissa, ""
    last = max(mantissa.rfind(","), mantissa.rfind("."))
    if last >= 0:
        head, tail = mantissa[:last], mantissa[last + 1:]
        both_kinds = "," in mantissa and "." in mantissa
        if both_kinds or mantissa.count(mantissa[last]) == 1:
            if (not both_kinds and multiplier == 1 and not exp_sep and len(tail) == 3
                    and head.isdigit() and len(head) <= 3 and head.strip("0")):
                raise AmountError(
                    f"The {what} {_show(text)} is ambiguous: is '{mantissa[last]}' a decimal or a thousands "
                    f"separator? Write '{head} {tail}' (space between thousands) or "
                    f"'{head},{tail[:2]}' (kronor and öre)."
                )
            int_part, dec_part = head, tail
            if not dec_part.isdigit() and dec_part != "":
                raise bad("the decimals are not digits")
    if int_part == "":
        raise bad("no digits before the decimal separator")
    if not int_part.isdigit():
        if not _GROUPED.match(int_part):
            raise bad("thousands separators must group the digits by three, e.g. '150 000 000'")
        int_part = re.sub(r"[ ,.']", "", int_part)
    return sign + int_part + ("." + dec_part if dec_part else "") + exponent


def _round_half_away(value: Fraction) -> int:
    sign = -1 if value < 0 else 1
    return sign * math.floor(abs(value) + Fraction(1, 2))


def format_kr(amount: Fraction | int, decimals: int = 0) -> str:
    """Swedish format with a space as thousands separator: ``22 714 621``; ``1 234,50``.

    The amount is rounded to ``decimals`` places, halves away from zero (as Excel's
    ``ROUND``), so exact amounts can be shown directly. Zero never shows a sign.
    """
    scaled = _round_half_away(Fraction(amount) * 10**decimals)
    sign = "-" if scaled < 0 else ""
    int_part, frac_part = divmod(abs(scaled), 10**decimals)
    text = f"{int_part:,}".replace(",", " ")
    if decimals:
        text += "," + str(frac_part).rjust(decimals, "0")
    return sign + text


def format_mkr(amount: Fraction | int, decimals: int = 3) -> str:
    """Millions of kronor with a decimal comma, rounded half away from zero: ``22,715``."""
    scaled = _round_half_away(Fraction(amount) / 1_000_000 * 10**decimals)
    sign = "-" if scaled < 0 else ""
    int_part, frac_part = divmod(abs(scaled), 10**decimals)
    text = str(int_part)
    if decimals:
        text += "," + str(frac_part).rjust(decimals, "0")
    return sign + text
