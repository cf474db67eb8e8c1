"""The shipped templates of real agreements reproduce their published tables to the krona, 21 of 21.

The printed amounts are copied, with their source, into ``tests/fixtures/allocation_tables/``.
Each table is checked three ways: the engine (the workbook's cached values), the rounding rule
applied directly to the engine's exact amounts, and the workbook recalculated by ``formulas`` and
LibreOffice (``verify``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from wb_helpers import FIXED_TIME, header_col, values

from xl_tools.agreement import TEMPLATE_DIR, load_template
from xl_tools.engine import registry
from xl_tools.engine.rules import allocate
from xl_tools.population import load_population
from xl_tools.regions import REGIONS
from xl_tools.verify import verify_workbook
from xl_tools.workbook import generate_workbook
from xl_tools.workbook.blocks import FIRST

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "allocation_tables"

# (template, post id, fixture file, villkor sheet, nth "Belopp (kr)" column on it)
TABLES = [
    ("kvinnors-halsa-2017", "KH-2017", "hoglandsnytt2017_300Mkr__A_300Mkr.tsv", "Villkor 1"),
    ("kvinnors-halsa-2022", "KH-2022", "skr2022_kvinnors_halsa__A_1382Mkr.tsv", "Villkor 1"),
    ("kvinnors-halsa-2024", "KH-2024", "skr2024_kvinnors_halsa__A_1367Mkr_befolkning.tsv", "Villkor 1"),
    ("kvinnors-halsa-2024", "LB-2024", "skr2024_kvinnors_halsa__B_150Mkr_landsbygd.tsv", "Villkor 2"),
    ("vardkapacitet-2025", "VK-2025", "reg2025_vardkapacitet__A_5886.5Mkr_total.tsv", "Villkor 1"),
]


def published(name: str) -> tuple[dict[str, int], int]:
    """The printed amount per länskod, and the printed total."""
    amounts, total = {}, None
    for line in (FIXTURES / name).read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or line.startswith("code\t"):
            continue
        code, _, amount = line.split("\t")
        if code == "TOTAL":
            total = int(amount)
        else:
            amounts[code] = int(amount)
    assert total is not None and len(amounts) == 21
    return amounts, total


def test_every_fixture_names_its_source():
    for _, _, name, _ in TABLES:
        head = (FIXTURES / name).read_text(encoding="utf-8").splitlines()[:3]
        assert head[0].startswith("# Published table copied from:") and "Address where read:" in head[1]


@pytest.mark.parametrize(("template", "post_id", "fixture", "sheet"), TABLES,
                         ids=[f"{t}-{p}" for t, p, _, _ in TABLES])
def test_engine_reproduces_the_published_table(template, post_id, fixture, sheet):
    """The engine's exact rule plus the template's rounding gives every printed amount."""
    agreement = load_template(TEMPLATE_DIR / f"{template}.toml")
    post = agreement.post(post_id)
    expected, total = published(fixture)
    rule = registry.rule(post.regel)
    if post.regel == "amount_per_region":
        exact = rule.function(post.belopp, [post.belopp_per_region[r.code] for r in REGIONS])
        weights = None
    else:
        pops = load_population().vector(post.befolkning)
        extra = (post.fast_per_region,) if post.regel == "fixed_plus_population" else ()
        exact = rule.function(post.belopp, pops, *extra)
        weights = pops
    amounts = allocate(exact, agreement.avrundning, weights=weights).amounts
    got = {r.code: int(a) for r, a in zip(REGIONS, amounts)}
    wrong = {c: (got[c], expected[c]) for c in expected if got[c] != expected[c]}
    assert wrong == {}, f"{len(wrong)} of 21 regions differ: {wrong}"
    assert sum(got.values()) == total == post.belopp


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("published")
    made = {}
    for template in dict.fromkeys(t for t, _, _, _ in TABLES):
        out = folder / f"{template}.xlsx"
        result = generate_workbook(TEMPLATE_DIR / f"{template}.toml", out, generated=FIXED_TIME)
        assert result.status == "OK"
        made[template] = out
    return made


@pytest.mark.parametrize(("template", "post_id", "fixture", "sheet"), TABLES,
                         ids=[f"{t}-{p}" for t, p, _, _ in TABLES])
def test_workbook_reproduces_the_published_table(generated, template, post_id, fixture, sheet):
    """The workbook's Belopp column, region by region, is the printed table (21/21)."""
    expected, total = published(fixture)
    ws = values(generated[template], sheet)
    col = header_col(ws, "Belopp (kr)")
    got = {ws.cell(FIRST + 1 + i, 1).value: ws.cell(FIRST + 1 + i, col).value for i in range(21)}
    assert got == expected
    assert ws.cell(FIRST + 22, col).value == total


