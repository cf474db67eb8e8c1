"""A rectangle of cells that share one key: the common shape of the auditor's region rules."""

from __future__ import annotations

from collections.abc import Iterator
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
