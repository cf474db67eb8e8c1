"""Headless LibreOffice: open a workbook, recalculate every formula, save it again.

>>> from pathlib import Path
>>> from xl_tools.libreoffice.recalc import recalculate
>>> recalculate(Path("in.xlsx"), Path("out.xlsx"))  # doctest: +SKIP
PosixPath('out.xlsx')

``soffice --headless --convert-to xlsx`` on its own only recalculates cells that have
no cached value. :func:`recalculate` runs it with an isolated LibreOffice profile
whose settings say "always recalculate on load" (``OOXMLRecalcMode`` and
``ODFRecalcMode`` = 0), so every formula is computed by LibreOffice and the cached
values written by another program are replaced.

The profile is cached (created once, reused) in ``$XL_TOOLS_LO_PROFILE`` if set,
else ``$XDG_CACHE_HOME/xl_tools/lo-profile`` (``~/.cache/xl_tools/lo-profile``). It
is never the user's own LibreOffice profile. Calls using the same profile are
serialised with a file lock, because one LibreOffice profile cannot be used by
two processes at once.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from xl_tools.errors import XlToolsError
from xl_tools.i18n import _

INSTALL_HINT = "LibreOffice is not installed: apt-get install libreoffice-calc-nogui"
_FILTERS = {
    ".xlsx": "xlsx:Calc MS Excel 2007 XML",
    ".ods": "ods:calc8",
}
_RECALC_ITEMS = (
    # 0 = always recalculate when loading, 1 = never, 2 = prompt.
    ("/org.openoffice.Office.Calc/Formula/Load", "OOXMLRecalcMode", "int", "0"),
    ("/org.openoffice.Office.Calc/Formula/Load", "ODFRecalcMode", "int", "0"),
)
_XCU_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
    'xmlns:xs="http://www.w3.org/2001/XMLSchema" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
)
_XCU_TAIL = "</oor:items>\n"


def soffice_path() -> Path | None:
    """The ``soffice`` executable (``$XL_TOOLS_SOFFICE`` if set, else on PATH), or None."""
    override = os.environ.get("XL_TOOLS_SOFFICE")
    if override:
        return Path(override) if Path(override).exists() else None
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return Path(found)
    for candidate in ("/usr/bin/soffice", "/usr/lib/libreoffice/program/soffice",
                      "/opt/libreoffice/program/soffice",
                      "/Applications/LibreOffice.app/Contents/MacOS/soffice"):
        if Path(candidate).exists():
            return Path(candidate)
    return None


def libreoffice_available() -> bool:
    """True if LibreOffice can be run here (for ``pytest.mark.skipif``)."""
    return soffice_path() is not None


def default_profile_dir() -> Path:
    """The isolated LibreOffice profile used by xl_tools (never the user's own)."""
    override = os.environ.get("XL_TOOLS_LO_PROFILE")
    if override:
        return Path(override).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "xl_tools" / "lo-profile"


def _item_xml(path: str, name: str, typ: str, value: str) -> str:
    return (f'<item oor:path="{path}"><prop oor:name="{name}" oor:op="fuse">'
            f'<value>{value}</value></prop></item>\n')


def ensure_recalc_settings(profile: Path) -> None:
    """Make the profile's ``user/registrymodifications.xcu`` say "always recalculate on load".

    Idempotent: existing settings of other kinds are kept, our two are set to 0.
    """
    xcu = profile / "user" / "registrymodifications.xcu"
    xcu.parent.mkdir(parents=True, exist_ok=True)
    text = xcu.read_text(encoding="utf-8") if xcu.exists() else _XCU_HEAD + _XCU_TAIL
    if "</oor:items>" not in text:
        text = _XCU_HEAD + _XCU_TAIL
    for path, name, typ, value in _RECALC_ITEMS:
        pattern = re.compile(
            r'<item oor:path="' + re.escape(path) + r'"><prop oor:name="' + re.escape(name)
            + r'"[^>]*>.*?</prop></item>\s*', re.DOTALL)
        text = pattern.sub("", text)
        text = text.replace("</oor:items>", _item_xml(path, name, typ, value) + "</oor:items>")
    tmp = xcu.with_name(xcu.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, xcu)


@contextmanager
def profile_lock(profile: Path) -> Iterator[None]:
    """Hold an exclusive lock on a profile while LibreOffice uses it."""
    profile.mkdir(parents=True, exist_ok=True)
    with open(profile / ".xl_tools.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def run_soffice(args: list[str], profile: Path, *, timeout: float) -> subprocess.CompletedProcess[str]:
    """Run ``soffice --headless`` with the isolated ``profile``; kill it all on timeout.

    The caller holds :func:`profile_lock`.
    """
    exe = soffice_path()
    if exe is None:
        raise XlToolsError(INSTALL_HINT)
    cmd = [str(exe), f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless",
           "--invisible", "--nologo", "--norestore", "--nodefault", "--nolockcheck", *args]
    env = soffice_env()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise XlToolsError(
            _("LibreOffice did not finish within {timeout} s; give a longer timeout or check that no "
              "dialog is blocking it (profile {profile}).").format(
                timeout=format(timeout, 'g'), profile=profile)
        ) from None
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def soffice_env(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for soffice: without the settings of the Python running xl_tools.

    LibreOffice embeds its own Python (python3-uno uses the system's). Inherited
    ``PYTHONHOME``/``PYTHONPATH``, or a pyenv/venv ``bin`` first on ``PATH``, make that
    embedded Python pick up another installation's standard library, and every Python
    macro fails ("can't import __main__ module"). Those are removed here.
    """
    env = dict(os.environ if environ is None else environ)
    for name in ("PYTHONHOME", "PYTHONPATH", "PYTHONSTARTUP", "PYTHONEXECUTABLE", "VIRTUAL_ENV",
                 "PYENV_VERSION", "__PYVENV_LAUNCHER__"):
        env.pop(name, None)
    system_prefixes = {"/usr", "/usr/local", "/"}
    ours = {str(Path(p).resolve()) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)
            if str(Path(p).resolve()) not in system_prefixes}
    venv = os.environ.get("VIRTUAL_ENV") if environ is None else environ.get("VIRTUAL_ENV")
    if venv:
        ours.add(str(Path(venv).resolve()))
    kept = []
    for entry in env.get("PATH", "").split(os.pathsep):
        resolved = str(Path(entry).resolve()) if entry else entry
        if any(resolved == o or resolved.startswith(o + os.sep) for o in ours):
            continue
        if "/.pyenv/" in entry and "/shims" not in entry:  # pyenv's per-version and plugin dirs
            continue
        kept.append(entry)
    env["PATH"] = os.pathsep.join(kept)
    env.setdefault("SAL_USE_VCLPLUGIN", "svp")
    return env


def _kill_group(proc: subprocess.Popen[str]) -> None:
    """Kill the process group we started for ``proc`` (soffice starts soffice.bin in it)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    proc.communicate()


def recalculate(src: Path, dst: Path, *, timeout: float = 180, profile: Path | None = None) -> Path:
    """Open ``src`` in headless LibreOffice Calc, recalculate every formula, save it as ``dst``.

    ``dst``'s suffix chooses the format (``.xlsx``, or ``.ods``). Every formula is
    recalculated, including those that already have a cached value. ``profile`` is
    the LibreOffice profile directory to use (default :func:`default_profile_dir`);
    functions installed with ``xl-tools libreoffice install --profile DIR`` are
    available when that DIR is given. Returns ``dst``.
    """
    src = Path(src)
    dst = Path(dst)
    if not src.is_file():
        raise XlToolsError(_("Cannot recalculate {src}: no such file.").format(
                               src=src))
    suffix = dst.suffix.lower()
    if suffix not in _FILTERS:
        raise XlToolsError(_("Cannot save {dst}: give a file name ending in .xlsx or .ods.").format(
                               dst=dst))
    profile = Path(profile) if profile is not None else default_profile_dir()
    if soffice_path() is None:
        raise XlToolsError(INSTALL_HINT)
    with tempfile.TemporaryDirectory(prefix="xl_tools_recalc_") as work:
        workdir = Path(work)
        # Copy to a plain name so LibreOffice's output name is predictable.
        staged = workdir / ("input" + src.suffix.lower())
        shutil.copyfile(src, staged)
        outdir = workdir / "out"
        outdir.mkdir()
        with profile_lock(profile):
            ensure_recalc_settings(profile)
            result = run_soffice(["--calc", "--convert-to", _FILTERS[suffix], "--outdir", str(outdir),
                                  str(staged)], profile, timeout=timeout)
        produced = outdir / ("input" + suffix)
        if not produced.is_file() or produced.stat().st_size == 0:
            detail = " ".join((result.stderr or result.stdout or "").split())[:300]
            raise XlToolsError(
                _("LibreOffice could not recalculate {name} (exit code {returncode}{detail}); check "
                  "that it is a valid spreadsheet.").format(
                    name=src.name, returncode=result.returncode, detail=': ' + detail if detail else '')
            )
        dst.parent.mkdir(parents=True, exist_ok=True)
        tmp = dst.with_name(dst.name + ".tmp")
        shutil.copyfile(produced, tmp)
        os.replace(tmp, dst)
    return dst
