"""The workbook auditor: finds hand-edited mistakes in any .xlsx/.xlsm and reports them.

>>> report = audit_workbook("budget.xlsx")          # doctest: +SKIP
>>> [f.rule for f in report.findings]               # doctest: +SKIP

Reading is safe (:mod:`xl_tools.audit.reader`): nothing in the workbook is executed or
followed. Rules live in :mod:`xl_tools.audit.rules`, one small module per family.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from xl_tools.audit.graph import Key, References, dependents
from xl_tools.audit.model import AuditReport, Finding, Severity, Workbook, a1, parse_a1
from xl_tools.audit.reader import WorkbookReadError, read_workbook
from xl_tools.audit.rules import RULES, AuditContext
from xl_tools.audit.settings import DEFAULT, Settings
from xl_tools.i18n import N_, _, ngettext


def run_rules(workbook: Workbook, only: Iterable[str] | None = None,
              skip: Iterable[str] = (), settings: Settings = DEFAULT, combine: bool = True) -> list[Finding]:
    """Run the registered rules (or those named in ``only``) over a read workbook, with the
    cross-validated :class:`~xl_tools.audit.settings.Settings` (thresholds, quiet rules).
    ``combine=False`` keeps several rules' warnings at one cell apart (for per-rule counts)."""
    ctx = AuditContext(workbook, settings)
    wanted = set(only) if only is not None else set(RULES)
    wanted -= set(skip)
    findings: list[Finding] = []
    for rule_id in sorted(wanted):
        findings.extend(_one_per_cell(RULES[rule_id].check(ctx)))
    findings = [_quieted(f) if f.rule in settings.quiet and f.rule != "XL010" else f for f in findings]
    findings = merge_root_causes(workbook, findings, quiet="XL010" in settings.quiet)
    return one_per_cell(findings) if combine else findings


def one_per_cell(findings: list[Finding]) -> list[Finding]:
    """Warnings and errors of several rules at one cell are one finding (one cell, one cause to
    look at): the most severe, with the others' messages after it ("Also XL003: …")."""
    loud: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        if f.cell and f.severity >= Severity.WARNING:
            loud.setdefault((f.sheet, f.cell), []).append(f)
    out: list[Finding] = []
    for f in findings:
        group = loud.get((f.sheet, f.cell)) if f.cell and f.severity >= Severity.WARNING else None
        if not group or len(group) == 1:
            out.append(f)
        elif f is group[0]:
            first, *others = sorted(group, key=lambda g: (-g.severity, g.rule))
            also = " ".join(_("Also {rule}: {message}").format(rule=g.rule, message=g.message) for g in others)
            out.append(Finding(first.sheet, first.cell, first.rule, first.severity, f"{first.message} {also}",
                               first.suggestion))
    return out


def _quieted(finding: Finding) -> Finding:
    """A finding of a rule the cross-validation did not keep at its severity: an info note."""
    if finding.severity <= Severity.INFO:
        return finding
    return Finding(finding.sheet, finding.cell, finding.rule, Severity.INFO, finding.message, finding.suggestion)


# Rules whose findings follow from the values they read: a typed number that overrides a
# formula explains them at the cells that depend on it (and at the typed cell itself).
_CONSEQUENCES = {"XL012", "XL013", "XL014", "XL022", "XL023", "XL040", "XL041"}
MAX_ROOTS = 200  # typed numbers whose consequences are followed (bounded work on odd files)
_SHOWN = 6


def merge_root_causes(workbook: Workbook, findings: list[Finding], quiet: bool = False) -> list[Finding]:
    """One root cause, one finding: a typed number over a formula (XL010, warning or error)
    takes in the findings its value causes — any other finding at that cell, and the value
    findings (totals that do not reconcile, stale values, amounts that are not shares, …) at
    cells that depend on it — and lists the cells it disturbs. Its severity is the worst of
    them; with ``quiet`` (XL010 not kept at its own severity) it is only that of what it took in."""
    roots = [f for f in findings if f.rule == "XL010" and f.severity >= Severity.WARNING and f.cell]
    if not roots:
        return findings
    roots = roots[:MAX_ROOTS]
    rest = [_quieted(f) for f in findings if f.rule == "XL010" and f not in roots] if quiet else []
    # A typed number that differs from what its formula gives (XL010 error) is value evidence, not a
    # pattern heuristic: it keeps its severity whatever the tuned settings say about XL010's patterns.
    refs = References(workbook)
    absorbed: dict[int, Finding] = {}
    merged: list[Finding] = []
    for f in rest:
        absorbed[id(f)] = f
    merged.extend(rest)
    for root in roots:
        row, col = parse_a1(root.cell)
        reached = dependents(workbook, [(root.sheet, row, col)], refs=refs)
        caused = [f for f in findings if f is not root and id(f) not in absorbed and f.cell and (
            (f.sheet == root.sheet and f.cell == root.cell)
            or (f.rule in _CONSEQUENCES and (f.sheet, *parse_a1(f.cell)) in reached))]
        for f in caused:
            absorbed[id(f)] = f
        absorbed[id(root)] = root
        mute = quiet and root.severity < Severity.ERROR
        merged.append(_with_consequences(root, caused, reached, mute) if reached or caused
                      else _quieted(root) if mute else root)
    return [f for f in findings if id(f) not in absorbed] + merged


def _with_consequences(root: Finding, caused: list[Finding], reached: set[Key], quiet: bool) -> Finding:
    named = [f"{f.cell} ({f.rule})" if f.sheet == root.sheet else f"{f.sheet}!{f.cell} ({f.rule})"
             for f in caused if not (f.sheet == root.sheet and f.cell == root.cell)]
    others = sorted(reached - {(f.sheet, *parse_a1(f.cell)) for f in caused})
    named += [a1(r, c) if s == root.sheet else f"{s}!{a1(r, c)}" for s, r, c in others]
    text = ", ".join(named[:_SHOWN]) + (" " + _("and {n} more").format(n=len(named) - _SHOWN)
                                        if len(named) > _SHOWN else "")
    message = f"{root.message} " + ngettext("It disturbs {n} cell that uses it: {cells}.",
                                            "It disturbs {n} cells that use it: {cells}.", len(named)).format(
        n=len(named), cells=text)
    severity = max([Severity.INFO if quiet else root.severity] + [f.severity for f in caused])
    return Finding(root.sheet, root.cell, root.rule, severity, message, root.suggestion)


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
                   skip: Iterable[str] = (), settings: Settings = DEFAULT) -> AuditReport:
    """Audit one workbook and return its findings, grouped by sheet, most severe first.

    Raises :class:`~xl_tools.errors.XlToolsError` (one-line message) for a file that is
    not a readable .xlsx/.xlsm: encrypted, .xls, not a workbook, corrupt, or unsafe.
    """
    workbook = read_workbook(path)
    findings = run_rules(workbook, only, skip, settings)
    names = [s.name for s in workbook.sheets]
    report = AuditReport(file=str(path), findings=sort_findings(findings, names), sheet_order=names)
    if workbook.converted_from == "ods":
        report.notes.append(_("OpenDocument spreadsheet: converted to .xlsx by LibreOffice for the audit "
                              "(sheet and cell names are the original's)."))
    if not workbook.values_cached:
        report.notes.append(_(NO_VALUES))
    return report


NO_VALUES = N_("The workbook was saved without calculated values (e.g. by openpyxl): its formulas were checked on "
             "their structure only; values could not be checked. Open and save it in Excel or LibreOffice to "
             "check the values too.")


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
