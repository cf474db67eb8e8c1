"""Crafted hostile and damaged files for the readers outside the auditor (import, verify, carry-over).

Each maker writes one file and returns its path. The workbooks carry xl_tools' document
properties (author ``xl_tools``), so the "not made by xl_tools" guard lets them through to the
reader: the reader itself must refuse them.
"""

from __future__ import annotations

import os
import warnings
import zipfile
from pathlib import Path

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
    'core-properties" Target="docProps/core.xml"/></Relationships>'
)
CORE = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>xl_tools</dc:creator>'
    "<dc:description>Genererad av xl_tools (test)</dc:description></cp:coreProperties>"
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Blad1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'sharedStrings" Target="sharedStrings.xml"/></Relationships>'
)
SHEET = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>Privat KBT</t></is></c></row>'
    '<row r="2"><c r="A2" t="inlineStr"><is><t>Norrbotten</t></is></c><c r="B2"><v>5</v></c></row>'
    "</sheetData></worksheet>"
)
SHARED = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
    "<si><t>Region</t></si></sst>"
)
LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + ']>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol9;</t></si></sst>'
)
XXE = (
    '<?xml version="1.0"?>\n<!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&xxe;</t></si></sst>'
)


def _parts(**replace: str) -> dict[str, str]:
    parts = {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": ROOT_RELS,
        "docProps/core.xml": CORE,
        "xl/workbook.xml": WORKBOOK,
        "xl/_rels/workbook.xml.rels": WORKBOOK_RELS,
        "xl/worksheets/sheet1.xml": SHEET,
        "xl/sharedStrings.xml": SHARED,
    }
    parts.update(replace)
    return parts


def minimal_workbook(path: Path, **replace: str) -> Path:
    """A small valid .xlsx (a region report: Region / Privat KBT, Norrbotten 5), parts replaceable."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in _parts(**replace).items():
            zf.writestr(name, text)
    return path


def zip_bomb(path: Path, megabytes: int = 200) -> Path:
    """A workbook whose sheet honestly declares ``megabytes`` MiB of zeros in a ~200 KB file."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, text in _parts().items():
            if name != "xl/worksheets/sheet1.xml":
                zf.writestr(name, text)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            fh.write(SHEET.encode()[:-len("</sheetData></worksheet>")])
            block = b" " * (1 << 20)
            for _ in range(megabytes):
                fh.write(block)
            fh.write(b"</sheetData></worksheet>")
    return path


def billion_laughs(path: Path) -> Path:
    return minimal_workbook(path, **{"xl/sharedStrings.xml": LAUGHS})


def xxe(path: Path) -> Path:
    return minimal_workbook(path, **{"xl/sharedStrings.xml": XXE})


def utf16_dtd(path: Path) -> Path:
    """The entity attack again, in a UTF-16 part (a DTD check that only looks at ASCII would miss it)."""
    text = XXE.replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>')
    with zipfile.ZipFile(path, "w") as zf:
        for name, part in _parts().items():
            data = ("\ufeff" + text).encode("utf-16-le") if name == "xl/sharedStrings.xml" else part.encode()
            zf.writestr(name, data)
    return path


def not_a_workbook_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("hello.txt", "a zip, not a workbook")
    return path


def duplicate_parts(path: Path) -> Path:
    with warnings.catch_warnings(), zipfile.ZipFile(path, "w") as zf:
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate: that is the point
        for name, text in _parts().items():
            zf.writestr(name, text)
        zf.writestr("xl/worksheets/sheet1.xml", SHEET.replace("Norrbotten", "Stockholm"))
    return path


def truncated(path: Path) -> Path:
    minimal_workbook(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def text_file(path: Path) -> Path:
    path.write_text("Region;Privat KBT\nNorrbotten;5\n", encoding="utf-8")
    return path


def far_cell(path: Path) -> Path:
    """A small report with one cell at XFD200000: padding every row to 16 384 cells would take gigabytes."""
    sheet = SHEET.replace("</sheetData>", '<row r="200000"><c r="XFD200000"><v>1</v></c></row></sheetData>')
    return minimal_workbook(path, **{"xl/worksheets/sheet1.xml": sheet})


def fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def folder(path: Path) -> Path:
    path.mkdir()
    return path


WORKBOOK_MAKERS = {
    "zip_bomb": zip_bomb,
    "billion_laughs": billion_laughs,
    "xxe": xxe,
    "utf16_dtd": utf16_dtd,
    "zip_not_xlsx": not_a_workbook_zip,
    "duplicate_parts": duplicate_parts,
    "truncated": truncated,
    "text_named_xlsx": text_file,
    "fifo": fifo,
    "folder": folder,
}
"""Every hostile workbook, by name: the same set goes to every reader."""
