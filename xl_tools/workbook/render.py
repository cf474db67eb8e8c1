"""Write a laid-out :class:`~xl_tools.workbook.layout.Workbook` to .xlsx with XlsxWriter.

XlsxWriter writes each formula together with its cached value (the engine's), so the
numbers show in viewers that do not recalculate. Number formats are written in
Excel's US notation (``#,##0``); Swedish Excel shows them as ``1 234``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from xl_tools import __version__
from xl_tools.workbook.blocks import FIRST, LAST
from xl_tools.workbook.printing import fit_rows, place_charts, plan, spread_long_lines, widen_for_words
from xl_tools.workbook.sheet import ChartSpec, Sheet, Workbook, quote

INPUT_FILL = "#FFF2CC"
HEADER_FILL = "#DDEBF7"
TOTAL_FILL = "#F2F2F2"

STYLES: dict[str, dict[str, Any]] = {
    "text": {},
    "wrap": {"text_wrap": True, "valign": "top"},
    "text_bold": {"bold": True, "valign": "top"},
    "center": {"align": "center"},
    "code": {"align": "center", "num_format": "@"},
    "title": {"bold": True, "font_size": 14},
    "subtitle": {"bold": True, "font_size": 11},
    "rule": {"italic": True, "font_color": "#1F4E78"},
    "note": {"font_color": "#595959"},
    "note_wrap": {"font_color": "#595959", "text_wrap": True, "valign": "top"},
    "rule_wrap": {"italic": True, "font_color": "#1F4E78", "text_wrap": True, "valign": "top"},
    "small": {"font_color": "#595959", "font_size": 9},
    "warning": {"font_color": "#C00000", "bold": True, "text_wrap": True},
    "warning_line": {"font_color": "#C00000", "bold": True},
    "header": {"bold": True, "bg_color": HEADER_FILL, "border": 1, "text_wrap": True, "valign": "top"},
    "header_total": {"bold": True, "bg_color": "#BDD7EE", "border": 1, "text_wrap": True, "valign": "top"},
    "block": {"bold": True, "bg_color": "#BDD7EE", "border": 1, "align": "center", "text_wrap": True},
    "block_missing": {"bold": True, "bg_color": "#F8CBAD", "border": 1, "align": "center", "text_wrap": True},
    "int": {"num_format": "#,##0"},
    "int_data": {"num_format": "#,##0"},
    "int_total": {"num_format": "#,##0", "bold": True, "top": 1, "bg_color": TOTAL_FILL},
    "share": {"num_format": "0.0000%"},
    "share_total": {"num_format": "0.0000%", "bold": True, "top": 1, "bg_color": TOTAL_FILL},
    "kr": {"num_format": "#,##0"},
    "kr_exact": {"num_format": "#,##0.00"},
    "kr_param": {"num_format": "#,##0", "bold": True},
    "kr_result": {"num_format": "#,##0", "bold": True},
    "kr_diff": {"num_format": "+#,##0;-#,##0;0"},
    "mkr": {"num_format": "#,##0.000"},
    "mkr_total": {"num_format": "#,##0.000", "bold": True, "top": 1, "bg_color": TOTAL_FILL},
    "total": {"num_format": "#,##0", "bold": True, "top": 1, "bg_color": TOTAL_FILL},
    "total_count": {"num_format": '0" Ja"', "bold": True, "top": 1, "bg_color": TOTAL_FILL, "align": "center"},
    "total_label": {"bold": True, "top": 1, "bg_color": TOTAL_FILL},
    "date": {"num_format": "yyyy-mm-dd", "align": "center"},
    "missing": {"font_color": "#C00000", "italic": True, "align": "right"},
    "missing_total": {"font_color": "#C00000", "italic": True, "align": "right", "bold": True, "top": 1,
                      "bg_color": TOTAL_FILL},
    "status": {"bold": True, "align": "center"},
    "status_big": {"bold": True, "font_size": 14, "align": "center", "border": 2},
    "input_text": {"bg_color": INPUT_FILL, "locked": False, "align": "center", "border": 1, "border_color": "#BF8F00"},
    "input_int": {"bg_color": INPUT_FILL, "locked": False, "num_format": "#,##0", "border": 1,
                  "border_color": "#BF8F00"},
    # percent with one decimal, changes, Mkr sub-rows (the follow-up kinds)
    "pct": {"num_format": "0.0%"},
    "pct_total": {"num_format": "0.0%", "bold": True, "top": 1, "bg_color": TOTAL_FILL},
    "pct_change": {"num_format": "+0.0%;-0.0%;0.0%"},
    "int_change": {"num_format": "+#,##0;-#,##0;0"},
    "mkr_sub": {"num_format": "#,##0.000", "italic": True},
    "text_sub": {"italic": True, "indent": 1},
    "header_group": {"bold": True, "bg_color": "#BDD7EE", "border": 1, "align": "center", "text_wrap": True},
}
SIZES = {key: float(props.get("font_size", 10)) for key, props in STYLES.items()}
WRAPS = {key for key, props in STYLES.items() if props.get("text_wrap")}
# a long line in a row of its own wraps within the first page in its style's wrapping twin
WRAPPING = {"note": "note_wrap", "rule": "rule_wrap", "warning_line": "warning", "text": "wrap"}


def generation_time() -> dt.datetime:
    """When a workbook is generated, as shown on its Info sheet: ``SOURCE_DATE_EPOCH`` (seconds since
    1970, UTC) when it is set, so that an unchanged template gives a byte-identical workbook
    (``make build`` sets it from the last commit); else the local time now."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdecimal() and len(epoch) <= 12:
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).replace(tzinfo=None)
    return dt.datetime.now().replace(microsecond=0)


