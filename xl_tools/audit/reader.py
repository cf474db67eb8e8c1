"""Safe, fast reading of .xlsx/.xlsm files for the auditor.

Two layers, kept apart so that the container check can be swapped for a shared one:

* :func:`open_container` — everything about the *file*: it must be a regular file (a FIFO,
  device or folder is refused before it is opened, so nothing blocks), not an encrypted or
  old binary workbook, a zip archive whose declared sizes, member count and compression
  ratios are within limits (a zip bomb is refused before anything is decompressed); and its
  XML parts are only ever parsed by :meth:`SafeZip.parse`, a hardened streaming expat parser
  (any DTD, entity declaration or external entity is refused; no network; no tree is built).
* the part readers below — workbook, shared strings, styles, sheets — streamed through
  callbacks, cell by cell, with every attribute checked (a row number of 5 000 digits or
  ``r="abc"`` is a one-line error, never a traceback).

Macros (``vbaProject.bin``) are noted, never run; external links are listed, never followed.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn
from xml.parsers import expat

from xl_tools.audit.evaluate import beyond_excel_limits
from xl_tools.audit.formula import MAX_COL, MAX_ROW, translate
from xl_tools.audit.model import Cell, Sheet, Workbook, column_number
from xl_tools.errors import XlToolsError
from xl_tools.i18n import N_, _
from xl_tools.money import format_number
from xl_tools.safe_open import OLE_MAGIC  # noqa: F401  (re-exported for callers and tests)

_CHUNK = 1 << 20
_ADDRESS = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")


class WorkbookReadError(XlToolsError):
    """A file the auditor cannot or will not read (not a workbook, encrypted, unsafe)."""


class _Refused(Exception):
    """Raised inside the XML callbacks; turned into a WorkbookReadError with the part's name."""


# ---------------------------------------------------------------------------------------------
# Container safety: whether a file may be opened is decided by xl_tools.safe_open (the one gate for
# every reader); how its XML is parsed (expat, no DTD or entities) is decided here.
# ---------------------------------------------------------------------------------------------

def _refuse_entities(*_args: object) -> NoReturn:
    raise _Refused(_("declares a DTD or XML entities; refusing to read it (possible entity-expansion attack)"))


class SafeZip:
    """A zip archive that passed :func:`open_container`; its parts are parsed only by :meth:`parse`."""

    def __init__(self, path: Path, zf: zipfile.ZipFile) -> None:
        self.path, self.zf = path, zf
        self.names = {info.filename for info in zf.infolist()}

    def parse(self, name: str, start: Callable[[str, dict[str, str]], None] | None = None,
              end: Callable[[str], None] | None = None, text: Callable[[str], None] | None = None) -> None:
        """Stream part ``name`` through expat callbacks (tag names as written, prefix included).
        DTDs, entity declarations and external entities are refused; bad XML or a corrupt member
        becomes a one-line :class:`WorkbookReadError`."""
        parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.buffer_size = 1 << 16
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = _refuse_entities
        parser.EntityDeclHandler = _refuse_entities
        parser.ExternalEntityRefHandler = _refuse_entities
        if start:
            parser.StartElementHandler = start
        if end:
            parser.EndElementHandler = end
        if text:
            parser.CharacterDataHandler = text
        where = _("{file}: part {part}").format(file=self.path.name, part=name)
        try:
            with self.zf.open(name) as fh:
                while chunk := fh.read(_CHUNK):
                    parser.Parse(chunk, False)
                parser.Parse(b"", True)
        except _Refused as exc:
            raise WorkbookReadError(f"{where} {exc}.") from None
        except expat.ExpatError as exc:
            raise WorkbookReadError(_("{where} is not well-formed XML ({error}, line {line}).").format(
                where=where, error=expat.ErrorString(exc.code), line=exc.lineno)) from None
        except (zipfile.BadZipFile, EOFError, OSError, RuntimeError, NotImplementedError) as exc:
            text_ = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise WorkbookReadError(_("{where} cannot be decompressed ({error}).").format(where=where, error=text_)) \
                from None

    def close(self) -> None:
        self.zf.close()