@pytest.mark.spreadsheet
@pytest.mark.parametrize("template", sorted({t for t, _, _, _ in TABLES}))
def test_published_workbooks_three_ways(generated, template):
    report = verify_workbook(generated[template])
    assert report.checked == ["formulas", "libreoffice"]
    assert report.mismatches == [], "\n".join(map(str, report.mismatches[:10]))


def test_provisional_population_is_shown_as_such(generated):
    ws = values(generated["vardkapacitet-2025"], "Befolkning")
    texts = [str(c.value) for row in ws.iter_rows() for c in row if c.value]
    assert any("preliminär" in t for t in texts)
    assert any(t.startswith("PRELIMINÄR") for t in texts)
    info = [str(c.value) for row in values(generated["vardkapacitet-2025"], "Info").iter_rows() for c in row if c.value]
    assert "PRELIMINÄR" in info



@pytest.mark.parametrize(("fixture", "year", "rounding"), [
    ("hoglandsnytt2017_300Mkr__A_300Mkr.tsv", 2016, "rest-till-storsta"),
    ("skr2022_kvinnors_halsa__A_1382Mkr.tsv", 2021, "largest-remainder"),
    ("skr2024_kvinnors_halsa__A_1367Mkr_befolkning.tsv", 2023, "kronor"),
])
def test_udf_and_cli_reproduce_the_published_population_tables(fixture, year, rounding):
    """The same rounding methods through =FK_FORDELA(pot; år; avrundning) and `xl-tools fordela --rounding`."""
    import json

    from click.testing import CliRunner

    from xl_tools.cli import cli
    from xl_tools.engine.rounding import normalise_rule
    from xl_tools.udfs import FK_ANDEL, FK_FORDELA

    expected, total = published(fixture)
    column = [row[0] for row in FK_FORDELA(total, year, rounding)]
    assert dict(zip([r.code for r in REGIONS], column)) == expected
    assert FK_ANDEL("Stockholm", total, year, rounding) == expected["01"]
    result = CliRunner().invoke(cli, ["fordela", str(total), str(year), "--rounding", normalise_rule(rounding),
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    assert {row["code"]: int(row["amount"]) for row in json.loads(result.output)["regions"]} == expected


def test_typed_amounts_per_region_survive_regeneration(tmp_path):
    """The rural pot's amounts are input cells filled from the template; what the user types is kept when the
    workbook is regenerated, and Kontroll says FEL when the amounts no longer sum to the pot."""
    from wb_helpers import input_values, type_inputs

    out = tmp_path / "kh.xlsx"
    template = TEMPLATE_DIR / "kvinnors-halsa-2024.toml"
    generate_workbook(template, out, generated=FIXED_TIME)
    type_inputs(out, {"in_LB_2024": {"01": 3_823_519}})
    again = generate_workbook(template, out, generated=FIXED_TIME)
    assert again.carry.changed == ["Villkor 2!C6"]
    assert input_values(out, "in_LB_2024")["01"] == 3_823_519
    assert again.status == "FEL"
    checks = values(out, "Kontroll")
    label = "LB-2024: Beloppen summerar till potten"
    row = next(r for r in range(5, checks.max_row + 1) if checks.cell(r, 1).value == label)
    assert checks.cell(row, 4).value == 1 and checks.cell(row, 6).value == "FEL"