def render(workbook: Workbook, path: Path) -> None:
    """Write the workbook to ``path`` (the caller makes this atomic)."""
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                          "default_date_format": "yyyy-mm-dd"})
    wb.set_properties({
        "title": workbook.title,
        "subject": workbook.subject,
        "author": "xl_tools",
        "comments": f"Genererad av xl_tools {__version__} från mallen {workbook.template_id}",
        "created": dt.datetime(2000, 1, 1),  # stable metadata; the generation time is on the Info sheet
    })
    wb.set_calc_mode("auto")
    formats = {key: wb.add_format({"font_name": "Calibri", "font_size": 10, "valign": "top", **props})
               for key, props in STYLES.items()}
    for sheet in workbook.sheets:
        specs = [spec for spec in workbook.charts if spec.sheet == sheet.name]
        _render_sheet(wb, sheet, formats, specs)
    for name, ref in sorted(workbook.names.items()):
        wb.define_name(name, ref)
    wb.close()


def _render_sheet(wb: xlsxwriter.Workbook, sheet: Sheet, formats: dict[str, Any], specs: list[ChartSpec]) -> None:
    ws = wb.add_worksheet(sheet.name)
    if sheet.tab_color:
        ws.set_tab_color(sheet.tab_color)
    # print layout: scale and breaks from the column widths; long lines wrapped; rows as high as their text
    sheet = dataclasses.replace(sheet, cells=dict(sheet.cells), merges=list(sheet.merges), widths=dict(sheet.widths))
    widen_for_words(sheet, SIZES)
    charts = [(c.anchor[0], c.anchor[1], *CHART_SIZE) for c in sheet.charts] + \
             [(spec.anchor[0], spec.anchor[1], *SPEC_SIZE) for spec in specs]
    layout = plan(sheet)
    spread_long_lines(sheet, layout, SIZES, WRAPPING)
    heights = fit_rows(sheet, SIZES, WRAPS)
    place_charts(sheet, heights, charts, layout)
    for col, width in sheet.widths.items():
        ws.set_column(col, col, width, None, {"hidden": True} if col in sheet.hidden_cols else {})
    for col in sheet.hidden_cols - set(sheet.widths):
        ws.set_column(col, col, None, None, {"hidden": True})
    for row, height in sorted(heights.items()):
        ws.set_row(row, height)
    merged_cells = set()
    for first_row, first_col, last_row, last_col, value, style in sheet.merges:
        if first_col == last_col and first_row == last_row:
            ws.write(first_row, first_col, value, formats[style])
        else:
            ws.merge_range(first_row, first_col, last_row, last_col, value, formats[style])
        for r in range(first_row, last_row + 1):
            for c in range(first_col, last_col + 1):
                merged_cells.add((r, c))
    for (row, col), cell in sorted(sheet.cells.items()):
        if (row, col) in merged_cells:
            continue
        fmt = formats[cell.style]
        if cell.formula is not None:
            value = cell.value
            if isinstance(value, bool):
                value = int(value)
            ws.write_formula(row, col, cell.formula, fmt, value if value is not None else 0)
        elif cell.value is None or cell.value == "":
            ws.write_blank(row, col, None, fmt)
        elif isinstance(cell.value, (dt.date, dt.datetime)):
            ws.write_datetime(row, col, dt.datetime.combine(cell.value, dt.time()) if not isinstance(
                cell.value, dt.datetime) else cell.value, fmt)
        elif isinstance(cell.value, str):
            ws.write_string(row, col, cell.value, fmt)
        else:
            ws.write_number(row, col, cell.value, fmt)
    for first_row, first_col, last_row, last_col, options in sheet.validations:
        ws.data_validation(first_row, first_col, last_row, last_col, options)
    if sheet.freeze:
        ws.freeze_panes(*sheet.freeze)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.set_print_scale(layout.scale)
    if layout.col_breaks:
        ws.set_v_pagebreaks(layout.col_breaks)
    if layout.row_breaks:
        ws.set_h_pagebreaks(layout.row_breaks)
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    ws.set_footer(f"&L{sheet.name}&RSida &P av &N")
    if layout.repeat_rows:
        ws.repeat_rows(*layout.repeat_rows)
    if layout.repeat_cols:
        ws.repeat_columns(0, layout.repeat_cols - 1)
    for i, chart in enumerate(sheet.charts):
        chart = dataclasses.replace(chart, anchor=(chart.anchor[0], layout.chart_cols[i]))
        _render_chart(wb, ws, sheet, chart, layout.chart_sizes[i])
    for j, spec in enumerate(specs, start=len(sheet.charts)):
        spec = dataclasses.replace(spec, anchor=(spec.anchor[0], layout.chart_cols[j]))
        _render_chart_spec(wb, ws, spec, layout.chart_sizes[j])
    if sheet.protect:
        ws.protect("", {"format_columns": True, "format_rows": True, "sort": False,
                        "select_locked_cells": True, "select_unlocked_cells": True})


