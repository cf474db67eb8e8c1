"""A rectangle of cells that share one key: the common shape of the auditor's region rules."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K")


@dataclass(frozen=True, slots=True)
class Rect(Generic[K]):
    """Cells of rows r1..r2 and columns c1..c2 that share ``key`` (a formula's fingerprint, or
    the class id XL030 gives it)."""

    r1: int
    c1: int
    r2: int
    c2: int
    key: K

    @property
    def size(self) -> int:
        return (self.r2 - self.r1 + 1) * (self.c2 - self.c1 + 1)

    def cells(self) -> Iterator[tuple[int, int]]:
        for r in range(self.r1, self.r2 + 1):
            for c in range(self.c1, self.c2 + 1):
                yield r, c


def join_across(rects: Sequence[Rect[K]]) -> list[Rect[K]]:
    """``rects`` (in the order given) with each joined to the rectangles that continue it to the
    right: the same rows and key, the next column. A rectangle already joined into one on its left
    is not listed again, so the order given must visit a chain's leftmost rectangle first."""
    by_start = {(x.r1, x.r2, x.c1, x.key): x for x in rects}
    out: list[Rect[K]] = []
    for rect in rects:
        start = (rect.r1, rect.r2, rect.c1, rect.key)
        if start not in by_start:
            continue  # joined into a rectangle on its left
        del by_start[start]
        c2 = rect.c2
        while (nxt := by_start.pop((rect.r1, rect.r2, c2 + 1, rect.key), None)) is not None:
            c2 = nxt.c2
        out.append(Rect(rect.r1, rect.c1, rect.r2, c2, rect.key))
    return out
