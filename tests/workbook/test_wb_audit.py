"""Generated workbooks with inputs filled in audit clean — and the auditor sees a wrong reference date."""

from __future__ import annotations

import random

from test_wb_threeway import CODES, scenario_contacts_with_2017_population, scenario_mixed
from wb_helpers import FIXED_TIME

from xl_tools.agreement import TEMPLATE_DIR, load_template
from xl_tools.audit import audit_workbook
from xl_tools.workbook import generate_workbook
from xl_tools.workbook.inputs import Inputs


def _serious(path):
    return [f for f in audit_workbook(path).findings if f.severity.name in ("WARNING", "ERROR")]


def test_regions_failing_villkor_audit_clean(tmp_path, agreement):
    out = tmp_path / "mixed.xlsx"
    generate_workbook(agreement, out, inputs=scenario_mixed(), generated=FIXED_TIME)
    assert _serious(out) == []


def test_contacts_above_and_below_caps_audit_clean(tmp_path):
    agreement = load_template(TEMPLATE_DIR / "sjukskrivning-2020-villkor3.toml")
    rng = random.Random(7)
    out = tmp_path / "v3.xlsx"
    generate_workbook(agreement, out, inputs=Inputs(units={"V3K-2020": {c: rng.randint(0, 5000) for c in CODES}}),
                      generated=FIXED_TIME)
    assert _serious(out) == []


def test_auditor_sees_a_population_of_the_wrong_date(tmp_path, agreement):
    """The scenario types 31 December 2017 where 1 November 2017 belongs: the auditor says so, and nothing else."""
    out = tmp_path / "contacts.xlsx"
    generate_workbook(agreement, out, inputs=scenario_contacts_with_2017_population(), generated=FIXED_TIME)
    findings = _serious(out)
    assert findings
    assert all(f.rule == "XL022" and "31 december 2017" in f.message.lower() for f in findings), \
        [f.message for f in findings if "31 december 2017" not in f.message.lower()][:3]
