"""One pipeline for every template kind: template → validated model → layout → render.

::

    templates/*.toml ──read_template──▶ RawTemplate (parsed TOML, schema-checked, file:line errors)
                     ──kind.load─────▶ the kind's model (Agreement, Internal, Compilation)
                     ──kind.generate─▶ layout: one Workbook model (xl_tools.workbook.sheet)
                                       render: xl_tools.workbook.render.render, written atomically
                                       inputs: carried over from the existing file (generate.carried_inputs)

The kind registry (:data:`KINDS`) sits above the kinds: a template's ``typ`` names its kind
(default ``overenskommelse``), and each kind gives its schema (:mod:`xl_tools.schema`), its
loader and its generator as ``"module:function"``, imported only when used.

Folder-level rules live here too: every template in a folder is read and checked before
anything is written, and two templates with one ``id`` are refused naming both files.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xl_tools.errors import XlToolsError
from xl_tools.i18n import _
from xl_tools.money import format_number
from xl_tools.schema import SCHEMAS, Problem, Table, suggestion, validate

DEFAULT_KIND = "overenskommelse"
MAX_TEMPLATE_BYTES = 2_000_000
PLAIN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_HEADER = re.compile(r"^\s*\[\[?\s*[A-Za-z_\"]")


class TemplateError(XlToolsError):
    """A template that cannot be used, with file, line and field."""


@dataclass(frozen=True)
class Kind:
    name: str
    schema: Table
    load: str  # "module:function": Path -> model
    generate: str  # "module:function": (model, out file, *, discard_unmatched) -> GenerateResult
    description: str

    def loader(self) -> Callable[..., Any]:
        return _import(self.load)

    def generator(self) -> Callable[..., Any]:
        """``(template, out_dir, *, discard_unmatched)``: generate ``<out_dir>/<id>.xlsx``."""
        def into(template: Path, out_dir: Path, *, discard_unmatched: bool = False) -> Any:
            model = self.loader()(template)
            return self.writer()(model, Path(out_dir) / f"{model.id}.xlsx", discard_unmatched=discard_unmatched)

        return into

    def writer(self) -> Callable[..., Any]:
        return _import(self.generate)


def _import(target: str) -> Callable[..., Any]:
    module, _, function = target.partition(":")
    writer: Callable[..., Any] = getattr(importlib.import_module(module), function)
    return writer


KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("overenskommelse", SCHEMAS["overenskommelse"], "xl_tools.agreement:load_template",
         "xl_tools.workbook.generate:generate_workbook",
         "Fördelning av en överenskommelses medel: ett blad per villkor, en rad per region."),
    Kind("intern_fordelning", SCHEMAS["intern_fordelning"], "xl_tools.followup.internal:load_internal",
         "xl_tools.followup.internal:generate_internal",
         "En regions interna fördelning av mottagna medel till divisioner."),
    Kind("villkor3_sammanstallning", SCHEMAS["villkor3_sammanstallning"],
         "xl_tools.followup.compilation:load_compilation", "xl_tools.followup.compilation:generate_compilation",
         "Sammanställning av regionernas redovisningar (villkor 3) och utbetalning."),
)}


# ---------------------------------------------------------------------------------------------- reading
class Locator:
    """Finds the line of a key in the template's text (for file:line errors)."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def _key_from(self, start: int, key: str) -> int | None:
        """The first line from ``start`` assigning ``key``, before the next ``[table]`` header."""
        pattern = re.compile(rf'^\s*"?{re.escape(key)}"?\s*=')
        for lineno in range(start, len(self.lines) + 1):
            line = self.lines[lineno - 1]
            if lineno > start and _HEADER.match(line):
                return None
            if pattern.match(line):
                return lineno
        return None

    def header(self, table: str, index: int | None) -> int | None:
        wanted = f"[[{table}]]" if index is not None else f"[{table}]"
        count = -1
        for lineno, line in enumerate(self.lines, start=1):
            if line.split("#", 1)[0].strip() == wanted:
                count += 1
                if index is None or count == index:
                    return lineno
        return None

    def line_of(self, table: str, index: int | None = None, key: str | None = None) -> int | None:
        """The line of ``key`` in the ``index``-th ``[[table]]`` (or ``[table]``, or the top level)."""
        if not table:
            if not key:
                return None
            return self._key_from(1, key) or self.header(key, None) or self.header(key, 0)
        start = self.header(table, index)
        if start is None:
            # an inline table (kontroll = { … }) or a key anywhere: the first line naming it
            return self.line_of_key(key or table)
        if key is None:
            return start
        return self._key_from(start, key) or start

    def line_of_key(self, key: str) -> int | None:
        pattern = re.compile(rf'^\s*"?{re.escape(key)}"?\s*=')
        return next((i for i, line in enumerate(self.lines, start=1) if pattern.match(line)), None)

    def error(self, message: str, line: int | None) -> TemplateError:
        where = _("{file}: line {line}, ").format(file=self.path, line=line) if line else f"{self.path}: "
        return TemplateError(where + message)


