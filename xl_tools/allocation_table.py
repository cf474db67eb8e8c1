"""Read a published allocation table (one amount per region) from CSV or .xlsx/.xlsm.

:func:`read_table` returns a :class:`PublishedTable`: the amount per region as printed, the
regions the table lacks, a printed total row (Summa/Totalt) if any, and the text above the
table (where a reference date may be stated). Everything wrong with the file is one
:class:`TableError` whose message is one line (Swedish by default, :mod:`xl_tools.i18n`) saying
what is wrong and how to fix it.

CSV: separator ``;``, tab or ``,``; UTF-8 with or without BOM, CP1252, or UTF-16 with BOM (Excel's
"Unicode text"); amounts may carry
Swedish digit-group spaces (also non-breaking and narrow no-break spaces) and ``kr``.
Workbooks are read with openpyxl in read-only mode (cell values only: no macros, no external
links, no formulas evaluated), after the archive's declared sizes have been checked against the
zip-bomb and entity checks (:mod:`xl_tools.safe_open`).

The table: the first column in which at least :data:`MIN_REGIONS` cells name a region (any
spelling :func:`~xl_tools.regions.resolve_region` accepts), and the first column right of it
whose cells in those rows are amounts — given the pot, the column (and in a workbook the sheet)
whose amounts sum closest to it, so that a population or percent column before the amounts, or
another pot's column, is passed over. Empty cells and ``-``, ``–``, ``NA``, ``..`` or ``saknas``
mean "no amount printed" for that region.
"""

from __future__ import annotations

import csv
import io
import math
import re
import stat
import zipfile
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from xl_tools.errors import AmountError, UnknownRegionError, XlToolsError
from xl_tools.i18n import _
from xl_tools.money import parse_amount
from xl_tools.regions import BY_CODE, REGIONS, Region, exact_region, resolve_region

if TYPE_CHECKING:
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet
    from openpyxl.worksheet.worksheet import Worksheet

MIN_REGIONS = 10
MAX_TEXT_BYTES = 2 << 20  # a table of 21 rows is a few kB; anything this large is not one
MAX_WORKBOOK_BYTES = 50 << 20
MAX_ROWS = 5_000
MAX_COLUMNS = 60
MAX_SHEETS = 50
MISSING = {"", "-", "–", "—", "na", "n/a", "..", "saknas", "uppgift saknas"}
TOTAL_LABEL = re.compile(r"^\s*(summa|totalt?|total\b|sum\b|s:a|samtliga regioner|riket|hela riket)",
                         re.IGNORECASE)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class TableError(XlToolsError):
    """A table file that cannot be read as a published allocation table (message in the current language)."""


@dataclass(frozen=True)
class TableRow:
    region: Region
    amount: int | None  # None: the table prints no amount for this region
    line: int  # row number in the file (1-based)


@dataclass
class PublishedTable:
    """A published per-region table as printed."""

    name: str
    rows: list[TableRow]
    total: int | None = None  # a printed Summa/Totalt row
    total_line: int | None = None
    heading: list[str] = field(default_factory=list)  # text cells above the table
    pot_distance: float = math.inf  # |log(sum of the amount column / pot)| for the pot it was read for

    @property
    def by_code(self) -> dict[str, int | None]:
        return {r.region.code: r.amount for r in self.rows}

    def amounts(self) -> list[int | None]:
        """One entry per region in länskod order; None where the table has no amount."""
        found = self.by_code
        return [found.get(r.code) for r in REGIONS]

    @property
    def missing(self) -> list[Region]:
        """Regions without an amount: not listed, or listed without one."""
        found = self.by_code
        return [r for r in REGIONS if found.get(r.code) is None]

    @property
    def row_sum(self) -> int:
        return sum(r.amount for r in self.rows if r.amount is not None)


