"""Opening files from outside safely: one gate for every reader of a workbook or data file.

Every reader of a file a user hands us — ``import`` (the reports the 21 regions send in),
``verify``, carry-over of typed inputs from an existing workbook, and (after the merge)
the auditor — goes through this module, so a hostile or damaged file is refused with one
line before anything is decompressed or parsed:

- :func:`check_regular_file`: the path exists and is a regular file (not a folder, FIFO,
  device or socket, which would block or never end), no larger than a limit;
- :func:`check_container`: the file is a zip archive (.xlsx/.xlsm), not an encrypted or
  old binary Excel file (those get a line saying how to convert them);
- :class:`SafeZip`: the sizes the archive declares are checked against :class:`Limits`
  (total and per-part uncompressed size, compression ratio, number of parts, duplicate
  part names) before any part is decompressed; Python's :mod:`zipfile` never inflates a
  part beyond its declared size (a lying header fails its CRC check instead);
- :func:`check_xml_parts`: no XML part declares a DTD or entities (XXE, billion laughs);
  only the first bytes of each part are decompressed to look;
- :func:`open_workbook`: all of the above, then :func:`openpyxl.load_workbook` with
  external links off; whatever openpyxl still raises on a damaged file becomes one line.

All refusals raise :class:`UnsafeFileError` (an :class:`~xl_tools.errors.XlToolsError`),
whose message is one line saying what is wrong and what to do.

For a reader that streams the XML itself (the auditor, :mod:`xl_tools.audit.reader`) the same
gate is ``check_container(path, limits=STREAMING_LIMITS)`` then ``SafeZip(path,
limits=STREAMING_LIMITS)`` (``.names``, ``.open(name)``, ``.close()``, a context manager) — the
drop-in for its former ``check_container``/``SafeZip``, whose limits :data:`STREAMING_LIMITS`
keeps; its ``WorkbookReadError`` can become a subclass or an alias of :class:`UnsafeFileError`.
Beyond the former checks this gate also refuses a FIFO or device, a zip without
``[Content_Types].xml``, duplicate part names and ZipCrypto-encrypted parts.

>>> from xl_tools.safe_open import open_workbook
>>> wb = open_workbook("workbooks/sjukskrivning-2020-villkor3.xlsx", data_only=True)  # doctest: +SKIP
"""

from __future__ import annotations