def open_container(path: Path, *, ooxml: bool = True) -> SafeZip:
    """Refuse, with one line, what is not a readable .xlsx/.xlsm — through the one gate every reader
    of a workbook passes (:mod:`xl_tools.safe_open`, with the limits for streaming readers): only a
    regular file is opened; encrypted and .xls files are named; part count, declared sizes,
    compression ratios and duplicate parts are checked before anything is decompressed.
    ``ooxml=False`` for an OpenDocument file (no ``[Content_Types].xml``), which gets the same checks."""
    from xl_tools.safe_open import STREAMING_LIMITS, UnsafeFileError
    from xl_tools.safe_open import SafeZip as CheckedZip
    from xl_tools.safe_open import check_container as gate

    try:
        gate(path, limits=STREAMING_LIMITS)
        checked = CheckedZip(path, limits=STREAMING_LIMITS, ooxml=ooxml)
    except UnsafeFileError as exc:
        raise WorkbookReadError(str(exc)) from None
    return SafeZip(Path(path), checked.zf)


def check_container(path: Path) -> None:
    """Refuse what :func:`open_container` refuses, without keeping the archive open."""
    open_container(Path(path)).close()


# ---------------------------------------------------------------------------------------------
# Parts
# ---------------------------------------------------------------------------------------------

_LOCAL: dict[str, str] = {}
_COLUMNS: dict[str, int] = {}


def _local(tag: str) -> str:
    """``x:row`` / ``row`` → ``row`` (cached: tags repeat)."""
    name = _LOCAL.get(tag)
    if name is None:
        name = _LOCAL[tag] = tag.rpartition(":")[2]
    return name


def _attr(attrs: dict[str, str], name: str) -> str | None:
    """An attribute by local name (prefixed attributes such as r:id included)."""
    value = attrs.get(name)
    if value is not None:
        return value
    for key, val in attrs.items():
        if _local(key) == name:
            return val
    return None


def _int(text: str | None, what: str, limit: int) -> int:
    """A positive whole number of at most ``limit``; anything else is refused (never int() of 5 000 digits)."""
    if text is None or not text.isdigit() or len(text) > len(str(limit)) or not 1 <= int(text) <= limit:
        raise _Refused(_("has {what} {text}, which is not a number from 1 to {limit}").format(
            what=_(what), text=repr(str(text)[:20]), limit=format_number(limit)))
    return int(text)


_WHAT = (N_("a row number"), N_("a column number"))  # what _int reads, translated when refused


def _relationships(zf: SafeZip, part: str) -> dict[str, tuple[str, str]]:
    """rId → (type, target path inside the zip) for a part's .rels file."""
    folder, base = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", base + ".rels")
    rels: dict[str, tuple[str, str]] = {}
    if rels_name not in zf.names:
        return rels

    def start(tag: str, attrs: dict[str, str]) -> None:
        if _local(tag) == "Relationship":
            target = attrs.get("Target", "")
            if attrs.get("TargetMode", "") != "External":
                target = posixpath.normpath(target.lstrip("/") if target.startswith("/")
                                            else posixpath.join(folder, target))
            rels[attrs.get("Id", "")] = (attrs.get("Type", ""), target)

    zf.parse(rels_name, start)
    return rels


def _shared_strings(zf: SafeZip, name: str | None) -> list[str]:
    strings: list[str] = []
    if not name or name not in zf.names:
        return strings
    parts: list[str] = []
    state = {"rph": 0, "in_t": False}

    def start(tag: str, attrs: dict[str, str]) -> None:
        local = _local(tag)
        if local == "t":
            state["in_t"] = not state["rph"]
        elif local == "rPh":
            state["rph"] += 1

    def end(tag: str) -> None:
        local = _local(tag)
        if local == "t":
            state["in_t"] = False
        elif local == "rPh":
            state["rph"] -= 1
        elif local == "si":
            strings.append("".join(parts))
            parts.clear()

    def text(data: str) -> None:
        if state["in_t"]:
            parts.append(data)

    zf.parse(name, start, end, text)
    return strings


def _unlocked_styles(zf: SafeZip, name: str | None) -> set[int]:
    """Indexes of cell formats (cellXfs) whose protection says locked="0"."""
    unlocked: set[int] = set()
    if not name or name not in zf.names:
        return unlocked
    state = {"in_xfs": False, "index": -1}

    def start(tag: str, attrs: dict[str, str]) -> None:
        local = _local(tag)
        if local == "cellXfs":
            state["in_xfs"] = True
        elif state["in_xfs"] and local == "xf":
            state["index"] += 1
        elif state["in_xfs"] and local == "protection" and attrs.get("locked") in ("0", "false"):
            unlocked.add(state["index"])

    def end(tag: str) -> None:
        if _local(tag) == "cellXfs":
            state["in_xfs"] = False

    zf.parse(name, start, end)
    return unlocked


