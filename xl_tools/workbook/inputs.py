"""What the user types into a workbook, and reading it back for regeneration.

Input cells are found through defined names written by the generator, not by cell
address: ``in_<post>`` is the input column of a post on its villkor sheet (Uppfyllt
Ja/Nej, or number of contacts), ``in_Befolkning_<date>`` a population column the
user fills in because the data is not shipped. Each row is matched to its region by
the länskod (or region name) in column A/B of the same row.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from xl_tools.agreement import Agreement, Post
from xl_tools.errors import UnknownRegionError, XlToolsError
from xl_tools.regions import REGIONS, resolve_region

YES = "Ja"
NO = "Nej"
_YES_WORDS = {"ja", "j", "yes", "y", "x", "1", "true", "sant", "uppfyllt"}
_NO_WORDS = {"nej", "n", "no", "0", "false", "falskt", "ej uppfyllt", "ej"}


@dataclass
class Inputs:
    """The user's inputs: which regions met which post's villkor, contacts, typed populations."""

    flags: dict[str, dict[str, bool]] = field(default_factory=dict)
    units: dict[str, dict[str, int]] = field(default_factory=dict)
    population: dict[dt.date, dict[str, int]] = field(default_factory=dict)
    amounts: dict[str, dict[str, int | float]] = field(default_factory=dict)

    def amount(self, post: Post, code: str) -> int | float:
        """A typed amount per region: what the user typed, else the template's ``belopp_per_region``."""
        if code in self.amounts.get(post.id, {}):
            return self.amounts[post.id][code]
        default = post.belopp_per_region.get(code, 0)
        return int(default) if default.denominator == 1 else float(default)

    def flag(self, post_id: str, code: str) -> bool:
        return self.flags.get(post_id, {}).get(code, True)

    def unit(self, post_id: str, code: str) -> int:
        return self.units.get(post_id, {}).get(code, 0)


def input_name(post: Post) -> str:
    return f"in_{post.name_id}"


def population_input_name(date: dt.date) -> str:
    return f"in_Befolkning_{date.isoformat().replace('-', '_')}"


def parse_flag(value: object) -> bool | None:
    """'Ja' → True, 'Nej' → False, blank → None; anything else raises."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _YES_WORDS:
        return True
    if text in _NO_WORDS:
        return False
    raise XlToolsError(f"{value!r} is not Ja or Nej")


def parse_count(value: object) -> int | None:
    """A non-negative whole number ('18 545' allowed); blank → None; anything else raises."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise XlToolsError(f"{value!r} is not a whole number")
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = re.sub(r"[\s\u00a0\u202f]", "", str(value)).replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            raise XlToolsError(f"{value!r} is not a whole number") from None
    if number < 0 or not number.is_integer():
        raise XlToolsError(f"{value!r} is not a non-negative whole number")
    return int(number)


