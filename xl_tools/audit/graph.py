"""Who uses a cell: dependents found level by level, each cell visited once.

A dependents index that expands every range into its cells costs memory in proportion to
the sizes of the ranges (3 000 formulas ``=SUM(A1:A99999)`` are 3·10⁸ entries). Instead,
each level of a breadth-first search makes one pass over the workbook's references and asks,
per reference, whether it contains a cell of the current frontier (the frontier kept per
sheet and column as sorted rows, so the question is a binary search). The cost is
O(levels × references × log frontier); every cell enters the result at most once, so running
totals over 20 000 rows or six layers of 40 cells each summing the layer before stay linear
in what is found.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable

from xl_tools.audit.formula import Ref, references
from xl_tools.audit.model import Workbook

Key = tuple[str, int, int]  # (sheet name as in the workbook, row, col)


class References:
    """Every (reference, formula cell) of a workbook, resolved to its target sheet's name."""

    def __init__(self, workbook: Workbook) -> None:
        self.items: list[tuple[str, Ref, Key]] = []
        for sheet in workbook.sheets:
            for cell in sheet.formula_cells():
                for ref in references(cell.formula or ""):
                    if ref.external:
                        continue
                    target = sheet if ref.sheet is None else workbook.sheet(ref.sheet)
                    if target is not None:
                        self.items.append((target.name, ref, (sheet.name, cell.row, cell.col)))


def _hits(frontier: dict[str, dict[int, list[int]]], sheet: str, ref: Ref) -> bool:
    columns = frontier.get(sheet)
    if not columns:
        return False
    if ref.col2 - ref.col1 + 1 <= len(columns):
        cols = (c for c in range(ref.col1, ref.col2 + 1) if c in columns)
    else:
        cols = (c for c in columns if ref.col1 <= c <= ref.col2)
    for col in cols:
        rows = columns[col]
        i = bisect_left(rows, ref.row1)
        if i < len(rows) and rows[i] <= ref.row2:
            return True
    return False


def dependents_by_level(refs: References, start: Iterable[Key], max_levels: int,
                        max_cells: int = 1_000_000) -> list[dict[Key, list[Key]]]:
    """Level by level, the formula cells that use the cells of the previous level (level 0 is
    ``start``): ``[{dependent: [the cells of the previous level it uses]}, …]``. A cell
    appears once, at its first level; at most ``max_levels`` levels and ``max_cells`` cells."""
    seen = set(start)
    frontier_keys = list(seen)
    levels: list[dict[Key, list[Key]]] = []
    total = 0
    while frontier_keys and len(levels) < max_levels and total < max_cells:
        frontier: dict[str, dict[int, list[int]]] = {}
        for sheet, row, col in frontier_keys:
            frontier.setdefault(sheet, {}).setdefault(col, []).append(row)
        for columns in frontier.values():
            for rows in columns.values():
                rows.sort()
        level: dict[Key, list[Key]] = {}
        for sheet, ref, user in refs.items:
            if user in seen and user not in level:
                continue
            if _hits(frontier, sheet, ref):
                parents = level.setdefault(user, [])
                parents.extend(_members(frontier, sheet, ref, limit=3))
        for user in level:
            seen.add(user)
        total += len(level)
        if not level:
            break
        levels.append(level)
        frontier_keys = list(level)
    return levels


def _members(frontier: dict[str, dict[int, list[int]]], sheet: str, ref: Ref, limit: int) -> list[Key]:
    """Up to ``limit`` frontier cells inside ``ref`` (to say which input a dependent uses)."""
    out: list[Key] = []
    for col, rows in frontier.get(sheet, {}).items():
        if not ref.col1 <= col <= ref.col2:
            continue
        i = bisect_left(rows, ref.row1)
        while i < len(rows) and rows[i] <= ref.row2 and len(out) < limit:
            out.append((sheet, rows[i], col))
            i += 1
        if len(out) >= limit:
            break
    return out


def dependents(workbook: Workbook, start: Iterable[Key], max_levels: int = 50,
               refs: References | None = None) -> set[Key]:
    """Every formula cell that uses one of ``start``, directly or through others."""
    refs = refs or References(workbook)
    return {key for level in dependents_by_level(refs, start, max_levels) for key in level}
