"""Write a copy of the workbook with each finding as a cell comment and a fill colour,
and a first sheet listing the findings with links. The original is never modified.

Every text the auditor writes (sheet names, messages) is written as text, never as a formula:
a sheet named ``=calc|'x'!A0`` stays inert in the copy. The copy is written atomically: into
an unnamed file in the target folder (Linux ``O_TMPFILE``), which gets its name only when it is
complete — killed at any moment, the auditor leaves neither a half-written nor a hidden file.
Where the file system has no unnamed files, a temporary name beside the target is removed on
every exit Python sees.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING

from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.properties import PageSetupProperties

from xl_tools.audit.model import AuditReport, Finding, Severity, parse_a1
from xl_tools.audit.report import severity_label
from xl_tools.errors import XlToolsError
from xl_tools.i18n import _
from xl_tools.safe_open import openpyxl_quiet
from xl_tools.workbook.textsize import text_height

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

# Light red, orange and blue. The warning fill is orange, not the light yellow (FFF2CC, INPUT_FILL in
# xl_tools.workbook.render) that marks input cells in the workbooks xl_tools generates.
FILLS = {Severity.ERROR: "FFC7CE", Severity.WARNING: "F4B084", Severity.INFO: "DDEBF7"}
SUMMARY_SHEET = "Granskning"
# Column widths (characters) of the summary sheet: at least, at most; long texts wrap.
_WIDTHS = ((12, 28), (6, 9), (7, 8), (8, 10), (30, 70), (20, 50))


def _quote(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def annotate(source: str | Path, report: AuditReport, out: str | Path) -> Path:
    """Write ``out`` (.xlsx): the workbook with comments, fills and a summary sheet first.

    Macros are not carried over (the copy is .xlsx). Raises XlToolsError if ``out`` is
    the source file or cannot be written.
    """
    source, out = Path(source), Path(out)
    if out.suffix.lower() != ".xlsx":
        raise XlToolsError(_("--annotate wants an .xlsx file name, not {name}.").format(name=out.name))
    if out.exists() and out.resolve() == source.resolve():
        raise XlToolsError(_("--annotate must name a new file; the original workbook is never modified."))
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / ("source" + source.suffix.lower())
        shutil.copyfile(source, copy)
        try:
            with openpyxl_quiet():
                wb = load_workbook(copy, keep_vba=False, keep_links=False)
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for odd files
            raise XlToolsError(_("Cannot write an annotated copy of {name}: {error}").format(
                name=source.name, error=exc)) from None
    by_cell: dict[tuple[str, str], list[Finding]] = {}
    for f in report.findings:
        if f.sheet and f.cell and f.sheet in wb.sheetnames:
            by_cell.setdefault((f.sheet, f.cell), []).append(f)
    for (sheet, cell), items in by_cell.items():
        ws = wb[sheet]
        target = ws[cell]
        if type(target).__name__ == "MergedCell":
            continue
        text = "\n".join(f"{f.rule} ({severity_label(f.severity)}): {f.message} {f.suggestion}".strip()
                         for f in items)
        target.comment = Comment(text[:30000], "xl-tools audit", width=360, height=160)
        worst = max(f.severity for f in items)
        target.fill = PatternFill("solid", start_color=FILLS[worst], end_color=FILLS[worst])
    name = SUMMARY_SHEET
    while name in wb.sheetnames:
        name += "_"
    ws = wb.create_sheet(name, 0)
    _summary(ws, report, set(wb.sheetnames))
    wb.active = 0
    try:
        write_atomically(out, wb.save)
    except OSError as exc:
        raise XlToolsError(_("Cannot write {file}: {error}.").format(file=out, error=exc.strerror or exc)) from None
    return out


def summary_order(report: AuditReport) -> list[Finding]:
    """The findings as the summary sheet lists them: errors, then warnings, then info; within
    each, workbook-level findings first, then by sheet (in the workbook's order) and cell (row, column)."""
    order = {sheet: i for i, sheet in enumerate(report.sheet_order)}
    return sorted(report.findings, key=lambda f: (-f.severity, order.get(f.sheet, -1) if f.sheet else -1,
                                                  parse_a1(f.cell), f.rule))


def _summary(ws: Worksheet, report: AuditReport, sheets: set[str]) -> None:
    """The summary sheet, in the current language: one row per finding (most severe first), a
    bold frozen header row with an autofilter, wrapped texts in columns wide enough to read with
    row heights to match, printed landscape and one page wide."""
    rows = [[_("Sheet"), _("Cell"), _("Rule"), _("Severity"), _("Description"), _("Suggestion")]]
    findings = summary_order(report)
    rows += [[f.sheet or _("(workbook)"), f.cell, f.rule, severity_label(f.severity), f.message, f.suggestion]
             for f in findings]
    widths = [max(low, min(high, max(len(str(row[i])) for row in rows) + 2)) for i, (low, high) in enumerate(_WIDTHS)]
    wrap = Alignment(wrap_text=True, vertical="top")
    for r, texts in enumerate(rows, start=1):
        _put_row(ws, r, texts)
        for cell in ws[r]:
            cell.alignment = wrap
        ws.row_dimensions[r].height = max(text_height(str(text or ""), width, 11) for text, width in zip(texts, widths))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r, f in enumerate(findings, start=2):
        ws.cell(row=r, column=4).fill = PatternFill("solid", start_color=FILLS[f.severity],
                                                    end_color=FILLS[f.severity])
        if f.sheet and f.cell and f.sheet in sheets:
            link = ws.cell(row=r, column=2)
            link.hyperlink = f"#{_quote(f.sheet)}!{f.cell}"
            link.font = Font(color="0563C1", underline="single")
    for col, width in zip("ABCDEF", widths):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:F{len(rows)}"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    setup = ws.sheet_properties.pageSetUpPr
    if setup is None:
        ws.sheet_properties.pageSetUpPr = setup = PageSetupProperties()
    setup.fitToPage = True


def _put_row(ws: Worksheet, row: int, texts: list[str]) -> None:
    """Write texts as text: a value starting with "=" must never become a live formula."""
    for col, text in enumerate(texts, start=1):
        cell = ws.cell(row=row, column=col)
        cell.value = text
        cell.data_type = "s"


def write_atomically(out: Path, save: Callable[[IO[bytes]], None]) -> None:
    """Call ``save(file)`` and give the result the name ``out`` only when it is complete."""
    folder = out.parent if str(out.parent) else Path(".")
    _remove_stale_temporaries(folder, out)
    try:
        fd = os.open(folder, os.O_TMPFILE | os.O_RDWR, 0o666)
    except (AttributeError, OSError):
        fd = -1
    if fd < 0:
        _write_named(out, folder, save)
        return
    with os.fdopen(fd, "w+b") as fh:
        save(fh)
        fh.flush()
        os.fsync(fh.fileno())
        try:
            _link(fh.fileno(), out)
        except OSError:  # no linkat through /proc here: copy the finished bytes under a temporary name
            fh.seek(0)
            _write_named(out, folder, lambda target: shutil.copyfileobj(fh, target))


def _temporary_name(out: Path, pid: int) -> str:
    return f".{out.stem}.xl-tools-{pid}.tmp.xlsx"


def _remove_stale_temporaries(folder: Path, out: Path) -> None:
    """Temporaries of an earlier run that was killed (its process is gone) are removed."""
    prefix, suffix = f".{out.stem}.xl-tools-", ".tmp.xlsx"
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            name = entry.name
            if name.startswith(prefix) and name.endswith(suffix):
                pid = name[len(prefix):-len(suffix)]
                if pid.isdigit() and not Path(f"/proc/{pid}").exists():
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)


def _write_named(out: Path, folder: Path, save: Callable[[IO[bytes]], None]) -> None:
    """Write under a temporary name beside ``out`` (removed on every exit Python sees, SIGTERM
    and SIGHUP included), then rename it over ``out``."""
    tmp = folder / _temporary_name(out, os.getpid())
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGHUP)}

    def stop(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    in_main = threading.current_thread() is threading.main_thread()
    try:
        if in_main:
            for sig in previous:
                signal.signal(sig, stop)
        with open(tmp, "w+b") as fh:
            save(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, out)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if in_main:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def _link(fd: int, out: Path) -> None:
    """Give the unnamed file ``fd`` the name ``out`` (replacing an older file atomically)."""
    source = f"/proc/self/fd/{fd}"
    try:
        os.link(source, out, follow_symlinks=True)
        return
    except FileExistsError:
        pass
    temp = out.with_name(_temporary_name(out, os.getpid()))
    with contextlib.suppress(FileNotFoundError):
        temp.unlink()
    os.link(source, temp, follow_symlinks=True)
    try:
        os.replace(temp, out)
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
