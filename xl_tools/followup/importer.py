"""``xl-tools import``: fill a villkor 3 compilation workbook's input sheet from a CSV or xlsx.

The source has one row per region and the same columns as the sheet *Indata ÅR*:
a region column (names as people write them, misspellings such as "Norrbottn"
accepted), then one column per treatment form and provider/sex ("Privat KBT",
"KBT kvinnor" ...) and the contact columns. A two-row header (group row above form
row, as in the workbook itself) works too. Counts may be written "18 545".

The import replaces that year's counts: regions not in the file become *Saknas*.
Rows that name no region are reported and skipped; a negative count, text in a number
column or a region given twice stops the import with nothing written. The workbook
is regenerated atomically (:func:`xl_tools.followup.compilation.generate_compilation`).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xl_tools.agreement import TEMPLATE_DIR
from xl_tools.errors import UnknownRegionError, XlToolsError
from xl_tools.followup.compilation import (
    Compilation,
    Reports,
    fold,
    generate_compilation,
    load_compilation,
    read_reports,
)
from xl_tools.i18n import N_, _
from xl_tools.money import format_number, parse_count
from xl_tools.pipeline import PLAIN_ID, find_template
from xl_tools.regions import REGIONS, resolve_region
from xl_tools.safe_open import CSV_MAX_BYTES, check_regular_file, open_workbook
from xl_tools.workbook.generate import GenerateResult

_REGION_HEADERS = {"region", "lan", "landsting", "region lan", "regionnamn", "namn"}
_TOTAL_ROWS = {"summa", "totalt", "riket", "total", "samtliga regioner"}
_GROUP_WORDS = {"P": {"privat", "privata"}, "O": {"offentlig", "offentliga"}, "M": {"man"},
                "K": {"kvinnor", "kvinna"}}
_FILLER = {"behandlingar", "behandling", "per", "form", "antal", "vardgivare", "kon"}


@dataclass
class ImportResult:
    """What an import read, placed and could not place."""

    year: int
    regions: dict[str, dict[str, int]] = field(default_factory=dict)
    unplaced: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    generated: GenerateResult | None = None

    def summary(self) -> str:
        text = _("Imported {n} region(s) for {year}.").format(n=len(self.regions), year=self.year)
        if self.missing:
            text += " " + _("Missing (shown as Saknas): {regions}.").format(regions=", ".join(self.missing))
        if self.unplaced:
            text += " " + _("Could not place {n} row(s): {rows}").format(n=len(self.unplaced),
                                                                         rows="; ".join(self.unplaced[:5]))
            if len(self.unplaced) > 5:
                text += f" … (+{len(self.unplaced) - 5})"
        if self.ignored_columns:
            text += " " + _("Ignored column(s): {columns}.").format(columns=", ".join(self.ignored_columns))
        return text


def read_rows(source: Path, year: int | None = None) -> list[list[Any]]:
    """The cells of a CSV (delimiter sniffed) or of an xlsx sheet (``Indata ÅR`` if present, else the first).

    The file goes through :mod:`xl_tools.safe_open` first (a regular file; for an xlsx the zip-bomb,
    entity and size checks); a CSV must be UTF-8 or Windows-1252 text of at most
    :data:`~xl_tools.safe_open.CSV_MAX_BYTES`, with no field longer than :data:`MAX_FIELD`.
    """
    if source.suffix.lower() in (".xlsx", ".xlsm"):
        wb = open_workbook(source, data_only=True, read_only=True, what="the report",
                           hint=N_("Save it again as .xlsx or .csv and import again."))
        try:
            name = f"Indata {year}" if year is not None and f"Indata {year}" in wb.sheetnames else wb.sheetnames[0]
            # Bounded: a cell at XFD1048576 must not make every row 16 384 cells long.
            rows = [list(r) for r in wb[name].iter_rows(values_only=True, max_row=MAX_ROWS + 1,
                                                        max_col=MAX_COLUMNS)]
        except XlToolsError:
            raise
        except Exception as exc:  # noqa: BLE001 - openpyxl reads lazily: damage shows up here
            raise XlToolsError(_("Cannot read the report {file}: {error}. Save it again as .xlsx or .csv and import "
                                 "again.").format(file=source, error=" ".join(str(exc).split())[:160])) from None
        finally:
            wb.close()
        if len(rows) > MAX_ROWS:
            raise XlToolsError(_("{name} has more than {n} rows; a report has one row per region.").format(
                name=source.name, n=format_number(MAX_ROWS)))
        return rows
    if source.suffix.lower() not in (".csv", ".txt"):
        raise XlToolsError(_("{name}: import reads .csv or .xlsx files; save it as one of those.").format(
            name=source.name))
    check_regular_file(source, what="report", max_bytes=CSV_MAX_BYTES)
    return parse_csv_bytes(source.read_bytes(), source.name)


MAX_FIELD = 4096
"""Longest cell of a CSV report (a region name or a count is a few dozen characters)."""
MAX_ROWS = 10_000
"""Most rows read from a report (it has one row per region)."""
MAX_UNPLACED = 100
"""Rows naming no region before the import stops: a report has 21 regions (and maybe a few notes)."""
MAX_COLUMNS = 200
"""Columns read from an xlsx report (it has a region column and about 30 count columns)."""


def parse_csv_bytes(raw: bytes, name: str = "source") -> list[list[Any]]:
    """The cells of CSV bytes: UTF-8 (with or without BOM) or Windows-1252; delimiter ``;``, ``,`` or tab."""
    text = None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        raise XlToolsError(_("{name} is neither UTF-8 nor Windows-1252 text (mixed or another encoding); save it "
                             "as 'CSV UTF-8' and import again.").format(name=name))
    if "\x00" in text:
        raise XlToolsError(_("{name} holds NUL characters, so it is not a text file; save it as 'CSV "
                             "UTF-8'.").format(name=name))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=";,\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ";"
    lines = text.splitlines()
    if len(lines) > MAX_ROWS:
        raise XlToolsError(_("{name} has {n} lines; a report has one row per region (at most {most} lines are "
                             "read).").format(name=name, n=format_number(len(lines)), most=format_number(MAX_ROWS)))
    rows = []
    try:
        for n, row in enumerate(csv.reader(lines, delimiter=delimiter), start=1):
            if any(len(cell) > MAX_FIELD for cell in row):
                raise XlToolsError(_("{name} line {n} has a cell longer than {most} characters; check the file (one "
                                     "region per row, a count per column).").format(
                    name=name, n=n, most=format_number(MAX_FIELD)))
            rows.append(list(row))
    except csv.Error as exc:
        raise XlToolsError(_("{name} is not a readable CSV file ({error}); save it as 'CSV UTF-8'.").format(
            name=name, error=exc)) from None
    return rows


def _column_key(text: str, c: Compilation) -> str | None:
    """The input key (P_KBT, TOT ...) a folded header names, or None."""
    if "arbetsformedling" in text:
        return "AF"
    if "arbetsgivare" in text:
        return "AG"
    words = text.split()
    if "totalt" in words and ("behandlingar" in words or "kontakter" in words or len(words) == 1):
        return "TOT"
    group = next((g for g, ws in _GROUP_WORDS.items() if ws & set(words)), None)
    if group is None:
        return None
    rest = [w for w in words if w not in _GROUP_WORDS[group]]

    def strip(text: str) -> str:
        return " ".join(w for w in text.split() if w not in _FILLER)

    for form in c.forms:
        names = {fold(form.id), fold(form.namn), *(fold(a) for a in form.alias)}
        if " ".join(rest) in names or strip(" ".join(rest)) in {strip(n) for n in names}:
            return f"{group}_{form.id}"
    return None


def parse_reports(rows: list[list[Any]], c: Compilation, year: int, source: str = "source") -> ImportResult:
    """Turn a table of reports into counts per region (raises on bad numbers and duplicates)."""
    result = ImportResult(year=year)
    header_row = next((i for i, row in enumerate(rows[:15])
                       if any(fold(v) in _REGION_HEADERS for v in row)), None)
    if header_row is None:
        raise XlToolsError(_("{file}: no header row with a 'Region' column in the first 15 rows; add one (the same "
                             "columns as the sheet Indata).").format(file=source))
    header = rows[header_row]
    region_col = next(i for i, v in enumerate(header) if fold(v) in _REGION_HEADERS)
    above: list[Any] = rows[header_row - 1] if header_row > 0 else []
    group_text, groups = "", []
    for i in range(len(header)):
        value = above[i] if i < len(above) else None
        if value not in (None, ""):
            group_text = str(value)
        groups.append(group_text)
    columns: dict[int, str] = {}
    for i, value in enumerate(header):
        if i == region_col or value in (None, "") or fold(value) in ("lanskod", "kod"):
            continue
        key = _column_key(fold(value), c) or _column_key(fold(f"{groups[i]} {value}"), c)
        if key is None:
            result.ignored_columns.append(str(value))
        elif key in columns.values():
            raise XlToolsError(_("{file}: two columns mean {key} ({value}); remove one and import again.").format(
                file=source, key=key, value=repr(value)))
        else:
            columns[i] = key
    if not columns:
        raise XlToolsError(_("{file}: no column matches a treatment form or contact column; use headers such as "
                             "'Privat KBT', 'Kvinnor MMR nivå 1', 'Kontakt arbetsgivare'.").format(file=source))
    seen: dict[str, int] = {}
    for n, row in enumerate(rows[header_row + 1:], start=header_row + 2):
        label = row[region_col] if region_col < len(row) else None
        cells = {key: row[i] if i < len(row) else None for i, key in columns.items()}
        if label in (None, "") and all(v in (None, "") for v in cells.values()):
            continue
        if fold(label) in _TOTAL_ROWS:
            continue
        try:
            region = resolve_region(label)
        except UnknownRegionError as exc:
            result.unplaced.append(_("row {n}: {error}").format(n=n, error=exc))
            if len(result.unplaced) > MAX_UNPLACED:
                raise XlToolsError(_("{file}: more than {most} rows name no region ({first}); is it the right file? "
                                     "Nothing was imported.").format(file=source, most=MAX_UNPLACED,
                                                                     first=result.unplaced[0])) from None
            continue
        if region.code in seen:
            raise XlToolsError(_("{file}: {region} appears twice (rows {first} and {second}); keep one row per region "
                                 "and import again. Nothing was written.").format(
                file=source, region=region.name, first=seen[region.code], second=n))
        seen[region.code] = n
        counts: dict[str, int] = {}
        for i, key in columns.items():
            try:
                count = parse_count(cells[key])
            except XlToolsError as exc:
                raise XlToolsError(_("{file} row {n} ({region}), column {column}: {error}. Fix the file and import "
                                     "again; nothing was written.").format(
                    file=source, n=n, region=region.name, column=repr(header[i]), error=exc)) from None
            if count is not None:
                counts[key] = count
        if counts:
            result.regions[region.code] = counts
    result.missing = [r.name for r in REGIONS if r.code not in result.regions]
    if not result.regions:
        raise XlToolsError((_("{file}: no region row with a count ({n} row(s) name no region: {first}); nothing was "
                              "imported (an empty import would mark all 21 regions Saknas).") if result.unplaced else
                            _("{file}: no region row with a count; nothing was imported (an empty import would mark "
                              "all 21 regions Saknas).")).format(
            file=source, n=len(result.unplaced), first=result.unplaced[0] if result.unplaced else ""))
    return result


def template_of(workbook: Path, template_dir: Path = TEMPLATE_DIR) -> Compilation:
    """The compilation template a workbook was generated from (its id is on the Info sheet)."""
    if not workbook.exists():
        raise XlToolsError(_("No such workbook: {file}. Build it first with 'xl-tools build'.").format(file=workbook))
    wb = open_workbook(workbook, data_only=True, read_only=True, what="the workbook",
                       hint=N_("Import into the workbook 'xl-tools build' made."))
    try:
        template_id = wb["Info"]["B3"].value if "Info" in wb.sheetnames else None
    finally:
        wb.close()
    try:
        # The id chooses a file: a plain name only, never a path out of the templates folder.
        if not isinstance(template_id, str) or not PLAIN_ID.match(template_id):
            raise XlToolsError("not a template id")
        path = find_template(template_id, template_dir)  # by id: the file name may differ
    except XlToolsError:
        raise XlToolsError(_("{file} is not a villkor 3 compilation workbook built from a template (Info!B3 = "
                             "{id}); import into the workbook 'xl-tools build' made.").format(
            file=workbook, id=repr(template_id))) from None
    return load_compilation(path)


def import_reports(source: str | Path, workbook: str | Path, year: int | None = None, *,
                   template_dir: Path = TEMPLATE_DIR) -> ImportResult:
    """Import ``source`` into the input sheet of ``year`` (default: the template's year) of ``workbook``."""
    source, workbook = Path(source), Path(workbook)
    c = template_of(workbook, template_dir)
    year = c.ar if year is None else year
    if year not in c.years:
        raise XlToolsError(_("{name} holds {year1} and {year2}, not {year}; use --ar {year1} or --ar {year2}.").format(
            name=workbook.name, year1=c.ar, year2=c.foregaende_ar, year=year))
    result = parse_reports(read_rows(source, year), c, year, source.name)
    reports, carry = read_reports(workbook, c)
    if carry.unplaced:
        raise XlToolsError(_("{file}: {problem}; fix it in the workbook and import again.").format(
            file=workbook, problem=carry.unplaced[0]))
    merged = Reports(data={y: dict(v) for y, v in reports.data.items()})
    merged.data[year] = result.regions
    result.generated = generate_compilation(c, workbook, reports=merged)
    return result
