"""Commands for the spreadsheet faces: ``befolkning hamta`` (SCB), ``libreoffice install`` and ``uninstall``."""

from __future__ import annotations

from pathlib import Path

import click

from xl_tools import scb
from xl_tools.cli import cli
from xl_tools.cli.core import befolkning
from xl_tools.i18n import N_, _
from xl_tools.libreoffice import install as lo_install
from xl_tools.money import format_kr
from xl_tools.population import date_text, reload_population


@befolkning.command("hamta", help=N_(
    "Fetch \"Folkmängden den 1 november YEAR\" per county from SCB (table TAB1267).\n\n"
    "The 21 counties are checked and added to the user data file; an existing year is only overwritten with "
    "--replace.\n\nExample: xl-tools befolkning hamta --ar 2017"))
@click.option("--ar", "year", type=click.IntRange(1968, 2100), required=True,
              help=N_("The year: population at 1 November of this year."))
@click.option("--replace", is_flag=True, help=N_("Overwrite the year if it exists already."))
@click.option("--url", default=None, metavar="URL",
              help=N_("PxWeb API v2 base URL (default: $XL_TOOLS_SCB_URL or "
                      "https://statistikdatabasen.scb.se/api/v2)."))
@click.option("--v1-url", default=None, metavar="URL",
              help=N_("PxWeb API v1 base URL, tried when v2 fails (default: $XL_TOOLS_SCB_V1_URL or "
                      "https://api.scb.se/OV0104/v1/doris/sv/ssd; none when --url is given without it)."))
@click.option("--timeout", type=click.FloatRange(min=0.1), default=60, show_default=True,
              help=N_("Seconds the whole fetch may take (all requests together)."))
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
    click.echo(_("Saved the population at {date}: 21 counties, total {total} ({file}).").format(
        date=date_text(fetched.date), total=format_kr(fetched.total), file=path))


@cli.group("libreoffice", help=N_("LibreOffice Calc: install the =FK_ANDEL(...) functions."))
def libreoffice() -> None:
    """LibreOffice Calc: install the =FK_ANDEL(...) functions."""


PROFILE_OPTION = click.option(
    "--profile", type=click.Path(file_okay=False, path_type=Path), default=None,
    help=N_("LibreOffice profile directory (default: ~/.config/libreoffice/4); it must exist unless --create."))


@libreoffice.command("install", help=N_(
    "Install the Basic library and Python script for =FK_ANDEL(...) and its siblings.\n\n"
    "Close LibreOffice first. Then in Calc: =FK_ANDEL(\"Norrbotten\"; 150000000; 2016)."))
@PROFILE_OPTION
@click.option("--create", is_flag=True, help=N_("Create the --profile folder if it does not exist."))
def install_cmd(profile: Path | None, create: bool) -> None:
    """Install the Basic library and Python script for =FK_ANDEL(...) and its siblings.

    Close LibreOffice first. Then in Calc: =FK_ANDEL("Norrbotten"; 150000000; 2016).
    """
    user = lo_install.check_profile(profile, create=create)
    if lo_install.libreoffice_running(user.parent):
        click.echo(_("Warning: LibreOffice seems to be running with this profile; close it and run this "
                     "command again if the functions do not appear."), err=True)
    done = lo_install.install(profile, create=create)
    click.echo(_("Installed the Basic module {file}").format(file=done.basic_module))
    click.echo(_("Installed the Python script {file} (imports xl_tools from {path})").format(
        file=done.script, path=done.xl_tools_path))
    click.echo(_('Try it in Calc: =FK_ANDEL("Norrbotten"; 150000000; 2016)'))


@libreoffice.command("uninstall", help=N_(
    "Remove the =FK_...() functions that 'xl-tools libreoffice install' put into a profile.\n\n"
    "Only xl_tools' Basic module and Python script are removed; close LibreOffice first."))
@PROFILE_OPTION
def uninstall_cmd(profile: Path | None) -> None:
    """Remove the =FK_...() functions that 'xl-tools libreoffice install' put into a profile.

    Only xl_tools' Basic module and Python script are removed; close LibreOffice first.
    """
    user = lo_install.check_profile(profile)
    if lo_install.libreoffice_running(user.parent):
        click.echo(_("Warning: LibreOffice seems to be running with this profile; close it, or it may write the "
                     "library list back when it quits."), err=True)
    done = lo_install.uninstall(profile)
    if not done.removed:
        click.echo(_("Nothing of xl_tools is installed in {folder}.").format(folder=done.profile_user))
        return
    for path in done.removed:
        click.echo((_("Removed {file}") if not path.name.endswith(".xlb") else _("Unregistered the module in {file}"))
                   .format(file=path))
