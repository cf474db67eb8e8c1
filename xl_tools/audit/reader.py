"""Safe, fast reading of .xlsx/.xlsm files for the auditor.

The file is opened as a zip archive and its XML parts are streamed with
:mod:`defusedxml` (DTDs and entity declarations are refused). Before any part is
decompressed, the sizes declared in the archive are checked against limits, so a
zip bomb is refused without being expanded. Macros (``vbaProject.bin``) are noted,
never run; external links are listed, never followed.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from xl_tools.audit.formula import translate
from xl_tools.audit.model import Cell, Sheet, Workbook, column_number
from xl_tools.errors import XlToolsError

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_TOTAL_UNCOMPRESSED = 1 << 30  # 1 GiB of XML is far beyond any real workbook
MAX_MEMBER_UNCOMPRESSED = 512 << 20
MAX_RATIO = 200  # XML compresses 10–50×; bombs compress 1000× and more
MAX_MEMBERS = 20_000
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_ADDRESS = re.compile(r"([A-Z]+)([0-9]+)")


class WorkbookReadError(XlToolsError):
    """A file the auditor cannot or will not read (not a workbook, encrypted, unsafe)."""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attr(elem: Element, name: str) -> str | None:
    """An attribute by local name (namespaced attributes such as r:id included)."""
    value = elem.get(name)
    if value is not None:
        return value
    for key, val in elem.attrib.items():
        if _local(key) == name:
            return val
    return None


def check_container(path: Path) -> None:
    """Refuse, with one line, what is not a readable .xlsx/.xlsm."""
    if not path.exists():
        raise WorkbookReadError(f"{path}: no such file. Check the path.")
    if path.is_dir():
        raise WorkbookReadError(f"{path} is a folder; give an .xlsx or .xlsm file.")
    with open(path, "rb") as fh:
        head = fh.read(8)
        if head == OLE_MAGIC:
            fh.seek(0)
            blob = fh.read(1 << 20)
            if "EncryptionInfo".encode("utf-16-le") in blob or "EncryptedPackage".encode("utf-16-le") in blob:
                raise WorkbookReadError(
                    f"{path.name} is encrypted (password to open). Remove the password in Excel "
                    "(File > Info > Protect Workbook) and save a copy to audit."
                )
            raise WorkbookReadError(
                f"{path.name} is an old binary Excel file (.xls). Open it in Excel or LibreOffice "
                "and save it as .xlsx to audit it."
            )
    if head[:2] != b"PK":
        raise WorkbookReadError(
            f"{path.name} is not an Excel workbook (expected an .xlsx or .xlsm file, a zip archive)."
        )


class SafeZip:
    """A zip archive whose declared sizes have been checked against bomb limits."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.zf = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise WorkbookReadError(f"{path.name} is a corrupt or truncated zip file ({exc}); "
                                    "open it in Excel and save it again.") from None
        infos = self.zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise WorkbookReadError(f"{path.name} has {len(infos)} parts; refusing to read (possible zip bomb).")
        total = 0
        for info in infos:
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > MAX_MEMBER_UNCOMPRESSED or (info.file_size > (8 << 20) and ratio > MAX_RATIO):
                raise WorkbookReadError(
                    f"{path.name}: part {info.filename} would expand to {info.file_size:,} bytes "
                    f"(ratio {ratio:.0f}:1); refusing to read a possible zip bomb."
                )
        if total > MAX_TOTAL_UNCOMPRESSED:
            raise WorkbookReadError(
                f"{path.name} would expand to {total:,} bytes; refusing to read a possible zip bomb."
            )
        self.names = {info.filename for info in infos}

    def open(self, name: str) -> IO[bytes]:
        return self.zf.open(name)

    def close(self) -> None:
        self.zf.close()


