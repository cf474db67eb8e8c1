"""The villkor 3 compilation: three-way checked, missing shown as missing, checks, payouts."""

from __future__ import annotations

from fractions import Fraction

import pytest
from followup_helpers import COMPILATION, FIXED_TIME, row_of, sheet_values, synthetic_reports

from xl_tools.api import kontakter
from xl_tools.errors import XlToolsError
from xl_tools.followup.compilation import Reports, generate_compilation
from xl_tools.regions import REGIONS
from xl_tools.verify import verify_workbook
from xl_tools.workbook.kinds import template_kind


@pytest.fixture(scope="module")
def scenario(tmp_path_factory, compilation):
    reports = synthetic_reports(compilation)
    reports.data[2020]["03"]["TOT"] += 1  # Uppsala: contact table disagrees
    reports.data[2020]["04"] = dict(reports.data[2019]["04"])  # Södermanland: last year's row pasted
    out = tmp_path_factory.mktemp("comp") / "v3.xlsx"
    result = generate_compilation(compilation, out, reports=reports, generated=FIXED_TIME)
    return out, result, reports


@pytest.mark.spreadsheet
def test_empty_workbook_shows_every_region_missing_and_is_three_way(tmp_path, compilation):
    out = tmp_path / "v3.xlsx"
    result = generate_compilation(compilation, out, generated=FIXED_TIME)
    assert result.status == "OK"
    per_region = sheet_values(out, "Per region")
    assert row_of(per_region, "Stockholm", 1)[2:5] == ["Saknas", "Saknas", "Saknas"]
    assert row_of(sheet_values(out, "Kontroll"), "Regioner som saknas", 1)[2] == 21
    assert verify_workbook(out).mismatches == []


@pytest.mark.spreadsheet
def test_scenario_three_way(scenario):
    out, _, _ = scenario
    report = verify_workbook(out)
    assert report.formula_cells > 800
    assert report.mismatches == []


def test_checks_flag_inconsistency_copy_and_missing(scenario):
    out, result, _ = scenario
    assert result.status == "FEL"
    checks = sheet_values(out, "Kontroll")
    uppsala = row_of(checks, "Uppsala", 1)
    assert uppsala[5] == "FEL" and uppsala[-1] == "FEL"  # Kontakttabellens totalt ≠ behandlingar
    assert row_of(checks, "Södermanland", 1)[-1] == "Varning"
    assert row_of(checks, "Södermanland", 1)[8] == "Trolig kopia"
    assert row_of(checks, "Norrbotten", 1)[-1] == "Saknas"
    assert row_of(checks, "Stockholm", 1)[-1] == "OK"
    per_region = sheet_values(out, "Per region")
    assert row_of(per_region, "Norrbotten", 1)[3] == "Saknas"  # not 0


def test_copy_between_provider_and_sex_tables_is_flagged(tmp_path, compilation):
    reports = synthetic_reports(compilation)
    row = reports.data[2020]["01"]
    for f in compilation.forms:
        row[f"M_{f.id}"], row[f"K_{f.id}"] = row[f"P_{f.id}"], row[f"O_{f.id}"]
    out = tmp_path / "v3.xlsx"
    generate_compilation(compilation, out, reports=reports, generated=FIXED_TIME)
    assert row_of(sheet_values(out, "Kontroll"), "Stockholm", 1)[7] == "Trolig kopia"


def test_shares_and_forms(scenario, compilation):
    out, _, reports = scenario
    row = reports.data[2020]["01"]
    total = sum(v for k, v in row.items() if k[0] in "PO")
    privat = sum(v for k, v in row.items() if k[0] == "P")
    stockholm = row_of(sheet_values(out, "Per region"), "Stockholm", 1)
    assert stockholm[3] == total
    assert stockholm[9] == pytest.approx(privat / total)
    assert stockholm[11] == pytest.approx((row["AG"] + row["AF"]) / total)
    forms = sheet_values(out, "Behandlingsformer")
    start = next(i for i, r in enumerate(forms) if r[0] == "Plats")
    ranked = [r[2] for r in forms[start + 1:start + 1 + len(compilation.forms)]]
    assert ranked == sorted(ranked, reverse=True)
    kbt = row_of(forms, "KBT")
    expected = sum(reports.data[2020].get(r.code, {}).get(k, 0) for r in REGIONS for k in ("P_KBT", "O_KBT"))
    assert kbt[1] == expected


def test_payout_matches_the_engine(scenario):
    out, _, reports = scenario
    rows = sheet_values(out, "Utbetalning")
    header = rows[4]
    units = [(reports.data[2020].get(r.code, {}).get("AG", 0) + reports.data[2020].get(r.code, {}).get("AF", 0))
             for r in REGIONS]
    expected = kontakter(units, 50_000_000, 3_000, 2019, "kronor").amounts
    utfall = [i for i, h in enumerate(header) if h == "Utfall (kr)"][-1]
    total_col = header.index("Totalt (kr)")
    for i, region in enumerate(REGIONS):
        row = row_of(rows, region.name, 1)
        assert Fraction(row[utfall]) == expected[i]
        assert row[total_col] == row[header.index("Belopp (kr)")] + row[utfall]


def test_bad_reports_are_refused(tmp_path, compilation):
    reports = Reports(data={2020: {"01": {"P_KBT": -1}}})
    with pytest.raises(XlToolsError, match="non-negative"):
        generate_compilation(compilation, tmp_path / "x.xlsx", reports=reports)
    assert not (tmp_path / "x.xlsx").exists()


def test_template_kind():
    assert template_kind(COMPILATION) == "villkor3_sammanstallning"
