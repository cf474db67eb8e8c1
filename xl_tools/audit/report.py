"""Text and JSON renderings of an :class:`~xl_tools.audit.model.AuditReport`."""

from __future__ import annotations

import json
from itertools import groupby

from xl_tools.audit.model import AuditReport


def to_json(report: AuditReport) -> str:
    """``{"file": ..., "findings": [{"sheet", "cell", "rule", "severity", "message"}]}``."""
    return json.dumps(report.as_dict(), ensure_ascii=False, indent=2)


def to_text(report: AuditReport, hidden_below: str = "") -> str:
    """Grouped by sheet (workbook-level findings first), most severe first, one line each:
    ``  ERROR    B23   XL012  message → suggestion``. ``hidden_below`` names the severity
    under which findings were left out (their number is said at the end)."""
    lines = [f"Audit of {report.file}"]
    for note in report.notes:
        lines.append(f"Note: {note}")
    if not report.findings:
        lines.append("No findings." + _hidden_note(report, hidden_below))
        return "\n".join(lines)
    for sheet, items in groupby(report.findings, key=lambda f: f.sheet):
        lines.append("")
        lines.append(f"[{sheet}]" if sheet else "[workbook]")
        for f in items:
            hint = f" → {f.suggestion}" if f.suggestion else ""
            lines.append(f"  {f.severity.label.upper():<8}{f.cell or '-':<7}{f.rule}  {f.message}{hint}")
    counts = {s: sum(1 for f in report.findings if f.severity.label == s) for s in ("error", "warning", "info")}
    lines.append("")
    lines.append(f"{len(report.findings)} findings: {counts['error']} errors, {counts['warning']} warnings, "
                 f"{counts['info']} info." + _hidden_note(report, hidden_below))
    return "\n".join(lines)


def _hidden_note(report: AuditReport, hidden_below: str) -> str:
    if not hidden_below or not report.hidden:
        return ""
    return f" ({report.hidden} below {hidden_below} not shown; --min-severity info shows them.)"
