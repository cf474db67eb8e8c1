"""See a workbook as a finance officer would: render it headless with LibreOffice (sv-SE) to PDF.

:func:`render_pdf` prints every sheet through LibreOffice Calc with a Swedish locale
(``1 444 000 000``, decimal commas) in an isolated profile, so what the PDF shows is what a
user gets on paper or in print preview. :func:`pdf_pages` reads it back page by page: which
sheet a page belongs to (from the footer the generator writes, ``SHEET … Sida N av M``), its
text, and the height of its text, which gives the print scale that LibreOffice chose.
:func:`preview_png` turns one page into a PNG (``make previews``).

Needs LibreOffice and poppler-utils (``pdftotext``, ``pdftoppm``); both are installed by
``scripts/setup.sh``.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from html import unescape
from pathlib import Path

from xl_tools.errors import XlToolsError
from xl_tools.i18n import _
from xl_tools.libreoffice import recalc

LOCALE = "sv-SE"
# The height pdftotext gives a word printed at 100 % is 1.30 × its font size in points (Carlito,
# Calibri's metrics; measured for 10 and 11 pt, checked by tests/test_render.py).
BOX_PER_POINT = 1.30
BODY_POINTS = 10  # the generated workbooks' body text: Calibri 10
_LOCALE_ITEMS = (
    ("/org.openoffice.Setup/L10N", "ooSetupSystemLocale", LOCALE),
    ("/org.openoffice.Setup/L10N", "ooLocale", LOCALE),
    ("/org.openoffice.Office.Linguistic/General", "DefaultLocale", LOCALE),
)


def render_profile_dir() -> Path:
    """The isolated profile used for rendering (a sibling of the recalculation profile)."""
    return recalc.default_profile_dir().with_name("lo-profile-render")


def ensure_locale_settings(profile: Path) -> None:
    """Make the profile Swedish (number formats, dates) and recalculate on load."""
    recalc.ensure_recalc_settings(profile)
    xcu = profile / "user" / "registrymodifications.xcu"
    text = xcu.read_text(encoding="utf-8")
    for path, name, value in _LOCALE_ITEMS:
        text = re.sub(r'<item oor:path="' + re.escape(path) + r'"><prop oor:name="' + re.escape(name)
                      + r'"[^>]*>.*?</prop></item>\s*', "", text, flags=re.DOTALL)
        item = (f'<item oor:path="{path}"><prop oor:name="{name}" oor:op="fuse">'
                f"<value>{value}</value></prop></item>\n")
        text = text.replace("</oor:items>", item + "</oor:items>")
    tmp = xcu.with_name(xcu.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, xcu)


def render_pdf(src: Path, dst: Path, *, timeout: float = 300, profile: Path | None = None) -> Path:
    """Print every sheet of ``src`` to the PDF ``dst`` with LibreOffice in Swedish. Returns ``dst``."""
    src, dst = Path(src), Path(dst)
    if not src.is_file():
        raise XlToolsError(_("Cannot render {src}: no such file.").format(
                               src=src))
    if recalc.soffice_path() is None:
        raise XlToolsError(recalc.INSTALL_HINT)
    profile = Path(profile) if profile is not None else render_profile_dir()
    with tempfile.TemporaryDirectory(prefix="xl_tools_render_") as work:
        staged = Path(work) / ("input" + src.suffix.lower())
        shutil.copyfile(src, staged)
        outdir = Path(work) / "out"
        outdir.mkdir()
        with recalc.profile_lock(profile):
            ensure_locale_settings(profile)
            result = recalc.run_soffice(["--calc", "--convert-to", "pdf:calc_pdf_Export", "--outdir",
                                         str(outdir), str(staged)], profile, timeout=timeout)
        produced = outdir / "input.pdf"
        if not produced.is_file() or produced.stat().st_size == 0:
            detail = " ".join((result.stderr or result.stdout or "").split())[:300]
            raise XlToolsError(_("LibreOffice could not print {name} to PDF{detail}.").format(
                                   name=src.name, detail=': ' + detail if detail else ''))
        dst.parent.mkdir(parents=True, exist_ok=True)
        tmp = dst.with_name(dst.name + ".tmp")
        shutil.copyfile(produced, tmp)
        os.replace(tmp, dst)
    return dst


@dataclass(frozen=True)
class Page:
    """One printed page: its number, the sheet it shows, its words and their median height."""

    number: int
    sheet: str
    words: tuple[str, ...]
    text_height: float  # points, median over the page's words (the footer excluded)

    def scale(self, body_points: float = BODY_POINTS) -> float:
        """The print scale LibreOffice used, from the median text height (1.0 = 100 %)."""
        return self.text_height / (body_points * BOX_PER_POINT)

    @property
    def text(self) -> str:
        return " ".join(self.words)


_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')
_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.DOTALL)
_FOOTER = re.compile(r"^(?P<sheet>.+?)\s+Sida\s+\d+\s+av\s+\d+$")


def pdf_pages(pdf: Path, sheet_names: Sequence[str] = ()) -> list[Page]:
    """The pages of a rendered workbook, each with the sheet named in its footer.

    Give the workbook's ``sheet_names`` when a chart's labels may print on the footer's line:
    the page then belongs to the longest name the footer starts with.
    """
    if shutil.which("pdftotext") is None:
        raise XlToolsError(_("pdftotext is missing: install poppler-utils (scripts/setup.sh does)."))
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True,
                         timeout=120).stdout
    pages = []
    for number, match in enumerate(_PAGE.finditer(out), start=1):
        words = [(float(x0), float(y0), float(y1), unescape(w))
                 for x0, y0, _x1, y1, w in _WORD.findall(match.group(3))]
        sheet, footer = "", set()
        for line in reversed(_lines(words)):  # the footer is the lowest line that reads like one
            found = _FOOTER.match(" ".join(words[i][3] for i in line))
            if found:
                sheet, footer = found.group("sheet"), set(line)
                known = [n for n in sheet_names if sheet == n or sheet.startswith(n + " ")]
                sheet = max(known, key=len) if known else sheet
                break
        body = [w for i, w in enumerate(words) if i not in footer]
        text_height = statistics.median([y1 - y0 for _x0, y0, y1, _w in body]) if body else 0.0
        pages.append(Page(number, sheet, tuple(w for *_, w in body), text_height))
    return pages


def _lines(words: list[tuple[float, float, float, str]]) -> list[list[int]]:
    """Word indexes grouped into printed lines (tops within 2 pt), top to bottom, left to right."""
    lines: list[list[int]] = []
    for i in sorted(range(len(words)), key=lambda i: (words[i][1], words[i][0])):
        if lines and abs(words[lines[-1][0]][1] - words[i][1]) < 2:
            lines[-1].append(i)
        else:
            lines.append([i])
    return [sorted(line, key=lambda i: words[i][0]) for line in lines]


def preview_png(pdf: Path, page: int, dst: Path, *, dpi: int = 60) -> Path:
    """Page ``page`` (1-based) of ``pdf`` as a PNG at ``dst``."""
    if shutil.which("pdftoppm") is None:
        raise XlToolsError(_("pdftoppm is missing: install poppler-utils (scripts/setup.sh does)."))
    dst.parent.mkdir(parents=True, exist_ok=True)
    stem = dst.with_suffix("")
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile",
                    str(pdf), str(stem)], check=True, timeout=120, capture_output=True)
    return dst
