"""Commands over the allocation engine: ``andel``, ``fordela``, ``befolkning [DATUM]``."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from fractions import Fraction
from typing import Any

import click

from xl_tools import api
from xl_tools.cli import cli
from xl_tools.cli.translated import TranslatedCommand, TranslatedGroup
from xl_tools.engine.rounding import DEFAULT_ROUNDING, ROUNDING_RULES
from xl_tools.errors import AmountError, PopulationDataError
from xl_tools.i18n import N_, _
from xl_tools.money import format_kr
from xl_tools.population import date_text, load_population, status_text, to_reference_date
from xl_tools.regions import REGIONS

_NEGATIVE = re.compile(r"^-\s*[0-9]")


class NumberArgsCommand(TranslatedCommand):
    """A command whose arguments are amounts and years: a leading minus is a negative
    number (refused with one line), never a cluster of short options such as ``-150 Mkr``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        for arg in args:
            if _NEGATIVE.match(arg):
                raise AmountError(_("Negative amounts are not allowed: {value!r}. Give a positive amount of "
                                    "kronor.").format(value=arg))
        return super().parse_args(ctx, args)


ROUNDING_OPTION = click.option(
    "--rounding", "-r", type=click.Choice(ROUNDING_RULES), default=DEFAULT_ROUNDING, show_default=True,
    help=N_("kronor: each region to whole kronor; largest-remainder: whole kronor summing exactly to the pot; "
            "none: exact."),
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


@cli.command(cls=NumberArgsCommand, context_settings={"ignore_unknown_options": True},
             help=N_("A region's share of POT by population at 1 November YEAR (or a date, 2018-12-31).\n\n"
                     "Example: xl-tools andel Norrbotten \"150 Mkr\" 2016"))
@click.argument("region")
@click.argument("pot")
@click.argument("year")
@ROUNDING_OPTION
def andel(region: str, pot: str, year: str, rounding: str) -> None:
    amount = api.andel(region, pot, year, rounding)
    click.echo(f"{_amount_text(amount, rounding)} kr")


@cli.command(cls=NumberArgsCommand, context_settings={"ignore_unknown_options": True},
             help=N_("Split POT over the 21 regions by population at 1 November YEAR (or a date).\n\n"
                     "Example: xl-tools fordela 100000000 2016 --rounding largest-remainder"))
@click.argument("pot")
@click.argument("year")
@ROUNDING_OPTION
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True,
              help=N_("table: to read; csv: for a spreadsheet; json: for programs."))
@click.option("--csv-dialect", type=click.Choice(sorted(CSV_DIALECTS)), default="sv", show_default=True,
              help=N_("sv: Swedish Excel (';', decimal comma, UTF-8 with BOM); excel: international (',' and '.')."))
def fordela(pot: str, year: str, rounding: str, fmt: str, csv_dialect: str) -> None:
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
            "reconciliation": _reconciliation(alloc.difference, rounding),
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
    click.echo(_("Allocation of {pot} kr by population at {date} (rounding: {rounding})").format(
        pot=format_kr(d.pot), date=date_text(d.reference_date), rounding=rounding))
    code, region, population, share, amount = _("Code"), _("Region"), _("Population"), _("Share %"), _("Amount kr")
    cw = max(4, len(code) + 1)
    click.echo(f"{code:<{cw}}{region:<18}{population:>12}{share:>10}{amount:>18}")
    for r in d.rows:
        click.echo(f"{r.region.code:<{cw}}{r.region.name:<18}{format_kr(r.population):>12}"
                   f"{_csv_number(float(r.share) * 100, ',', 4):>10}{_amount_text(r.amount, rounding):>18}")
    total = _("Total")
    click.echo(f"{'':<{cw}}{total:<18}{format_kr(d.population_total):>12}{'100,0000':>10}"
               f"{_amount_text(alloc.total, rounding):>18}")
    click.echo(_reconciliation(alloc.difference, rounding))


def signed_kr(value: Fraction | int) -> str:
    """A difference in kronor with its sign: ``+1``, ``−3``, ``−0,50`` (öre only when there are any)."""
    value = Fraction(value)
    return ("+" if value > 0 else "−") + format_kr(abs(value), 0 if value.denominator == 1 else 2)


def _reconciliation(difference: Fraction, rounding: str) -> str:
    """One sentence on how the total reconciles with the pot."""
    if difference == 0:
        return _("The total equals the pot exactly.")
    signed = signed_kr(difference)
    if rounding == "kronor":
        return _("The total differs from the pot by {difference} kr because each region is rounded to whole "
                 "kronor on its own (rounding 'kronor').").format(difference=signed)
    return _("The total differs from the pot by {difference} kr.").format(difference=signed)


