"""The allocation engine: pure Python, exact arithmetic, no Excel.

- :mod:`xl_tools.engine.rounding` — the named rounding rules (``kronor``,
  ``largest-remainder``, ``none``).
- :mod:`xl_tools.engine.rules` — the allocation rules of the agreements, one
  function each. Every formula the workbook generator writes mirrors one of them.
- :mod:`xl_tools.engine.reconcile` — which population vector and rounding reproduce a
  published table, and the integer populations behind one (``avstam``, ``befolkning harled``).
"""

from xl_tools.engine.rounding import ROUNDING_RULES, apply_rounding, round_half_away
from xl_tools.engine.rules import (
    Allocation,
    allocate,
    per_unit_capped,
    population_share,
    share_if_qualified,
    shared_among_qualified,
)

__all__ = [
    "ROUNDING_RULES",
    "Allocation",
    "allocate",
    "apply_rounding",
    "per_unit_capped",
    "population_share",
    "round_half_away",
    "share_if_qualified",
    "shared_among_qualified",
]
