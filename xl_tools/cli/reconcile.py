"""``xl-tools avstam`` and ``xl-tools befolkning harled``: thin shells over :mod:`xl_tools.reconcile`."""

from __future__ import annotations

import contextlib
import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path

import click

from xl_tools import reconcile as api
from xl_tools.cli import cli
from xl_tools.cli.core import befolkning
from xl_tools.engine.reconcile import DEFAULT_HIGH, DEFAULT_LOW, Candidate
from xl_tools.errors import XlToolsError
from xl_tools.money import format_kr
from xl_tools.population import describe_date
from xl_tools.regions import REGIONS


def swedish_errors(func: Callable) -> Callable:
    """Bad input → one line ``Fel: …`` on stderr, exit 2."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except XlToolsError as exc:
            click.echo(f"Fel: {exc}", err=True)
            sys.exit(2)
        except MemoryError:
            click.echo("Fel: minnet räckte inte; tabellen är för stor.", err=True)
            sys.exit(2)

    return wrapper


def _table_options(func: Callable) -> Callable:
    func = click.option("--range", "cell_range", default=None, metavar="A1:C30",
                        help="Cell range of the table in the workbook (default: the whole sheet).")(func)
    func = click.option("--sheet", default=None, help="Sheet of the workbook (default: the first with regions).")(func)
    func = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
                        help="text: to read; json: for programs.")(func)
    func = click.option("--fixed-per-region", "fixed", default=None, metavar="BELOPP",
                        help="A fixed amount per region paid before the population split.")(func)
    func = click.option("--pot", required=True, metavar="BELOPP",
                        help="The whole amount split (kronor, or e.g. '937 Mkr').")(func)
    return click.argument("table", type=click.Path(path_type=Path))(func)


def _rounding(method: str) -> str:
    return api.ROUNDING_NAMES_SV.get(method, method)


def _date_text(result: api.AvstamResult, c: Candidate) -> str:
    status = result.population.status(c.key)
    return describe_date(c.key) + (f" ({status})" if status else "")  # type: ignore[arg-type]


def _differences(c: Candidate) -> list[str]:
    lines = [f"  {'Kod':<4}{'Region':<18}{'Publicerat':>16}{'Beräknat':>16}{'Skillnad':>10}"]
    for d in c.differences:
        r = REGIONS[d.index]
        sign = "+" if d.difference > 0 else "−"
        lines.append(f"  {r.code:<4}{r.name:<18}{format_kr(d.published):>16}{format_kr(d.computed):>16}"
                     f"{sign + format_kr(abs(d.difference)):>10}")
    return lines


def avstam_text(result: api.AvstamResult, path: object = None) -> list[str]:
    """The Swedish report of :func:`xl_tools.reconcile.avstam`, one line per item."""
    best, table = result.best, result.table
    fixed = f" efter {format_kr(result.fixed)} kr fast per region" if result.fixed else ""
    head = f"befolkningen den {_date_text(result, best)}{fixed} och avrundning {_rounding(best.method)}"
    out: list[str] = []
    if result.verdict == "exact":
        out.append(f"Tabellen stämmer med {head}: {best.exact} av {best.rows} regioner på kronan.")
        others = result.other_exact_dates
        if others:
            out.append("Lika bra stämmer " + ", ".join(describe_date(d) for d in others)
                       + ": tabellen räcker inte för att skilja datumen åt.")
    elif result.verdict == "partial":
        out.append(f"Tabellen stämmer nästan med {head}: {best.exact} av {best.rows} regioner på kronan; "
                   f"{len(best.differences)} avviker med några kronor:")
        out += _differences(best)
    elif 2 * best.exact >= best.rows:
        out.append(f"Ingen befolkning som verktyget har ger hela tabellen, men {best.exact} av {best.rows} regioner "
                   f"stämmer på kronan med {head}; {len(best.differences)} avviker mer än en avrundning "
                   "(skrivfel eller rättade belopp?):")
        out += _differences(best)
    else:
        out.append(f"Ingen befolkning som verktyget har ger tabellen. Närmast är {head}: {best.exact} av "
                   f"{best.rows} regioner på kronan, största avvikelse {format_kr(best.largest_difference)} kr.")
        out.append(f"Tabellen bygger troligen på en annan befolkning: härled den med 'xl-tools befolkning harled "
                   f"{path or table.name} --pot {result.pot}'.")
    close = [d for d in result.close_dates if d not in result.other_exact_dates]
    if close:
        out.append("Nästan lika bra stämmer " + ", ".join(describe_date(d) for d in close)
                   + ": potten är för liten för att skilja datumen åt säkert.")
    if result.stated_differs:
        out.append(f"Beloppen stämmer med {describe_date(best.key)}, inte {describe_date(result.stated)} "  # type: ignore[arg-type]
                   "som tabellen anger.")
    if result.reconciliation.unit > 1:
        out.append(f"Beloppen är avrundade till hela {format_kr(result.reconciliation.unit)} kr; "
                   "jämförelsen görs i den enheten.")
    if table.missing:
        out.append("Saknas i tabellen (jämförs inte): " + ", ".join(r.name for r in table.missing) + ".")
    if table.total is not None:
        diff = table.row_sum - table.total
        if diff:
            out.append(f"Summaraden {format_kr(table.total)} kr stämmer inte med radernas summa "
                       f"{format_kr(table.row_sum)} kr ({'+' if diff > 0 else '−'}{format_kr(abs(diff))} kr).")
        else:
            out.append(f"Summaraden {format_kr(table.total)} kr är radernas summa.")
    if not table.missing and table.row_sum != result.pot:
        diff = table.row_sum - result.pot
        out.append(f"Raderna summerar till {format_kr(table.row_sum)} kr, {'+' if diff > 0 else '−'}"
                   f"{format_kr(abs(diff))} kr mot potten {format_kr(result.pot)} kr.")
    if result.verdict != "exact":
        out.append("Bästa kandidater:")
        for c in result.reconciliation.candidates[:5]:
            out.append(f"  {_date_text(result, c):<34}{_rounding(c.method):<19}{c.exact:>3} av {c.rows} på kronan, "
                       f"avvikelse {format_kr(c.total_difference)} kr")
    return out


@cli.command("avstam")
@_table_options
@click.option("--datum", "stated", default=None, metavar="DATUM",
              help="The reference date the table's text states (default: read from its headings).")
@swedish_errors
def avstam_cmd(table: Path, pot: str, fixed: str | None, fmt: str, sheet: str | None, cell_range: str | None,
               stated: str | None) -> None:
    """Check a published allocation TABLE (CSV or .xlsx): which population date and which
    rounding reproduce it, and where it differs.

    Exit 0 when every row matches, 1 when some differ or nothing fits, 2 on bad input.

    Example: xl-tools avstam fordelning.csv --pot "1 382 Mkr"
    """
    result = api.avstam(table, pot, fixed_per_region=fixed or 0, stated=stated, sheet=sheet,
                        cell_range=cell_range)
    if fmt == "json":
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        for line in avstam_text(result, table):
            click.echo(line)
    sys.exit(0 if result.verdict == "exact" else 1)


def harled_text(result: api.HarledResult) -> list[str]:
    """The Swedish report of :func:`xl_tools.reconcile.harled`."""
    d = result.derivation
    span = f"mellan {format_kr(d.low)} och {format_kr(d.high)}"
    out: list[str] = []
    solution = d.solution
    if solution is not None:
        methods = ", ".join(_rounding(m) for m in solution.methods)
        out.append(f"Entydig lösning: rikets folkmängd {format_kr(solution.total)} (avrundning {methods}); "
                   f"ingen annan total {span} passar.")
        if result.matches:
            status = api.load_population().status(result.matches)
            out.append(f"Den är lika med befolkningen den {describe_date(result.matches)}"
                       f"{f' ({status})' if status else ''} som verktyget redan har.")
        else:
            out.append("Den är inte lika med någon befolkning som verktyget har.")
        out.append(f"  {'Kod':<4}{'Region':<18}{'Befolkning':>12}")
        for r, p in zip(REGIONS, result.populations() or []):
            out.append(f"  {r.code:<4}{r.name:<18}{format_kr(p):>12}")
        return out
    if d.totals == 0:
        out.append(f"Ingen heltalsbefolkning med rikstotal {span} ger tabellen med avrundning kronor, "
                   "storsta-rest eller rest-till-storsta.")
        out.append("Tabellen är kanske inte en ren befolkningsfördelning (eller har rättade rader): "
                   "jämför med 'xl-tools avstam'.")
        return out
    count = format_kr(d.totals) + ("" if d.exact_count else " (högst)")
    out.append(f"Ingen entydig lösning: {count} rikstotaler {span} passar.")
    if d.unit > 1:
        out.append(f"Tabellen är för grov: beloppen är avrundade till hela {format_kr(d.unit)} kr.")
    if result.table.missing and len(result.table.missing) > 1:
        out.append("Regioner utan belopp (" + ", ".join(r.name for r in result.table.missing)
                   + ") kan inte härledas var för sig.")
    for s in d.solutions[:5]:
        out.append(f"  total {format_kr(s.total)}: avrundning {', '.join(_rounding(m) for m in s.methods)}")
    return out


@contextlib.contextmanager
def _progress_bar():
    """A progress bar on stderr while totals are searched (nothing when stderr is not a terminal)."""
    if not sys.stderr.isatty():
        yield None
        return
    with click.progressbar(length=1, label="Söker rikstotaler", file=sys.stderr) as bar:
        state = {"done": 0}

        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - state["done"])
            state["done"] = done

        yield progress


@befolkning.command("harled")
@_table_options
@click.option("--fran", "low", type=int, default=DEFAULT_LOW, show_default=True,
              help="Smallest national total to try.")
@click.option("--till", "high", type=int, default=DEFAULT_HIGH, show_default=True,
              help="Largest national total to try.")
@click.option("--spara", "save", default=None, metavar="DATUM",
              help="Store a unique result as the population at DATUM (e.g. 2024-11-01), marked as derived.")
@click.option("--ersatt", "replace", is_flag=True, help="With --spara: overwrite confirmed data for DATUM.")
@swedish_errors
def harled_cmd(table: Path, pot: str, fixed: str | None, fmt: str, sheet: str | None, cell_range: str | None,
               low: int, high: int, save: str | None, replace: bool) -> None:
    """Derive the integer population vector behind a published allocation TABLE.

    Every national total from --fran to --till is tried in exact integer arithmetic with the
    rounding methods kronor, storsta-rest and rest-till-storsta. Exit 0 when the solution is
    unique, 1 otherwise, 2 on bad input.

    Example: xl-tools befolkning harled fordelning.csv --pot "5 886,5 Mkr" --fixed-per-region "100 Mkr"
    """
    with _progress_bar() as progress:
        result = api.harled(table, pot, fixed_per_region=fixed or 0, low=low, high=high, sheet=sheet,
                            cell_range=cell_range, progress=progress)
    saved = None
    if save:
        saved = api.spara(result, save, replace=replace)
    if fmt == "json":
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        for line in harled_text(result):
            click.echo(line)
    if saved is not None:
        click.echo(f"Sparade den härledda befolkningen som {describe_date(api.to_reference_date(save))} i "
                   f"{saved} (märkt {api.DERIVED_MARK}; ersätts av 'xl-tools befolkning hamta').", err=fmt == "json")
    sys.exit(0 if result.unique else 1)