@dataclass
class RawTemplate:
    """A template file read, parsed and checked against its kind's schema."""

    path: Path
    text: str
    data: dict[str, Any]
    kind: Kind
    locator: Locator

    @property
    def id(self) -> str:
        return str(self.data.get("id", ""))


def read_template(path: str | Path) -> RawTemplate:
    """Read one template: any problem is one :class:`TemplateError` line naming the file (and line)."""
    path = Path(path)
    if path.is_dir():
        raise TemplateError(_("{path} is a folder, not a template. Give a .toml file, or use "
                              "'xl-tools build --templates {path}'.").format(path=path))
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise TemplateError(_("Template not found: {path}. 'xl-tools mallar' lists the shipped templates.").format(
            path=path)) from None
    except OSError as exc:
        raise TemplateError(_("{path}: cannot read the template: {error}.").format(
            path=path, error=exc.strerror or exc)) from None
    if size > MAX_TEMPLATE_BYTES:
        raise TemplateError(_("{path}: {size} bytes is far too large for a template (limit {limit}).").format(
            path=path, size=format_number(size), limit=format_number(MAX_TEMPLATE_BYTES)))
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise TemplateError(_("{path}: not UTF-8 text. Save the template as UTF-8.").format(path=path)) from None
    except OSError as exc:
        raise TemplateError(_("{path}: cannot read the template: {error}.").format(
            path=path, error=exc.strerror or exc)) from None
    text = text.removeprefix("\ufeff")  # a byte-order mark (Windows Notepad) is not part of the template
    limit = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(max(limit, 3000))
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(_("{path}: not valid TOML: {error}. See docs/template-reference.md.").format(
            path=path, error=exc)) from None
    except RecursionError:
        raise TemplateError(_("{path}: nested too deeply to be a template (lists or tables inside each other "
                              "hundreds of levels deep).").format(path=path)) from None
    finally:
        sys.setrecursionlimit(limit)
    loc = Locator(path, text)
    kind_name = data.get("typ", DEFAULT_KIND)
    if not isinstance(kind_name, str) or kind_name not in KINDS:
        raise loc.error(_("unknown typ {kind}; known: {known}.").format(kind=repr(kind_name), known=", ".join(KINDS))
                        + (suggestion(kind_name, list(KINDS)) if isinstance(kind_name, str) else ""),
                        loc.line_of_key("typ"))
    kind = KINDS[kind_name]
    problems = _nesting(data) or validate(data, kind.schema)
    if problems:
        first = problems[0]
        more = " " + _("(and {n} more problem(s))").format(n=len(problems) - 1) if len(problems) > 1 else ""
        raise loc.error(first.message + more, _line(loc, first))
    template_id = data.get("id")
    if isinstance(template_id, str) and not PLAIN_ID.match(template_id) or template_id in (".", ".."):
        raise loc.error(_("id {id} must be a plain name (letters, digits, '-', '_', '.'; no folders, no '..'): it "
                          "names the workbook file.").format(id=repr(template_id)), loc.line_of_key("id"))
    return RawTemplate(path=path, text=text, data=data, kind=kind, locator=loc)


def _line(loc: Locator, problem: Problem) -> int | None:
    return loc.line_of(problem.table, problem.index, problem.key)


def _nesting(data: object, depth: int = 0) -> list[Problem]:
    """Refuse lists and tables nested deeper than any template needs (a hostile file)."""
    if depth > 6:
        return [Problem("", None, None, "lists or tables are nested too deeply for a template.")]
    children = data.values() if isinstance(data, dict) else data if isinstance(data, list) else ()
    for child in children:
        found = _nesting(child, depth + 1)
        if found:
            return found
    return []


def load(path: str | Path) -> Any:
    """The validated model of the template at ``path``, whatever its kind."""
    raw = read_template(path)
    return raw.kind.loader()(raw.path)


