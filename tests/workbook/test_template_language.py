"""The strict template language: unknown keys, wrong types, hostile files and duplicate ids are refused
with one line naming the file (and line), exit 2, nothing written; the key reference is generated from the
one schema that validates."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from wb_helpers import AGREEMENT_2017

from tests.cli_checks import one_error_line
from xl_tools.agreement import TEMPLATE_DIR
from xl_tools.cli import cli
from xl_tools.pipeline import find_template, read_template
from xl_tools.schema import reference_markdown

DOCS = Path(__file__).resolve().parents[2] / "docs" / "template-reference.md"
TEXT = AGREEMENT_2017.read_text(encoding="utf-8")


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def broken(tmp_path: Path, old: str, new: str, name: str = "broken.toml") -> Path:
    assert old in TEXT
    path = tmp_path / name
    path.write_text(TEXT.replace(old, new, 1), encoding="utf-8")
    return path


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


@pytest.mark.parametrize(("old", "new", "needle", "hint"), [
    ("[kontroll]", "[kontrol]", "[kontrol]", "Did you mean 'kontroll'?"),
    ("regel_text = ", "regeltext = ", "regeltext", "Did you mean 'regel_text'?"),
    ("befolkning = 2016-11-01", "befolkningen = 2016-11-01", "befolkningen =", "Did you mean 'befolkning'?"),
    ('avrundning = "kronor"', 'avrundnng = "kronor"', "avrundnng", "Did you mean 'avrundning'?"),
])
def test_misspelt_key_is_refused_with_did_you_mean(tmp_path, old, new, needle, hint):
    path = broken(tmp_path, old, new)
    out = tmp_path / "x.xlsx"
    line = one_error_line(run("generate", str(path), "-o", str(out)))
    assert f"{path}: line {line_of(path, needle)}," in line
    assert hint in line
    assert not out.exists()


@pytest.mark.parametrize(("old", "new", "what"), [
    ("undertecknad = 2016-12-15", "undertecknad = 2016-12-15T10:00:00", "a date and time"),
    ("ar = [2017, 2018]", "ar = 2017", "'ar' must be a list of whole numbers"),
    ('titel = "En', 'titel = ["En"]\nx = "En', "'titel' must be text"),
    ("befolkning = 2016-11-01", "befolkning = [2016]", "'befolkning' must be a date"),
])
def test_wrong_toml_types_are_one_line(tmp_path, old, new, what):
    path = broken(tmp_path, old, new)
    line = one_error_line(run("generate", str(path), "-o", str(tmp_path / "x.xlsx")))
    assert str(path) in line and what in line


MINIMAL = 'id = "x"\ntitel = "x"\nar = [2017]\n'


@pytest.mark.parametrize(("extra", "what", "line"), [
    ("villkor = 5", "'villkor' must be tables written [[villkor]]", 4),
    ("kontroll = 5", "'kontroll' must be a table written [kontroll]", 4),
    ("post = [1, 2]", "'post' must be tables written [[post]]", 4),
    ("[kontroll]\ntotalt = [1]", "'totalt' must be an amount", 5),
    ("[[villkor]]\nnr = 1\nnamn = 2", "'namn' must be text", 6),
])
def test_wrong_types_where_tables_belong(tmp_path, extra, what, line):
    path = tmp_path / "t.toml"
    path.write_text(MINIMAL + extra + "\n", encoding="utf-8")
    message = one_error_line(run("generate", str(path)))
    assert f"{path}: line {line}," in message and what in message


def test_a_folder_as_template_is_one_line(tmp_path):
    line = one_error_line(run("generate", str(tmp_path), "-o", str(tmp_path / "x.xlsx")))
    assert "is a folder" in line


def test_deep_nesting_is_one_line(tmp_path):
    path = tmp_path / "deep.toml"
    path.write_text('id = "x"\ntitel = "x"\nar = [2017]\nv = ' + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    line = one_error_line(run("generate", str(path), "-o", str(tmp_path / "x.xlsx")))
    assert "nested too deeply" in line
    path.write_text('id = "x"\ntitel = "x"\nar = [2017]\nv = ' + "[" * 40 + "]" * 40 + "\n", encoding="utf-8")
    assert "nested too deeply" in one_error_line(run("generate", str(path)))


@pytest.mark.parametrize("bad_id", ["../evil", "/tmp/evil", "sub/evil", "..", "a\\\\b", ""])
def test_id_must_be_a_plain_name(tmp_path, bad_id):
    path = broken(tmp_path, 'id = "sjukskrivning-2017-2018"', f'id = "{bad_id}"')
    out = tmp_path / "out"
    line = one_error_line(run("build", "--templates", str(tmp_path), "--out", str(out)))
    assert str(path) in line and ("plain name" in line or "'id'" in line)
    assert not out.exists()


def test_two_templates_with_one_id_stop_the_build(tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    shutil.copy(AGREEMENT_2017, templates / "a.toml")
    shutil.copy(AGREEMENT_2017, templates / "b.toml")
    out = tmp_path / "out"
    line = one_error_line(run("build", "--templates", str(templates), "--out", str(out)))
    assert str(templates / "a.toml") in line and str(templates / "b.toml") in line
    assert "Nothing was written" in line
    assert not out.exists()


def test_a_bad_template_in_the_folder_stops_the_build_before_writing(tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    shutil.copy(AGREEMENT_2017, templates / "a.toml")
    broken(templates, "[kontroll]", "[kontrol]", name="z.toml")
    out = tmp_path / "out"
    line = one_error_line(run("build", "--templates", str(templates), "--out", str(out)))
    assert "z.toml" in line and "kontrol" in line
    assert not out.exists()


def test_every_shipped_template_passes_the_schema():
    for path in sorted(TEMPLATE_DIR.glob("*.toml")):
        read_template(path)


def test_generate_and_mallar_work_on_every_kind(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    listing = run("mallar")
    assert listing.exit_code == 0, listing.output
    ids = [line.split()[0] for line in listing.output.splitlines()]
    assert {"sjukskrivning-2017-2018", "villkor3-sammanstallning-2020", "norrbotten-intern-fordelning-2017",
            "vardkapacitet-2025"} <= set(ids)
    for template_id in ("villkor3-sammanstallning-2020", "norrbotten-intern-fordelning-2017"):
        result = run("generate", template_id)
        assert result.exit_code == 0, result.output
        assert (tmp_path / f"{template_id}.xlsx").exists()
    assert "Did you mean 'vardkapacitet-2025'" in one_error_line(run("generate", "vardkapacitet-2052"))
    assert find_template("kvinnors-halsa-2022") == TEMPLATE_DIR / "kvinnors-halsa-2022.toml"


def test_key_reference_is_generated_from_the_schema():
    """docs/template-reference.md is current: regenerate it with
    ``python -m xl_tools.schema > docs/template-reference.md``."""
    assert DOCS.read_text(encoding="utf-8") == reference_markdown() + "\n"


def test_the_wheel_carries_the_templates():
    """setup.cfg installs templates/ as the package xl_tools.templates, and lists every package (checked by a
    wheel install by hand: `xl-tools mallar` and `build` work outside the checkout)."""
    import configparser

    from setuptools import find_packages

    root = Path(__file__).resolve().parents[2]
    cfg = configparser.ConfigParser()
    cfg.read(root / "setup.cfg", encoding="utf-8")
    listed = set(cfg["options"]["packages"].split())
    assert listed == set(find_packages(str(root), include=["xl_tools", "xl_tools.*"])) | {"xl_tools.templates"}
    assert cfg["options"]["package_dir"].split() == ["xl_tools.templates", "=", "templates"]
    assert "*.toml" in cfg["options.package_data"]["xl_tools.templates"]


def test_generate_and_build_say_which_check_is_fel_and_exit_alike(tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    broken(templates, "2017 = 1_220_000_000", "2017 = 1_210_000_000", name="fel.toml")
    generated = run("generate", str(templates / "fel.toml"), "-o", str(tmp_path / "fel.xlsx"))
    built = run("build", "--templates", str(templates), "--out", str(tmp_path / "out"))
    for result in (generated, built):
        assert result.exit_code == 1, result.output
        assert "Kontroll: FEL (11 checks wait for data)" in result.output
        assert "FEL: Totalt till regionerna 2017" in result.output
    ok = run("generate", str(AGREEMENT_2017), "-o", str(tmp_path / "ok.xlsx"))
    assert ok.exit_code == 0 and "Kontroll: OK (11 checks wait for data)" in ok.output


def test_rule_typo_gets_a_suggestion_and_landstingen_are_the_regions(tmp_path):
    path = broken(tmp_path, 'regel = "share_if_qualified"', 'regel = "share_if_qualifed"')
    assert "Did you mean 'share_if_qualified'?" in one_error_line(run("generate", str(path)))
    from xl_tools.agreement import load_template

    landsting = broken(tmp_path, 'mottagare = "regionerna"', 'mottagare = "Landstingen"', name="l.toml")
    assert load_template(landsting).poster[0].to_regions


@pytest.mark.parametrize(("old", "new", "what"), [
    ("2017 = 1_220_000_000, 2018", "tjugotjugo = 1_220_000_000, 2018", "a table of year = amount"),
    ("nr = 1\n", "nr = -1\n", "a villkor number (1–999)"),
    ("nr = 1\n", "nr = 1000000000000000000000000000\n", "a villkor number (1–999)"),
])
def test_out_of_range_values_are_one_line(tmp_path, old, new, what):
    line = one_error_line(run("generate", str(broken(tmp_path, old, new)), "-o", str(tmp_path / "x.xlsx")))
    assert what in line


def test_a_byte_order_mark_is_tolerated_and_a_bad_out_folder_is_one_line(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + AGREEMENT_2017.read_bytes())
    assert run("generate", str(path), "-o", str(tmp_path / "x.xlsx")).exit_code == 0
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    line = one_error_line(run("build", "--templates", str(TEMPLATE_DIR), "--out", str(tmp_path / "afile")))
    assert "Give another --out" in line


def test_follow_up_years_must_be_years(tmp_path):
    text = (TEMPLATE_DIR / "villkor3-sammanstallning-2020.toml").read_text(encoding="utf-8")
    path = tmp_path / "k.toml"
    path.write_text(text.replace("\nar = 2020", "\nar = 999999999999", 1), encoding="utf-8")
    assert "'ar' must be a year (1990–2100)" in one_error_line(run("generate", str(path)))
