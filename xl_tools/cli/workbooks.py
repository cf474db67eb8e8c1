"""Commands that generate the agreement workbooks: ``build`` and ``generate``."""

from __future__ import annotations

from pathlib import Path

import click

from xl_tools import pipeline
from xl_tools.agreement import TEMPLATE_DIR
from xl_tools.cli import cli
from xl_tools.i18n import N_, _, ngettext
from xl_tools.safe_write import replacing_foreign_allowed
from xl_tools.workbook import GenerateResult, build_all
from xl_tools.workbook.generate import WORKBOOK_DIR

FORCE_OPTION = click.option("--force", is_flag=True,
                            help=N_("Replace an existing .xlsx even if xl_tools did not make it (a backup is kept)."))


def _report(result: GenerateResult) -> None:
    book = result.workbook
    waiting = (" " + ngettext("({n} check waits for data)", "({n} checks wait for data)", book.waiting).format(
        n=book.waiting)) if book is not None and book.waiting else ""
    click.echo("  " + _("wrote {path}  Kontroll: {status}{waiting}").format(
        path=result.path, status=result.status, waiting=waiting))
    if book is not None and book.failed:
        click.echo("  " + _("FEL: {checks}").format(checks="; ".join(book.failed[:5]) + (" …" if len(book.failed) > 5
                                                                                        else "")))
    if result.carry.carried or result.carry.unplaced:
        click.echo(f"  {result.carry.summary()}")
    if result.backup:
        click.echo("  " + _("previous version kept as {path}").format(path=result.backup))


@cli.command(help=N_("Regenerate every workbook from its template (every kind), keeping typed inputs.\n\n"
                     "Every template is read and checked first; two templates with one id, an unknown key or a wrong "
                     "type stop the build before anything is written."))
@click.option("--templates", "template_dir", type=click.Path(path_type=Path), default=TEMPLATE_DIR,
              show_default=N_("the shipped templates/"), help=N_("Folder of agreement templates (*.toml)."))
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=WORKBOOK_DIR,
              show_default=N_("workbooks/ of the checkout, else ./workbooks"),
              help=N_("Folder for the generated workbooks."))
@click.option("--discard-unmatched", is_flag=True,
              help=N_("Regenerate even if some typed inputs cannot be placed (they are dropped; a backup is kept)."))
@FORCE_OPTION
def build(template_dir: Path, out_dir: Path, discard_unmatched: bool, force: bool) -> None:
    """Regenerate every workbook from its template (every kind), keeping typed inputs.

    Every template is read and checked first; two templates with one id, an unknown key or a
    wrong type stop the build before anything is written."""
    with replacing_foreign_allowed(force):
        results = build_all(template_dir, out_dir, progress=lambda msg: click.echo(msg, err=True),
                            discard_unmatched=discard_unmatched)
    for result in results:
        _report(result)
    _exit_if_fel(results)


def _exit_if_fel(results: list[GenerateResult]) -> None:
    """Exit 1 (the workbook was written, but a check is FEL) naming the workbooks; the same for build and
    generate."""
    failed = [r for r in results if r.status == "FEL"]
    if failed:
        raise click.ClickException(_("Kontroll is FEL in {paths}; see its sheet Kontroll.").format(
            paths=", ".join(str(r.path) for r in failed)))


@cli.command(help=N_("Generate one workbook from TEMPLATE: a .toml file of any kind, or the id of a shipped "
                     "template ('xl-tools mallar' lists them)."))
@click.argument("template")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help=N_("The .xlsx to write (default: ID.xlsx in the current folder)."))
@click.option("--discard-unmatched", is_flag=True,
              help=N_("Regenerate even if some typed inputs cannot be placed (they are dropped; a backup is kept)."))
@FORCE_OPTION
def generate(template: str, output: Path | None, discard_unmatched: bool, force: bool) -> None:
    """Generate one workbook from TEMPLATE: a .toml file of any kind, or the id of a shipped template
    ('xl-tools mallar' lists them)."""
    with replacing_foreign_allowed(force):
        result = pipeline.generate(template, output, discard_unmatched=discard_unmatched)
    _report(result)
    _exit_if_fel([result])


@cli.command("mallar", help=N_("List the templates: id, kind, years and title (use the id with 'xl-tools generate "
                               "ID')."))
@click.option("--templates", "template_dir", type=click.Path(path_type=Path), default=TEMPLATE_DIR,
              show_default=N_("the shipped templates/"), help=N_("Folder of templates (*.toml)."))
def mallar(template_dir: Path) -> None:
    """List the templates: id, kind, years and title (use the id with 'xl-tools generate ID')."""
    infos = pipeline.describe_templates(template_dir)
    width = max(len(i.id) for i in infos)
    for info in infos:
        click.echo(f"{info.id:<{width}}  {info.years:<9}  {info.kind:<24}  {info.title}")


@cli.command(help=N_("Recalculate WORKBOOK in Python and in LibreOffice and compare with its stored values."))
@click.argument("workbook", type=click.Path(path_type=Path))
@click.option("--no-libreoffice", is_flag=True, help=N_("Skip the LibreOffice recalculation."))
@click.option("--no-python", is_flag=True, help=N_("Skip the Python (formulas) recalculation."))
def verify(workbook: Path, no_libreoffice: bool, no_python: bool) -> None:
    """Recalculate WORKBOOK in Python and in LibreOffice and compare with its stored values."""
    from xl_tools.verify import verify_workbook

    report = verify_workbook(workbook, python=not no_python, libreoffice=not no_libreoffice,
                             progress=lambda msg: click.echo(msg, err=True))
    for m in report.mismatches[:50]:
        click.echo(str(m))
    if len(report.mismatches) > 50:
        click.echo(_("… and {n} more.").format(n=len(report.mismatches) - 50))
    click.echo(_("{cells} formula cells checked against {engines}: {n} mismatch(es).").format(
        cells=report.formula_cells, engines=", ".join(report.checked), n=len(report.mismatches)))
    if report.mismatches:
        click.echo(report.summary())
        raise SystemExit(1)