class DateOrSubcommandGroup(TranslatedGroup):
    """``befolkning`` alone lists the data, ``befolkning DATUM`` shows one date per region, and
    ``befolkning hamta|harled …`` run the subcommands: words that are not a subcommand, an option
    or an option's value are the date (``2016``, ``2018-12-31``, ``1 november 2016`` quoted or not)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        takes_value = {name for p in self.params if isinstance(p, click.Option) and not p.is_flag
                       for name in p.opts}
        words: list[str] = []
        rest: list[str] = []
        i = 0
        while i < len(args):
            arg = args[i]
            if arg in self.commands:
                if words:
                    raise click.UsageError(_("Give either a date or a subcommand ({command}), not both.").format(
                        command=arg), ctx)
                rest += args[i:]
                break
            if arg.startswith("-"):
                rest.append(arg)
                if arg in takes_value and i + 1 < len(args):
                    rest.append(args[i + 1])
                    i += 1
            else:
                words.append(arg)
            i += 1
        if words:
            ctx.meta["befolkning_date"] = " ".join(words)
        return super().parse_args(ctx, rest)


@cli.group(cls=DateOrSubcommandGroup, invoke_without_command=True, subcommand_metavar="[DATUM | COMMAND [ARGS]...]",
           help=N_("Population per region: without DATUM, the data shipped and fetched (reference dates, totals, "
                   "sources); with DATUM (2016 for 1 November, 2018-12-31, '1 november 2016'), each region's "
                   "population at that date with its source."),
           short_help=N_("Population per region and reference date."))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help=N_("text: to read; json: for programs."))
@click.pass_context
def befolkning(ctx: click.Context, fmt: str) -> None:
    if ctx.invoked_subcommand is not None:
        return
    when = ctx.meta.get("befolkning_date")
    if when is not None:
        assert isinstance(ctx.command, click.Group)  # (befolkning is a group of subcommands)
        date = _date_argument(when, list(ctx.command.commands))
        if fmt == "json":
            click.echo(json.dumps(population_dict(date), ensure_ascii=False, indent=2))
            return
        for line in population_text(date):
            click.echo(line)
        return
    if fmt == "json":
        table = load_population()
        rows = [{"reference_date": d.isoformat(), "total": table.total(d), "status": table.status(d),
                 "source": table.sources.get(d, "")} for d in table.dates()]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = load_population()
    heads = (_("Reference date"), _("Total 21 counties"), _("Status"), _("Source"))
    click.echo(f"{heads[0]:<18}{heads[1]:>14}  {heads[2]:<12}{heads[3]}")
    for date in table.dates():
        status = status_text(table.status(date)).upper() or "–"
        click.echo(f"{date_text(date):<18}{format_kr(table.total(date)):>14}  {status:<12}"
                   f"{table.sources.get(date, '')}")
    unconfirmed = [d for d in table.dates() if table.is_provisional(d)]
    if unconfirmed:
        click.echo(_("PROVISIONAL/DERIVED: not confirmed statistics ({dates}); used but marked, and replaced by "
                     "'xl-tools befolkning hamta --ar YEAR'.").format(dates=", ".join(map(date_text, unconfirmed))))
    for date, reason in sorted(table.damaged.items()):
        click.echo(_("Not used (damaged line in the user file): {date}: {reason}").format(
            date=date_text(date), reason=reason))
    missing = [y for y in range(2016, max(d.year for d in table.dates()) + 1)
               if not table.has(y)]
    if missing:
        click.echo(_("Missing (1 November): {years} — fetch with 'xl-tools befolkning hamta --ar YEAR'.").format(
            years=", ".join(map(str, missing))))


def _date_argument(when: str, subcommands: list[str]) -> dt.date:
    """The reference date typed after ``befolkning``; a word that is no date may be a mistyped subcommand."""
    try:
        return to_reference_date(when)
    except PopulationDataError:
        if not any(ch.isdigit() for ch in when):
            raise PopulationDataError(
                _("{word!r} is neither a subcommand ({commands}) nor a date. Give a year such as 2016 "
                  "(meaning 1 November) or a date such as 2018-12-31.").format(
                    word=when, commands=", ".join(sorted(subcommands)))) from None
        raise


def population_dict(date: dt.date) -> dict[str, Any]:
    """``xl-tools befolkning DATUM --format json``: the populations at ``date`` with source and status."""
    table = load_population()
    values = table.vector(date)
    return {"reference_date": date.isoformat(), "status": table.status(date), "source": table.source(date),
            "total": sum(values),
            "regions": [{"code": r.code, "region": r.name, "population": v} for r, v in zip(REGIONS, values)]}


def population_text(date: dt.date) -> list[str]:
    """``xl-tools befolkning DATUM``: each region's population at the date, its share, the total,
    the source and (for data that is not confirmed statistics) the provisional or derived mark."""
    table = load_population()
    values = table.vector(date)  # a date without data: one line naming the dates there are
    total = sum(values)
    status = table.status(date)
    title = _("Population at {date}").format(date=date_text(date))
    out = [title + (f" ({status_text(status).upper()})" if status else "")]
    code, region, population, share = _("Code"), _("Region"), _("Population"), _("Share %")
    cw = max(4, len(code) + 1)
    out.append(f"{code:<{cw}}{region:<18}{population:>12}{share:>10}")
    for r, value in zip(REGIONS, values):
        out.append(f"{r.code:<{cw}}{r.name:<18}{format_kr(value):>12}{_csv_number(value * 100 / total, ',', 4):>10}")
    summa = _("Total")
    out.append(f"{'':<{cw}}{summa:<18}{format_kr(total):>12}{'100,0000':>10}")
    out.append(_("Source: {source}").format(source=table.source(date) or "–"))
    if status == "härledd":
        out.append(_("DERIVED: computed from a published table, not confirmed statistics; replaced by "
                     "'xl-tools befolkning hamta --ar {year}'.").format(year=date.year))
    elif status:
        out.append(_("PROVISIONAL: not confirmed statistics (the date or the values are not confirmed by the "
                     "source); replaced by 'xl-tools befolkning hamta --ar {year}'.").format(year=date.year))
    return out
