"""Consistency of the regions' villkor 3 reports (XL040–XL043): a hand-made report with a
provider table (privat/offentlig) and a sex table (män/kvinnor) side by side for the 21 regions."""

from __future__ import annotations

import xl_tools.audit.rules.reports  # noqa: F401  (registers XL040–XL043 even before rules/__init__ lists it)
from xl_tools.audit.model import column_letter
from xl_tools.regions import REGIONS

RULES = ["XL040", "XL041", "XL042", "XL043"]
FORMS = ["KBT", "MMR nivå 1", "IPT"]
NAMES = [r.name for r in REGIONS]


def counts(i: int) -> tuple[list[int], list[int], list[int], list[int]]:
    """Privat, offentlig, män, kvinnor per form for region number ``i`` (consistent)."""
    privat = [10 * i + 3, 2 * i + 1, i + 4]
    offentlig = [40 * i + 7, 5 * i + 2, 3 * i + 1]
    man = [p + o - (p + o) // 3 - 1 for p, o in zip(privat, offentlig)]
    kvinnor = [p + o - m for p, o, m in zip(privat, offentlig, man)]
    return privat, offentlig, man, kvinnor


def put_table(sheet: dict, first_col: int, groups: tuple[str, str], rows: list[list[int]]) -> None:
    """A table at ``first_col``: group header row 3, header row 4, regions from row 5."""
    col = column_letter
    sheet[f"{col(first_col)}4"] = "Region"
    sheet[f"{col(first_col + 1)}3"] = groups[0]
    sheet[f"{col(first_col + 1 + len(FORMS))}3"] = groups[1]
    for k, form in enumerate(FORMS * 2):
        sheet[f"{col(first_col + 1 + k)}4"] = form
    sheet[f"{col(first_col + 1 + 2 * len(FORMS))}4"] = "Totalt"
    for i, (name, values) in enumerate(zip(NAMES, rows)):
        sheet[f"{col(first_col)}{5 + i}"] = name
        for k, v in enumerate(values):
            sheet[f"{col(first_col + 1 + k)}{5 + i}"] = v


def report(provider: list[list[int]] | None = None, sex: list[list[int]] | None = None) -> dict:
    if provider is None or sex is None:
        provider, sex = [], []
        for i in range(len(NAMES)):
            p, o, m, k = counts(i + 1)
            provider.append(p + o + [sum(p) + sum(o)])
            sex.append(m + k + [sum(m) + sum(k)])
    sheet: dict = {"A1": "Villkor 3 – redovisning av behandlingar 2020"}
    put_table(sheet, 1, ("Privat", "Offentlig"), provider)  # A–H
    put_table(sheet, 10, ("Män", "Kvinnor"), sex)  # J–Q, I empty
    return {"Redovisning": sheet}


def broken_report() -> tuple[dict, dict[str, int]]:
    """The clean report with one problem per rule; returns it and the rows of the regions."""
    book = report()
    sheet = book["Redovisning"]
    row = {name: 5 + i for i, name in enumerate(NAMES)}
    # XL040: Östergötland's sex table has 5 more KBT men, and its total follows.
    r = row["Östergötland"]
    sheet[f"K{r}"] += 5
    sheet[f"Q{r}"] += 5
    # XL041: Skåne's women in IPT are 3 short of the total.
    r = row["Skåne"]
    sheet[f"P{r}"] -= 3
    # XL042: Gotland reported nothing, typed as zeros in both tables.
    r = row["Gotland"]
    for c in "BCDEFGH" + "KLMNOPQ":
        sheet[f"{c}{r}"] = 0
    # XL043: Dalarna's sex row is a paste of its provider row.
    r = row["Dalarna"]
    for src, dst in zip("BCDEFGH", "KLMNOPQ"):
        sheet[f"{dst}{r}"] = sheet[f"{src}{r}"]
    return book, row


def test_clean_report_has_no_findings(findings):
    assert findings(RULES, report()) == []


def test_clean_report_has_no_region_findings_either(findings):
    assert [f for f in findings(["XL020", "XL021"] + RULES, report())] == []


def test_hand_made_report_all_four_problems_flagged(findings):
    book, row = broken_report()
    found = findings(RULES, book)
    got = sorted((f.rule, f.cell) for f in found)
    assert got == [
        ("XL040", f"Q{row['Östergötland']}"),
        ("XL041", f"Q{row['Skåne']}"),
        ("XL042", f"B{row['Gotland']}"),
        ("XL042", f"K{row['Gotland']}"),
        ("XL043", f"K{row['Dalarna']}"),
    ]
    by_rule = {f.rule: f.message for f in found}
    assert "Östergötland" in by_rule["XL040"] and "difference +5" in by_rule["XL040"]
    assert f"Redovisning!H{row['Östergötland']}" in by_rule["XL040"]
    assert "Skåne" in by_rule["XL041"] and "män + kvinnor" in by_rule["XL041"]
    assert "difference +3" in by_rule["XL041"]
    assert "Gotland" in by_rule["XL042"] and "should it be missing (empty)?" in by_rule["XL042"]
    assert "Dalarna" in by_rule["XL043"] and f"Redovisning!B{row['Dalarna']}:H{row['Dalarna']}" in by_rule["XL043"]
    assert all(f.suggestion and "\n" not in f.message for f in found)


def test_xl040_tables_on_two_sheets(findings):
    book, row = broken_report()
    sheet = book["Redovisning"]
    # move the sex table to its own sheet (columns J–Q → A–H)
    other = {"A1": "Villkor 3 – behandlingar per kön 2020"}
    for address in [a for a in sheet if a[0] in "JKLMNOPQ" and a[1:].isdigit()]:
        other["ABCDEFGH"["JKLMNOPQ".index(address[0])] + address[1:]] = sheet.pop(address)
    found = findings("XL040", {"Vårdgivare": sheet, "Kön": other})
    assert [(f.sheet, f.cell) for f in found] == [("Kön", f"H{row['Östergötland']}")]


def test_xl040_not_between_years_or_different_quantities(findings):
    book = report()
    sheet = book["Redovisning"]
    # most totals differ: the two columns count different things, nothing is compared
    for r in range(5, 5 + 15):
        sheet[f"Q{r}"] += r
        sheet[f"P{r}"] += r
    assert findings("XL040", book) == []
    # the same table for two years on two sheets: totals differ, but the years differ too
    this = report()["Redovisning"]
    last = {k: v for k, v in this.items()}
    last["A1"] = "Villkor 3 – redovisning av behandlingar 2019"
    for address in ("B5", "H5", "K5", "Q5"):  # Stockholm treated one more in 2019, in both tables
        last[address] += 1
    assert findings("XL040", {"2020": this, "2019": last}) == []


def test_xl041_single_pair_and_majority_guard(findings):
    sheet = {"A1": "Region", "B1": "Män", "C1": "Kvinnor", "D1": "Summa"}
    for i, name in enumerate(NAMES, start=2):
        sheet.update({f"A{i}": name, f"B{i}": i, f"C{i}": 2 * i, f"D{i}": 3 * i})
    sheet["D7"] = 3 * 7 + 1
    found = findings("XL041", {"Kön": sheet})
    assert [f.cell for f in found] == ["D7"] and "−1" not in found[0].message and "+1" in found[0].message
    # a "total" that most rows miss is not the total of these columns
    for i in range(2, 2 + 15):
        sheet[f"D{i}"] = 1000 + i
    assert findings("XL041", {"Kön": sheet}) == []


def test_xl042_not_when_all_regions_are_zero_or_row_is_formulas_or_empty(findings):
    book = report()
    sheet = book["Redovisning"]
    for c in "BCDEFGH":
        sheet[f"{c}9"] = (f"=0*{c}8", 0)  # computed zeros: the input table is to blame
    for c in "KLMNOPQ":
        sheet[f"{c}9"] = None  # not reported: empty
    assert findings("XL042", {"Redovisning": {k: v for k, v in sheet.items() if v is not None}}) == []
    zeros = {"A1": "Region", "B1": "Män", "C1": "Kvinnor", "D1": "Totalt"}
    for i, name in enumerate(NAMES, start=2):
        zeros.update({f"A{i}": name, f"B{i}": 0, f"C{i}": 0, f"D{i}": 0})
    assert findings("XL042", {"Kön": zeros}) == []


def test_xl043_not_within_one_table_nor_for_linked_or_short_rows(findings):
    book = report()
    sheet = book["Redovisning"]
    # a row linked by formulas to the provider row is no copy
    for src, dst in zip("BCDEFGH", "KLMNOPQ"):
        sheet[f"{dst}6"] = (f"={src}6", sheet[f"{src}6"])
    # two regions with the same row in one table: not this rule's business
    for c in "BCDEFGH":
        sheet[f"{c}8"] = sheet[f"{c}7"]
    assert findings("XL043", book) == []
    short = {"A1": "Region", "B1": "Privat", "C1": "Offentlig", "D1": "Totalt",
             "F1": "Region", "G1": "Män", "H1": "Kvinnor", "I1": "Totalt"}
    for i, name in enumerate(NAMES, start=2):
        short.update({f"A{i}": name, f"B{i}": i, f"C{i}": i + 1, f"D{i}": 2 * i + 1,
                      f"F{i}": name, f"G{i}": i, f"H{i}": i + 1, f"I{i}": 2 * i + 1})
    assert findings("XL043", {"Kort": short}) == []


def test_stacked_tables_in_one_column(findings):
    """Two tables one under the other in column A are two tables (a repeated region starts the second)."""
    book, row = broken_report()
    sheet = book["Redovisning"]
    stacked: dict = {}
    for address, value in sheet.items():
        letter, number = address[0], int(address[1:])
        if letter in "JKLMNOPQ":
            stacked["ABCDEFGH"["JKLMNOPQ".index(letter)] + str(number + 26)] = value
        else:
            stacked[address] = value
    found = findings(RULES, {"Redovisning": stacked})
    assert sorted((f.rule, f.cell) for f in found) == [
        ("XL040", f"H{row['Östergötland'] + 26}"),
        ("XL041", f"H{row['Skåne'] + 26}"),
        ("XL042", f"B{row['Gotland']}"),
        ("XL042", f"B{row['Gotland'] + 26}"),
        ("XL043", f"B{row['Dalarna'] + 26}"),
    ]


def test_filled_villkor3_compilation_workbook(tmp_path):
    """The project's own compilation workbook, filled with reports: clean when they agree;
    Uppsala's total off by one, Östergötland typed as zeros and Södermanland's 2019 row
    pasted as 2020 are flagged on the Indata sheets."""
    from tests.followup.followup_helpers import COMPILATION, synthetic_reports
    from xl_tools.audit import audit_workbook
    from xl_tools.followup.compilation import generate_compilation, load_compilation

    comp = load_compilation(COMPILATION)
    reports = synthetic_reports(comp, seed=3, skip=())
    generate_compilation(comp, tmp_path / "ok.xlsx", reports=reports)
    assert [f for f in audit_workbook(tmp_path / "ok.xlsx").findings if f.rule in RULES] == []
    this, last = reports.data[2020], reports.data[2019]
    this["03"]["TOT"] += 1
    this["04"] = dict(last["04"])
    this["05"] = {k: 0 for k in this["05"]}
    generate_compilation(comp, tmp_path / "bad.xlsx", reports=reports)
    found = [f for f in audit_workbook(tmp_path / "bad.xlsx").findings if f.rule in RULES]
    got = sorted({(f.rule, f.message.split(":")[0].split(" reported")[0]) for f in found})
    assert got == [("XL041", "Uppsala"), ("XL042", "Östergötland"), ("XL043", "Södermanland")]
