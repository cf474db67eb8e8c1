"""Commands over the allocation engine: ``andel``, ``fordela``, ``befolkning``."""

from __future__ import annotations

import csv
import io
import json
import re
from fractions import Fraction

import click

from xl_tools import api
from xl_tools.cli import cli
from xl_tools.engine.rounding import DEFAULT_ROUNDING, ROUNDING_RULES
from xl_tools.errors import AmountError
from xl_tools.money import format_kr
from xl_tools.population import describe_date, load_population

_NEGATIVE = re.compile(r"^-\s*[0-9]")


class NumberArgsCommand(click.Command):
    """A command whose arguments are amounts and years: a leading minus is a negative
    number (refused with one line), never a cluster of short options such as ``-150 Mkr``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        for arg in args:
            if _NEGATIVE.match(arg):
                raise AmountError(f"Negative amounts are not allowed: {arg!r}. Give a positive amount of kronor.")
        return super().parse_args(ctx, args)


ROUNDING_OPTION = click.option(
    "--rounding", "-r", type=click.Choice(ROUNDING_RULES), default=DEFAULT_ROUNDING, show_default=True,
    help="kronor: each region to whole kronor; largest-remainder: whole kronor summing exactly to the pot; "
         "none: exact.",
)


def _amount_text(value: Fraction, rounding: str) -> str:
    return format_kr(value, 0 if rounding != "none" else 2)


# CSV for Swedish Excel by default: ';' between fields, decimal comma, UTF-8 with a BOM (so that
# Excel reads å, ä, ö); 'excel' is the international dialect (',' and decimal point, no BOM).
CSV_DIALECTS = {"sv": (";", ",", "\ufeff"), "excel": (",", ".", "")}


def _csv_number(value: Fraction | float, decimal: str, places: int = 2) -> str:
    """Whole kronor as an integer; an exact (unrounded) amount or a share with ``places`` decimals,
    not as a fraction such as ``3396166500000000/9967637``."""
    if isinstance(value, Fraction) and value.denominator == 1:
        return str(value.numerator)
    text = format_kr(value, places) if isinstance(value, Fraction) else f"{value:.{places}f}"
    return text.replace(" ", "").replace("\u00a0", "").replace(",", ".").replace(".", decimal)


@cli.command(cls=NumberArgsCommand, context_settings={"ignore_unknown_options": True})
@click.argument("region")
@click.argument("pot")
@click.argument("year")
@ROUNDING_OPTION
def andel(region: str, pot: str, year: str, rounding: str) -> None:
    """A region's share of POT by population at 1 November YEAR (or a date, 2018-12-31).

    Example: xl-tools andel Norrbotten "150 Mkr" 2016
    """
    amount = api.andel(region, pot, year, rounding)
    click.echo(f"{_amount_text(amount, rounding)} kr")


@cli.command(cls=NumberArgsCommand, context_settings={"ignore_unknown_options": True})
@click.argument("pot")
@click.argument("year")
@ROUNDING_OPTION
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True,
              help="table: to read; csv: for a spreadsheet; json: for programs.")
@click.option("--csv-dialect", type=click.Choice(sorted(CSV_DIALECTS)), default="sv", show_default=True,
              help="sv: Swedish Excel (';', decimal comma, UTF-8 with BOM); excel: international (',' and '.').")
def fordela(pot: str, year: str, rounding: str, fmt: str, csv_dialect: str) -> None:
    """Split POT over the 21 regions by population at 1 November YEAR (or a date).

    Example: xl-tools fordela 100000000 2016 --rounding largest-remainder
    """
    d = api.fordela(pot, year, rounding)
    alloc = d.allocation
    if fmt == "json":
        payload = {
            "pot": str(d.pot),
            "reference_date": d.reference_date.isoformat(),
            "rounding": rounding,
            "population_total": d.population_total,
            "regions": [
                {"code": r.region.code, "region": r.region.name, "population": r.population,
                 "share": str(r.share), "exact": str(r.exact), "amount": str(r.amount)}
                for r in d.rows
            ],
            "total": str(alloc.total),
            "difference": str(alloc.difference),
            "reconciliation": alloc.reconciliation(),
        }
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    if fmt == "csv":
        delimiter, decimal, bom = CSV_DIALECTS[csv_dialect]
        buf = io.StringIO()
        w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
        w.writerow(["lanskod", "region", "befolkning", "andel", "belopp"])
        for r in d.rows:
            w.writerow([r.region.code, r.region.name, r.population, _csv_number(float(r.share), decimal, 10),
                        _csv_number(r.amount, decimal)])
        w.writerow(["", "Summa", d.population_total, "1", _csv_number(alloc.total, decimal)])
        click.echo(bom + buf.getvalue(), nl=False)
        return
    click.echo(f"Fördelning av {format_kr(d.pot)} kr efter befolkning {d.reference_text} "
               f"(avrundning: {rounding})")
    click.echo(f"{'Kod':<4}{'Region':<18}{'Befolkning':>12}{'Andel %':>10}{'Belopp kr':>18}")
    for r in d.rows:
        click.echo(f"{r.region.code:<4}{r.region.name:<18}{format_kr(r.population):>12}"
                   f"{_csv_number(float(r.share) * 100, ',', 4):>10}{_amount_text(r.amount, rounding):>18}")
    click.echo(f"{'':<4}{'Summa':<18}{format_kr(d.population_total):>12}{'100,0000':>10}"
               f"{_amount_text(alloc.total, rounding):>18}")
    click.echo(alloc.reconciliation())


@cli.group(invoke_without_command=True)
@click.pass_context
def befolkning(ctx: click.Context) -> None:
    """List the population data shipped and fetched (reference dates, totals, sources)."""
    if ctx.invoked_subcommand is not None:
        return
    table = load_population()
    click.echo(f"{'Referensdatum':<18}{'Summa 21 län':>14}  {'Status':<12}Källa")
    for date in table.dates():
        status = table.status(date).upper() or "–"
        click.echo(f"{describe_date(date):<18}{format_kr(table.total(date)):>14}  {status:<12}"
                   f"{table.sources.get(date, '')}")
    unconfirmed = [d for d in table.dates() if table.is_provisional(d)]
    if unconfirmed:
        click.echo("PRELIMINÄR/HÄRLEDD: inte bekräftad statistik (" + ", ".join(map(describe_date, unconfirmed))
                   + "); används men markeras, och ersätts av 'xl-tools befolkning hamta --ar ÅR'.")
    for date, reason in sorted(table.damaged.items()):
        click.echo(f"Används inte (skadad rad i användarfilen): {describe_date(date)}: {reason}")
    missing = [y for y in range(2016, max(d.year for d in table.dates()) + 1)
               if not table.has(y)]
    if missing:
        click.echo("Saknas (1 november): " + ", ".join(map(str, missing))
                   + " — hämta med 'xl-tools befolkning hamta --ar ÅR'.")
