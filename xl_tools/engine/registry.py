"""The rule registry: one entry per allocation rule of the agreements.

Each :class:`Rule` holds, in one place, what every face needs to know about a rule:

- ``function`` — the exact engine function (:mod:`xl_tools.engine.rules`);
- ``block`` — the workbook block that writes its columns (``"module:function"``,
  imported only when a workbook is generated, so the engine does not depend on it);
- ``label`` / ``summary`` — the Swedish labels the workbook shows (Parametrar's
  *Regel* column, and the header of the column the Sammanställning shows beside Utfall);
- ``checks`` — the reconciliations the workbook's Kontroll sheet makes for it;
- ``breakdown`` — the intermediate columns the villkor sheet shows, in order;
- what the template must give for it (``needs``): a population date, a rate per unit,
  a fixed amount per region, typed amounts per region.

The template loader, the workbook generator, the UDFs and the CLI look rules up here;
adding a rule is one entry here, one engine function and one block writer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from xl_tools.engine import rules
from xl_tools.errors import XlToolsError
from xl_tools.i18n import _

if TYPE_CHECKING:
    from xl_tools.workbook.blocks import BlockResult, BlockWriter


@dataclass(frozen=True)
class Rule:
    name: str
    function: Callable[..., list[Fraction]]
    block: str
    label: str
    description: str
    to_regions: bool = True
    population: bool = True  # needs a population reference date (``befolkning``)
    qualified: bool = False  # has an Uppfyllt (Ja/Nej) input per region
    needs: tuple[str, ...] = ()  # further template keys the rule needs
    summary: str | None = None  # header of the column shown beside Utfall in Sammanställning
    checks: tuple[str, ...] = ()
    breakdown: tuple[str, ...] = ()

    def block_writer(self) -> Callable[[BlockWriter], BlockResult]:
        import importlib

        module, _, function = self.block.partition(":")
        writer: Callable[[BlockWriter], BlockResult] = getattr(importlib.import_module(module), function)
        return writer


_BLOCKS = "xl_tools.workbook.blocks"

RULES: dict[str, Rule] = {r.name: r for r in (
    Rule("share_if_qualified", rules.share_if_qualified, f"{_BLOCKS}:write_share_if_qualified",
         label="Befolkningsandel om villkoret är uppfyllt",
         description="The region's population share of the pot, paid only if it met the villkor; shares of "
                     "regions that did not are not passed on.",
         qualified=True, summary="Max", checks=("max_sums_to_pot", "utfall_within_max"),
         breakdown=("Befolkning", "Andel", "Max (kr)", "Uppfyllt (Ja/Nej)", "Utfall (kr)")),
    Rule("shared_among_qualified", rules.shared_among_qualified, f"{_BLOCKS}:write_shared_among_qualified",
         label="Delas mellan regioner som uppfyllt",
         description="The whole pot shared only among the regions that met the villkor, by population among "
                     "them; nothing is paid if none did.",
         qualified=True, summary="Andel om alla uppfyllt", checks=("utfall_sums_to_pot_if_anyone",),
         breakdown=("Befolkning", "Andel", "Andel om alla uppfyllt (kr)", "Uppfyllt (Ja/Nej)", "Utfall (kr)")),
    Rule("population_share", rules.population_share, f"{_BLOCKS}:write_population_share",
         label="Befolkningsandel",
         description="The region's population share of the pot, without a villkor.",
         checks=("max_sums_to_pot",), breakdown=("Befolkning", "Andel", "Belopp (kr)")),
    Rule("per_unit_capped", rules.per_unit_capped, f"{_BLOCKS}:write_per_unit_capped",
         label="Belopp per kontakt, högst befolkningsandel, omfördelning",
         description="A rate per unit (e.g. 3 000 kr per contact), at most the population share of the pot "
                     "first; unused money to the regions that did more, never more than units × rate.",
         needs=("per_enhet",), summary="Tak", checks=("utfall_is_min_pot_demand", "utfall_within_demand"),
         breakdown=("Befolkning", "Andel", "Tak (kr)", "Antal", "Belopp för antal (kr)", "Steg 1",
                    "Överskott", "Utfall exakt (kr)", "Utfall (kr)")),
    Rule("fixed_plus_population", rules.fixed_plus_population, f"{_BLOCKS}:write_fixed_plus_population",
         label="Fast belopp per region plus befolkningsandel av resten",
         description="A fixed amount to every region plus its population share of the rest of the pot "
                     "(pot − 21 × fixed).",
         needs=("fast_per_region",), checks=("max_sums_to_pot",),
         breakdown=("Befolkning", "Andel", "Fast (kr)", "Belopp (kr)")),
    Rule("amount_per_region", rules.amount_per_region, f"{_BLOCKS}:write_amount_per_region",
         label="Belopp per region (inskrivna)",
         description="A pot given as one typed amount per region (yellow input cells, filled from the "
                     "template's belopp_per_region); no population split. The amounts must sum to the pot.",
         population=False, checks=("max_sums_to_pot",), breakdown=("Belopp (kr)",)),
    Rule("fixed", lambda amount: [amount], "",
         label="Fast belopp", description="A fixed amount to one recipient that is not the regions (SKL, "
                                          "Försäkringskassan …).", to_regions=False, population=False),
)}

REGION_RULES = tuple(name for name, rule in RULES.items() if rule.to_regions)


def rule(name: str) -> Rule:
    """The registered rule ``name``; a readable error for an unknown one."""
    try:
        return RULES[name]
    except KeyError:
        raise XlToolsError(_("Unknown allocation rule {name}; use one of {rules}.").format(
                               name=repr(name), rules=', '.join(RULES))) from None
