#!/usr/bin/env python3
"""Render every workbook in workbooks/ with LibreOffice (sv-SE) and write the first page of each
sheet as a PNG to docs/previews/ (``make previews``), so a reader sees the workbooks before
installing anything. Needs LibreOffice and poppler-utils.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

import openpyxl

from xl_tools.libreoffice.render import pdf_pages, preview_png, render_pdf

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "previews"


def slug(text: str) -> str:
    table = str.maketrans("åäöÅÄÖé", "aaoAAOe")
    return re.sub(r"[^a-z0-9]+", "-", text.translate(table).lower()).strip("-")


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.png"):
        old.unlink()
    workbooks = sorted((ROOT / "workbooks").glob("*.xlsx"))
    with tempfile.TemporaryDirectory() as tmp:
        for i, workbook in enumerate(workbooks, start=1):
            print(f"[{i}/{len(workbooks)}] {workbook.name}", flush=True)
            pdf = render_pdf(workbook, Path(tmp) / (workbook.stem + ".pdf"))
            seen: set[str] = set()
            names = openpyxl.load_workbook(workbook, read_only=True).sheetnames
            for page in pdf_pages(pdf, names):
                if page.sheet and page.sheet not in seen:
                    seen.add(page.sheet)
                    preview_png(pdf, page.number, OUT / f"{workbook.stem}--{slug(page.sheet)}.png")
    print(f"wrote {len(list(OUT.glob('*.png')))} previews to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
