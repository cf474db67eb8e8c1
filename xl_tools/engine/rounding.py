"""Named rounding rules. Amounts are exact Fractions until this one step at the end.

- ``kronor``: each region rounded to whole kronor, half away from zero (as
  Försäkringskassan publishes and as Excel's ``ROUND(x;0)`` does). The rounded
  amounts may sum to the pot ± a few kronor; the difference is reported.
- ``largest-remainder``: whole kronor that sum exactly to the target. Every amount
  is first rounded down; the kronor left over go one each to the largest
  remainders; equal remainders are broken by list order (länskod order).
- ``residual-to-largest`` (Swedish ``rest-till-storsta``): each region rounded half
  away from zero as ``kronor``, then the residual (target − Σ rounded) added to the
  recipient with the largest weight (its population; by default its exact amount), so
  the amounts sum exactly to the target. Equal weights: the first in list order.
- ``none``: the exact amounts, unrounded.

``largest-remainder`` and ``residual-to-largest`` pay whole kronor that sum exactly to
the target: a target with öre (``100,50 kr``) is refused rather than paid as 101 kr.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

from xl_tools.errors import XlToolsError

ROUNDING_RULES = ("kronor", "largest-remainder", "residual-to-largest", "none")
DEFAULT_ROUNDING = "kronor"
_ALIASES = {
    "kronor": "kronor",
    "kr": "kronor",
    "avrunda": "kronor",
    "largest-remainder": "largest-remainder",
    "largest_remainder": "largest-remainder",
    "storsta-rest": "largest-remainder",
    "största-rest": "largest-remainder",
    "residual-to-largest": "residual-to-largest",
    "residual_to_largest": "residual-to-largest",
    "rest-till-storsta": "residual-to-largest",
    "rest-till-största": "residual-to-largest",
    "none": "none",
    "exakt": "none",
    "ingen": "none",
}


def normalise_rule(rule: object) -> str:
    """Return the canonical name of a rounding rule, or raise a readable error."""
    if rule is None or (isinstance(rule, str) and not rule.strip()):
        return DEFAULT_ROUNDING
    key = str(rule).strip().lower()
    if key not in _ALIASES:
        raise XlToolsError(
            f"Unknown rounding rule {rule!r}. Use one of: {', '.join(ROUNDING_RULES)}."
        )
    return _ALIASES[key]


def round_half_away(value: Fraction) -> int:
    """Round to the nearest whole krona, halves away from zero (Excel's ROUND)."""
    value = Fraction(value)
    sign = -1 if value < 0 else 1
    return sign * math.floor(abs(value) + Fraction(1, 2))


def largest_remainder(values: Sequence[Fraction], target: int) -> list[int]:
    """Whole kronor that sum exactly to ``target``, each within one krona of its exact value.

    Requires non-negative values whose floors sum to at most ``target`` and whose
    ceilings sum to at least it (true when ``target`` is the rounded sum).
    """
    floors = [math.floor(v) for v in values]
    left = target - sum(floors)
    if left < 0 or left > len(values):
        raise ValueError(f"target {target} cannot be reached by rounding {len(values)} amounts")
    order = sorted(range(len(values)), key=lambda i: (-(values[i] - floors[i]), i))
    result = list(floors)
    for i in order[:left]:
        result[i] += 1
    return result


def residual_to_largest(values: Sequence[Fraction], target: int,
                        weights: Sequence[Fraction | int] | None = None) -> list[int]:
    """Half-up per amount, then ``target − Σ`` added to the amount with the largest weight.

    ``weights`` (normally the populations) say who is largest; by default the exact
    values themselves. Only amounts that are paid (non-zero) can take the residual.
    """
    rounded = [round_half_away(Fraction(v)) for v in values]
    residual = target - sum(rounded)
    if residual == 0 or not rounded:
        return rounded
    weights = list(values) if weights is None else list(weights)
    if len(weights) != len(rounded):
        raise ValueError(f"{len(weights)} weights for {len(rounded)} amounts")
    paid = [i for i, v in enumerate(values) if v != 0] or list(range(len(values)))
    largest = max(paid, key=lambda i: (Fraction(weights[i]), -i))
    rounded[largest] += residual
    return rounded


def whole_target(target: Fraction | int, rule: str) -> int:
    """The whole-krona sum a rule must reach; a target with öre is refused."""
    target = Fraction(target)
    if target.denominator != 1:
        raise XlToolsError(
            f"Rounding {rule!r} pays whole kronor that sum exactly to the amount, but "
            f"{float(target):.2f} kr has öre. Give the amount in whole kronor, or use rounding "
            "'kronor' or 'none'."
        )
    return int(target)


def apply_rounding(values: Sequence[Fraction], rule: str = DEFAULT_ROUNDING,
                   target: Fraction | int | None = None,
                   weights: Sequence[Fraction | int] | None = None) -> list[Fraction]:
    """Round a list of exact amounts by a named rule.

    ``target`` is the sum that ``largest-remainder`` and ``residual-to-largest`` must
    reach: given explicitly (the pot) it must be whole kronor; by default it is the sum
    of the exact values rounded half away from zero. ``weights`` choose the largest
    recipient for ``residual-to-largest``.
    """
    rule = normalise_rule(rule)
    values = [Fraction(v) for v in values]
    if rule == "none":
        return values
    if rule == "kronor":
        return [Fraction(round_half_away(v)) for v in values]
    total = round_half_away(sum(values, Fraction(0))) if target is None else whole_target(target, rule)
    if rule == "residual-to-largest":
        return [Fraction(v) for v in residual_to_largest(values, total, weights)]
    return [Fraction(v) for v in largest_remainder(values, total)]
