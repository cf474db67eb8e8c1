"""Print layout of any laid-out :class:`~xl_tools.workbook.sheet.Sheet`: row heights, scale, page breaks.

Computed from the sheet itself, so it holds for any template (more villkor, more years, longer texts):

- :func:`fit_rows`: every row with wrapped text gets the height its text needs in its (merged)
  columns (:mod:`xl_tools.workbook.textsize`), so nothing is clipped or overprinted in Excel or
  LibreOffice, which does not grow rows by itself;
- :func:`plan`: the print scale and the column breaks. A sheet that fits one A4 landscape page wide
  at 70 % or more prints one page wide, as large as it fits (at most 100 %). A wider sheet prints
  several pages wide at the largest scale that needs no more pages than 70 % does, its region
  columns (the frozen columns) repeated on every page, the breaks between column blocks (a block
  is cut only when it is wider than a page);
- :func:`place_charts`, once the rows' heights are final: charts are moved to start a page when
  they would straddle a row break, and narrowed to their page;
- :func:`spread_long_lines`: a long note in the first column that would run off the page wraps
  inside the first page's width instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from xl_tools.workbook.sheet import Sheet
from xl_tools.workbook.textsize import DEFAULT_WIDTH, column_points, row_points, text_points, width_for, wrapped_lines

# A4 landscape less the margins the renderer sets (0.5 in left and right, 0.6 in top and bottom),
# the footer's line, and 3–4 % to spare.
PAGE_WIDTH = (841.9 - 2 * 36) * 0.96
PAGE_HEIGHT = (595.3 - 2 * 43.2 - 14) * 0.97
# where LibreOffice breaks the rows of an A4 landscape page (measured: 33 rows of 15 pt fit at 100 %, 34 do not)
PAGE_BODY = 500.0
WIDE_SCALE = 70  # the smallest scale a sheet prints at when it is wider than a page
DEFAULT_ROW = 15.0
MAX_HEADING_WIDTH = 30.0  # a heading word longer than this breaks inside the word
CHART_STRETCH = 1.15  # LibreOffice draws a chart wider than the pixels it is anchored by (measured 1.07; with room)


@dataclass
class PrintPlan:
    scale: int  # percent
    col_breaks: list[int] = field(default_factory=list)  # first column of each page after the first
    row_breaks: list[int] = field(default_factory=list)
    repeat_cols: int = 0  # leading columns printed on every page
    repeat_rows: tuple[int, int] | None = None  # the header rows printed on every page
    chart_sizes: dict[int, tuple[int, int]] = field(default_factory=dict)  # index in charts → (w, h) px
    chart_cols: dict[int, int] = field(default_factory=dict)  # index in charts → the column it starts in

    @property
    def pages_wide(self) -> int:
        return len(self.col_breaks) + 1


HEADER_STYLES = {"header", "header_total", "header_group", "block", "block_missing"}


def header_rows(sheet: Sheet) -> tuple[int, int] | None:
    """The column headings above the frozen pane (from the first row that holds one): printed on
    every page. The title and notes above them print once."""
    if not sheet.freeze or not sheet.freeze[0]:
        return None
    end = sheet.freeze[0] - 1
    rows = [r for (r, _c), cell in sheet.cells.items() if r <= end and cell.style in HEADER_STYLES]
    rows += [m[0] for m in sheet.merges if m[0] <= end and m[5] in HEADER_STYLES]
    return (min(rows, default=0), end)


def merged_cells(sheet: Sheet) -> set[tuple[int, int]]:
    """Every (row, column) that a merged range of the sheet covers."""
    return {(r, c) for r1, c1, r2, c2, *_ in sheet.merges for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}


def last_column(sheet: Sheet) -> int:
    cols = [c for _r, c in sheet.cells] + [m[3] for m in sheet.merges]
    return max(cols, default=0)


def _width(sheet: Sheet, col: int) -> float:
    if col in sheet.hidden_cols:
        return 0.0
    return column_points(sheet.widths.get(col), printed=True)


def _units(sheet: Sheet, first: int, last: int, room: float) -> list[tuple[int, int, bool]]:
    """The columns ``first..last`` as (first, last, is_gap) units that should stay on one page:
    runs of columns between empty columns; a run wider than ``room`` splits into the groups its
    header merges make, and a group still too wide into single columns."""
    used = {c for _r, c in sheet.cells}
    header_rows = sheet.freeze[0] if sheet.freeze else 0
    for _r1, c1, _r2, c2, *_ in sheet.merges:
        used.update(range(c1, c2 + 1))
    units: list[tuple[int, int, bool]] = []
    col = first
    while col <= last:
        if col not in used:
            units.append((col, col, True))
            col += 1
            continue
        end = col
        while end + 1 <= last and end + 1 in used:
            end += 1
        units.extend(_split(sheet, col, end, room, header_rows))
        col = end + 1
    return units


def _split(sheet: Sheet, first: int, last: int, room: float, header_rows: int) -> list[tuple[int, int, bool]]:
    if sum(_width(sheet, c) for c in range(first, last + 1)) <= room:
        return [(first, last, False)]
    groups = sorted((c1, c2) for r1, c1, r2, c2, *_ in sheet.merges
                    if r1 < header_rows and first <= c1 and c2 <= last and c2 > c1)
    out: list[tuple[int, int, bool]] = []
    col = first
    for c1, c2 in groups:
        if c1 < col:
            continue
        out.extend((c, c, False) for c in range(col, c1))
        if sum(_width(sheet, c) for c in range(c1, c2 + 1)) <= room:
            out.append((c1, c2, False))
        else:
            out.extend((c, c, False) for c in range(c1, c2 + 1))
        col = c2 + 1
    out.extend((c, c, False) for c in range(col, last + 1))
    return out


def _breaks(sheet: Sheet, first: int, last: int, room: float) -> list[int]:
    breaks: list[int] = []
    used = 0.0
    for c1, c2, _gap in _units(sheet, first, last, room):
        w = sum(_width(sheet, c) for c in range(c1, c2 + 1))
        if used and used + w > room:
            breaks.append(c1)
            used = w
        else:
            used += w
    return breaks


def plan(sheet: Sheet) -> PrintPlan:
    """Scale and column breaks for ``sheet`` (from its column widths); :func:`place_charts` then
    places the charts and row breaks once the rows' final heights are known."""
    last = last_column(sheet)
    total = sum(_width(sheet, c) for c in range(last + 1))
    titles = sheet.freeze[1] if sheet.freeze else 0
    header_band = sheet.freeze[0] if sheet.freeze else 0
    title_width = sum(_width(sheet, c) for c in range(titles))

    def layout(scale: int) -> list[int]:
        room = PAGE_WIDTH * 100 / scale
        if total <= room:
            return []
        return _breaks(sheet, titles, last, room - title_width)

    def cost(scale: int) -> tuple[int, int]:
        """Pages wide, and column blocks cut in two."""
        room = PAGE_WIDTH * 100 / scale - title_width
        groups = [(c1, c2) for c1, c2, gap in _units(sheet, titles, last, float("inf")) if not gap]
        groups += [(m[1], m[3]) for m in sheet.merges if m[0] < header_band and m[3] > m[1] and m[1] >= titles]
        cut = sum(1 for c1, c2 in groups if sum(_width(sheet, c) for c in range(c1, c2 + 1)) > room)
        return len(layout(scale)), cut if total > room + title_width else 0

    best = cost(WIDE_SCALE)
    scale = next(s for s in range(100, WIDE_SCALE - 1, -1) if cost(s) == best)
    return PrintPlan(scale=scale, col_breaks=layout(scale), repeat_cols=titles if best[0] else 0,
                     repeat_rows=header_rows(sheet))