import re
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from xl_tools.errors import XlToolsError

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_DTD = re.compile(rb"<\s*!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_XML_HEAD = 64 << 10  # a DTD must come before the root element: the first 64 KiB show it


class UnsafeFileError(XlToolsError):
    """A file xl_tools cannot or will not read (missing, not a regular file, not a workbook,
    encrypted, a possible zip bomb or XML attack, damaged). The message is one line."""


@dataclass(frozen=True)
class Limits:
    """Bounds on what a file may expand to. The defaults suit openpyxl, which holds every
    cell in memory (roughly 20–50 bytes of memory per byte of sheet XML)."""

    max_file: int = 256 << 20  # bytes on disk
    max_total: int = 128 << 20  # uncompressed bytes, all parts
    max_member: int = 96 << 20  # uncompressed bytes, one part
    max_ratio: int = 200  # XML compresses 10–50×; bombs 1000× and more
    ratio_from: int = 8 << 20  # the ratio applies to parts larger than this
    max_members: int = 5_000


OPENPYXL_LIMITS = Limits()
"""For readers that load a workbook with openpyxl (import, verify, carry-over)."""

STREAMING_LIMITS = Limits(max_file=1 << 30, max_total=1 << 30, max_member=512 << 20, max_members=20_000)
"""For readers that stream the XML (the auditor): the limits of its former own reader."""

CSV_MAX_BYTES = 32 << 20
"""Largest CSV/text file read whole (a report of 21 regions is a few kilobytes)."""


def _name(path: Path) -> str:
    return str(path)


def check_regular_file(path: str | Path, *, what: str = "file", max_bytes: int | None = None) -> Path:
    """``path`` as a :class:`~pathlib.Path` if it is an existing regular file (symlinks followed)
    of at most ``max_bytes``; otherwise :class:`UnsafeFileError`. Never opens the file, so a
    FIFO or device cannot block."""
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise UnsafeFileError(f"No such {what}: {path}. Check the path.") from None
    except NotADirectoryError:
        raise UnsafeFileError(f"No such {what}: {path} (a part of the path is not a folder).") from None
    except PermissionError:
        raise UnsafeFileError(f"Permission denied: {path}. Ask for read access or copy the file.") from None
    except OSError as exc:
        raise UnsafeFileError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    if stat.S_ISDIR(info.st_mode):
        raise UnsafeFileError(f"{path} is a folder; give the {what} itself.")
    if not stat.S_ISREG(info.st_mode):
        raise UnsafeFileError(f"{path} is not a regular file (a pipe, device or socket); give a saved {what}.")
    if max_bytes is not None and info.st_size > max_bytes:
        raise UnsafeFileError(f"{path} is {info.st_size:,} bytes, more than the {max_bytes:,} a {what} may be; "
                              "check that it is the right file.")
    return path


def check_container(path: str | Path, *, limits: Limits = OPENPYXL_LIMITS) -> Path:
    """Refuse, with one line, what is not a readable .xlsx/.xlsm zip archive."""
    path = check_regular_file(path, what="workbook", max_bytes=limits.max_file)
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
            blob = fh.read(1 << 20) if head == OLE_MAGIC else b""
    except OSError as exc:
        raise UnsafeFileError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    if head == OLE_MAGIC:
        if "EncryptionInfo".encode("utf-16-le") in blob or "EncryptedPackage".encode("utf-16-le") in blob:
            raise UnsafeFileError(f"{path.name} is encrypted (password to open). Remove the password in Excel "
                                  "(File > Info > Protect Workbook) and save a copy.")
        raise UnsafeFileError(f"{path.name} is an old binary Excel file (.xls). Open it in Excel or LibreOffice "
                              "and save it as .xlsx.")
    if head[:2] != b"PK":
        raise UnsafeFileError(f"{path.name} is not an .xlsx workbook (not a zip archive: corrupt, or another "
                              "format); save it as .xlsx.")
    return path


class SafeZip:
    """A zip archive whose declared sizes have been checked against :class:`Limits`."""

    def __init__(self, path: str | Path, *, limits: Limits = OPENPYXL_LIMITS, ooxml: bool = True) -> None:
        """``ooxml=False`` admits other zip-based documents (an .ods) to the same size checks."""
        self.path = Path(path)
        self.limits = limits
        self.ooxml = ooxml
        try:
            self.zf = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise UnsafeFileError(f"{self.path.name} is a corrupt or truncated zip file ({exc}); "
                                  "open it in Excel and save it again.") from None
        try:
            self._check()
        except UnsafeFileError:
            self.zf.close()
            raise
        self.names = {info.filename for info in self.zf.infolist()}

    def _check(self) -> None:
        name, limits = self.path.name, self.limits
        infos = self.zf.infolist()
        if len(infos) > limits.max_members:
            raise UnsafeFileError(f"{name} has {len(infos):,} parts; refusing to read it (possible zip bomb).")
        seen: set[str] = set()
        total = 0
        for info in infos:
            if info.filename in seen:
                raise UnsafeFileError(f"{name} holds the part {info.filename} twice; programs disagree on which "
                                      "one counts, so it is refused. Save it again in Excel.")
            seen.add(info.filename)
            if info.flag_bits & 0x1:
                raise UnsafeFileError(f"{name}: part {info.filename} is encrypted; remove the password and "
                                      "save a copy.")
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > limits.max_member or (info.file_size > limits.ratio_from
                                                       and ratio > limits.max_ratio):
                raise UnsafeFileError(f"{name}: part {info.filename} would expand to {info.file_size:,} bytes "
                                      f"(ratio {ratio:.0f}:1); refusing to read a possible zip bomb.")
        if total > limits.max_total:
            raise UnsafeFileError(f"{name} would expand to {total:,} bytes (limit {limits.max_total:,}); "
                                  "refusing to read a possible zip bomb.")
        if self.ooxml and "[Content_Types].xml" not in seen:
            raise UnsafeFileError(f"{name} is a zip archive but not an .xlsx workbook (no [Content_Types].xml); "
                                  "save it as .xlsx.")

    def open(self, name: str) -> IO[bytes]:
        return self.zf.open(name)

    def close(self) -> None:
        self.zf.close()

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def check_xml_parts(zf: SafeZip) -> None:
    """Refuse a workbook whose XML parts declare a DTD or entities (XXE, entity expansion).

    Only the first 64 KiB of each part are decompressed: a DTD can only come before the
    root element. UTF-16 parts are looked at in their own encoding too."""
    for info in zf.zf.infolist():
        if not info.filename.lower().endswith(_XML_SUFFIXES):
            continue
        try:
            with zf.open(info.filename) as fh:
                head = fh.read(_XML_HEAD)
        except (zipfile.BadZipFile, EOFError, OSError, RuntimeError, ValueError) as exc:
            raise UnsafeFileError(f"{zf.path.name}: part {info.filename} cannot be decompressed ({exc}); "
                                  "open it in Excel and save it again.") from None
        texts = [head]
        if head[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in head[:4]:
            for codec in ("utf-16-le", "utf-16-be"):
                texts.append(head.decode(codec, errors="ignore").encode("ascii", errors="ignore"))
        if any(_DTD.search(text) for text in texts):
            raise UnsafeFileError(f"{zf.path.name}: part {info.filename} declares a DTD or XML entities; refusing "
                                  "to read it (possible XML entity attack).")


def check_workbook_file(path: str | Path, *, limits: Limits = OPENPYXL_LIMITS) -> Path:
    """Every check of this module on ``path`` (regular file, zip, sizes, XML); returns the Path."""
    path = check_container(path, limits=limits)
    with SafeZip(path, limits=limits) as zf:
        check_xml_parts(zf)
    return path


def open_workbook(path: str | Path, *, data_only: bool = True, read_only: bool = False,
                  limits: Limits = OPENPYXL_LIMITS, what: str = "the workbook", hint: str = "") -> Any:
    """Check ``path`` (:func:`check_workbook_file`), then load it with openpyxl, external links off.

    ``what`` and ``hint`` shape the one-line message when openpyxl cannot read the file, e.g.
    ``what="the existing workbook"``, ``hint="Move it away or use -o."``.
    """
    import openpyxl

    path = check_workbook_file(path, limits=limits)
    try:
        return openpyxl.load_workbook(path, data_only=data_only, read_only=read_only, keep_links=False)
    except (MemoryError, RecursionError):
        raise UnsafeFileError(f"{what.capitalize()} {path} is too large or too deeply nested to read. "
                              f"{hint}".strip()) from None
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on damaged files
        reason = " ".join(str(exc).split())[:160] or type(exc).__name__
        raise UnsafeFileError(f"Cannot read {what} {path}: {reason}. {hint}".strip()) from None