def read_table(path: str | Path, *, sheet: str | None = None, cell_range: str | None = None,
               pot: int | None = None) -> PublishedTable:
    """Read the table in ``path`` (CSV, .xlsx or .xlsm); ``sheet`` and ``cell_range`` ("A1:C30")
    choose the part of a workbook; ``pot`` helps choose the amount column (:func:`parse_cells`)."""
    path = Path(path)
    _check_file(path)
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head == _OLE_MAGIC:
        with open(path, "rb") as fh:
            blob = fh.read(1 << 20)
        if "EncryptedPackage".encode("utf-16-le") in blob or "EncryptionInfo".encode("utf-16-le") in blob:
            raise TableError(_("{name} is encrypted (a password to open). Remove the password in Excel and save a "
                               "copy, or save the table as CSV.").format(name=path.name))
        raise TableError(_("{name} is an old binary Excel file (.xls). Save it as .xlsx or CSV.").format(
            name=path.name))
    if head[:2] != b"PK":
        if sheet or cell_range:
            raise TableError(_("--sheet and --range apply to workbooks (.xlsx), not to {name}.").format(name=path.name))
        return parse_cells(_csv_cells(path), path.name, pot)
    # A workbook: the sheet whose amounts sum closest to the pot (the first on ties), else the first table.
    tables: list[PublishedTable] = []
    error: TableError | None = None
    for cells in _workbook_cells(path, sheet, cell_range):
        try:
            tables.append(parse_cells(cells, path.name, pot))
        except TableError as exc:
            error = error or exc
    if tables:
        return min(enumerate(tables), key=lambda kt: (kt[1].pot_distance, kt[0]))[1]
    raise error or TableError(_("{name}: no sheet has a column of region names. Give the sheet with --sheet.").format(
        name=path.name))


def _check_file(path: Path) -> None:
    try:
        info = path.stat()
    except FileNotFoundError:
        raise TableError(_("The file {path} does not exist. Check the path.").format(path=path)) from None
    except OSError as exc:
        raise TableError(_("The file {path} cannot be read ({reason}).").format(
            path=path, reason=exc.strerror)) from None
    if stat.S_ISDIR(info.st_mode):
        raise TableError(_("{path} is a folder. Give a CSV or .xlsx file.").format(path=path))
    if not stat.S_ISREG(info.st_mode):
        raise TableError(_("{path} is not a regular file (e.g. a pipe or a device). Give a CSV or .xlsx file.").format(
            path=path))
    limit = MAX_WORKBOOK_BYTES if path.suffix.lower() in (".xlsx", ".xlsm") else MAX_TEXT_BYTES
    if info.st_size > limit:
        raise TableError(_("{name} is {size} MB, too large for an allocation table (at most {limit} MB). Save only "
                           "the table in a file of its own.").format(name=path.name, size=info.st_size // (1 << 20),
                                                                     limit=limit >> 20))
    if info.st_size == 0:
        raise TableError(_("{name} is empty.").format(name=path.name))


def _csv_cells(path: Path) -> list[list[object]]:
    raw = path.read_bytes()
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):  # Excel's "Unicode text" export
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError:
            raise TableError(_("{name} is not a readable UTF-16 text file. Save the table as CSV (UTF-8).").format(
                name=path.name)) from None
    elif b"\x00" in raw[:4096]:
        raise TableError(_("{name} is not a text file (CSV). Save the table as CSV (UTF-8) or .xlsx.").format(
            name=path.name))
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")
    lines = text.splitlines()
    if len(lines) > MAX_ROWS:
        raise TableError(_("{name} has {rows} rows; an allocation table has about twenty. Save only the table in a "
                           "file of its own.").format(name=path.name, rows=len(lines)))
    sample = "\n".join(lines[:50])
    delimiter = "\t" if "\t" in sample else ";" if ";" in sample else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        return [list(row[:MAX_COLUMNS]) for row in reader]
    except csv.Error as exc:
        raise TableError(_("{name} is not a readable CSV file ({reason}).").format(
            name=path.name, reason=exc)) from None