def place_charts(sheet: Sheet, heights: Mapping[int, float], charts: list[tuple[int, int, int, int]],
                 result: PrintPlan) -> None:
    """Each chart and each of the sheet's row groups inside one page: a chart in a page's columns,
    narrowed to them if need be; a row break before a chart or group that would straddle one
    (``heights``: the rows' final heights). The header rows repeat only when the table under them
    runs past the first page."""
    result.row_breaks.clear()
    room_w = PAGE_WIDTH * 100 / result.scale
    room_h = PAGE_HEIGHT * 100 / result.scale
    if sheet.row_groups and result.repeat_rows and not result.col_breaks:
        main_end = min(g[0] for g in sheet.row_groups)
        if sum(heights.get(r, DEFAULT_ROW) for r in range(main_end)) <= room_h:
            result.repeat_rows = None  # later pages hold other tables: their own headings say what they are
    first, last = result.repeat_rows or (0, -1)
    repeat_h = sum(heights.get(r, DEFAULT_ROW) for r in range(first, last + 1))

    def room_from(col: int) -> float:
        """Width for a chart from ``col`` to the end of its page (points)."""
        page_first = max([0, *[b for b in result.col_breaks if b <= col]])
        page_end = min([b for b in result.col_breaks if b > col], default=None)
        if page_end is not None:  # the chart ends where the page's columns end
            return sum(_width(sheet, c) for c in range(col, page_end))
        before = sum(_width(sheet, c) for c in range(page_first, col))
        if page_first:
            before += sum(_width(sheet, c) for c in range(result.repeat_cols))
        return room_w - before

    keep: dict[int, float] = {}  # row → the height (points) that must stay on one page from it
    for index, (anchor_row, anchor_col, width, height) in enumerate(charts):
        # in its own page's columns, or at the start of the page with the most room if they are too narrow
        starts = [anchor_col] + [b for b in result.col_breaks if b > anchor_col]
        col = max(starts, key=room_from)
        if room_from(anchor_col) >= min(width * 0.75 * CHART_STRETCH, room_from(col) / 1.25):
            col = anchor_col
        result.chart_cols[index] = col
        fit_w = room_from(col) / CHART_STRETCH / 0.75
        fit_h = (room_h - repeat_h) / 0.75 * 0.95
        factor = min(1.0, fit_w / width, fit_h / height)
        w, h = (int(width * factor), int(height * factor)) if factor < 1 else (width, height)
        result.chart_sizes[index] = (w, h)
        keep[anchor_row] = max(keep.get(anchor_row, 0.0), h * 0.75)
    for g1, g2 in sheet.row_groups:
        keep[g1] = max(keep.get(g1, 0.0), sum(heights.get(r, DEFAULT_ROW) for r in range(g1, g2 + 1)))
    # follow LibreOffice's own row breaks (``body``), and keep 5 % to spare for what must stay together
    body = PAGE_BODY * 100 / result.scale
    y = 0.0
    for row in range(max(keep, default=-1) + 1):
        need = keep.get(row, 0.0) * 1.05
        if need and y > repeat_h and y + need > body and need <= body - repeat_h:
            result.row_breaks.append(row)
            y = repeat_h
        step = heights.get(row, DEFAULT_ROW)
        y = repeat_h + step if y + step > body else y + step