def _to_value(kind: str, text: str | None) -> tuple[object, str]:
    if text is None or (not text and kind in ("", "n")):  # <v/>: no value saved (openpyxl)
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


class _SheetReader:
    """Callbacks that fill a :class:`Sheet` from its part, one cell at a time."""

    def __init__(self, sheet: Sheet, strings: list[str]) -> None:
        self.sheet, self.strings = sheet, strings
        self.shared: dict[str, tuple[str, int, int]] = {}
        self.row_no = self.col_no = 0
        self.cell: Cell | None = None
        self.f_attrs: dict[str, str] | None = None
        self.v_text: str | None = None
        self.f_text = ""
        self.text: list[str] | None = None  # collecting the text of <v>, <f> or <t>
        self.is_parts: list[str] = []
        self.in_is = 0
        self.hidden_spans: list[tuple[int, int]] = []

    def hidden_columns(self) -> set[int]:
        """The hidden columns, each once however many <col> elements name it."""
        out: set[int] = set()
        reach = 0
        for lo, hi in sorted(self.hidden_spans):
            if hi > reach:
                out.update(range(max(lo, reach + 1), hi + 1))
                reach = hi
        return out

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        local = _local(tag) if ":" in tag else tag
        if local == "c":
            ref = attrs.get("r")
            if ref:
                m = _ADDRESS.fullmatch(ref)
                if m is None:
                    raise _Refused(_("has a cell reference {ref} that is not an address such as B3").format(
                        ref=repr(ref[:20])))
                letters = m.group(1)
                col = _COLUMNS.get(letters) or _COLUMNS.setdefault(letters, column_number(letters))
                row = int(m.group(2))
                if not (1 <= col <= MAX_COL and 1 <= row <= MAX_ROW):
                    raise _Refused(_("has a cell reference {ref} outside the sheet").format(ref=repr(ref[:20])))
                self.col_no, self.row_no = col, row
            else:
                self.col_no += 1
            style = attrs.get("s")
            cell = self.cell = Cell(self.row_no, self.col_no,
                                    style=int(style) if style and style.isdigit() and len(style) < 10 else 0)
            cell.kind = attrs.get("t") or "n"
            self.f_attrs, self.v_text, self.is_parts = None, None, []
        elif local == "v" or local == "f":
            self.text = []
            if local == "f":
                self.f_attrs = attrs
        elif local == "row":
            r = attrs.get("r")
            self.row_no = _int(r, "a row number", MAX_ROW) if r is not None else self.row_no + 1
            self.col_no = 0
            if attrs.get("hidden") in ("1", "true"):
                self.sheet.hidden_rows.add(self.row_no)
        elif local == "is":
            self.in_is += 1
        elif local == "t" and self.in_is:
            self.text = []
        elif local == "col" and attrs.get("hidden") in ("1", "true"):
            lo = _int(attrs.get("min") or "1", "a column number", 10**9)
            hi = _int(attrs.get("max") or str(lo), "a column number", 10**9)
            if lo <= MAX_COL:  # beyond the sheet's 16 384 columns nothing can be hidden
                self.hidden_spans.append((lo, min(hi, MAX_COL)))
        elif local == "sheetProtection" and attrs.get("sheet") in ("1", "true"):
            self.sheet.protected = True

    def chars(self, data: str) -> None:
        if self.text is not None:
            self.text.append(data)

    def end(self, tag: str) -> None:
        local = _local(tag) if ":" in tag else tag
        if local == "v":
            self.v_text = "".join(self.text or ())
            self.text = None
        elif local == "f":
            self.f_text = "".join(self.text or ())
            self.text = None
        elif local == "t" and self.in_is:
            self.is_parts.append("".join(self.text or ()))
            self.text = None
        elif local == "is":
            self.in_is -= 1
        elif local == "c" and self.cell is not None:
            self._finish(self.cell)
            self.cell = None

    def _finish(self, cell: Cell) -> None:
        kind, v_text = cell.kind, self.v_text
        if kind == "s":
            try:
                cell.value, cell.kind = self.strings[int(v_text or "")], "s"
            except (ValueError, IndexError):
                cell.value, cell.kind = v_text, "s"
        elif kind == "inlineStr":
            cell.value, cell.kind = "".join(self.is_parts), "s"
        elif kind == "str":
            cell.value, cell.kind = (v_text or ""), "s"
        else:
            cell.value, cell.kind = _to_value(kind, v_text)
        attrs = self.f_attrs
        if attrs is not None:
            text = self.f_text
            ftype = attrs.get("t", "normal")
            if ftype == "shared":
                si = attrs.get("si", "")
                if text:
                    self.shared[si] = (text, cell.row, cell.col)
                    cell.formula = text
                elif si in self.shared:
                    master, mrow, mcol = self.shared[si]
                    cell.formula = translate(master, cell.row - mrow, cell.col - mcol)
            elif ftype != "dataTable" and text:
                cell.formula = text
            if cell.formula is not None and beyond_excel_limits(cell.formula):
                self.sheet.oversized.append((cell.row, cell.col, len(cell.formula)))
                cell.formula = None  # no rule reads it: Excel itself would refuse it
        if cell.value is None and cell.formula is None:
            cell.kind = ""
            if cell.style == 0:
                return
        self.sheet.cells[(cell.row, cell.col)] = cell


