"""``xl-tools import``: fill a villkor 3 compilation workbook from the regions' reports."""

from __future__ import annotations

from pathlib import Path

import click

from xl_tools.cli import cli
from xl_tools.followup.importer import import_reports


@cli.command("import")
@click.argument("source", type=click.Path(path_type=Path))
@click.argument("workbook", type=click.Path(path_type=Path))
@click.option("--ar", "year", type=int, default=None,
              help="Which year's input sheet to fill (default: the workbook's report year).")
def import_command(source: Path, workbook: Path, year: int | None) -> None:
    """Import the regions' villkor 3 reports from SOURCE (.csv or .xlsx) into WORKBOOK.

    Replaces that year's counts; regions not in SOURCE are shown as Saknas. The workbook is
    rewritten atomically and the previous version kept as NAME.bak-YYYYMMDD-HHMMSS.xlsx.
    """
    result = import_reports(source, workbook, year)
    click.echo(result.summary())
    if result.generated is not None:
        click.echo(f"  wrote {result.generated.path}  Kontroll: {result.generated.status}")
        if result.generated.backup:
            click.echo(f"  previous version kept as {result.generated.backup}")
    if result.unplaced:
        click.echo(f"Warning: {len(result.unplaced)} row(s) could not be placed (see above).", err=True)
