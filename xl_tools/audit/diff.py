"""Cells whose formula or typed value changed between two workbooks
(``xl-tools diff A.xlsx B.xlsx``). A formula cell whose formula is unchanged is not
reported when only its cached value differs: that is recalculation noise."""

from __future__ import annotations

from dataclasses import dataclass

from xl_tools.audit.model import Cell, Workbook
from xl_tools.i18n import N_, _
from xl_tools.money import format_number

KINDS = {"formula": N_("formula"), "value": N_("value"), "added": N_("added"), "removed": N_("removed"),
         "sheet-added": N_("sheet-added"), "sheet-removed": N_("sheet-removed")}


@dataclass(frozen=True)
class Change:
    sheet: str
    cell: str
    kind: str  # formula, value, added, removed, sheet-added, sheet-removed
    before: str
    after: str

    def __str__(self) -> str:
        where = f"{self.sheet}!{self.cell}" if self.cell else self.sheet
        return f"{_(KINDS.get(self.kind, self.kind)):<14}{where}: {_shown(self.before)} → {_shown(self.after)}"


def _show(cell: Cell | None) -> str:
    if cell is None or (cell.formula is None and cell.value is None):
        return EMPTY
    if cell.formula is not None:
        return f"={cell.formula}"
    return format_number(cell.value) if isinstance(cell.value, float) else repr(cell.value)


EMPTY, NONE = N_("(empty)"), N_("(none)")  # translated when shown


def _shown(text: str) -> str:
    return _(text) if text in (EMPTY, NONE) else text


def _same_value(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))
    return a == b


def diff_workbooks(a: Workbook, b: Workbook) -> list[Change]:
    """Changes from ``a`` to ``b``, by sheet in ``b``'s order, then row and column."""
    changes: list[Change] = []
    names_b = {s.name for s in b.sheets}
    for sheet in a.sheets:
        if sheet.name not in names_b:
            changes.append(Change(sheet.name, "", "sheet-removed", sheet.name, NONE))
    for sb in b.sheets:
        sa = a.sheet(sb.name)
        if sa is None:
            changes.append(Change(sb.name, "", "sheet-added", NONE, sb.name))
            continue
        for key in sorted(set(sa.cells) | set(sb.cells)):
            ca, cb = sa.cells.get(key), sb.cells.get(key)
            fa = ca.formula if ca else None
            fb = cb.formula if cb else None
            va = ca.value if ca else None
            vb = cb.value if cb else None
            if fa is None and fb is None and va is None and vb is None:
                continue
            either = ca or cb
            assert either is not None  # (a key in neither sheet was skipped just above)
            address = either.address
            if fa is not None or fb is not None:
                if (fa or "").replace(" ", "") != (fb or "").replace(" ", ""):
                    kind = "formula" if fa and fb else ("added" if ca is None or (fa is None and va is None)
                                                        else "removed" if cb is None else "formula")
                    changes.append(Change(sb.name, address, kind, _show(ca), _show(cb)))
                continue
            if not _same_value(va, vb):
                kind = "added" if va is None else "removed" if vb is None else "value"
                changes.append(Change(sb.name, address, kind, _show(ca), _show(cb)))
    return changes
