"""The auditor's thresholds and rule choices that are set by cross-validation.

``benchmarks/excelint.py --folds 5`` chooses each of these on four folds of the ExceLint
benchmark and measures the choice on the fifth; the defaults below are what that procedure
chooses on all the folds together (the in-sample choice), and the benchmark says whether they
still are. Nothing here names a workbook, sheet or cell of the benchmark.
"""

from __future__ import annotations

from dataclasses import dataclass

# Rules whose warnings the cross-validation may keep or turn into info notes (the formula-pattern
# heuristics). Value rules (a total that does not reconcile, XL012; region amounts) are a
# product requirement, not a tuned choice, and always speak at their own severity.
TUNABLE_RULES = ("XL002", "XL003", "XL007", "XL010", "XL030", "XL031")


@dataclass(frozen=True)
class Settings:
    """Thresholds (see each rule's docstring) and the pattern rules reported only as info."""

    xl002_min_share: float = 0.6  # share of a run the dominant formula must cover (XL002, XL010)
    xl002_skip_non_numbers: bool = True  # no XL002 where the run's formula would read a blank or a label
    xl030_min_score: float = 8.0  # bits of size-weighted entropy reduction for a fix (XL030)
    xl030_sandwich: bool = True  # a fix needs the pattern on both sides of the odd rectangle (XL030)
    xl030_method: str = "rectangles"  # "rectangles" (greedy, with layout filters) or "entropy-tree" (ExceLint)
    xl030_min_ratio: float = 2.0  # the surrounding region is at least this many times larger (XL030)
    xl003_table_foot: bool = True  # a total at the foot of its table whose range stops rows short (XL003)
    xl010_same_value_warns: bool = False  # a typed number equal to what the run's formula gives (XL010)
    xl031_cells: str = "both"  # "both" blocks of a proposed fix (ExceLint's tool) or the "smaller" (its paper)
    xl031_min_score: float = 0.0  # ExceLint's fix score, 0–1 (XL031)
    # a total of the block beside it is flagged when it stands in a line of parts (XL031)
    xl031_total_among_parts: bool = True
    quiet: frozenset[str] = frozenset({"XL010"})  # of TUNABLE_RULES: info only

    def changed(self, **values: object) -> Settings:
        return Settings(**{**self.__dict__, **values})


DEFAULT = Settings()

# The grid the cross-validation searches (each value a principled candidate, not a fitted one).
GRID: dict[str, tuple[object, ...]] = {
    "xl002_min_share": (0.5, 0.6, 0.75),
    "xl002_skip_non_numbers": (False, True),
    "xl030_min_score": (2.0, 4.0, 8.0),
    "xl030_sandwich": (True, False),
    "xl030_min_ratio": (1.5, 2.0, 4.0),
    "xl030_method": ("rectangles", "entropy-tree"),
    "xl003_table_foot": (False, True),  # AmCheck/CUSTODES: the table's extent is known from its key line
    "xl010_same_value_warns": (False, True),  # ExceLint treats every constant in a formula region alike
    "xl031_cells": ("both", "smaller"),
    "xl031_min_score": (0.0, 0.1, 0.35),  # ExceLint's reporting threshold: its default 0, an earlier 35 %
    "xl031_total_among_parts": (False, True),  # ExceLint pairs a total with its block; the project did not
}
# Which rules each setting changes (the benchmark reruns only these for another value).
AFFECTS: dict[str, tuple[str, ...]] = {
    "xl002_min_share": ("XL002", "XL010"),
    "xl002_skip_non_numbers": ("XL002",),
    "xl030_min_score": ("XL030",),
    "xl030_sandwich": ("XL030",),
    "xl030_min_ratio": ("XL030",),
    "xl030_method": ("XL030",),
    "xl003_table_foot": ("XL003",),
    "xl010_same_value_warns": ("XL010",),
    "xl031_cells": ("XL031",),
    "xl031_min_score": ("XL031",),
    "xl031_total_among_parts": ("XL031",),
}
