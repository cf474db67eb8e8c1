"""Precedents and dependents of a cell, as a tree (``xl-tools trace FILE SHEET!CELL``)."""

from __future__ import annotations

import re

from xl_tools.audit.formula import references
from xl_tools.audit.model import Cell, Workbook, a1, column_number
from xl_tools.errors import XlToolsError

MAX_RANGE_CELLS = 50  # a range larger than this is shown as one node


def parse_target(workbook: Workbook, target: str) -> tuple[str, int, int]:
    """``Sheet!B3`` or ``'My sheet'!B3`` → (sheet name, row, col)."""
    if "!" not in target:
        raise XlToolsError(f"Give the cell as SHEET!CELL, e.g. Sammanställning!C5 (got {target!r}).")
    sheet, cell = target.rsplit("!", 1)
    sheet = sheet.strip("'")
    m = re.fullmatch(r"\$?([A-Za-z]{1,3})\$?(\d+)", cell.strip())
    found = workbook.sheet(sheet)
    if found is None:
        names = ", ".join(s.name for s in workbook.sheets)
        raise XlToolsError(f"No sheet {sheet!r} in the workbook. Sheets: {names}.")
    if m is None:
        raise XlToolsError(f"{cell!r} is not a cell address; give e.g. B3.")
    return found.name, int(m.group(2)), column_number(m.group(1))


def _label(workbook: Workbook, sheet: str, cell: Cell | None, row: int, col: int) -> str:
    where = f"{sheet}!{a1(row, col)}"
    if cell is None:
        return f"{where} (empty)"
    value = "" if cell.value is None else f" = {cell.value!r}" if cell.kind != "n" else f" = {_number(cell.value)}"
    return f"{where} ={cell.formula}{value}" if cell.formula else f"{where}{value}"


def _number(value: float) -> str:
    """A number the Swedish way: 34 071 932, 0,227146 (shares and exact amounts keep 6 significant digits)."""
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", " ")
    if abs(value) >= 1000:
        return f"{value:,.2f}".replace(",", " ").replace(".", ",")
    return f"{value:.6g}".replace(".", ",")


def _precedents(workbook: Workbook, sheet: str, cell: Cell) -> list[tuple[str, int, int, str | None]]:
    out: list[tuple[str, int, int, str | None]] = []
    for ref in references(cell.formula or ""):
        if ref.external:
            out.append((ref.sheet or sheet, ref.row1, ref.col1, f"external: {ref.sheet}"))
            continue
        name = ref.sheet or sheet
        if ref.size > MAX_RANGE_CELLS:
            out.append((name, ref.row1, ref.col1,
                        f"{name}!{a1(ref.row1, ref.col1)}:{a1(ref.row2, ref.col2)} ({ref.size} cells)"))
            continue
        for r in range(ref.row1, ref.row2 + 1):
            for c in range(ref.col1, ref.col2 + 1):
                out.append((name, r, c, None))
    return out


def _dependents_index(workbook: Workbook) -> dict[tuple[str, int, int], list[tuple[str, int, int]]]:
    index: dict[tuple[str, int, int], list[tuple[str, int, int]]] = {}
    for sheet in workbook.sheets:
        for cell in sheet.formula_cells():
            for ref in references(cell.formula or ""):
                if ref.external or ref.size > 100_000:
                    continue
                name = ref.sheet or sheet.name
                target = workbook.sheet(name)
                if target is None:
                    continue
                name = target.name
                for r in range(ref.row1, ref.row2 + 1):
                    for c in range(ref.col1, ref.col2 + 1):
                        index.setdefault((name, r, c), []).append((sheet.name, cell.row, cell.col))
    return index


def trace(workbook: Workbook, target: str, depth: int = 5) -> str:
    """The precedents (what the cell is computed from) and dependents (what uses it) as
    indented trees, ``depth`` levels deep; cycles and repeats are marked, not followed."""
    sheet, row, col = parse_target(workbook, target)
    lines = [_label(workbook, sheet, workbook.sheet(sheet).get(row, col), row, col)]  # type: ignore[union-attr]

    def walk_prec(name: str, r: int, c: int, level: int, seen: set) -> None:
        cell = workbook.sheet(name).get(r, c) if workbook.sheet(name) else None  # type: ignore[union-attr]
        if cell is None or cell.formula is None or level > depth:
            return
        for pname, pr, pc, text in _precedents(workbook, name, cell):
            psheet = workbook.sheet(pname)
            pcell = psheet.get(pr, pc) if psheet else None
            label = text or _label(workbook, pname, pcell, pr, pc)
            key = (pname, pr, pc)
            mark = " (seen)" if key in seen else ""
            lines.append("  " * level + "└─ " + label + mark)
            if text is None and not mark:
                walk_prec(pname, pr, pc, level + 1, seen | {key})

    lines.append("Precedents:")
    walk_prec(sheet, row, col, 1, {(sheet, row, col)})
    index = _dependents_index(workbook)

    def walk_dep(key: tuple[str, int, int], level: int, seen: set) -> None:
        if level > depth:
            return
        for dep in index.get(key, []):
            dsheet = workbook.sheet(dep[0])
            dcell = dsheet.get(dep[1], dep[2]) if dsheet else None
            mark = " (seen)" if dep in seen else ""
            lines.append("  " * level + "└─ " + _label(workbook, dep[0], dcell, dep[1], dep[2]) + mark)
            if not mark:
                walk_dep(dep, level + 1, seen | {dep})

    lines.append("Dependents:")
    walk_dep((sheet, row, col), 1, {(sheet, row, col)})
    return "\n".join(lines)
