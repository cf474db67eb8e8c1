"""Commands ``audit``, ``trace`` and ``diff`` over :mod:`xl_tools.audit`."""

from __future__ import annotations

import click

from xl_tools.audit import Severity, audit_workbook, read_workbook
from xl_tools.audit.annotate import annotate
from xl_tools.audit.diff import diff_workbooks
from xl_tools.audit.report import to_json, to_text
from xl_tools.audit.trace import trace as trace_cell
from xl_tools.cli import cli
from xl_tools.i18n import N_, _, ngettext

_SEVERITIES = ["info", "warning", "error"]


@cli.command(help=N_("Audit FILE (.xlsx/.xlsm) for hand-edited mistakes; nothing in it is run or followed.\n\n"
                     "Exit status: 0 nothing at or above --fail-on, 1 something was found, 2 bad input."))
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help=N_("text: findings to read; json: for programs."))
@click.option("--annotate", "annotate_out", type=click.Path(dir_okay=False), default=None,
              help=N_("Write a copy with each finding as a comment and fill, and a first sheet listing them."))
@click.option("--fail-on", type=click.Choice(_SEVERITIES), default="error", show_default=True,
              help=N_("Exit 1 when a finding of this severity or worse is found (shown or not)."))
@click.option("--min-severity", type=click.Choice(_SEVERITIES), default="warning", show_default=True,
              help=N_("Leave out findings below this severity (info: also notes and style advice)."))
def audit(file: str, fmt: str, annotate_out: str | None, fail_on: str, min_severity: str) -> None:
    """Audit FILE (.xlsx/.xlsm) for hand-edited mistakes; nothing in it is run or followed.

    Exit status: 0 nothing at or above --fail-on, 1 something was found, 2 bad input.
    """
    report = audit_workbook(file)
    floor = Severity.parse(min_severity)
    failed = report.count(Severity.parse(fail_on))  # on everything found, shown or not
    report.hidden = sum(1 for f in report.findings if f.severity < floor)
    report.findings = [f for f in report.findings if f.severity >= floor]
    click.echo(to_json(report) if fmt == "json" else to_text(report, hidden_below=min_severity))
    if annotate_out:
        out = annotate(file, report, annotate_out)
        click.echo(_("Annotated copy written to {file}").format(file=out), err=True)
    if failed:
        raise SystemExit(1)


@cli.command(help=N_("Print the precedents and dependents of CELL (SHEET!A1) in FILE as a tree."))
@click.argument("file", type=click.Path(dir_okay=False))
@click.argument("cell")
@click.option("--depth", type=int, default=5, show_default=True, help=N_("Levels to follow each way."))
def trace(file: str, cell: str, depth: int) -> None:
    """Print the precedents and dependents of CELL (SHEET!A1) in FILE as a tree."""
    click.echo(trace_cell(read_workbook(file), cell, depth))


@cli.command(help=N_("List cells whose formula or typed value changed from BEFORE to AFTER (recalculated values "
                     "of unchanged formulas are ignored). Exit 1 if anything changed."))
@click.argument("before", type=click.Path(dir_okay=False))
@click.argument("after", type=click.Path(dir_okay=False))
def diff(before: str, after: str) -> None:
    """List cells whose formula or typed value changed from BEFORE to AFTER
    (recalculated values of unchanged formulas are ignored). Exit 1 if anything changed."""
    changes = diff_workbooks(read_workbook(before), read_workbook(after))
    for change in changes:
        click.echo(str(change))
    click.echo(ngettext("{n} change.", "{n} changes.", len(changes)).format(n=len(changes)))
    if changes:
        raise SystemExit(1)