def _read_sheet(zf: SafeZip, sheet: Sheet, part: str, strings: list[str]) -> None:
    reader = _SheetReader(sheet, strings)
    zf.parse(part, reader.start, reader.end, reader.chars)
    sheet.hidden_cols = reader.hidden_columns()


def read_workbook(path: str | Path) -> Workbook:
    """Read a workbook for auditing: .xlsx/.xlsm, or .ods through a temporary .xlsx made by
    headless LibreOffice (:mod:`xl_tools.audit.ods`; findings use the .ods's own sheet names).
    Raises :class:`WorkbookReadError` (an :class:`~xl_tools.errors.XlToolsError`) with a
    one-line message for bad input."""
    from xl_tools.audit import ods

    path = Path(path)
    if not ods.is_ods(path):
        return _read_xlsx(path)
    names = ods.sheet_names(path)
    with ods.temporary_folder() as work:
        workbook = _read_xlsx(ods.convert(path, Path(work)))
    if len(names) == len(workbook.sheets):
        for sheet, name in zip(workbook.sheets, names):
            sheet.name = name
    workbook.path = str(path)
    workbook.converted_from = "ods"
    return workbook


def _read_xlsx(path: Path) -> Workbook:
    zf = open_container(path)
    try:
        root_rels = _relationships(zf, "")
        wb_part = next((t for typ, t in root_rels.values() if typ.endswith("/officeDocument")), None)
        if wb_part is None and "xl/workbook.xml" in zf.names:
            wb_part = "xl/workbook.xml"
        if wb_part is None or wb_part not in zf.names:
            raise WorkbookReadError(
                _("{name} is a zip file but not an Excel workbook (no workbook part). Give an .xlsx or .xlsm "
                  "file.").format(name=path.name)
            )
        if wb_part.endswith(".bin"):
            raise WorkbookReadError(_("{name} is a binary workbook (.xlsb); save it as .xlsx to audit it.").format(
                name=path.name))
        wb = Workbook(path=str(path))
        wb.has_macros = any(n.lower().endswith("vbaproject.bin") for n in zf.names)
        rels = _relationships(zf, wb_part)
        sheets: list[tuple[str, str, str]] = []
        name_text: list[str] = []
        defining: list[str] = []

        def start(tag: str, attrs: dict[str, str]) -> None:
            local = _local(tag)
            if local == "sheet":
                sheets.append((attrs.get("name", "?"), attrs.get("state", "visible"), _attr(attrs, "id") or ""))
            elif local == "calcPr" and attrs.get("calcMode") == "manual":
                wb.calc_mode = "manual"
            elif local == "definedName" and attrs.get("name"):
                defining[:] = [attrs["name"]]
                name_text.clear()

        def end(tag: str) -> None:
            if _local(tag) == "definedName" and defining:
                wb.defined_names[defining.pop()] = "".join(name_text)

        def text(data: str) -> None:
            if defining:
                name_text.append(data)

        zf.parse(wb_part, start, end, text)
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
        formulas = [c for s in wb.sheets for c in s.cells.values() if c.formula is not None]
        wb.values_cached = not formulas or any(c.value is not None for c in formulas)
        return wb
    finally:
        zf.close()
