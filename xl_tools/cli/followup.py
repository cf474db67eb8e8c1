"""``xl-tools import``: fill a villkor 3 compilation workbook from the regions' reports."""

from __future__ import annotations

from pathlib import Path

import click

from xl_tools.cli import cli
from xl_tools.followup.importer import import_reports
from xl_tools.i18n import N_, _


@cli.command("import", help=N_(
    "Import the regions' villkor 3 reports from SOURCE (.csv or .xlsx) into WORKBOOK.\n\n"
    "Replaces that year's counts; regions not in SOURCE are shown as Saknas. The workbook is rewritten atomically "
    "and the previous version kept as NAME.bak-YYYYMMDD-HHMMSS.xlsx."))
@click.argument("source", type=click.Path(path_type=Path))
@click.argument("workbook", type=click.Path(path_type=Path))
@click.option("--ar", "year", type=int, default=None,
              help=N_("Which year's input sheet to fill (default: the workbook's report year)."))
def import_command(source: Path, workbook: Path, year: int | None) -> None:
    """Import the regions' villkor 3 reports from SOURCE (.csv or .xlsx) into WORKBOOK.

    Replaces that year's counts; regions not in SOURCE are shown as Saknas. The workbook is
    rewritten atomically and the previous version kept as NAME.bak-YYYYMMDD-HHMMSS.xlsx.
    """
    result = import_reports(source, workbook, year)
    click.echo(result.summary())
    if result.generated is not None:
        click.echo("  " + _("wrote {file}  Kontroll: {status}").format(file=result.generated.path,
                                                                      status=result.generated.status))
        if result.generated.backup:
            click.echo("  " + _("previous version kept as {file}").format(file=result.generated.backup))
    if result.unplaced:
        click.echo(_("Warning: {n} row(s) could not be placed (see above).").format(n=len(result.unplaced)), err=True)
