"""Precedents and dependents of a cell, as a tree (``xl-tools trace FILE SHEET!CELL``)."""

from __future__ import annotations

import re
from collections.abc import Callable

from xl_tools.audit.formula import references
from xl_tools.audit.graph import Key, References, dependents_by_level
from xl_tools.audit.model import Cell, Workbook, a1, column_number
from xl_tools.errors import XlToolsError
from xl_tools.i18n import _
from xl_tools.money import format_number

MAX_RANGE_CELLS = 50  # a range larger than this is shown as one node


def parse_target(workbook: Workbook, target: str) -> tuple[str, int, int]:
    """``Sheet!B3`` or ``'My sheet'!B3`` → (sheet name, row, col)."""
    if "!" not in target:
        raise XlToolsError(_("Give the cell as SHEET!CELL, e.g. Sammanställning!C5 (got {target}).").format(
            target=repr(target)))
    sheet, cell = target.rsplit("!", 1)
    sheet = sheet.strip("'")
    m = re.fullmatch(r"\$?([A-Za-z]{1,3})\$?(\d+)", cell.strip())
    found = workbook.sheet(sheet)
    if found is None:
        names = ", ".join(s.name for s in workbook.sheets)
        raise XlToolsError(_("No sheet {sheet} in the workbook. Sheets: {names}.").format(
            sheet=repr(sheet), names=names))
    if m is None:
        raise XlToolsError(_("{cell} is not a cell address; give e.g. B3.").format(cell=repr(cell)))
    return found.name, int(m.group(2)), column_number(m.group(1))


def _label(workbook: Workbook, sheet: str, cell: Cell | None, row: int, col: int) -> str:
    where = f"{sheet}!{a1(row, col)}"
    if cell is None:
        return f"{where} " + _("(empty)")
    value = "" if cell.value is None else f" = {cell.value!r}" if cell.kind != "n" else f" = {_number(cell.number)}"
    return f"{where} ={cell.formula}{value}" if cell.formula else f"{where}{value}"


def _number(value: float) -> str:
    """A number the Swedish way: 34 071 932, 0,227146 (shares and exact amounts keep 6 significant digits)."""
    return format_number(value, decimals=2) if abs(value) >= 1000 else format_number(value, 6)


def _precedents(workbook: Workbook, sheet: str, cell: Cell) -> list[tuple[str, int, int, str | None]]:
    out: list[tuple[str, int, int, str | None]] = []
    for ref in references(cell.formula or ""):
        if ref.external:
            out.append((ref.sheet or sheet, ref.row1, ref.col1, _("external: {link}").format(link=ref.sheet)))
            continue
        name = ref.sheet or sheet
        if ref.size > MAX_RANGE_CELLS:
            out.append((name, ref.row1, ref.col1,
                        _("{range} ({n} cells)").format(
                            range=f"{name}!{a1(ref.row1, ref.col1)}:{a1(ref.row2, ref.col2)}",
                            n=format_number(ref.size))))
            continue
        for r in range(ref.row1, ref.row2 + 1):
            for c in range(ref.col1, ref.col2 + 1):
                out.append((name, r, c, None))
    return out


MAX_LINES = 2000  # a trace longer than this is cut (and says so)


def _render(lines: list[str], root: Key, children: Callable[[Key], list[tuple[Key, str | None]]],
            label: Callable[[Key], str], depth: int) -> None:
    """Append the tree under ``root`` to ``lines``, depth first, without recursion. A cell is
    expanded once; cells shown before are named together on one line ("also … shown above")."""
    shown = {root}
    stack: list[tuple[Key, str | None, int]] = []

    def push(key: Key, level: int) -> None:
        if level > depth:
            return
        fresh, repeated = [], []
        for child, text in children(key):
            if text is None and child in shown:
                repeated.append(child)
            else:
                fresh.append((child, text))
                if text is None:
                    shown.add(child)
        if repeated:
            names = ", ".join(f"{s}!{a1(r, c)}" for s, r, c in repeated[:5])
            more = " " + _("and {n} more").format(n=len(repeated) - 5) if len(repeated) > 5 else ""
            stack.append(((root[0], 0, 0), _("also {cells} (shown above)").format(cells=names + more), level))
        for child, text in reversed(fresh):
            stack.append((child, text, level))

    push(root, 1)
    while stack:
        if len(lines) >= MAX_LINES:
            lines.append(_("… cut at {n} lines; use a smaller --depth or trace a cell further in.").format(
                n=format_number(MAX_LINES)))
            return
        key, text, level = stack.pop()
        lines.append("  " * level + "└─ " + (text or label(key)))
        if text is None:
            push(key, level + 1)


def trace(workbook: Workbook, target: str, depth: int = 5) -> str:
    """The precedents (what the cell is computed from) and dependents (what uses it) as
    indented trees, ``depth`` levels deep. Each cell is visited once (a cell reached again is
    named on an "also … shown above" line), so the cost is linear in the cells reached, and
    the output is cut at :data:`MAX_LINES` lines."""
    sheet, row, col = parse_target(workbook, target)
    depth = max(0, depth)

    def label(key: Key) -> str:
        found = workbook.sheet(key[0])
        return _label(workbook, key[0], found.get(key[1], key[2]) if found else None, key[1], key[2])

    def precedents(key: Key) -> list[tuple[Key, str | None]]:
        found = workbook.sheet(key[0])
        cell = found.get(key[1], key[2]) if found else None
        if cell is None or cell.formula is None:
            return []
        out: list[tuple[Key, str | None]] = []
        for name, r, c, text in _precedents(workbook, key[0], cell):
            target_sheet = workbook.sheet(name)
            out.append(((target_sheet.name if target_sheet else name, r, c), text))
        return out

    root = (sheet, row, col)
    lines = [label(root), _("Precedents:")]
    _render(lines, root, precedents, label, depth)
    levels = dependents_by_level(References(workbook), [root], max_levels=depth, max_cells=MAX_LINES * 10)
    under: dict[Key, list[tuple[Key, str | None]]] = {}
    for level in levels:
        for dep, parents in sorted(level.items(), key=lambda item: (item[0][0] != sheet, item[0])):
            under.setdefault(parents[0] if parents else root, []).append((dep, None))
    lines.append(_("Dependents:"))
    _render(lines, root, lambda key: under.get(key, []), label, depth)
    return "\n".join(lines)