def _iterparse(zf: SafeZip, name: str) -> Iterator[tuple[str, Element]]:
    """Stream (event, element) pairs of one part; DTDs, entities and bad XML become one-line errors."""
    try:
        with zf.open(name) as fh:
            yield from iterparse(fh, events=("start", "end"), forbid_dtd=True,
                                 forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise WorkbookReadError(
            f"{zf.path.name}: part {name} declares a DTD or XML entities ({type(exc).__name__}); "
            "refusing to read it (possible entity-expansion attack)."
        ) from None
    except ParseError as exc:
        raise WorkbookReadError(f"{zf.path.name}: part {name} is not well-formed XML ({exc}).") from None
    except (zipfile.BadZipFile, EOFError, OSError, RuntimeError) as exc:
        raise WorkbookReadError(f"{zf.path.name}: part {name} cannot be decompressed ({exc}).") from None


def _relationships(zf: SafeZip, part: str) -> dict[str, tuple[str, str]]:
    """rId → (type, target path inside the zip) for a part's .rels file."""
    folder, base = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", base + ".rels")
    rels: dict[str, tuple[str, str]] = {}
    if rels_name not in zf.names:
        return rels
    for event, elem in _iterparse(zf, rels_name):
        if event == "end" and _local(elem.tag) == "Relationship":
            target = elem.get("Target", "")
            mode = elem.get("TargetMode", "")
            if mode != "External":
                target = posixpath.normpath(target.lstrip("/") if target.startswith("/")
                                            else posixpath.join(folder, target))
            rels[elem.get("Id", "")] = (elem.get("Type", ""), target)
    return rels


def _shared_strings(zf: SafeZip, name: str | None) -> list[str]:
    strings: list[str] = []
    if not name or name not in zf.names:
        return strings
    parts: list[str] = []
    in_rph = 0
    for event, elem in _iterparse(zf, name):
        tag = _local(elem.tag)
        if tag == "rPh":
            in_rph += 1 if event == "start" else -1
        if event != "end":
            continue
        if tag == "t" and not in_rph:
            parts.append(elem.text or "")
        elif tag == "si":
            strings.append("".join(parts))
            parts = []
            elem.clear()
    return strings


def _unlocked_styles(zf: SafeZip, name: str | None) -> set[int]:
    """Indexes of cell formats (cellXfs) whose protection says locked="0"."""
    unlocked: set[int] = set()
    if not name or name not in zf.names:
        return unlocked
    in_xfs, index = False, -1
    for event, elem in _iterparse(zf, name):
        tag = _local(elem.tag)
        if tag == "cellXfs":
            in_xfs = event == "start"
        elif in_xfs and tag == "xf" and event == "start":
            index += 1
        elif in_xfs and tag == "protection" and event == "end" and elem.get("locked") in ("0", "false"):
            unlocked.add(index)
    return unlocked


def _to_value(kind: str, text: str | None) -> tuple[object, str]:
    if text is None:
        return None, ""
    if kind in ("", "n"):
        try:
            return float(text), "n"
        except ValueError:
            return text, "s"
    if kind == "b":
        return text.strip() in ("1", "true"), "b"
    if kind == "e":
        return text, "e"
    if kind == "d":
        return text, "d"
    return text, "s"


def _read_sheet(zf: SafeZip, sheet: Sheet, part: str, strings: list[str]) -> None:
    shared: dict[str, tuple[str, int, int]] = {}
    row_no, col_no = 0, 0
    cell: Cell | None = None
    f_elem: tuple[str, dict[str, str]] | None = None
    v_text: str | None = None
    is_parts: list[str] = []
    depth_is = 0
    for event, elem in _iterparse(zf, part):
        tag = _local(elem.tag)
        if event == "start":
            if tag == "row":
                row_no = int(elem.get("r") or row_no + 1)
                col_no = 0
                if elem.get("hidden") in ("1", "true"):
                    sheet.hidden_rows.add(row_no)
            elif tag == "c":
                ref = elem.get("r")
                if ref:
                    m = _ADDRESS.match(ref)
                    if m:
                        col_no, row_no = column_number(m.group(1)), int(m.group(2))
                else:
                    col_no += 1
                cell = Cell(row_no, col_no, style=int(elem.get("s") or 0))
                cell.kind = elem.get("t") or "n"
                f_elem, v_text, is_parts = None, None, []
            elif tag == "is":
                depth_is += 1
            continue
        # end events
        if tag == "v":
            v_text = elem.text
        elif tag == "f":
            f_elem = (elem.text or "", dict(elem.attrib))
        elif tag == "t" and depth_is:
            is_parts.append(elem.text or "")
        elif tag == "is":
            depth_is -= 1
        elif tag == "c" and cell is not None:
            kind = cell.kind
            if kind == "s":
                try:
                    cell.value, cell.kind = strings[int(v_text or "")], "s"
                except (ValueError, IndexError):
                    cell.value, cell.kind = v_text, "s"
            elif kind == "inlineStr":
                cell.value, cell.kind = "".join(is_parts), "s"
            elif kind == "str":
                cell.value, cell.kind = (v_text or ""), "s"
            else:
                cell.value, cell.kind = _to_value(kind, v_text)
            if f_elem is not None:
                text, attrs = f_elem
                ftype = attrs.get("t", "normal")
                if ftype == "shared":
                    si = attrs.get("si", "")
                    if text:
                        shared[si] = (text, cell.row, cell.col)
                        cell.formula = text
                    elif si in shared:
                        master, mrow, mcol = shared[si]
                        cell.formula = translate(master, cell.row - mrow, cell.col - mcol)
                elif ftype != "dataTable" and text:
                    cell.formula = text
            if cell.value is None and cell.formula is None:
                cell.kind = ""
                if cell.style == 0:
                    cell = None
                    elem.clear()
                    continue
            sheet.cells[(cell.row, cell.col)] = cell
            cell = None
            elem.clear()
        elif tag == "row":
            elem.clear()
        elif tag == "col" and elem.get("hidden") in ("1", "true"):
            lo, hi = int(elem.get("min") or 1), int(elem.get("max") or 1)
            sheet.hidden_cols.update(range(lo, min(hi, lo + 16384) + 1))
        elif tag == "sheetProtection" and elem.get("sheet") in ("1", "true"):
            sheet.protected = True


def read_workbook(path: str | Path) -> Workbook:
    """Read a workbook for auditing. Raises :class:`WorkbookReadError` (an
    :class:`~xl_tools.errors.XlToolsError`) with a one-line message for bad input."""
    path = Path(path)
    check_container(path)
    zf = SafeZip(path)
    try:
        root_rels = _relationships(zf, "")
        wb_part = next((t for typ, t in root_rels.values() if typ.endswith("/officeDocument")), None)
        if wb_part is None and "xl/workbook.xml" in zf.names:
            wb_part = "xl/workbook.xml"
        if wb_part is None or wb_part not in zf.names:
            raise WorkbookReadError(
                f"{path.name} is a zip file but not an Excel workbook (no workbook part). "
                "Give an .xlsx or .xlsm file."
            )
        if wb_part.endswith(".bin"):
            raise WorkbookReadError(f"{path.name} is a binary workbook (.xlsb); save it as .xlsx to audit it.")
        wb = Workbook(path=str(path))
        wb.has_macros = any(n.lower().endswith("vbaproject.bin") for n in zf.names)
        rels = _relationships(zf, wb_part)
        sheets: list[tuple[str, str, str]] = []
        for event, elem in _iterparse(zf, wb_part):
            if event != "end":
                continue
            tag = _local(elem.tag)
            if tag == "sheet":
                sheets.append((elem.get("name", "?"), elem.get("state", "visible"), _attr(elem, "id") or ""))
            elif tag == "calcPr" and elem.get("calcMode") == "manual":
                wb.calc_mode = "manual"
            elif tag == "definedName" and elem.get("name"):
                wb.defined_names[elem.get("name", "")] = elem.text or ""
        for typ, target in rels.values():
            if typ.endswith("/externalLink"):
                ext_rels = _relationships(zf, target) if target in zf.names else {}
                names = [t for _, t in ext_rels.values()] or [target]
                wb.external_links.extend(names)
        strings_part = next((t for typ, t in rels.values() if typ.endswith("/sharedStrings")), None)
        styles_part = next((t for typ, t in rels.values() if typ.endswith("/styles")), None)
        strings = _shared_strings(zf, strings_part)
        wb.unlocked_styles = _unlocked_styles(zf, styles_part)
        for name, state, rid in sheets:
            typ, target = rels.get(rid, ("", ""))
            if not typ.endswith("/worksheet") or target not in zf.names:
                continue  # chart sheets, dialog sheets: no cells to audit
            sheet = Sheet(name=name, state=state)
            _read_sheet(zf, sheet, target, strings)
            wb.sheets.append(sheet)
        return wb
    finally:
        zf.close()