def _workbook_cells(path: Path, sheet: str | None, cell_range: str | None) -> list[list[list[object]]]:
    """The cells of the chosen sheet, or of every sheet (at most :data:`MAX_SHEETS`) that names regions."""
    from xl_tools.safe_open import UnsafeFileError, check_workbook_file, openpyxl_quiet

    try:
        check_workbook_file(path)  # the one gate: regular file, zip sizes and ratio, no DTD or entities
    except UnsafeFileError as exc:
        raise TableError(_("{name} cannot be read safely: {reason}").format(name=path.name, reason=exc)) from None
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with openpyxl_quiet():
            book = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False, keep_vba=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise TableError(_("{name} is not a readable workbook ({reason}). Open it in Excel and save it again, or save "
                           "the table as CSV.").format(name=path.name, reason=type(exc).__name__)) from None
    except Exception as exc:  # noqa: BLE001  (a damaged workbook can fail anywhere in the parser)
        raise TableError(_damaged(path.name, exc)) from None
    try:
        if sheet is not None:
            if sheet not in book.sheetnames:
                raise TableError(_("The sheet {sheet!r} is not in {name}; the sheets are: {sheets}.").format(
                    sheet=sheet, name=path.name, sheets=", ".join(book.sheetnames)))
            sheets = [book[sheet]]
        else:
            sheets = [book[name] for name in book.sheetnames]
        found: list[list[list[object]]] = []
        too_big: TableError | None = None
        for ws in sheets[:MAX_SHEETS]:
            if not hasattr(ws, "iter_rows"):
                continue  # a chart sheet
            try:
                cells = _sheet_cells(ws, cell_range, path.name)
            except TableError as exc:
                if sheet is not None:
                    raise
                too_big = too_big or exc  # a data dump beside the table: look at the other sheets
                continue
            if sheet is not None or _region_column(cells)[1] >= MIN_REGIONS // 2:
                found.append(cells)
        if not found and too_big is not None:
            raise too_big
        return found
    finally:
        book.close()


def _damaged(name: str, exc: Exception) -> str:
    return _("{name} is damaged and cannot be read ({reason}).").format(name=name, reason=type(exc).__name__)


def _sheet_cells(ws: Worksheet | ReadOnlyWorksheet, cell_range: str | None, name: str) -> list[list[object]]:
    from openpyxl.utils.cell import range_boundaries

    kwargs: dict[str, int | None] = {"max_col": MAX_COLUMNS}  # a sheet claiming 16 384 columns is not read that wide
    if cell_range:
        try:
            min_col, min_row, max_col, max_row = range_boundaries(cell_range.upper())
        except (ValueError, TypeError):
            raise TableError(_("--range {range!r} is not a cell range; write e.g. A1:C30.").format(
                range=cell_range)) from None
        kwargs = {"min_col": min_col, "min_row": min_row, "max_col": max_col, "max_row": max_row}
    rows: list[list[object]] = []
    try:
        # (types-openpyxl declares ReadOnlyWorksheet.iter_rows as Worksheet's, self type included)
        for row in ws.iter_rows(values_only=True, **kwargs):  # type: ignore[misc]
            rows.append(list(row[:MAX_COLUMNS]))
            if len(rows) > MAX_ROWS:
                raise TableError(_("The sheet {sheet!r} in {name} has more than {rows} rows; give the table's cell "
                                   "range with --range.").format(sheet=ws.title, name=name, rows=MAX_ROWS))
    except TableError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise TableError(_damaged(name, exc)) from None
    return rows


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _quick_region(value: object) -> Region | None:
    """The region a cell names exactly (any case, diacritics, Region/län/landsting words, genitive,
    länskod): a dictionary lookup, cheap enough for every cell of a sheet. Misspellings are
    resolved later, only for the rows of the table (:func:`_region_of`)."""
    text = _text(value)
    if not text or isinstance(value, (int, float)) or len(text) > 60 or TOTAL_LABEL.match(text):
        return None
    if text.isdigit():
        return BY_CODE.get(f"{int(text):02d}") if len(text) <= 2 else None
    return exact_region(text)  # länsbokstäver (AB, X) are too easily other things in a table: not here