def parse_amount_cell(value: object) -> int | float | None:
    """A non-negative amount of kronor typed in a cell ('3 823 518' and '12,50' allowed); blank → None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise XlToolsError(f"{value!r} is not an amount of kronor")
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = re.sub(r"[\s\u00a0\u202f]", "", str(value)).replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            raise XlToolsError(f"{value!r} is not an amount of kronor") from None
    if number < 0 or number != number:
        raise XlToolsError(f"{value!r} is not an amount of kronor (0 or more)")
    return int(number) if number.is_integer() else number


@dataclass
class CarryReport:
    """What regeneration carried over from the old workbook, and what it could not place."""

    carried: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # carried cells that differ from the default
    unplaced: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if not self.carried and not self.unplaced:
            return "No inputs to carry over."
        text = f"Carried over {len(self.carried)} input cell(s), {len(self.changed)} of them not the default"
        text += (": " + ", ".join(self.changed[:8]) + (" …" if len(self.changed) > 8 else "") + ".") if self.changed \
            else "."
        if self.unplaced:
            text += f" Could not place {len(self.unplaced)}: " + "; ".join(self.unplaced[:5])
            if len(self.unplaced) > 5:
                text += f" … (+{len(self.unplaced) - 5})"
        return text


def read_inputs(path: Path, agreement: Agreement) -> tuple[Inputs, CarryReport]:
    """Read the inputs a user typed into an existing workbook of this agreement."""
    import openpyxl
    from openpyxl.utils.cell import range_boundaries

    if not zipfile.is_zipfile(path):
        raise XlToolsError(
            f"{path} is not an .xlsx workbook (corrupt, encrypted or another format); "
            "move it away or regenerate to another file with -o."
        )
    try:
        wb = openpyxl.load_workbook(path, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds on damaged files
        raise XlToolsError(f"Cannot read the existing workbook {path}: {exc}. Move it away or use -o.") from None
    names = {name: dn for name, dn in wb.defined_names.items()}
    report = CarryReport()
    inputs = Inputs()
    known_posts = {input_name(p): p for p in agreement.region_posts()}
    known_dates = {population_input_name(d): d for d in agreement.reference_dates()}
    for name, dn in sorted(names.items()):
        if not name.startswith("in_"):
            continue
        destinations = list(dn.destinations)
        if len(destinations) != 1:
            report.unplaced.append(f"{name}: its range is not one block of cells")
            continue
        sheet_name, ref = destinations[0]
        if sheet_name not in wb.sheetnames:
            report.unplaced.append(f"{name}: sheet {sheet_name!r} no longer exists")
            continue
        ws = wb[sheet_name]
        min_col, min_row, max_col, max_row = range_boundaries(ref.replace("$", ""))
        target_post = known_posts.get(name)
        target_date = known_dates.get(name)
        for row in range(min_row, max_row + 1):
            value = ws.cell(row=row, column=min_col).value
            label = ws.cell(row=row, column=1).value or ws.cell(row=row, column=2).value
            where = f"{sheet_name}!{ws.cell(row=row, column=min_col).coordinate}"
            try:
                region = resolve_region(label)
            except UnknownRegionError:
                if value not in (None, ""):
                    report.unplaced.append(f"{where}: row region {label!r} is not a region")
                continue
            if target_post is None and target_date is None:
                if value not in (None, "") and not _is_default(name, value):
                    report.unplaced.append(f"{where} ({name}): this input no longer exists in the template")
                continue
            try:
                if target_date is not None:
                    count = parse_count(value)
                    if count is not None:
                        inputs.population.setdefault(target_date, {})[region.code] = count
                        report.carried.append(where)
                        report.changed.append(where)
                elif target_post.regel == "amount_per_region":
                    amount = parse_amount_cell(value)
                    default = target_post.belopp_per_region.get(region.code, 0)
                    if amount is not None and amount != default:
                        inputs.amounts.setdefault(target_post.id, {})[region.code] = amount
                        report.carried.append(where)
                        report.changed.append(where)
                elif target_post.regel == "per_unit_capped":
                    count = parse_count(value)
                    if count is not None:
                        inputs.units.setdefault(target_post.id, {})[region.code] = count
                        report.carried.append(where)
                        if count:
                            report.changed.append(where)
                else:
                    flag = parse_flag(value)
                    if flag is not None:
                        inputs.flags.setdefault(target_post.id, {})[region.code] = flag
                        report.carried.append(where)
                        if not flag:
                            report.changed.append(where)
            except XlToolsError as exc:
                report.unplaced.append(f"{where} ({region.name}): {exc}")
    wb.close()
    return inputs, report


def _is_default(name: str, value: object) -> bool:
    return value in (YES, 0, "0")


def validate_inputs(inputs: Inputs, agreement: Agreement) -> None:
    """Raise a readable error for inputs that do not fit the agreement."""
    ids = {p.id for p in agreement.region_posts()}
    codes = {r.code for r in REGIONS}
    for group in (inputs.flags, inputs.units, inputs.amounts):
        for post_id, by_code in group.items():
            if post_id not in ids:
                raise XlToolsError(f"Input for unknown post {post_id!r}; posts are {', '.join(sorted(ids))}.")
            for code, value in by_code.items():
                if code not in codes:
                    raise XlToolsError(f"Input for unknown länskod {code!r} in post {post_id}.")
                if group is inputs.units and (not isinstance(value, int) or value < 0):
                    raise XlToolsError(f"Contacts for {code} in {post_id} must be a non-negative whole number.")
