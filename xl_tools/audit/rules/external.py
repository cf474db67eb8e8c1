"""XL017 external references and calls, XL019 macros present."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from xl_tools.audit.formula import functions, references
from xl_tools.audit.model import Cell, Finding, Severity
from xl_tools.audit.rules.base import AuditContext, rule
from xl_tools.i18n import _

EXTERNAL_FUNCTIONS = {"WEBSERVICE", "FILTERXML", "RTD", "CALL", "REGISTER.ID", "REGISTER", "SQL.REQUEST",
                      "IMPORTDATA", "IMPORTXML", "CUBEVALUE", "CUBEMEMBER"}
_DDE = re.compile(r"(?<![A-Za-z0-9_.\"])[A-Za-z0-9_.]+\|['A-Za-z0-9_!\[\]]")


_MAYBE = re.compile(r"\[|\||" + "|".join(sorted(EXTERNAL_FUNCTIONS)).replace(".", r"\."), re.IGNORECASE)


@lru_cache(maxsize=65536)
def _maybe_external(form: str) -> bool:
    """Whether a formula (relative R1C1 form, so copies share the answer) could reach outside:
    after its relative references are taken out, a bracket, a pipe or an external function."""
    return bool(_MAYBE.search(_OWN_REF.sub("@", form)))


_OWN_REF = re.compile(r"R(?:\[-?\d+\]|\d+)C(?:\[-?\d+\]|\d+)")


def external_calls(formula: str) -> str | None:
    """Why ``formula`` reaches outside the workbook, or None."""
    if not _MAYBE.search(formula):
        return None  # the common case, one scan
    if any(r.external for r in references(formula)) or re.search(r"\[\d+\]", formula):
        return _("refers to another workbook")
    names = set(functions(formula)) & EXTERNAL_FUNCTIONS
    if names:
        return _("calls {function}, which fetches data from outside the workbook").format(function=min(names))
    if "|" in formula and _DDE.search(formula):
        return _("is a DDE link to another program")
    return None


@rule("XL017", Severity.WARNING, "External reference, DDE or web call")
def external_references(ctx: AuditContext) -> Iterator[Finding]:
    """Formulas that refer to other workbooks ([1]Sheet!A1), DDE links (app|topic!item),
    WEBSERVICE, RTD, CALL and similar; and the workbook's external link parts. Their values
    depend on files or services the reader may not have. The auditor never follows them.
    One finding per sheet and kind of link, at its first formula, counting the others."""
    wb = ctx.workbook
    for link in wb.external_links:
        yield Finding("", "", "XL017", Severity.WARNING,
                      _("The workbook links to an external file: {link}.").format(link=link),
                      _("Replace the link with values or a copy of the data (Data > Edit Links > Break Link)."))
    for sheet in wb.sheets:
        groups: dict[str, list[Cell]] = {}  # one root cause (the link), one finding per sheet
        for cell in sheet.cells.values():
            if cell.formula is not None and _maybe_external(cell.form or ctx.r1c1(sheet, cell) or ""):
                why = external_calls(cell.formula)
                if why:
                    groups.setdefault(why, []).append(cell)
        for why, cells in groups.items():
            cells.sort(key=lambda c: (c.row, c.col))
            others = " " + _("So do {n} other formulas on this sheet, e.g. {cells}.").format(
                n=len(cells) - 1, cells=", ".join(c.address for c in cells[1:6])) if len(cells) > 1 else ""
            yield Finding(sheet.name, cells[0].address, "XL017", Severity.WARNING,
                          _("The formula {why}.").format(why=why) + others,
                          _("Bring the data into the workbook so that the result can be checked."))


@rule("XL019", Severity.INFO, "Workbook contains macros")
def macros_present(ctx: AuditContext) -> Iterator[Finding]:
    """A VBA project is present (.xlsm). The auditor never runs it; results that macros
    write are only checked as typed values."""
    if ctx.workbook.has_macros:
        yield Finding("", "", "XL019", Severity.INFO,
                      _("The workbook contains macros (VBA); they were not run."),
                      _("Review what the macros change before trusting values they write."))