CHART_SIZE = (1100, 420)  # pixels: a villkor sheet's chart of all regions
SPEC_SIZE = (720, 380)


def _render_chart(wb: xlsxwriter.Workbook, ws: Any, sheet: Sheet, chart: Any, size: tuple[int, int]) -> None:
    c = wb.add_chart({"type": "column"})
    name = quote(sheet.name)
    cat_col, first, last = chart.categories
    for series_name, col in chart.series:
        c.add_series({
            "name": series_name,
            "categories": f"={name}!${_col(cat_col)}${first + 1}:${_col(cat_col)}${last + 1}",
            "values": f"={name}!${_col(col)}${FIRST + 1}:${_col(col)}${LAST + 1}",
        })
    c.set_title({"name": chart.title, "name_font": {"size": 11}})
    c.set_y_axis({"num_format": "#,##0", "name": "kr", "min": 0})
    c.set_x_axis({"num_font": {"rotation": -45, "size": 8}})
    c.set_legend({"position": "bottom"})
    c.set_size({"width": size[0], "height": size[1]})
    ws.insert_chart(chart.anchor[0], chart.anchor[1], c)


def _col(col: int) -> str:
    cell: str = xl_rowcol_to_cell(0, col)  # (xlsxwriter has no type hints)
    return cell.rstrip("0123456789")


def _render_chart_spec(wb: xlsxwriter.Workbook, ws: Any, spec: ChartSpec, size: tuple[int, int]) -> None:
    chart = wb.add_chart({"type": spec.kind})
    name = quote(spec.sheet)

    def rng(col: int, first: int, last: int) -> str:
        return f"={name}!${_col(col)}${first + 1}:${_col(col)}${last + 1}"

    chart.add_series({"name": spec.title, "categories": rng(*spec.categories), "values": rng(*spec.values),
                      "data_labels": {"value": True, "num_format": spec.num_format}})
    chart.set_title({"name": spec.title, "name_font": {"size": 11}})
    axis: dict[str, Any] = {"num_format": spec.num_format, "min": 0}  # bars start at zero, never at 16 000
    if spec.axis_name:
        axis["name"] = spec.axis_name
    (chart.set_x_axis if spec.kind == "bar" else chart.set_y_axis)(axis)
    if spec.kind == "bar":
        chart.set_y_axis({"reverse": True})
    chart.set_legend({"none": True})
    chart.set_size({"width": size[0], "height": size[1]})
    ws.insert_chart(spec.anchor[0], spec.anchor[1], chart)
