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
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from xl_tools.errors import XlToolsError
from xl_tools.i18n import N_, _
from xl_tools.money import format_number

# The names callers give what they open (``what=``), translated when a message is shown.
WHAT = (N_("file"), N_("workbook"), N_("report"), N_("the workbook"), N_("the report"),
        N_("the existing workbook"), N_("LibreOffice's recalculated copy"))

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
        raise UnsafeFileError(_("No such {what}: {path}. Check the path.").format(what=_(what), path=path)) from None
    except NotADirectoryError:
        raise UnsafeFileError(_("No such {what}: {path} (a part of the path is not a folder).").format(
            what=_(what), path=path)) from None
    except PermissionError:
        raise UnsafeFileError(_("Permission denied: {path}. Ask for read access or copy the file.").format(
            path=path)) from None
    except OSError as exc:
        raise UnsafeFileError(_("Cannot read {path}: {error}.").format(path=path, error=exc.strerror or exc)) from None
    if stat.S_ISDIR(info.st_mode):
        raise UnsafeFileError(_("{path} is a folder; give the {what} itself.").format(path=path, what=_(what)))
    if not stat.S_ISREG(info.st_mode):
        raise UnsafeFileError(_("{path} is not a regular file (a pipe, device or socket); give a saved {what}.").format(
            path=path, what=_(what)))
    if max_bytes is not None and info.st_size > max_bytes:
        raise UnsafeFileError(_("{path} is {size} bytes, more than the {limit} a {what} may be; check that it is the "
                                "right file.").format(path=path, size=format_number(info.st_size),
                                                      limit=format_number(max_bytes), what=_(what)))
    return path


def check_container(path: str | Path, *, limits: Limits = OPENPYXL_LIMITS) -> Path:
    """Refuse, with one line, what is not a readable .xlsx/.xlsm zip archive."""
    path = check_regular_file(path, what="workbook", max_bytes=limits.max_file)
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
            blob = fh.read(1 << 20) if head == OLE_MAGIC else b""
    except OSError as exc:
        raise UnsafeFileError(_("Cannot read {path}: {error}.").format(path=path, error=exc.strerror or exc)) from None
    if head == OLE_MAGIC:
        if "EncryptionInfo".encode("utf-16-le") in blob or "EncryptedPackage".encode("utf-16-le") in blob:
            raise UnsafeFileError(_("{name} is encrypted (password to open). Remove the password in Excel "
                                    "(File > Info > Protect Workbook) and save a copy.").format(name=path.name))
        raise UnsafeFileError(_("{name} is an old binary Excel file (.xls). Open it in Excel or LibreOffice "
                                "and save it as .xlsx.").format(name=path.name))
    if head[:2] != b"PK":
        raise UnsafeFileError(_("{name} is not an .xlsx workbook (not a zip archive: corrupt, or another "
                                "format); save it as .xlsx.").format(name=path.name))
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
            raise UnsafeFileError(_("{name} is a corrupt or truncated zip file ({error}); open it in Excel and save "
                                    "it again.").format(name=self.path.name, error=exc)) from None
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
            raise UnsafeFileError(_("{name} has {n} parts; refusing to read it (possible zip bomb).").format(
                name=name, n=format_number(len(infos))))
        seen: set[str] = set()
        total = 0
        for info in infos:
            if info.filename in seen:
                raise UnsafeFileError(_("{name} holds the part {part} twice; programs disagree on which one counts, "
                                        "so it is refused. Save it again in Excel.").format(
                    name=name, part=info.filename))
            seen.add(info.filename)
            if info.flag_bits & 0x1:
                raise UnsafeFileError(_("{name}: part {part} is encrypted; remove the password and save a "
                                        "copy.").format(name=name, part=info.filename))
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > limits.max_member or (info.file_size > limits.ratio_from
                                                       and ratio > limits.max_ratio):
                raise UnsafeFileError(_("{name}: part {part} would expand to {size} bytes (ratio {ratio}:1); "
                                        "refusing to read a possible zip bomb.").format(
                    name=name, part=info.filename, size=format_number(info.file_size),
                    ratio=format_number(round(ratio))))
        if total > limits.max_total:
            raise UnsafeFileError(_("{name} would expand to {size} bytes (limit {limit}); refusing to read a "
                                    "possible zip bomb.").format(name=name, size=format_number(total),
                                                                 limit=format_number(limits.max_total)))
        if self.ooxml and "[Content_Types].xml" not in seen:
            raise UnsafeFileError(_("{name} is a zip archive but not an .xlsx workbook (no [Content_Types].xml); "
                                    "save it as .xlsx.").format(name=name))

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
            raise UnsafeFileError(_("{name}: part {part} cannot be decompressed ({error}); open it in Excel and "
                                    "save it again.").format(name=zf.path.name, part=info.filename,
                                                             error=exc)) from None
        texts = [head]
        if head[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in head[:4]:
            for codec in ("utf-16-le", "utf-16-be"):
                texts.append(head.decode(codec, errors="ignore").encode("ascii", errors="ignore"))
        if any(_DTD.search(text) for text in texts):
            raise UnsafeFileError(_("{name}: part {part} declares a DTD or XML entities; refusing to read it "
                                    "(possible XML entity attack).").format(name=zf.path.name, part=info.filename))


def check_workbook_file(path: str | Path, *, limits: Limits = OPENPYXL_LIMITS) -> Path:
    """Every check of this module on ``path`` (regular file, zip, sizes, XML); returns the Path."""
    path = check_container(path, limits=limits)
    with SafeZip(path, limits=limits) as zf:
        check_xml_parts(zf)
    return path


@contextmanager
def openpyxl_quiet() -> Iterator[None]:
    """Keep openpyxl's warnings about a file's content (a print area it cannot set, an extension it
    drops) out of the user's terminal: they name openpyxl's internals and ask nothing of the user."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
        yield


def open_workbook(path: str | Path, *, data_only: bool = True, read_only: bool = False,
                  limits: Limits = OPENPYXL_LIMITS, what: str = "the workbook", hint: str = "") -> Any:
    """Check ``path`` (:func:`check_workbook_file`), then load it with openpyxl, external links off.

    ``what`` and ``hint`` shape the one-line message when openpyxl cannot read the file, e.g.
    ``what="the existing workbook"``, ``hint="Move it away or use -o."``.
    """
    import openpyxl

    path = check_workbook_file(path, limits=limits)
    try:
        with openpyxl_quiet():
            return openpyxl.load_workbook(path, data_only=data_only, read_only=read_only, keep_links=False)
    except (MemoryError, RecursionError):
        text = _(what)
        raise UnsafeFileError((_("{what} {path} is too large or too deeply nested to read.").format(
            what=text[:1].upper() + text[1:], path=path) + f" {_(hint) if hint else ''}").strip()) from None
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on damaged files
        reason = " ".join(str(exc).split())[:160] or type(exc).__name__
        raise UnsafeFileError((_("Cannot read {what} {path}: {reason}.").format(what=_(what), path=path, reason=reason)
                               + f" {_(hint) if hint else ''}").strip()) from None
