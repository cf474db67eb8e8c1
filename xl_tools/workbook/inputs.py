"""What the user types into a workbook, and reading it back for regeneration.

Input cells are found through defined names written by the generator, not by cell
address: ``in_<post>`` is the input column of a post on its villkor sheet (Uppfyllt
Ja/Nej, or number of contacts), ``in_Befolkning_<date>`` a population column the
user fills in because the data is not shipped. Each row is matched to its region by
the länskod (or region name) in column A/B of the same row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xl_tools.agreement import Agreement, Post
from xl_tools.errors import UnknownRegionError, XlToolsError
from xl_tools.i18n import N_, _
from xl_tools.money import parse_count
from xl_tools.regions import BY_CODE, REGIONS, resolve_region

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
    raise XlToolsError(_("{value} is not Ja or Nej").format(value=repr(value)))


def parse_amount_cell(value: object) -> int | float | None:
    """A non-negative amount of kronor typed in a cell ('3 823 518' and '12,50' allowed); blank → None.
    Read by :func:`xl_tools.money.parse_amount`, the one amount parser."""
    from xl_tools.money import parse_amount

    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    amount = parse_amount(value, what="amount of kronor")
    return int(amount) if amount.denominator == 1 else float(amount)


@dataclass
class CarryReport:
    """What regeneration carried over from the old workbook, and what it could not place."""

    carried: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # carried cells that differ from the default
    unplaced: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if not self.carried and not self.unplaced:
            return _("No inputs to carry over.")
        text = _("Carried over {n} input cell(s), {changed} of them not the default").format(
            n=len(self.carried), changed=len(self.changed))
        text += (": " + ", ".join(self.changed[:8]) + (" …" if len(self.changed) > 8 else "") + ".") if self.changed \
            else "."
        if self.unplaced:
            text += " " + _("Could not place {n}:").format(n=len(self.unplaced)) + " " + "; ".join(self.unplaced[:5])
            if len(self.unplaced) > 5:
                text += f" … (+{len(self.unplaced) - 5})"
        return text


def read_inputs(path: Path, agreement: Agreement) -> tuple[Inputs, CarryReport]:
    """Read the inputs a user typed into an existing workbook of this agreement
    (through :func:`read_named_inputs`, the one reader of input cells for every kind)."""
    named = read_named_inputs(path, _region_code)
    report = CarryReport(unplaced=list(named.unplaced))
    inputs = Inputs()
    known_posts = {input_name(p): p for p in agreement.region_posts()}
    known_dates = {population_input_name(d): d for d in agreement.reference_dates()}
    for name, by_code in sorted(named.values.items()):
        target_post = known_posts.get(name)
        target_date = known_dates.get(name)
        sheet, column = named.where[name]
        for code, value in by_code.items():
            where = f"{sheet}!{column}{named.rows[name][code]}"
            if target_post is None and target_date is None:
                if value not in (None, "") and not _is_default(name, value):
                    report.unplaced.append(_("{cell} ({name}): this input no longer exists in the template").format(
                        cell=where, name=name))
                continue
            try:
                if target_date is not None:
                    count = parse_count(value)
                    if count is not None:
                        inputs.population.setdefault(target_date, {})[code] = count
                        report.carried.append(where)
                        report.changed.append(where)
                elif target_post is None:
                    continue  # not reached: a name that is neither a post nor a date was skipped above
                elif target_post.regel == "amount_per_region":
                    amount = parse_amount_cell(value)
                    default = target_post.belopp_per_region.get(code, 0)
                    if amount is not None and amount != default:
                        inputs.amounts.setdefault(target_post.id, {})[code] = amount
                        report.carried.append(where)
                        report.changed.append(where)
                elif target_post.regel == "per_unit_capped":
                    count = parse_count(value)
                    if count is not None:
                        inputs.units.setdefault(target_post.id, {})[code] = count
                        report.carried.append(where)
                        if count:
                            report.changed.append(where)
                else:
                    flag = parse_flag(value)
                    if flag is not None:
                        inputs.flags.setdefault(target_post.id, {})[code] = flag
                        report.carried.append(where)
                        if not flag:
                            report.changed.append(where)
            except XlToolsError as exc:
                report.unplaced.append(f"{where} ({BY_CODE[code].name}): {exc}")
    return inputs, report


def _region_code(label: object) -> str | None:
    """The länskod of a row's region label (column A), None for a row that is not a region."""
    try:
        return resolve_region(label).code
    except UnknownRegionError:
        return None


