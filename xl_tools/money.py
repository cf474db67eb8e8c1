"""Amounts of money and counts: reading what people type, writing it the Swedish way.

Kronor are kept exact: :class:`fractions.Fraction` (whole kronor are Fractions with
denominator 1). Never float.

One parser reads every number a user types: :func:`parse_amount` (pots, rates, a
template's ``belopp``, the UDFs' pots) and :func:`parse_count` (contacts, treatments,
typed populations; ``import`` and carry-over) share :func:`_normalise_number`, so a
value means the same thing everywhere:

- a space (also no-break and thin space), ``_`` or ``'`` groups thousands: ``18 545``;
- a comma is the Swedish decimal comma: ``1,5`` is one and a half, ``12,0`` is 12;
- ``1,000`` or ``1.000`` (one separator followed by exactly three digits) could be
  1 (Swedish decimal comma) or 1 000 (English thousands separator) and is refused as
  ambiguous rather than guessed; ``1,000,000`` and ``1.000.000`` (several separators)
  can only be thousands and are read as 1 000 000.

Bounds are checked on the text, before any :class:`~decimal.Decimal` or
:class:`~fractions.Fraction` is built: at most :data:`MAX_DIGITS` significant digits
and an exponent of at most :data:`MAX_EXPONENT_DIGITS` digits, so ``1e-999999999``
(which would make exact arithmetic build a number of a billion digits) is refused in
microseconds.
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from fractions import Fraction

from xl_tools.errors import AmountError
from xl_tools.i18n import N_, _

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
# Larger counts (contacts, treatments, inhabitants) are typing mistakes; below 2**53, so
# a count read from a spreadsheet's float is exact.
MAX_COUNT = 10**12
# Longest text read as a number, most significant digits, longest exponent: checked before
# any Decimal or Fraction is built (exact arithmetic on 1e-999999999 would never end).
MAX_TEXT = 200
MAX_DIGITS = 40
MAX_EXPONENT_DIGITS = 3
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009_']+")
_AMOUNT = re.compile(
    r"^(?P<num>[+-]?[0-9][0-9 .,']*(?:e[+-]?[0-9]+)?)\s*(?P<unit>[a-zåäö.]+(?: (?:kronor|kr|sek))?)?$",
    re.ASCII | re.IGNORECASE,
)
_COUNT = re.compile(r"^[+-]?[0-9][0-9 .,']*(?:e[+-]?[0-9]+)?$", re.ASCII)


# What callers call the number they parse (``what=``), translated when a message is shown; other
# names (a template's own keys) are shown as they are.
WHAT_NAMES = (N_("pot"), N_("count"), N_("amount"), N_("amount of kronor"), N_("rate per contact"),
              N_("number of contacts"))


def _what(what: str) -> str:
    return _(what) if what in WHAT_NAMES else what


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
            _("The {what} is missing or not a number: {value}. Give kronor, e.g. 150000000 or '150 "
              "Mkr'.").format(
                what=_what(what), value=_show(value))
        )
    if isinstance(value, int):
        result = Fraction(value)
    elif isinstance(value, Fraction):
        result = value
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise AmountError(_("The {what} is not a plausible number: {value}.").format(
                                  what=_what(what), value=_show(value)))
        result = _bounded_fraction(value, 1, value, what)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise AmountError(_("The {what} is not a number: {value}.").format(
                                  what=_what(what), value=_show(value)))
        # A float from a spreadsheet: take its shortest decimal representation.
        result = _bounded_fraction(Decimal(repr(value)), 1, value, what)
    elif isinstance(value, str):
        result = _parse_text(value, what)
    else:
        raise AmountError(_("The {what} is not a number: {value}. Give kronor, e.g. 150000000 or '150 "
                            "Mkr'.").format(
                              what=_what(what), value=_show(value)))
    if result < 0:
        raise AmountError(_("The {what} is negative ({value}). Give a positive amount of kronor.").format(
                              what=_what(what), value=_show(value)))
    if result > MAX_AMOUNT:
        raise AmountError(
            _("The {what} {value} is implausibly large (more than {max_amount} kr). Check the amount.").format(
                what=_what(what), value=_show(value), max_amount=format_number(MAX_AMOUNT))
        )
    if (result * 100).denominator != 1:
        raise AmountError(_("The {what} {value} has fractions of an öre. Round it to öre (two "
                            "decimals).").format(
                              what=_what(what), value=_show(value)))
    return result


def _parse_text(text: str, what: str) -> Fraction:
    if len(text) > MAX_TEXT:
        raise AmountError(_("The {what} {value} is too long to be an amount ({value2} characters). "
                            "Give kronor, e.g. 150000000 or '150 Mkr'.").format(
                              what=_what(what), value=_show(text), value2=len(text)))
    cleaned = _SPACES.sub(" ", text.strip().lower())
    match = _AMOUNT.match(cleaned)
    unit = (match.group("unit") or "").split()[0] if match and match.group("unit") else ""
    if match is None or unit.rstrip(".") not in _UNITS:
        raise AmountError(
            _("The {what} {value} is not an amount. Give kronor, e.g. 150000000, '150 000 000', "
              "'150e6', '150 Mkr' or '1,5 mdkr'.").format(
                what=_what(what), value=_show(text))
        )
    multiplier = _UNITS[unit.rstrip(".")]
    number = _normalise_number(match.group("num").strip(), multiplier, text, what)
    return _bounded_fraction(_decimal(number, text, what), multiplier, text, what)


def _decimal(number: str, text: object, what: str) -> Decimal:
    """The normalised number text as a Decimal, its exponent and digits bounded first."""
    mantissa, _e, exponent = number.lower().partition("e")
    exponent_digits = exponent.lstrip("+-").lstrip("0")
    if len(exponent_digits) > MAX_EXPONENT_DIGITS and mantissa.strip("0.,+- "):
        if exponent.startswith("-"):
            raise AmountError(_("The {what} {value} is too small (fractions of an öre); write the "
                                "number out, e.g. 150000000 or '150e6'.").format(
                                  what=_what(what), value=_show(text)))
        raise AmountError(_("The {what} {value} is implausibly large (exponent out of range). Check "
                            "the number.").format(
                              what=_what(what), value=_show(text)))
    if len(exponent_digits) > MAX_EXPONENT_DIGITS:  # zero times anything
        return Decimal(0)
    if sum(c.isdigit() for c in mantissa) > MAX_DIGITS:
        raise AmountError(_("The {what} {value} has more than {max_digits} digits; check the number.").format(
                              what=_what(what), value=_show(text), max_digits=MAX_DIGITS))
    try:
        return Decimal(number)
    except (InvalidOperation, ValueError):
        raise AmountError(_("The {what} {value} is not an amount.").format(
                              what=_what(what), value=_show(text))) from None


def _bounded_fraction(decimal: Decimal, multiplier: int, text: object, what: str, *, count: bool = False
                      ) -> Fraction:
    """``decimal * multiplier`` as a Fraction, refusing magnitudes no amount or count has
    (so the Fraction built is never more than a few dozen digits)."""
    if not decimal.is_finite():
        raise AmountError(_("The {what} {value} is not a number.").format(
                              what=_what(what), value=_show(text)))
    sign, digits, exponent = decimal.as_tuple()
    assert isinstance(exponent, int)
    digits = tuple(digits)
    while len(digits) > 1 and digits[-1] == 0:  # 1.500 is 15e-1: trailing zeros say nothing
        digits, exponent = digits[:-1], exponent + 1
    if digits == (0,):
        return Fraction(0)
    if len(digits) > MAX_DIGITS:
        raise AmountError(_("The {what} {value} has more than {max_digits} digits; check the number.").format(
                              what=_what(what), value=_show(text), max_digits=MAX_DIGITS))
    scale = len(str(multiplier)) - 1
    if exponent + len(digits) - 1 + scale > 18:
        limit = f"{MAX_COUNT:,}" if count else f"{MAX_AMOUNT:,} kr"
        raise AmountError(_("The {what} {value} is implausibly large (more than {limit}). Check the "
                            "number.").format(
                              what=_what(what), value=_show(text), limit=limit))
    if exponent + scale < -MAX_DIGITS:
        raise AmountError(_("The {what} {value} has fractions of an öre. Round it to öre (two "
                            "decimals).").format(
                              what=_what(what), value=_show(text)))
    return Fraction(decimal) * multiplier


def parse_count(value: object, *, what: str = "count", maximum: int = MAX_COUNT) -> int | None:
    """A non-negative whole number as people type it (``18 545``, ``12,0``); blank → None.

    Read by the same rules as :func:`parse_amount` (see the module docstring): ``1,000``
    is refused as ambiguous, ``1,5`` is not whole, ``1e300`` and anything above ``maximum``
    is implausible. Raises :class:`~xl_tools.errors.AmountError` (one line) otherwise.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise AmountError(_("{value} is not a whole number").format(
                              value=_show(value)))
    if isinstance(value, int):
        number = Fraction(value)
    elif isinstance(value, float):
        if not math.isfinite(value) or abs(value) > maximum:
            raise AmountError(_("{value} is not a plausible {what} (at most {maximum})").format(
                                  value=_show(value), what=_what(what), maximum=format_number(maximum)))
        number = Fraction(value)
    elif isinstance(value, Decimal):
        number = _bounded_fraction(value, 1, value, what, count=True)
    elif isinstance(value, Fraction):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        if len(text) > MAX_TEXT:
            raise AmountError(_("{value} is too long to be a whole number").format(
                                  value=_show(value)))
        cleaned = _SPACES.sub(" ", text.lower())
        if not _COUNT.match(cleaned):
            raise AmountError(_("{value} is not a whole number").format(
                                  value=_show(value)))
        normalised = _normalise_number(cleaned, 1, value, what)
        number = _bounded_fraction(_decimal(normalised, value, what), 1, value, what, count=True)
    else:
        raise AmountError(_("{value} is not a whole number").format(
                              value=_show(value)))
    if number < 0 or number.denominator != 1:
        raise AmountError(_("{value} is not a non-negative whole number").format(
                              value=_show(value)))
    if number > maximum:
        raise AmountError(_("{value} is not a plausible {what} (at most {maximum})").format(
                              value=_show(value), what=_what(what), maximum=format_number(maximum)))
    return int(number)


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
        return AmountError(_("The {what} {value} is not an amount: {reason}.").format(
                               what=_what(what), value=_show(text), reason=reason))

    # Decimal part: the last ',' or '.' if it is not a thousands separator.
    int_part, dec_part = mantissa, ""
    last = max(mantissa.rfind(","), mantissa.rfind("."))
    if last >= 0:
        head, tail = mantissa[:last], mantissa[last + 1:]
        both_kinds = "," in mantissa and "." in mantissa
        if both_kinds or mantissa.count(mantissa[last]) == 1:
            if (not both_kinds and multiplier == 1 and not exp_sep and len(tail) == 3
                    and head.isdigit() and len(head) <= 3 and head.strip("0")):
                decimal_hint = (_("'{head},{cents}' (kronor and öre)").format(head=head, cents=tail[:2])
                                if what != "count" else _("'{head}' (if ',' is a decimal comma)").format(head=head))
                raise AmountError(
                    _("The {what} {value} is ambiguous: is '{mantissa}' a decimal or a thousands "
                      "separator? Write '{head} {tail}' (space between thousands) or {decimal_hint}.").format(
                        what=_what(what), value=_show(text), mantissa=mantissa[last], head=head, tail=tail,
                        decimal_hint=decimal_hint)
                )
            int_part, dec_part = head, tail
            if not dec_part.isdigit() and dec_part != "":
                raise bad(_("the decimals are not digits"))
    if int_part == "":
        raise bad(_("no digits before the decimal separator"))
    if not int_part.isdigit():
        if not _GROUPED.match(int_part):
            raise bad(_("thousands separators must group the digits by three, e.g. '150 000 000'"))
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


