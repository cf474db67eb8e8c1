"""Write a copy of the workbook with each finding as a cell comment and a fill colour,
and a first sheet listing the findings with links. The original is never modified."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from xl_tools.audit.model import AuditReport, Severity
from xl_tools.errors import XlToolsError

FILLS = {Severity.ERROR: "FFC7CE", Severity.WARNING: "FFEB9C", Severity.INFO: "DDEBF7"}
SUMMARY_SHEET = "Granskning"


def _quote(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def annotate(source: str | Path, report: AuditReport, out: str | Path) -> Path:
    """Write ``out`` (.xlsx): the workbook with comments, fills and a summary sheet first.

    Macros are not carried over (the copy is .xlsx). Raises XlToolsError if ``out`` is
    the source file or cannot be written.
    """
    source, out = Path(source), Path(out)
    if out.suffix.lower() != ".xlsx":
        raise XlToolsError(f"--annotate wants an .xlsx file name, not {out.name}.")
    if out.exists() and out.resolve() == source.resolve():
        raise XlToolsError("--annotate must name a new file; the original workbook is never modified.")
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / ("source" + source.suffix.lower())
        shutil.copyfile(source, copy)
        try:
            wb = load_workbook(copy, keep_vba=False, keep_links=False)
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for odd files
            raise XlToolsError(f"Cannot write an annotated copy of {source.name}: {exc}") from None
    by_cell: dict[tuple[str, str], list] = {}
    for f in report.findings:
        if f.sheet and f.cell and f.sheet in wb.sheetnames:
            by_cell.setdefault((f.sheet, f.cell), []).append(f)
    for (sheet, cell), items in by_cell.items():
        ws = wb[sheet]
        target = ws[cell]
        if type(target).__name__ == "MergedCell":
            continue
        text = "\n".join(f"{f.rule} ({f.severity.label}): {f.message} {f.suggestion}".strip() for f in items)
        target.comment = Comment(text[:30000], "xl-tools audit", width=360, height=160)
        worst = max(f.severity for f in items)
        target.fill = PatternFill("solid", start_color=FILLS[worst], end_color=FILLS[worst])
    name = SUMMARY_SHEET
    while name in wb.sheetnames:
        name += "_"
    ws = wb.create_sheet(name, 0)
    ws.append(["Blad", "Cell", "Regel", "Allvar", "Beskrivning", "Förslag"])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for f in report.findings:
        ws.append([f.sheet or "(arbetsbok)", f.cell, f.rule, f.severity.label, f.message, f.suggestion])
        if f.sheet and f.cell and f.sheet in wb.sheetnames:
            link = ws.cell(row=ws.max_row, column=2)
            link.hyperlink = f"#{_quote(f.sheet)}!{f.cell}"
            link.font = Font(color="0563C1", underline="single")
    for col, width in zip("ABCDEF", (22, 8, 8, 9, 90, 60)):
        ws.column_dimensions[col].width = width
    wb.active = 0
    try:
        wb.save(out)
    except OSError as exc:
        raise XlToolsError(f"Cannot write {out}: {exc.strerror or exc}.") from None
    return out
