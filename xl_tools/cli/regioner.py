"""``xl-tools regioner``: the 21 regions with länskod, länsbokstav and the names accepted for them."""

from __future__ import annotations

import json

import click

from xl_tools.cli import cli
from xl_tools.i18n import N_, _
from xl_tools.regions import REGIONS


@cli.command(help=N_("List the 21 regions: länskod, länsbokstav and the names every command accepts."))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help=N_("text: a table to read; json: for programs."))
def regioner(fmt: str) -> None:
    if fmt == "json":
        rows = [{"code": r.code, "letter": r.letter, "region": r.name, "spellings": list(r.spellings)}
                for r in REGIONS]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    width = max(len(r.name) for r in REGIONS)
    code, letter, region, others = _("Code"), _("Letter"), _("Region"), _("Also accepted")
    click.echo(f"{code:<5}{letter:<9}{region:<{width + 2}}{others}")
    for r in REGIONS:
        others = ", ".join(r.spellings[1:])
        click.echo(f"{r.code:<5}{r.letter:<9}{r.name:<{width + 2}}{others}")
    click.echo(_("Case, missing dots (a for å/ä, o for ö), the words Region/Landstinget/län and small "
                 "misspellings do not matter; the länskod (01, 1) and the länsbokstav (AB) work too."))
