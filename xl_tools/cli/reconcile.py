"""``xl-tools avstam`` and ``xl-tools befolkning harled``: thin shells over :mod:`xl_tools.reconcile`."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import click

from xl_tools import reconcile as api
from xl_tools.cli import cli
from xl_tools.cli.core import befolkning, signed_kr
from xl_tools.cli.translated import TranslatedCommand
from xl_tools.engine.reconcile import DEFAULT_HIGH, DEFAULT_LOW, Candidate
from xl_tools.errors import XlToolsError
from xl_tools.i18n import N_, _
from xl_tools.money import format_kr
from xl_tools.population import DERIVED_MARK, date_text, load_population, status_text, to_reference_date
from xl_tools.regions import REGIONS

P = ParamSpec("P")
R = TypeVar("R")
F = TypeVar("F", bound=Callable[..., Any])


def one_line_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Bad input → one line ``Fel: …`` (``Error: …`` in English) on stderr, exit 2."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except XlToolsError as exc:
            click.echo(_("Error: {message}").format(message=exc), err=True)
            sys.exit(2)
        except MemoryError:
            click.echo(_("Error: {message}").format(message=_("out of memory; the table is too large.")), err=True)
            sys.exit(2)

    return wrapper


def _table_options(func: F) -> F:
    func = click.option("--range", "cell_range", default=None, metavar="A1:C30",
                        help=N_("Cell range of the table in the workbook (default: the whole sheet)."))(func)
    func = click.option("--sheet", default=None,
                        help=N_("Sheet of the workbook (default: the first with regions)."))(func)
    func = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
                        help=N_("text: to read; json: for programs."))(func)
    func = click.option("--fixed-per-region", "fixed", default=None, metavar="BELOPP",
                        help=N_("A fixed amount per region paid before the population split."))(func)
    func = click.option("--pot", required=True, metavar="BELOPP",
                        help=N_("The whole amount split (kronor, or e.g. '937 Mkr')."))(func)
    return click.argument("table", type=click.Path(path_type=Path))(func)


# The rounding methods as a user names them: storsta-rest in Swedish, largest-remainder in English.
ROUNDING_TEXT = {"kronor": N_("kronor"), "largest-remainder": N_("largest-remainder"),
                 "residual-to-largest": N_("residual-to-largest")}


def _rounding(method: str) -> str:
    return _(ROUNDING_TEXT[method]) if method in ROUNDING_TEXT else method


def _dates(dates: Iterable[dt.date]) -> str:
    return ", ".join(date_text(d) for d in dates)


def _date_text(result: api.AvstamResult, c: Candidate[dt.date]) -> str:
    status = result.population.status(c.key)
    return date_text(c.key) + (f" ({status_text(status)})" if status else "")


def _differences(c: Candidate[dt.date]) -> list[str]:
    heads = (_("Code"), _("Region"), _("Published"), _("Computed"), _("Difference"))
    cw, dw = max(4, len(heads[0]) + 1), max(10, len(heads[4]) + 2)
    lines = [f"  {heads[0]:<{cw}}{heads[1]:<18}{heads[2]:>16}{heads[3]:>16}{heads[4]:>{dw}}"]
    for d in c.differences:
        r = REGIONS[d.index]
        lines.append(f"  {r.code:<{cw}}{r.name:<18}{format_kr(d.published):>16}{format_kr(d.computed):>16}"
                     f"{signed_kr(d.difference):>{dw}}")
    return lines


def avstam_text(result: api.AvstamResult, path: object = None) -> list[str]:
    """The report of :func:`xl_tools.reconcile.avstam` in the current language, one line per item."""
    best, table = result.best, result.table
    fixed = (" " + _("after {amount} kr fixed per region").format(amount=format_kr(result.fixed))
             if result.fixed else "")
    head = _("the population at {date}{fixed} and rounding {rounding}").format(
        date=_date_text(result, best), fixed=fixed, rounding=_rounding(best.method))
    counts = {"head": head, "exact": best.exact, "rows": best.rows, "off": len(best.differences)}
    out: list[str] = []
    if result.verdict == "exact":
        out.append(_("The table matches {head}: {exact} of {rows} regions to the krona.").format(**counts))
        others = result.other_exact_dates
        if others:
            out.append(_("{dates} match equally well: the table is not enough to tell the dates apart.").format(
                dates=_dates(others)))
    elif result.verdict == "partial":
        out.append(_("The table nearly matches {head}: {exact} of {rows} regions to the krona; {off} off by a few "
                     "kronor:").format(**counts))
        out += _differences(best)
    elif 2 * best.exact >= best.rows:
        out.append(_("No population the tool holds gives the whole table, but {exact} of {rows} regions match "
                     "{head} to the krona; {off} off by more than a rounding (typing errors or corrected "
                     "amounts?):").format(**counts))
        out += _differences(best)
    else:
        out.append(_("No population the tool holds gives the table. Closest is {head}: {exact} of {rows} regions to "
                     "the krona, largest difference {largest} kr.").format(
            largest=format_kr(best.largest_difference), **counts))
        out.append(_("The table is probably based on another population: derive it with 'xl-tools befolkning "
                     "harled {table} --pot {pot}'.").format(table=path or table.name, pot=result.pot))
    close = [d for d in result.close_dates if d not in result.other_exact_dates]
    if close:
        out.append(_("{dates} match almost as well: the pot is too small to tell the dates apart with "
                     "certainty.").format(dates=_dates(close)))
    if result.stated_differs:
        assert result.stated is not None  # (stated_differs: the table states a date)
        out.append(_("The amounts match {best}, not {stated} as the table states.").format(
            best=date_text(best.key), stated=date_text(result.stated)))
    if result.reconciliation.unit > 1:
        out.append(_("The amounts are rounded to whole {unit} kr; the comparison is made in that unit.").format(
            unit=format_kr(result.reconciliation.unit)))
    if table.missing:
        out.append(_("Missing from the table (not compared): {regions}.").format(
            regions=", ".join(r.name for r in table.missing)))
    if table.total is not None:
        diff = table.row_sum - table.total
        if diff:
            out.append(_("The total row {total} kr does not match the sum of the rows {sum} kr ({difference} "
                         "kr).").format(total=format_kr(table.total), sum=format_kr(table.row_sum),
                                        difference=signed_kr(diff)))
        else:
            out.append(_("The total row {total} kr is the sum of the rows.").format(total=format_kr(table.total)))
    if not table.missing and table.row_sum != result.pot:
        out.append(_("The rows sum to {sum} kr, {difference} kr against the pot {pot} kr.").format(
            sum=format_kr(table.row_sum), difference=signed_kr(table.row_sum - result.pot), pot=format_kr(result.pot)))
    if result.verdict != "exact":
        out.append(_("Best candidates:"))
        for c in result.reconciliation.candidates[:5]:
            line = _("{exact} of {rows} to the krona, difference {difference} kr").format(
                exact=f"{c.exact:>3}", rows=c.rows, difference=format_kr(c.total_difference))
            out.append(f"  {_date_text(result, c):<34}{_rounding(c.method):<19}{line}")
    return out


@cli.command("avstam", help=N_(
    "Check a published allocation TABLE (CSV or .xlsx): which population date and which rounding reproduce it, "
    "and where it differs.\n\n"
    "Exit 0 when every row matches, 1 when some differ or nothing fits, 2 on bad input.\n\n"
    "Example: xl-tools avstam fordelning.csv --pot \"1 382 Mkr\""), cls=TranslatedCommand)
@_table_options
@click.option("--datum", "stated", default=None, metavar="DATUM",
              help=N_("The reference date the table's text states (default: read from its headings)."))
@one_line_errors
def avstam_cmd(table: Path, pot: str, fixed: str | None, fmt: str, sheet: str | None, cell_range: str | None,
               stated: str | None) -> None:
    result = api.avstam(table, pot, fixed_per_region=fixed or 0, stated=stated, sheet=sheet,
                        cell_range=cell_range)
    if fmt == "json":
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        for line in avstam_text(result, table):
            click.echo(line)
    sys.exit(0 if result.verdict == "exact" else 1)


def harled_text(result: api.HarledResult) -> list[str]:
    """The report of :func:`xl_tools.reconcile.harled` in the current language."""
    d = result.derivation
    span = _("between {low} and {high}").format(low=format_kr(d.low), high=format_kr(d.high))
    out: list[str] = []
    solution = d.solution
    if solution is not None:
        methods = ", ".join(_rounding(m) for m in solution.methods)
        out.append(_("Unique solution: national population {total} (rounding {methods}); no other total {span} "
                     "fits.").format(total=format_kr(solution.total), methods=methods, span=span))
        if result.matches:
            status = load_population().status(result.matches)
            out.append(_("It equals the population at {date}{status} that the tool already holds.").format(
                date=date_text(result.matches), status=f" ({status_text(status)})" if status else ""))
        else:
            out.append(_("It equals no population the tool holds."))
        code, region, population = _("Code"), _("Region"), _("Population")
        cw = max(4, len(code) + 1)
        out.append(f"  {code:<{cw}}{region:<18}{population:>12}")
        for r, p in zip(REGIONS, result.populations() or []):
            out.append(f"  {r.code:<{cw}}{r.name:<18}{format_kr(p):>12}")
        return out
    if d.totals == 0:
        out.append(_("No integer population with a national total {span} gives the table with rounding kronor, "
                     "largest-remainder or residual-to-largest.").format(span=span))
        out.append(_("The table is perhaps not a pure population split (or has corrected rows): compare with "
                     "'xl-tools avstam'."))
        return out
    count = format_kr(d.totals) + ("" if d.exact_count else " " + _("(at most)"))
    out.append(_("No unique solution: {count} national totals {span} fit.").format(count=count, span=span))
    if d.unit > 1:
        out.append(_("The table is too coarse: the amounts are rounded to whole {unit} kr.").format(
            unit=format_kr(d.unit)))
    if result.table.missing and len(result.table.missing) > 1:
        out.append(_("Regions without an amount ({regions}) cannot be derived one by one.").format(
            regions=", ".join(r.name for r in result.table.missing)))
    for s in d.solutions[:5]:
        out.append("  " + _("total {total}: rounding {methods}").format(
            total=format_kr(s.total), methods=", ".join(_rounding(m) for m in s.methods)))
    return out


@contextlib.contextmanager
def _progress_bar() -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on stderr while totals are searched (nothing when stderr is not a terminal)."""
    if not sys.stderr.isatty():
        yield None
        return
    with click.progressbar(length=1, label=_("Searching national totals"), file=sys.stderr) as bar:
        state = {"done": 0}

        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - state["done"])
            state["done"] = done

        yield progress


