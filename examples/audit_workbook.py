"""Audit a workbook someone edited by hand: a typed number where a formula belongs.

The edit is made with openpyxl and the file saved again by LibreOffice, as a spreadsheet
program would save it (with the values it shows). Run: python examples/audit_workbook.py
(needs LibreOffice; takes a few seconds)
"""

import tempfile
from pathlib import Path

import openpyxl

from xl_tools.audit import audit_workbook
from xl_tools.libreoffice.recalc import recalculate

HERE = Path(__file__).resolve().parent
SOURCE = HERE.parent / "workbooks" / "sjukskrivning-2017-2018.xlsx"

with tempfile.TemporaryDirectory() as tmp:
    edited = Path(tmp) / "edited.xlsx"
    book = openpyxl.load_workbook(SOURCE)
    sheet = book["Villkor 1"]
    # Someone overwrote Uppsala's Utfall formula with a number of their own.
    header = next(c for c in sheet.iter_rows() for c in c if c.value == "Utfall (kr)")
    uppsala = next(c for c in sheet["B"] if c.value == "Uppsala")
    cell = sheet.cell(uppsala.row, header.column)
    cell.value = 1_234_567
    book.save(edited)
    saved = recalculate(edited, Path(tmp) / "saved.xlsx")  # saved by a spreadsheet program, with values
    report = audit_workbook(saved)
    for finding in report.findings:
        if finding.sheet == "Villkor 1" and finding.cell == cell.coordinate:
            print(f"{finding.sheet}!{finding.cell} {finding.rule} {finding.severity.label}: {finding.message}")
