"""Three results held equal, cell by cell: the engine's values (cached in the file), a Python
recalculation of the file (``formulas``) and LibreOffice Calc recalculating it headless."""

from __future__ import annotations

import random

import pytest
from wb_helpers import FIXED_TIME, header_col, values

from xl_tools.agreement import TEMPLATE_DIR, load_template
from xl_tools.api import kontakter
from xl_tools.population import load_population
from xl_tools.regions import REGIONS
from xl_tools.verify import verify_workbook
from xl_tools.workbook import generate_workbook
from xl_tools.workbook.blocks import FIRST
from xl_tools.workbook.inputs import Inputs

CODES = [r.code for r in REGIONS]


def _flags(no: set[str]) -> dict[str, bool]:
    return {c: c not in no for c in CODES}


def scenario_mixed() -> Inputs:
    """Some regions fail some villkor; one delvillkor nobody met."""
    return Inputs(flags={
        "V1-2017": _flags({"03", "09", "25"}),
        "V2-2017": _flags({"12"}),
        "V4A-2017": _flags(set(CODES) - {"01", "05", "14"}),  # only three regions share the 50 Mkr
        "V4B-2017": _flags(set(CODES)),  # nobody met it: nothing is paid
    })


def scenario_contacts_with_2017_population() -> Inputs:
    """1 November 2017 typed in (test data: 31 December 2017 stands in), contacts above and below the caps."""
    stand_in = load_population().vector("2017-12-31")
    rng = random.Random(2017)
    below = {c: rng.randint(0, 500) for c in CODES}
    below.update({"09": 9_000, "23": 4_000})  # Gotland and Jämtland far above their caps
    above = {c: rng.randint(2_000, 9_000) for c in CODES}  # total demand beyond the 50 Mkr pot
    return Inputs(
        flags={"V2-2018": _flags({"04", "06"}), "V4B-2018": _flags({"20"})},
        units={"V3K-2017": below, "V3K-2018": above},
        population={load_template(TEMPLATE_DIR / "sjukskrivning-2017-2018.toml").post("V1-2018").befolkning:
                    dict(zip(CODES, stand_in))},
    )


SCENARIOS = {
    "default": Inputs,
    "mixed": scenario_mixed,
    "contacts": scenario_contacts_with_2017_population,
}


@pytest.mark.spreadsheet
@pytest.mark.parametrize("name", SCENARIOS)
def test_agreement_workbook_three_ways(tmp_path, agreement, name):
    out = tmp_path / f"{name}.xlsx"
    result = generate_workbook(agreement, out, inputs=SCENARIOS[name](), generated=FIXED_TIME)
    assert result.status == "OK"
    report = verify_workbook(out)
    assert report.checked == ["formulas", "libreoffice"]
    assert report.formula_cells > 2_000
    assert report.mismatches == [], "\n".join(map(str, report.mismatches[:10]))


def test_contact_stimulus_equals_the_engine(tmp_path, agreement):
    """The villkor 3 outcome in the file is the engine's per_unit_capped, rounded to kronor."""
    inputs = scenario_contacts_with_2017_population()
    out = tmp_path / "contacts.xlsx"
    generate_workbook(agreement, out, inputs=inputs, generated=FIXED_TIME)
    ws = values(out, "Villkor 3")
    for nth, post_id in enumerate(("V3K-2017", "V3K-2018")):
        col = header_col(ws, "Utfall (kr)", nth=nth)
        got = [ws.cell(FIRST + 1 + i, col).value for i in range(21)]
        units = [inputs.units[post_id][c] for c in CODES]
        # the engine twin computed with the typed population
        from xl_tools.engine.rules import allocate, per_unit_capped

        pops = [inputs.population[agreement.post(post_id).befolkning][c] for c in CODES]
        expected = allocate(per_unit_capped(50_000_000, pops, units, 3_000), "kronor").amounts
        assert got == [int(a) for a in expected]
        assert all(g <= u * 3_000 for g, u in zip(got, units))
    # 2018: demand exceeds the pot, so the whole 50 Mkr is paid (to within kronor rounding)
    assert abs(sum(got) - 50_000_000) <= 10


@pytest.mark.spreadsheet
@pytest.mark.parametrize("total_contacts", ["below_pot", "above_pot"])
def test_one_year_template_three_ways(tmp_path, total_contacts):
    agreement = load_template(TEMPLATE_DIR / "sjukskrivning-2020-villkor3.toml")
    rng = random.Random(total_contacts)
    low, high = (0, 600) if total_contacts == "below_pot" else (1_000, 5_000)
    units = {c: rng.randint(low, high) for c in CODES}
    units["09"] = 3_000  # Gotland far above its cap either way
    out = tmp_path / "v3.xlsx"
    generate_workbook(agreement, out, inputs=Inputs(units={"V3K-2020": units}), generated=FIXED_TIME)
    report = verify_workbook(out)
    assert report.mismatches == [], "\n".join(map(str, report.mismatches[:10]))
    ws = values(out, "Villkor 3")
    col = header_col(ws, "Utfall (kr)")
    got = [ws.cell(FIRST + 1 + i, col).value for i in range(21)]
    expected = kontakter([units[c] for c in CODES], 50_000_000, 3_000, 2019, "kronor").amounts
    assert got == [int(a) for a in expected]


