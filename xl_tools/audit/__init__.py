"""The workbook auditor: finds hand-edited mistakes in any .xlsx/.xlsm and reports them.

>>> report = audit_workbook("budget.xlsx")          # doctest: +SKIP
>>> [f.rule for f in report.findings]               # doctest: +SKIP

Reading is safe (:mod:`xl_tools.audit.reader`): nothing in the workbook is executed or
followed. Rules live in :mod:`xl_tools.audit.rules`, one small module per family.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from xl_tools.audit.model import AuditReport, Finding, Severity, Workbook, parse_a1
from xl_tools.audit.reader import WorkbookReadError, read_workbook
from xl_tools.audit.rules import RULES, AuditContext


def run_rules(workbook: Workbook, only: Iterable[str] | None = None,
              skip: Iterable[str] = ()) -> list[Finding]:
    """Run the registered rules (or those named in ``only``) over a read workbook."""
    ctx = AuditContext(workbook)
    wanted = set(only) if only is not None else set(RULES)
    wanted -= set(skip)
    findings: list[Finding] = []
    for rule_id in sorted(wanted):
        findings.extend(_one_per_cell(RULES[rule_id].check(ctx)))
    return findings


def _one_per_cell(found: Iterable[Finding]) -> list[Finding]:
    """A rule's findings with at most one per cell: the first of the most severe (a table
    with two pairs of part columns, or a total compared with two tables, is reported once)."""
    kept: dict[tuple[str, str], Finding] = {}
    out: list[Finding] = []
    for finding in found:
        if not finding.cell:
            out.append(finding)
            continue
        key = (finding.sheet, finding.cell)
        if key not in kept or finding.severity > kept[key].severity:
            kept[key] = finding
    return out + list(kept.values())


def sort_findings(findings: list[Finding], sheet_order: list[str]) -> list[Finding]:
    """Workbook-level findings first, then by sheet order, most severe first, then by cell."""
    order = {name: i for i, name in enumerate(sheet_order)}

    return sorted(findings, key=lambda f: (order.get(f.sheet, -1) if f.sheet else -1, -f.severity,
                                           parse_a1(f.cell), f.rule))


def audit_workbook(path: str | Path, *, only: Iterable[str] | None = None,
                   skip: Iterable[str] = ()) -> AuditReport:
    """Audit one workbook and return its findings, grouped by sheet, most severe first.

    Raises :class:`~xl_tools.errors.XlToolsError` (one-line message) for a file that is
    not a readable .xlsx/.xlsm: encrypted, .xls, not a workbook, corrupt, or unsafe.
    """
    workbook = read_workbook(path)
    findings = run_rules(workbook, only, skip)
    names = [s.name for s in workbook.sheets]
    return AuditReport(file=str(path), findings=sort_findings(findings, names), sheet_order=names)


__all__ = [
    "RULES",
    "AuditReport",
    "Finding",
    "Severity",
    "WorkbookReadError",
    "audit_workbook",
    "read_workbook",
    "run_rules",
]