def spread_long_lines(sheet: Sheet, result: PrintPlan, sizes: Mapping[str, float],
                      wrapping: Mapping[str, str]) -> None:
    """A line of text that runs past the first page (a note or rule in a row of its own) wraps
    inside the first page instead: it becomes a merged, wrapping range over that page's columns.
    ``wrapping`` maps a style to its wrapping twin."""
    room = PAGE_WIDTH * 100 / result.scale
    stop = result.col_breaks[0] if result.col_breaks else last_column(sheet) + 60
    end = stop - 1
    merged = merged_cells(sheet)
    for (row, col), cell in list(sheet.cells.items()):
        if cell.formula or not isinstance(cell.value, str) or cell.style not in wrapping or (row, col) in merged:
            continue
        if any((row, c) in sheet.cells or (row, c) in merged for c in range(col + 1, end + 1)):
            continue
        avail = room - sum(_width(sheet, c) for c in range(col))
        last = col  # as far right as the page (or its column break) reaches
        while last + 1 < stop and sum(_width(sheet, c) for c in range(col, last + 2)) <= avail:
            last += 1
        span = sum(_width(sheet, c) for c in range(col, last + 1))
        if last == col or text_points(cell.value, sizes.get(cell.style, 10)) + 5 <= span:
            continue
        del sheet.cells[(row, col)]
        sheet.merges.append((row, col, row, last, cell.value, wrapping[cell.style]))


def widen_for_words(sheet: Sheet, sizes: Mapping[str, float]) -> None:
    """A column heading's longest word fits its column: wrapped headings break between words,
    never inside one (``Kontaktersättnin/g``)."""
    merged = merged_cells(sheet)
    for (row, col), cell in sheet.cells.items():
        if cell.style not in HEADER_STYLES or not isinstance(cell.value, str) or (row, col) in merged:
            continue
        size = sizes.get(cell.style, 10)
        longest = max(cell.value.split(), key=lambda word: text_points(word, size), default="")
        need = min(width_for(longest, size), MAX_HEADING_WIDTH)
        if col not in sheet.hidden_cols and sheet.widths.get(col, DEFAULT_WIDTH) < need:
            sheet.widths[col] = need


def fit_rows(sheet: Sheet, sizes: Mapping[str, float], wraps: set[str]) -> dict[int, float]:
    """Row heights (points): at least the sheet's own, and what each row's text needs."""
    heights = dict(sheet.heights)
    needed: dict[int, float] = {}

    def need(row: int, text: object, style: str, first: int, last: int) -> None:
        size = sizes.get(style, 10)
        lines = 1
        if style in wraps and isinstance(text, str) and text:
            width = sum(column_points(sheet.widths.get(c)) for c in range(first, last + 1)
                        if c not in sheet.hidden_cols)
            lines = wrapped_lines(text, width, size)
        needed[row] = max(needed.get(row, 0.0), row_points(lines, size))

    merged = merged_cells(sheet)
    for r1, c1, r2, c2, value, style in sheet.merges:
        if r1 == r2:
            need(r1, value, style, c1, c2)
    for (row, col), cell in sheet.cells.items():
        if (row, col) not in merged and cell.value not in (None, "") and col not in sheet.hidden_cols:
            need(row, cell.value, cell.style, col, col)
    for row, height in needed.items():
        if height > row_points(1, 11) or row in heights:  # one line of body text keeps the default height
            heights[row] = max(heights.get(row, 0.0), height)
    return heights