@pytest.mark.spreadsheet
@pytest.mark.parametrize("rounding", ["largest-remainder", "residual-to-largest", "none"])
@pytest.mark.parametrize("name", ["mixed", "contacts"])
def test_every_rounding_method_three_ways(tmp_path, agreement, rounding, name):
    """Each rounding method is plain formulas that formulas and LibreOffice compute as the engine does,
    through every rule of the 2017–2018 agreement (shares, shared pots, the capped contact stimulus,
    a typed population)."""
    import dataclasses

    from xl_tools.engine.rules import allocate, shared_among_qualified

    varied = dataclasses.replace(agreement, avrundning=rounding)
    out = tmp_path / f"{rounding}.xlsx"
    inputs = SCENARIOS[name]()
    result = generate_workbook(varied, out, inputs=inputs, generated=FIXED_TIME)
    assert result.status == "OK"
    report = verify_workbook(out)
    assert report.checked == ["formulas", "libreoffice"]
    assert report.mismatches == [], "\n".join(map(str, report.mismatches[:10]))
    if name == "mixed":
        # only three regions share villkor 4A's 50 Mkr: whole kronor summing exactly to the pot
        ws = values(out, "Villkor 4")
        col = header_col(ws, "Utfall (kr)")
        got = [ws.cell(FIRST + 1 + i, col).value for i in range(21)]
        pops = load_population().vector("2016-11-01")
        flags = [inputs.flags["V4A-2017"][c] for c in CODES]
        expected = allocate(shared_among_qualified(50_000_000, pops, flags), rounding, weights=pops).amounts
        assert got == [float(a) if rounding == "none" else int(a) for a in expected]
        if rounding != "none":
            assert sum(got) == 50_000_000


@pytest.mark.spreadsheet
def test_utfall_above_max_is_counted_alike_by_all_three(tmp_path, agreement):
    """The Kontroll count of regions with Utfall > Max (SUMPRODUCT((values>limits)*1)) is computed alike by
    formulas 1.3.4 and LibreOffice: a typed Utfall above Max is found by both."""
    import openpyxl

    from xl_tools.libreoffice.recalc import recalculate

    out = tmp_path / "edited.xlsx"
    generate_workbook(agreement, out, generated=FIXED_TIME)
    wb = openpyxl.load_workbook(out)
    ws = wb["Villkor 1"]
    col = header_col(ws, "Utfall (kr)")
    ws.cell(FIRST + 1, col).value = 999_999_999  # Stockholm's Utfall typed far above its Max
    wb.save(out)
    recalculated = recalculate(out, tmp_path / "recalculated.xlsx")
    report = verify_workbook(recalculated)
    assert report.checked == ["formulas", "libreoffice"]
    assert report.mismatches == [], "\n".join(map(str, report.mismatches[:10]))
    checks = values(recalculated, "Kontroll")
    row = next(r for r in range(5, checks.max_row + 1)
               if checks.cell(r, 1).value == "V1-2017: Utfall ≤ Max för varje region")
    assert checks.cell(row, 3).value == 1
    assert checks.cell(row, 6).value == "FEL"
    assert values(recalculated, "Info").cell(4, 2).value == "FEL"


@pytest.mark.spreadsheet
def test_a_pot_with_its_own_rounding(tmp_path):
    """A post's own avrundning overrides the agreement's for that pot only (formulas and checks alike)."""
    from xl_tools.engine.rules import population_share

    walkthrough = (TEMPLATE_DIR.parent / "docs" / "skriv-en-ny-overenskommelse.md").read_text(encoding="utf-8")
    text = walkthrough.split("```toml\n", 1)[1].split("```", 1)[0]
    text = text.replace('avrundning = "largest-remainder"', 'avrundning = "kronor"')
    own = 'regel = "population_share"\navrundning = "rest-till-storsta"\n'
    text = text.replace('regel = "population_share"\n', own)
    template = tmp_path / "egen.toml"
    template.write_text(text, encoding="utf-8")
    agreement = load_template(template)
    assert agreement.rounding_of(agreement.post("V1-2026")) == "residual-to-largest"
    assert agreement.rounding_of(agreement.post("V2-2026")) == "kronor"
    out = tmp_path / "egen.xlsx"
    assert generate_workbook(agreement, out, generated=FIXED_TIME).status == "OK"
    report = verify_workbook(out)
    assert report.mismatches == [], "\n".join(map(str, report.mismatches[:10]))
    pops = load_population().vector("2024-11-01")
    from xl_tools.engine.rules import allocate

    v1 = values(out, "Villkor 1")
    got = [v1.cell(FIRST + 1 + i, header_col(v1, "Belopp (kr)")).value for i in range(21)]
    assert got == [int(a) for a in allocate(population_share(1_000_000_000, pops), "residual-to-largest",
                                            weights=pops).amounts]
    assert sum(got) == 1_000_000_000
    v2 = values(out, "Villkor 2")
    got = [v2.cell(FIRST + 1 + i, header_col(v2, "Max (kr)")).value for i in range(21)]
    assert got == [int(a) for a in allocate(population_share(200_000_000, pops), "kronor").amounts]