@befolkning.command("harled", cls=TranslatedCommand, help=N_(
    "Derive the integer population vector behind a published allocation TABLE.\n\n"
    "Every national total from --fran to --till is tried in exact integer arithmetic with the rounding methods "
    "kronor, largest-remainder and residual-to-largest. Exit 0 when the solution is unique, 1 otherwise, "
    "2 on bad input.\n\n"
    "Example: xl-tools befolkning harled fordelning.csv --pot \"5 886,5 Mkr\" --fixed-per-region \"100 Mkr\""))
@_table_options
@click.option("--fran", "low", type=int, default=DEFAULT_LOW, show_default=True,
              help=N_("Smallest national total to try."))
@click.option("--till", "high", type=int, default=DEFAULT_HIGH, show_default=True,
              help=N_("Largest national total to try."))
@click.option("--spara", "save", default=None, metavar="DATUM",
              help=N_("Store a unique result as the population at DATUM (e.g. 2024-11-01), marked as derived."))
@click.option("--ersatt", "replace", is_flag=True, help=N_("With --spara: overwrite confirmed data for DATUM."))
@one_line_errors
def harled_cmd(table: Path, pot: str, fixed: str | None, fmt: str, sheet: str | None, cell_range: str | None,
               low: int, high: int, save: str | None, replace: bool) -> None:
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
        click.echo(_("Saved the derived population as {date} in {path} (marked {mark}; replaced by 'xl-tools "
                     "befolkning hamta').").format(date=date_text(to_reference_date(save)), path=saved,
                                                   mark=DERIVED_MARK), err=fmt == "json")
    sys.exit(0 if result.unique else 1)
