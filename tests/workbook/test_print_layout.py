"""Row heights from the text, and the print plan (scale, column breaks, charts) of any sheet."""

from __future__ import annotations

import pytest

from xl_tools.workbook.printing import PAGE_WIDTH, WIDE_SCALE, fit_rows, place_charts, plan, widen_for_words
from xl_tools.workbook.render import SIZES, WRAPS
from xl_tools.workbook.sheet import Sheet
from xl_tools.workbook.textsize import (
    column_points,
    row_points,
    text_height,
    text_points,
    width_for,
    wrapped_lines,
)


def test_text_width_follows_carlito_metrics() -> None:
    # ten digits of Carlito Bold: 1 038/2 048 em each, taken 5 % wider
    assert text_points("0" * 10, 10) == pytest.approx(10 * 1038 / 2048 * 10 * 1.05)
    assert text_points("W", 10) > text_points("i", 10)
    assert text_points("Befolkning saknas", 20) == pytest.approx(2 * text_points("Befolkning saknas", 10))


def test_wrapped_lines() -> None:
    assert wrapped_lines("kort", 100, 10) == 1
    assert wrapped_lines("rad ett\nrad två", 100, 10) == 2
    long = "ord " * 60
    narrow, wide = wrapped_lines(long, 100, 10), wrapped_lines(long, 300, 10)
    assert narrow > wide > 1
    # each line's words fit the width: never fewer lines than the total width divided by the room
    assert narrow >= text_points(long.strip(), 10) / (100 - 5)
    assert wrapped_lines("x" * 200, 60, 10) >= text_points("x" * 200, 10) / 55  # one long word breaks


def test_row_height_grows_with_text_and_font() -> None:
    assert text_height("kort", 20, 10) == row_points(1, 10)
    assert text_height("ord " * 80, 20, 10) > text_height("ord " * 20, 20, 10)
    assert row_points(2, 14) > row_points(2, 10)
    assert column_points(14, printed=True) > column_points(14)  # paper (LibreOffice) is the wider one


def test_width_for_one_line() -> None:
    w = width_for("Befolkning saknas", 10)
    assert wrapped_lines("Befolkning saknas", column_points(w), 10) == 1
    assert wrapped_lines("Befolkning saknas", column_points(w - 3), 10) == 2


def test_rows_and_merged_headers_get_the_height_of_their_text() -> None:
    s = Sheet("Blad")
    s.widths.update({0: 10, 1: 10, 2: 10})
    text = "2018: Villkor 1 uppfyllt 2018 – 150 000 000 kr, befolkning 1 november 2017 (befolkning saknas)\nUtbetalas"
    s.merges.append((3, 0, 3, 2, text, "block"))
    s.put(4, 0, "Befolkning 1 november 2019 (antal)", "header")
    s.put(5, 0, "kort", "text")
    heights = fit_rows(s, SIZES, WRAPS)
    merged_width = sum(column_points(10) for _ in range(3))
    assert heights[3] >= row_points(wrapped_lines(text, merged_width, 10), 10) >= row_points(3, 10)
    assert heights[4] >= row_points(2, 10)
    assert 5 not in heights  # one line of body text: the default height


def _wide_sheet(blocks: int, columns: int) -> Sheet:
    s = Sheet("Villkor 9")
    s.freeze = (5, 2)
    s.widths.update({0: 9, 1: 18})
    s.put(4, 0, "Länskod", "header")
    s.put(4, 1, "Region", "header")
    col = 2
    for b in range(blocks):
        s.merges.append((3, col, 3, col + columns - 1, f"Block {b}", "block"))
        for c in range(col, col + columns):
            s.put(4, c, "Belopp (kr)", "header")
            s.widths[c] = 14
            for r in range(5, 26):
                s.put(r, c, 1000, "kr")
        col += columns + 1
    return s


@pytest.mark.parametrize("blocks,columns", [(1, 3), (2, 5), (4, 9), (7, 5), (3, 14)])
def test_print_plan_of_any_width(blocks: int, columns: int) -> None:
    s = _wide_sheet(blocks, columns)
    p = plan(s)
    assert WIDE_SCALE <= p.scale <= 100
    room = PAGE_WIDTH * 100 / p.scale
    starts = [2] + p.col_breaks
    ends = p.col_breaks + [2 + blocks * (columns + 1)]
    for first, end in zip(starts, ends):
        width = sum(column_points(s.widths.get(c), printed=True) for c in range(first, end))
        titles = sum(column_points(s.widths[c], printed=True) for c in range(2)) if p.col_breaks else 0
        assert width + titles <= room + 1, (first, end)
    block_width = columns * column_points(14, printed=True)
    if block_width <= PAGE_WIDTH * 100 / WIDE_SCALE - 200:  # a block that fits a page is never cut
        block_starts = [2 + b * (columns + 1) for b in range(blocks)]
        assert all(b in block_starts or b in [x + columns for x in block_starts] for b in p.col_breaks)
    if p.col_breaks:
        assert p.repeat_cols == 2 and p.repeat_rows == (3, 4)


def test_a_chart_moves_to_a_new_page_rather_than_straddle_one() -> None:
    s = _wide_sheet(1, 4)
    p = plan(s)
    place_charts(s, {}, [(28, 1, 1100, 420)], p)
    assert 28 in p.row_breaks
    w, h = p.chart_sizes[0]
    assert w <= 1100 and h <= 420


def test_a_heading_word_is_never_broken() -> None:
    s = Sheet("Utbetalning")
    s.widths[3] = 9
    s.put(4, 3, "Kontaktersättning (kr)", "header")
    widen_for_words(s, SIZES)
    assert wrapped_lines("Kontaktersättning", column_points(s.widths[3]), 10) == 1


def test_a_row_group_stays_on_one_page() -> None:
    s = Sheet("Utbetalningar")
    s.freeze = (4, 1)
    s.put(3, 0, "Post", "header")
    for r in range(4, 60):
        s.put(r, 0, f"P{r}", "text")
    s.row_groups.append((26, 40))  # would straddle the first page's end
    p = plan(s)
    place_charts(s, {}, [], p)
    assert p.row_breaks == [26]
    s.row_groups[:] = [(4, 10)]  # already on the first page
    place_charts(s, {}, [], p)
    assert p.row_breaks == []