# ---------------------------------------------------------------------------------------------- folders
def shipped_template_dir() -> Path:
    """The templates users see and edit: ``templates/`` of a source checkout, else the copy in the package."""
    from xl_tools.agreement import TEMPLATE_DIR

    return TEMPLATE_DIR


def list_templates(directory: Path) -> list[Path]:
    if not directory.is_dir():
        raise XlToolsError(_("{folder} is not a folder of templates.").format(folder=directory))
    return sorted(p for p in directory.glob("*.toml") if p.is_file())


def read_folder(directory: Path) -> list[RawTemplate]:
    """Read and check every template in ``directory``; refuse two templates with the same id."""
    paths = list_templates(directory)
    if not paths:
        raise XlToolsError(_("No templates (*.toml) in {folder}.").format(folder=directory))
    raws = [read_template(p) for p in paths]
    seen: dict[str, Path] = {}
    for raw in raws:
        key = raw.id.casefold()  # ids name files: Windows and macOS do not tell case apart
        if key in seen:
            raise TemplateError(
                _("{first} and {second} both have id = {id}: their workbooks would overwrite each other. Give each "
                  "template its own id. Nothing was written.").format(first=seen[key], second=raw.path,
                                                                      id=repr(raw.id)))
        seen[key] = raw.path
    return raws


def find_template(name: str | Path, directory: Path | None = None) -> Path:
    """A template by path, or by id among the templates in ``directory`` (default: the shipped ones)."""
    path = Path(name)
    if path.suffix == ".toml" or path.exists() or len(path.parts) > 1:
        return path
    directory = directory or shipped_template_dir()
    ids = {}
    for candidate in list_templates(directory):
        try:
            ids[read_template(candidate).id] = candidate
        except XlToolsError:
            continue
    if str(name) in ids:
        return ids[str(name)]
    raise TemplateError(_("No template with id {id} in {folder}.").format(id=repr(str(name)), folder=directory)
                        + suggestion(str(name), list(ids)) + " " + _("'xl-tools mallar' lists them."))


@dataclass(frozen=True)
class TemplateInfo:
    id: str
    kind: str
    title: str
    years: str
    path: Path


def describe_templates(directory: Path) -> list[TemplateInfo]:
    """One line per template in ``directory`` (for ``xl-tools mallar``)."""
    result = []
    for raw in read_folder(directory):
        years = raw.data.get("ar")
        years_text = "–".join(map(str, (years[0], years[-1]))) if isinstance(years, list) and len(years) > 1 else \
            str(years[0] if isinstance(years, list) and years else years or "")
        result.append(TemplateInfo(raw.id, raw.kind.name, str(raw.data.get("titel", "")), years_text, raw.path))
    return result


def generate(template: str | Path, out: Path | None = None, *, discard_unmatched: bool = False) -> Any:
    """Generate one template of any kind (a path, or the id of a shipped template) at ``out``
    (default ``<id>.xlsx`` in the current folder)."""
    raw = read_template(find_template(template))
    model = raw.kind.loader()(raw.path)
    out = Path(out) if out is not None else Path.cwd() / f"{model.id}.xlsx"
    return raw.kind.writer()(model, out, discard_unmatched=discard_unmatched)


def build_all(template_dir: Path, out_dir: Path, *, progress: Callable[[str], None] | None = None,
              discard_unmatched: bool = False) -> list[Any]:
    """Regenerate every template in ``template_dir`` into ``out_dir``, whatever its kind.

    Every template is read, checked and loaded into its model before anything is written.
    """
    raws = read_folder(template_dir)
    for raw in raws:
        raw.kind.loader()(raw.path)
    if out_dir.exists() and not out_dir.is_dir():
        raise XlToolsError(_("{folder} is not a folder (it is a file). Give another --out.").format(folder=out_dir))
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise XlToolsError(_("Cannot use {folder} as the folder for the workbooks: {error}. Give another "
                             "--out.").format(folder=out_dir, error=exc.strerror or exc)) from None
    if not os.access(out_dir, os.W_OK):
        raise XlToolsError(_("Cannot write in {folder}. Give another --out.").format(folder=out_dir))
    results = []
    for i, raw in enumerate(raws, start=1):
        if progress:
            progress(f"[{i}/{len(raws)}] {raw.path.name}")
        results.append(raw.kind.generator()(raw.path, out_dir, discard_unmatched=discard_unmatched))
    return results