def _region_of(value: object) -> Region | None:
    """The region a cell names, close misspellings included ("Stokholm"), or None."""
    quick = _quick_region(value)
    if quick is not None:
        return quick
    text = _text(value)
    if not text or isinstance(value, (int, float)) or len(text) > 60 or TOTAL_LABEL.match(text) \
            or len(text) < 3 or text.replace(" ", "").isdigit():
        return None
    try:
        return resolve_region(text)
    except UnknownRegionError:
        return None


def _region_column(cells: list[list[object]]) -> tuple[int | None, int]:
    """The first column naming regions (names preferred to länskoder) and its number of exact names."""
    width = max((len(r) for r in cells), default=0)
    counts = [sum(1 for row in cells if c < len(row) and _quick_region(row[c]) is not None) for c in range(width)]
    best = max(counts, default=0)
    need = min(MIN_REGIONS // 2, best) or 1
    codes: int | None = None
    for col, count in enumerate(counts):
        if count < need:
            continue
        names = [row[col] for row in cells if col < len(row) and _quick_region(row[col]) is not None]
        if all(_text(v).isdigit() for v in names):
            codes = col if codes is None else codes
            continue
        return col, count
    return codes, (counts[codes] if codes is not None else 0)


def _table_span(cells: list[list[object]], col: int) -> tuple[int, int]:
    """First and last row of the table: the exact region names, widened over neighbouring rows whose
    label is a close misspelling of a region (a misspelt first or last region)."""
    rows = [r for r, row in enumerate(cells) if col < len(row) and _quick_region(row[col]) is not None]
    first, last = rows[0], rows[-1]
    while first > 0 and col < len(cells[first - 1]) and _region_of(cells[first - 1][col]) is not None:
        first -= 1
    while last + 1 < len(cells) and col < len(cells[last + 1]) and _region_of(cells[last + 1][col]) is not None:
        last += 1
    return first, last


def _amount(value: object, where: str) -> int | None:
    """A printed amount in whole kronor; None for a missing-amount marker."""
    if isinstance(value, bool):
        raise TableError(_("{where}: {value!r} is not an amount.").format(where=where, value=value))
    if value is None or (isinstance(value, str) and value.strip().lower() in MISSING):
        return None
    if isinstance(value, str) and value.strip().startswith(("-", "−", "–")):
        raise TableError(_negative(where, repr(value.strip())))
    if isinstance(value, (int, float)) and value < 0:
        raise TableError(_negative(where, value))
    try:
        amount = parse_amount(value.replace("\u2212", "-") if isinstance(value, str) else value,
                              what="amount")
    except AmountError:
        raise TableError(_("{where}: {value!r} is not an amount. Write whole kronor, e.g. 42 569 204, or leave the "
                           "cell empty if the amount is missing.").format(
            where=where, value=_text(value)[:40])) from None
    if not isinstance(amount, Fraction) or amount.denominator != 1:
        raise TableError(_("{where}: the amount {value!r} has öre; the table must have whole kronor.").format(
            where=where, value=_text(value)))
    return int(amount)


def _negative(where: str, value: object) -> str:
    return _("{where}: the amount {value} is negative. An allocation table has amounts ≥ 0 kr; correct the "
             "row.").format(where=where, value=value)


def _amount_columns(cells: list[list[object]], region_rows: list[int], region_col: int) -> list[tuple[int, float]]:
    """The columns right of the region names whose cells in the region rows are mostly numbers,
    in order, each with the sum of the numbers it holds (for choosing by the pot)."""
    width = max((len(cells[r]) for r in region_rows), default=0)
    found: list[tuple[int, float]] = []
    for col in range(region_col + 1, width):
        values = [cells[r][col] for r in region_rows if col < len(cells[r])]
        numeric, total = 0, 0.0
        for v in values:
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                numeric += 1
                total += float(v)
            elif isinstance(v, str) and v.strip() and v.strip().lower() not in MISSING:
                try:
                    total += float(parse_amount(v.replace("\u2212", "-"), what="amount"))
                    numeric += 1
                except AmountError:
                    if re.search(r"\d", v):
                        numeric += 1  # a damaged amount: reported on its row
        if numeric * 2 >= len(values):
            found.append((col, total))
    return found


def _choose_amounts(columns: list[tuple[int, float]], pot: int | None) -> int | None:
    """The first amount column, or with a pot the one whose sum is closest to it (a population, share
    or percent column before the amounts is passed over, and of several pots the right one)."""
    if not columns:
        return None
    if pot:
        fitting = [(_distance(total, pot), k, col) for k, (col, total) in enumerate(columns)]
        best = min(fitting)
        if best[0] != math.inf:
            return best[2]
    return columns[0][0]


def _distance(total: float, pot: int) -> float:
    """How far a column's sum is from the pot (|log ratio|); inf outside a twentieth to three times."""
    if not pot / 20 <= total <= pot * 3:
        return math.inf
    return abs(math.log(total / pot))


def parse_cells(cells: list[list[object]], name: str, pot: int | None = None) -> PublishedTable:
    """Find the region and amount columns in rows of cells and read the table. The amounts are the
    first numeric column right of the region names; given the ``pot``, the one whose sum is closest to
    it (within a twentieth to three times it; the first on ties)."""
    col, exact_names = _region_column(cells)
    if col is None:
        raise TableError(_("{name}: no column of region names. The table must have one row per region, with the "
                           "region's name in one column and the amount to the right of it.").format(name=name))
    first, last = _table_span(cells, col)
    region_rows = [r for r in range(first, last + 1) if col < len(cells[r]) and _text(cells[r][col])
                   and not TOTAL_LABEL.match(_text(cells[r][col]))]
    columns = _amount_columns(cells, region_rows, col)
    amount_col = _choose_amounts(columns, pot)
    if amount_col is None:
        raise TableError(_("{name}: no column of amounts to the right of the region names (column {column}).").format(
            name=name, column=col + 1))
    table = PublishedTable(name=name, rows=[])
    table.pot_distance = min((_distance(total, pot) for c, total in columns if c == amount_col and pot),
                             default=math.inf)
    table.heading = [_text(v) for row in cells[:first] for v in row if isinstance(v, str) and _text(v)]
    seen: dict[str, int] = {}
    for r in range(first, len(cells)):
        row = cells[r]
        label = _text(row[col]) if col < len(row) else ""
        value = row[amount_col] if amount_col < len(row) else None
        where = _("{table}, row {line}").format(table=name, line=r + 1)
        if TOTAL_LABEL.match(label) or any(TOTAL_LABEL.match(_text(v)) for v in row[:col] if isinstance(v, str)):
            if table.total is None and r > first:
                table.total = _amount(value, where)
                table.total_line = r + 1
            continue
        if not label or r > last:
            continue  # blank rows, notes under the table
        region = _region_of(row[col])
        if region is None:
            raise TableError(_("{where}: {label!r} is not a region. Write the region's name (e.g. Stockholm, Region "
                               "Skåne, Västra Götalandsregionen) or delete the row.").format(where=where,
                                                                                            label=label[:40]))
        if region.code in seen:
            raise TableError(_("{where}: {region} appears twice (also on row {line}). Delete the duplicate.").format(
                where=where, region=region.name, line=seen[region.code]))
        seen[region.code] = r + 1
        table.rows.append(TableRow(region, _amount(value, where), r + 1))
    with_amount = [row for row in table.rows if row.amount is not None]
    if len(with_amount) < MIN_REGIONS:
        text = _("{name}: only {count} regions in the table have an amount; at least {least} are needed to tell the "
                 "population and the rounding.").format(name=name, count=len(with_amount), least=MIN_REGIONS)
        if not with_amount and name.lower().endswith((".xlsx", ".xlsm")):
            text += " " + _("Are the amounts formulas without saved values? Open the file in Excel or LibreOffice "
                            "and save it.")
        raise TableError(text)
    return table
