"""Use =FK_ANDEL(…) in LibreOffice Calc: install the functions into a profile, recalculate a sheet.

Run: python examples/udf_in_libreoffice.py   (needs LibreOffice; takes a few seconds)
"""

import tempfile
from pathlib import Path

import openpyxl
import xlsxwriter

from xl_tools.libreoffice.install import install
from xl_tools.libreoffice.recalc import recalculate

with tempfile.TemporaryDirectory() as tmp:
    profile = Path(tmp) / "profile"
    install(profile, create=True)  # what 'xl-tools libreoffice install --profile DIR --create' does
    sheet = Path(tmp) / "andel.xlsx"
    book = xlsxwriter.Workbook(str(sheet))
    cells = book.add_worksheet()
    cells.write("A1", "Norrbotten")
    cells.write_formula("B1", '=FK_ANDEL(A1,150000000,2016,"kronor")', None, 0)
    book.close()
    result = recalculate(sheet, Path(tmp) / "recalculated.xlsx", profile=profile)
    value = openpyxl.load_workbook(result, data_only=True).active["B1"].value
    print(f"=FK_ANDEL(A1;150000000;2016;\"kronor\") in LibreOffice gives {value}")