@dataclass
class NamedInputs:
    """Input cells read back from a workbook: ``values[name][row key] = cell value``."""

    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    unplaced: list[str] = field(default_factory=list)
    carried: int = 0
    where: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (sheet, column letter)
    rows: dict[str, dict[str, int]] = field(default_factory=dict)  # name -> row key -> row number

    def get(self, name: str, key: str, default: Any = None) -> Any:
        return self.values.get(name, {}).get(key, default)


def read_named_inputs(path: Path, key_of: Callable[[Any], str | None] = lambda v: None if v is None else str(v)
                      ) -> NamedInputs:
    """Read every ``in_*`` named column of an existing workbook, keyed by column A of each row.

    ``key_of`` turns the column-A text into a row key (None: not an input row).
    """
    from openpyxl.utils.cell import range_boundaries

    from xl_tools.safe_open import open_workbook

    wb = open_workbook(path, data_only=True, what="the existing workbook", hint=N_("Move it away and build again."))
    result = NamedInputs()
    for name, dn in sorted(wb.defined_names.items()):
        if not name.startswith("in_"):
            continue
        destinations = list(dn.destinations)
        if len(destinations) != 1 or destinations[0][0] not in wb.sheetnames:
            result.unplaced.append(_("{name}: its range is not one block of cells on an existing sheet").format(
                name=name))
            continue
        sheet_name, ref = destinations[0]
        ws = wb[sheet_name]
        min_col, min_row, _max_col, max_row = range_boundaries(ref.replace("$", ""))
        if min_col is None or min_row is None or max_row is None:
            result.unplaced.append(f"{name}: its range is whole rows or columns, not one block of cells")
            continue
        column = result.values.setdefault(name, {})
        result.where[name] = (sheet_name, ws.cell(row=min_row, column=min_col).column_letter)
        rows = result.rows.setdefault(name, {})
        for row in range(min_row, max_row + 1):
            key = key_of(ws.cell(row=row, column=1).value)
            value = ws.cell(row=row, column=min_col).value
            if key is None:
                if value not in (None, ""):
                    result.unplaced.append(_("{cell}: the row has no key in column A").format(
                        cell=f"{sheet_name}!{ws.cell(row=row, column=min_col).coordinate}"))
                continue
            column[key] = value
            rows[key] = row
            result.carried += 1
    wb.close()
    return result



def _is_default(name: str, value: object) -> bool:
    return value in (YES, 0, "0")


def validate_inputs(inputs: Inputs, agreement: Agreement) -> None:
    """Raise a readable error for inputs that do not fit the agreement."""
    ids = {p.id for p in agreement.region_posts()}
    codes = {r.code for r in REGIONS}
    for group in (inputs.flags, inputs.units, inputs.amounts):
        for post_id, by_code in group.items():
            if post_id not in ids:
                raise XlToolsError(_("Input for unknown post {post}; posts are {posts}.").format(
                    post=repr(post_id), posts=", ".join(sorted(ids))))
            for code, value in by_code.items():
                if code not in codes:
                    raise XlToolsError(_("Input for unknown länskod {code} in post {post}.").format(
                        code=repr(code), post=post_id))
                if group is inputs.units and (not isinstance(value, int) or value < 0):
                    raise XlToolsError(_("Contacts for {code} in {post} must be a non-negative whole number.").format(
                        code=code, post=post_id))
