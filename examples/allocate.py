"""Split a pot over the 21 regions by population, with each rounding method.

Run: python examples/allocate.py
"""

from xl_tools import api
from xl_tools.money import format_kr

POT = 300_000_000  # the 2017 kvinnors-hälsa payment, 1 November 2016

for rounding in ("kronor", "largest-remainder", "residual-to-largest"):
    split = api.fordela(POT, 2016, rounding)
    stockholm = next(row for row in split.rows if row.region.name == "Stockholm")
    gotland = next(row for row in split.rows if row.region.name == "Gotland")
    print(f"{rounding:<20} Stockholm {format_kr(stockholm.amount):>12} kr   "
          f"Gotland {format_kr(gotland.amount):>10} kr   summa {format_kr(split.allocation.total):>12} kr")
