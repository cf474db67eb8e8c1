"""Commands for the spreadsheet faces: ``befolkning hamta`` (SCB) and ``libreoffice install``."""

from __future__ import annotations

from pathlib import Path

import click

from xl_tools import scb
from xl_tools.cli import cli
from xl_tools.cli.core import befolkning
from xl_tools.libreoffice import install as lo_install
from xl_tools.money import format_kr
from xl_tools.population import describe_date, reload_population


@befolkning.command("hamta")
@click.option("--ar", "year", type=click.IntRange(1968, 2100), required=True,
              help="The year: population at 1 November of this year.")
@click.option("--replace", is_flag=True, help="Overwrite the year if it exists already.")
@click.option("--url", default=None, metavar="URL",
              help=f"PxWeb API v2 base URL (default: $XL_TOOLS_SCB_URL or {scb.DEFAULT_BASE_URL}).")
@click.option("--v1-url", default=None, metavar="URL",
              help=f"PxWeb API v1 base URL, tried when v2 fails (default: $XL_TOOLS_SCB_V1_URL or "
                   f"{scb.DEFAULT_V1_URL}; none when --url is given without it).")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=60, show_default=True,
              help="Seconds the whole fetch may take (all requests together).")
def hamta(year: int, replace: bool, url: str | None, v1_url: str | None, timeout: float) -> None:
    """Fetch "Folkmängden den 1 november YEAR" per county from SCB (table TAB1267).

    The 21 counties are checked and added to the user data file; an existing year is
    only overwritten with --replace.

    Example: xl-tools befolkning hamta --ar 2017
    """
    fetched = scb.fetch_year(year, url=url, timeout=timeout, v1=v1_url,
                             progress=lambda msg: click.echo(msg, err=True))
    path = scb.add_to_user_data(fetched, replace=replace)
    reload_population()
    click.echo(f"Sparade folkmängden den {describe_date(fetched.date)}: 21 län, summa "
               f"{format_kr(fetched.total)} ({path}).")


@cli.group("libreoffice")
def libreoffice() -> None:
    """LibreOffice Calc: install the =FK_ANDEL(...) functions."""


@libreoffice.command("install")
@click.option("--profile", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="LibreOffice profile directory (default: ~/.config/libreoffice/4).")
def install_cmd(profile: Path | None) -> None:
    """Install the Basic library and Python script for =FK_ANDEL(...) and its siblings.

    Close LibreOffice first. Then in Calc: =FK_ANDEL("Norrbotten"; 150000000; 2016).
    """
    target = lo_install.default_user_profile() if profile is None else profile
    if lo_install.libreoffice_running(lo_install.user_dir(target).parent):
        click.echo("Warning: LibreOffice seems to be running with this profile; close it and run this "
                   "command again if the functions do not appear.", err=True)
    done = lo_install.install(target)
    click.echo(f"Installed the Basic module {done.basic_module}")
    click.echo(f"Installed the Python script {done.script} (imports xl_tools from {done.xl_tools_path})")
    click.echo('Try it in Calc: =FK_ANDEL("Norrbotten"; 150000000; 2016)')
