"""Text and JSON renderings of an :class:`~xl_tools.audit.model.AuditReport`."""

from __future__ import annotations

import json
from itertools import groupby

from xl_tools.audit.model import AuditReport, Severity
from xl_tools.i18n import _, ngettext


def severity_label(severity: Severity) -> str:
    """``error`` / ``warning`` / ``info`` in the current language (``fel``, ``varning``, ``info``)."""
    return {Severity.ERROR: _("error"), Severity.WARNING: _("warning"), Severity.INFO: _("info")}[severity]


def to_json(report: AuditReport) -> str:
    """``{"file": ..., "findings": [{"sheet", "cell", "rule", "severity", "message"}]}``."""
    return json.dumps(report.as_dict(), ensure_ascii=False, indent=2)


def to_text(report: AuditReport, hidden_below: str = "") -> str:
    """Grouped by sheet (workbook-level findings first), most severe first, one line each:
    ``  ERROR    B23   XL012  message → suggestion``. ``hidden_below`` names the severity
    under which findings were left out (their number is said at the end)."""
    lines = [_("Audit of {file}").format(file=report.file)]
    for note in report.notes:
        lines.append(_("Note: {note}").format(note=note))
    if not report.findings:
        lines.append(_("No findings.") + _hidden_note(report, hidden_below))
        return "\n".join(lines)
    for sheet, items in groupby(report.findings, key=lambda f: f.sheet):
        lines.append("")
        lines.append(f"[{sheet}]" if sheet else "[" + _("workbook") + "]")
        for f in items:
            hint = f" → {f.suggestion}" if f.suggestion else ""
            lines.append(f"  {severity_label(f.severity).upper():<8}{f.cell or '-':<7}{f.rule}  {f.message}{hint}")
    counts = {s: sum(1 for f in report.findings if f.severity.label == s) for s in ("error", "warning", "info")}
    lines.append("")
    lines.append(ngettext("{n} finding", "{n} findings", len(report.findings)).format(n=len(report.findings)) + ": "
                 + ngettext("{n} error", "{n} errors", counts["error"]).format(n=counts["error"]) + ", "
                 + ngettext("{n} warning", "{n} warnings", counts["warning"]).format(n=counts["warning"]) + ", "
                 + _("{n} info").format(n=counts["info"]) + "." + _hidden_note(report, hidden_below))
    return "\n".join(lines)


def _hidden_note(report: AuditReport, hidden_below: str) -> str:
    if not hidden_below or not report.hidden:
        return ""
    below = severity_label(Severity.parse(hidden_below))
    return " " + _("({n} below {severity} not shown; --min-severity info shows them.)").format(
        n=report.hidden, severity=below)
