"""Generate a workbook safely: carry over inputs, write atomically, keep a backup.

Regenerating over an existing workbook:

1. refuses if the file is open in another program (Excel's ``~$name`` owner file,
   LibreOffice's ``.~lock.name#`` file, or a file the OS will not let us replace);
2. reads every input the user typed (matched by region and input name, see
   :mod:`xl_tools.workbook.inputs`); if any cannot be placed in the new layout it
   stops and changes nothing (unless ``discard_unmatched``);
3. writes the new workbook to a temporary file in the same folder, then copies the
   old file to ``<name>.bak.xlsx`` and renames the new one into place.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from xl_tools.agreement import TEMPLATE_DIR, Agreement, load_template
from xl_tools.errors import XlToolsError
from xl_tools.i18n import _
from xl_tools.population import PopulationTable, load_population
from xl_tools.safe_write import check_output, write_atomically
from xl_tools.workbook.inputs import CarryReport, Inputs, read_inputs, validate_inputs
from xl_tools.workbook.layout import build_workbook
from xl_tools.workbook.render import render
from xl_tools.workbook.sheet import Workbook

# the committed workbooks of a source checkout; installed, a folder "workbooks" where the command runs
WORKBOOK_DIR = TEMPLATE_DIR.parent / "workbooks" if TEMPLATE_DIR.name == "templates" and \
    (TEMPLATE_DIR.parent / "xl_tools").is_dir() else Path("workbooks")
T = TypeVar("T")


@dataclass
class GenerateResult:
    path: Path
    status: str
    carry: CarryReport = field(default_factory=CarryReport)
    backup: Path | None = None
    workbook: Workbook | None = None


def output_path_for(agreement: Agreement, directory: Path = WORKBOOK_DIR) -> Path:
    return directory / f"{agreement.id}.xlsx"


def carried_inputs(out: Path, read: Callable[[Path], tuple[T, CarryReport]], empty: Callable[[], T], *,
                   carry_over: bool = True, discard_unmatched: bool = False) -> tuple[T, CarryReport]:
    """What the user typed into the existing workbook at ``out`` (``empty()`` if there is none).

    Stops, changing nothing, when some input cannot be placed in the new layout, unless
    ``discard_unmatched``.
    """
    if not (carry_over and out.exists()):
        return empty(), CarryReport()
    inputs, report = read(out)
    if report.unplaced and not discard_unmatched:
        raise XlToolsError(
            _("Cannot regenerate {file}: {n} input(s) cannot be placed in the new layout ({first}). Nothing was "
              "changed. Fix them, or rerun with --discard-unmatched.").format(
                file=out, n=len(report.unplaced), first=report.unplaced[0])
        )
    return inputs, report


def generate_workbook(template: str | Path | Agreement, out: str | Path, *, inputs: Inputs | None = None,
                      carry_over: bool = True, discard_unmatched: bool = False,
                      table: PopulationTable | None = None, generated: dt.datetime | None = None,
                      backup: bool = True) -> GenerateResult:
    """Generate the workbook of one agreement template at ``out``.

    ``inputs`` sets input cells explicitly (tests, scenarios); otherwise inputs are
    carried over from an existing file at ``out``.
    """
    agreement = template if isinstance(template, Agreement) else load_template(template)
    out = check_output(out)
    report = CarryReport()
    if inputs is None:
        carried, report = carried_inputs(out, lambda path: read_inputs(path, agreement), Inputs,
                                         carry_over=carry_over, discard_unmatched=discard_unmatched)
        inputs = carried
    validate_inputs(inputs, agreement)
    layout = build_workbook(agreement, table or load_population(), inputs, generated)
    backup_file = write_atomically(out, lambda tmp: render(layout, tmp), backup=backup)
    return GenerateResult(path=out, status=layout.status, carry=report, backup=backup_file, workbook=layout)


def generate_agreement_into(template: Path, out_dir: Path, *, discard_unmatched: bool = False) -> GenerateResult:
    """Generate an agreement template into ``out_dir`` (the ``overenskommelse`` kind)."""
    agreement = load_template(template)
    return generate_workbook(agreement, output_path_for(agreement, out_dir), discard_unmatched=discard_unmatched)


def build_all(template_dir: Path = TEMPLATE_DIR, out_dir: Path = WORKBOOK_DIR, *,
              progress: Callable[[str], None] | None = None, discard_unmatched: bool = False) -> list[GenerateResult]:
    """Regenerate every template in ``template_dir`` into ``out_dir``, whatever its kind
    (see :func:`xl_tools.pipeline.build_all`)."""
    from xl_tools.pipeline import build_all as build

    return build(template_dir, out_dir, progress=progress, discard_unmatched=discard_unmatched)
