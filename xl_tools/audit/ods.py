"""OpenDocument spreadsheets (.ods): converted headless by LibreOffice to a temporary .xlsx,
then audited like any workbook under the original's sheet names.

The .ods passes the same container check as an .xlsx first (regular file, zip-bomb limits),
and its sheet names are read from its own ``content.xml`` with the hardened parser, so a name
LibreOffice would have to shorten for .xlsx (31 characters) is reported as the user wrote it;
cell addresses are the same in both formats. LibreOffice runs with an isolated profile of its
own (never the user's, and not the recalculation profile: the values saved in the .ods are
kept, so stale values can still be found) and converts only — no macro runs (LibreOffice's
default macro security), nothing is recalculated or fetched. The temporary folder is removed
on every exit Python sees.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from xl_tools.audit.reader import WorkbookReadError, open_container
from xl_tools.i18n import _

ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
TIMEOUT = 180.0


def is_ods(path: Path) -> bool:
    """True for an OpenDocument spreadsheet (by its ``mimetype`` member, whatever the name)."""
    container = open_container(path, ooxml=False)
    try:
        if "mimetype" not in container.names:
            return False
        with container.zf.open("mimetype") as fh:
            return fh.read(len(ODS_MIMETYPE) + 8).strip() == ODS_MIMETYPE
    except (OSError, RuntimeError, ValueError):
        return False
    finally:
        container.close()


def sheet_names(path: Path) -> list[str]:
    """The sheet (table) names of an .ods, in order, from its content.xml."""
    names: list[str] = []
    depth = [0]

    def start(tag: str, attrs: dict[str, str]) -> None:
        if tag == "table:table":
            if depth[0] == 0:
                names.append(attrs.get("table:name", ""))
            depth[0] += 1

    def end(tag: str) -> None:
        if tag == "table:table":
            depth[0] -= 1

    container = open_container(path, ooxml=False)
    try:
        if "content.xml" not in container.names:
            raise WorkbookReadError(_("{name} is an OpenDocument file without content.xml; it is damaged.").format(
                name=path.name))
        container.parse("content.xml", start, end)
    finally:
        container.close()
    return names


def profile_dir() -> Path:
    """The isolated LibreOffice profile for conversions (beside the project's other profiles)."""
    from xl_tools.libreoffice.recalc import default_profile_dir

    return default_profile_dir().with_name("lo-profile-convert")


def convert(path: Path, workdir: Path) -> Path:
    """Convert ``path`` (.ods) to an .xlsx inside ``workdir`` with headless LibreOffice."""
    from xl_tools.libreoffice.recalc import profile_lock, run_soffice, soffice_path

    if soffice_path() is None:
        raise WorkbookReadError(_("{name} is an OpenDocument spreadsheet; auditing it needs LibreOffice "
                                  "(apt-get install libreoffice-calc-nogui), or save it as .xlsx.").format(
            name=path.name))
    staged = workdir / "input.ods"
    shutil.copyfile(path, staged)
    outdir = workdir / "out"
    outdir.mkdir()
    profile = profile_dir()
    with profile_lock(profile):
        result = run_soffice(["--calc", "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(outdir),
                              str(staged)], profile, timeout=TIMEOUT)
    produced = outdir / "input.xlsx"
    if not produced.is_file() or produced.stat().st_size == 0:
        detail = " ".join((result.stderr or result.stdout or "").split())[:200]
        raise WorkbookReadError(_("LibreOffice could not convert {name} to .xlsx for the audit{detail}; check that "
                                  "it opens in LibreOffice.").format(name=path.name,
                                                                      detail=f" ({detail})" if detail else ""))
    return produced


def temporary_folder() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="xl_tools_ods_")
