"""Rendering headless in LibreOffice (sv-SE) to PDF, and reading the pages back."""

from __future__ import annotations

from pathlib import Path

import pytest
import xlsxwriter

from xl_tools.libreoffice.recalc import libreoffice_available
from xl_tools.libreoffice.render import pdf_pages, render_pdf

pytestmark = [pytest.mark.spreadsheet,
              pytest.mark.skipif(not libreoffice_available(), reason="LibreOffice is not installed")]


def _sheet(path: Path, *, scale: int, points: int = 10) -> Path:
    book = xlsxwriter.Workbook(str(path))
    text = book.add_format({"font_name": "Calibri", "font_size": points})
    money = book.add_format({"font_name": "Calibri", "font_size": points, "num_format": "#,##0"})
    sheet = book.add_worksheet("Fördelning")
    sheet.set_footer("&LFördelning&RSida &P av &N")
    sheet.set_print_scale(scale)
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, 1, 16)
    for row in range(30):
        sheet.write(row, 0, "Västra Götaland", text)
        sheet.write(row, 1, 1_444_000_000, money)
        sheet.write(row, 2, 0.5, text)
    book.close()
    return path


@pytest.mark.parametrize("scale", [100, 50])
def test_the_print_scale_is_read_from_the_text_height(tmp_path: Path, scale: int) -> None:
    pdf = render_pdf(_sheet(tmp_path / "scale.xlsx", scale=scale), tmp_path / "scale.pdf")
    pages = pdf_pages(pdf)
    assert [p.sheet for p in pages] == ["Fördelning"]
    assert pages[0].scale() == pytest.approx(scale / 100, abs=0.04)


def test_numbers_print_the_swedish_way(tmp_path: Path) -> None:
    pdf = render_pdf(_sheet(tmp_path / "sv.xlsx", scale=100), tmp_path / "sv.pdf")
    text = pdf_pages(pdf)[0].text
    assert "1 444 000 000" in text and "0,5" in text
    assert "1,444,000,000" not in text


def test_a_missing_file_is_one_line(tmp_path: Path) -> None:
    from xl_tools.errors import XlToolsError

    with pytest.raises(XlToolsError, match="no such file"):
        render_pdf(tmp_path / "nothing.xlsx", tmp_path / "out.pdf")


ROOT = Path(__file__).resolve().parents[1]
WORKBOOKS = sorted((ROOT / "workbooks").glob("*.xlsx"))


@pytest.mark.parametrize("workbook", WORKBOOKS, ids=lambda p: p.stem)
def test_every_sheet_of_every_workbook_prints_legibly_with_its_heading(tmp_path: Path, workbook: Path) -> None:
    """Every page of every sheet at 55 % or more, a sheet printed several pages wide at 70 % or more
    (its region columns repeated), a sane number of pages, and the sheet's heading on its first page."""
    import openpyxl

    from xl_tools.workbook.printing import WIDE_SCALE
    from xl_tools.workbook.textsize import column_points

    book = openpyxl.load_workbook(workbook, read_only=True)
    visible = [ws.title for ws in book.worksheets if ws.sheet_state == "visible"]
    titles = {ws.title: str(next(ws.iter_rows(min_row=1, max_row=1, max_col=1, values_only=True))[0] or "")
              for ws in book.worksheets if ws.title in visible}
    pages = pdf_pages(render_pdf(workbook, tmp_path / "book.pdf"), book.sheetnames)
    printed = {p.sheet for p in pages}
    assert set(visible) <= printed, f"sheets not printed: {set(visible) - printed}"
    for name, title in titles.items():
        first = next(p for p in pages if p.sheet == name)
        assert " ".join(title.split()[:3]) in first.text, f"{name}: heading {title!r} not on its first page"
    full = openpyxl.load_workbook(workbook)
    for name in visible:
        own = [p for p in pages if p.sheet == name]
        assert all(p.words for p in own), f"{name}: a blank page"
        scales = [round(p.scale(), 2) for p in own]
        assert min(scales) >= 0.55, f"{name} prints at {scales}"
        ws = full[name]
        if ws.print_title_cols:  # several pages wide: the region columns repeat, and the text stays large
            assert min(scales) >= WIDE_SCALE / 100 - 0.03, f"{name} (several pages wide) prints at {scales}"
        # page count: no more pages than the sheet's width and length need (at the smallest scale)
        width = sum(column_points(ws.column_dimensions[c].width if c in ws.column_dimensions else None,
                                  printed=True) for c in _letters(ws.max_column))
        wide = max(1, -(-width * 0.55 // 770))
        tall = max(1, -(-(ws.max_row * 20 + 500) * 0.55 // 480))
        assert len(own) <= 2 * wide * tall, f"{name}: {len(own)} pages"


def _letters(count: int) -> list[str]:
    from openpyxl.utils import get_column_letter

    return [get_column_letter(i) for i in range(1, count + 1)]
