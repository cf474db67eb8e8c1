"""The Excel face proven without Excel: the VBA module and the LibreOffice shims match ``xl_tools/udfs.py``.

``scripts/gen_udf_shims.py --check`` says the generated files are current; the checks below read
each file independently of the generator (a regular-expression parse of the .bas and .xba, an
``ast`` parse of the Python shim) and compare every UDF's name, arguments (and which are
optional) and help with the Python functions.
"""

from __future__ import annotations

import ast
import inspect
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

from xl_tools import udfs

ROOT = Path(__file__).resolve().parents[1]
BAS = ROOT / "macros" / "xl_tools_udfs.bas"
XBA = ROOT / "xl_tools" / "libreoffice" / "XlToolsUdfs.xba"
SHIM = ROOT / "xl_tools" / "libreoffice" / "xl_tools_udfs.py"


def expected() -> dict[str, tuple[list[tuple[str, bool]], str]]:
    """UDF name → ([(argument, optional)], help) from the Python functions."""
    out = {}
    for name in udfs.__all__:
        if not name.startswith("FK_"):
            continue
        function = getattr(udfs, name)
        params = [(p.name, p.default is not inspect.Parameter.empty)
                  for p in inspect.signature(function).parameters.values()]
        out[name] = (params, " ".join(inspect.getdoc(function).split()))
    return out


def _ascii(text: str) -> str:
    text = text.replace("×", "x").replace("–", "-")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def bas_problems(text: str) -> list[str]:
    """What in a .bas text does not match the UDFs (empty: all match)."""
    problems = []
    functions = {m["name"]: [(a.strip().removeprefix("Optional ").strip(), a.strip().startswith("Optional"))
                             for a in m["args"].split(",") if a.strip()]
                 for m in re.finditer(r"^Function (?P<name>\w+)\((?P<args>[^)]*)\)\s*$", text, re.M)}
    helps = {m["name"]: m["help"].strip() for m in re.finditer(r"^' (?P<name>FK_\w+)\([^)]*\): (?P<help>.*)$",
                                                                   text, re.M)}
    for name, (params, help_text) in expected().items():
        if name not in functions:
            problems.append(f"{name} missing")
            continue
        if functions[name] != params:
            problems.append(f"{name} arguments {functions[name]} != {params}")
        if helps.get(name) != help_text:
            problems.append(f"{name} help differs")
        if f'XLPy.CallUDF("xl_tools.udfs", "{name}", Array({", ".join(p for p, _ in params)})' not in text:
            problems.append(f"{name} does not call xl_tools.udfs.{name} with its arguments")
    problems += [f"{name} is not a UDF" for name in functions if name not in expected()]
    return problems


def xba_problems(text: str) -> list[str]:
    problems = []
    found = {}
    for m in re.finditer(r"^REM (?P<help>.*)\nFunction (?P<name>FK_\w+)\((?P<args>[^)]*)\) As Variant$", text, re.M):
        args = [(a.strip().removeprefix("Optional ").removesuffix(" As Variant").strip(),
                 a.strip().startswith("Optional")) for a in m["args"].split(",") if a.strip()]
        found[m["name"]] = (args, m["help"].replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))
    for name, (params, help_text) in expected().items():
        if name not in found:
            problems.append(f"{name} missing")
            continue
        if found[name][0] != params:
            problems.append(f"{name} arguments {found[name][0]} != {params}")
        if found[name][1] != _ascii(help_text):
            problems.append(f"{name} help differs")
        if f'XlToolsCall("{name.lower()}"' not in text:
            problems.append(f"{name} does not call the Python script's {name.lower()}")
    problems += [f"{name} is not a UDF" for name in found if name not in expected()]
    return problems


def shim_problems(text: str) -> list[str]:
    tree = ast.parse(text)
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)
                 and node.name.startswith("fk_")}
    problems = []
    for name, (params, _help) in expected().items():
        node = functions.get(name.lower())
        if node is None:
            problems.append(f"{name.lower()} missing")
            continue
        args = [a.arg for a in node.args.args]
        optional = [False] * (len(args) - len(node.args.defaults)) + [True] * len(node.args.defaults)
        if list(zip(args, optional)) != params:
            problems.append(f"{name.lower()} arguments {list(zip(args, optional))} != {params}")
        if f"_udfs.{name}(" not in ast.get_source_segment(text, node):
            problems.append(f"{name.lower()} does not call udfs.{name}")
    exported = next((n for n in tree.body if isinstance(n, ast.Assign)
                     and any(getattr(t, "id", "") == "g_exportedScripts" for t in n.targets)), None)
    if exported is None or {e.id for e in exported.value.elts} != {n.lower() for n in expected()}:  # type: ignore
        problems.append("g_exportedScripts does not list every function")
    return problems


def test_generated_files_are_current() -> None:
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_udf_shims.py"), "--check"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr


def test_bas_matches_the_udfs() -> None:
    text = BAS.read_bytes().decode("cp1252")
    assert bas_problems(text) == []
    assert "\r\n" in BAS.read_bytes().decode("cp1252")  # VBA modules are CRLF text
    assert text.startswith('Attribute VB_Name = "xl_tools_udfs"')


def test_xba_matches_the_udfs() -> None:
    assert xba_problems(XBA.read_text(encoding="utf-8")) == []


def test_python_shim_matches_the_udfs() -> None:
    assert shim_problems(SHIM.read_text(encoding="utf-8")) == []


def test_the_checks_notice_a_difference() -> None:
    """The parsers are not vacuous: a renamed argument, a lost function and a changed help are found."""
    bas = BAS.read_bytes().decode("cp1252")
    renamed = bas.replace("FK_ANDEL(region, pot", "FK_ANDEL(reg, pot")
    assert any("FK_ANDEL arguments" in p for p in bas_problems(renamed))
    assert any("FK_REGION missing" in p for p in bas_problems(bas.replace("Function FK_REGION(", "Function XX(")))
    assert any("help differs" in p for p in bas_problems(bas.replace("Regionens andel", "Regionens del", 1)))
    xba = XBA.read_text(encoding="utf-8")
    assert xba_problems(xba.replace("Optional avrundning As Variant) As Variant\n    On Error GoTo failed\n"
                                    "    FK_ANDEL", "avrundning As Variant) As Variant\n    On Error GoTo failed\n"
                                    "    FK_ANDEL", 1))
    shim = SHIM.read_text(encoding="utf-8")
    assert shim_problems(shim.replace("def fk_region(text: Cell)", "def fk_region(txt: Cell)"))