def format_number(value: float | int | Fraction | Decimal, significant: int = 15, decimals: int | None = None) -> str:
    """Any number in a user text (findings, trace, diff) the Swedish way, never in exponent form:
    ``5 300 000``, ``1 234 567,891``, ``0,227146``, ``-3,5``; ``significant`` digits at most
    (float noise such as ``0.30000000000000004`` goes), ``decimals`` places at most when given,
    trailing zeros dropped. The same form in English output: the figures are Swedish kronor and
    counts, as everywhere in the CLI (:func:`format_kr`)."""
    if isinstance(value, float) and not math.isfinite(value):
        return "−∞" if value < 0 else "∞" if value > 0 else "NaN"
    if isinstance(value, int) or (isinstance(value, Fraction) and value.denominator == 1):
        number = Decimal(int(value))
    else:
        number = Decimal(format(float(value), f".{significant}g"))
    exponent = number.as_tuple().exponent  # an int: the value is finite (checked above)
    if decimals is not None and isinstance(exponent, int) and exponent < -decimals:
        with localcontext(prec=len(number.as_tuple().digits) + decimals + 2):
            number = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    sign = "-" if number < 0 else ""
    int_part, _sep, frac = format(abs(number), "f").partition(".")
    frac = frac.rstrip("0")
    text = f"{int(int_part):,}".replace(",", " ")
    return sign + text + ("," + frac if frac else "") if text != "0" or frac else "0"
