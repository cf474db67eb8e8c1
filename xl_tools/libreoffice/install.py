"""Install the =FK_...() functions into a LibreOffice user profile.

Two files go into the profile's ``user`` directory:

- ``basic/Standard/XlToolsUdfs.xba``: a Basic module in the user's *Standard*
  library (the library Calc searches for cell functions), registered in
  ``basic/Standard/script.xlb``. Other modules of the library are left alone.
- ``Scripts/python/xl_tools_udfs.py``: the Python script the Basic functions call,
  with the directory of the installed ``xl_tools`` package recorded in it, because
  LibreOffice runs its own Python, not the one xl_tools is installed in.

Install while LibreOffice is closed: a running LibreOffice keeps its own copy of
the library list and writes it back when it quits.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import xl_tools
from xl_tools.errors import XlToolsError
from xl_tools.i18n import _
from xl_tools.libreoffice import recalc

HERE = Path(__file__).parent
BASIC_MODULE = "XlToolsUdfs"
BASIC_SOURCE = HERE / f"{BASIC_MODULE}.xba"
SCRIPT_SOURCE = HERE / "xl_tools_udfs.py"
SCRIPT_NAME = "xl_tools_udfs.py"
PRESETS = (Path("/usr/lib/libreoffice/presets/basic"), Path("/opt/libreoffice/presets/basic"))

_DOCTYPE = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<!DOCTYPE {root} PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "{dtd}">\n')
_SCRIPT_XLC = _DOCTYPE.format(root="library:libraries", dtd="libraries.dtd") + (
    '<library:libraries xmlns:library="http://openoffice.org/2000/library" '
    'xmlns:xlink="http://www.w3.org/1999/xlink">\n'
    ' <library:library library:name="Standard" library:link="false"/>\n'
    "</library:libraries>\n"
)
_SCRIPT_XLB = _DOCTYPE.format(root="library:library", dtd="library.dtd") + (
    '<library:library xmlns:library="http://openoffice.org/2000/library" library:name="Standard" '
    'library:readonly="false" library:passwordprotected="false">\n'
    "</library:library>\n"
)


@dataclass(frozen=True)
class Installed:
    """What :func:`install` wrote."""

    profile_user: Path
    basic_module: Path
    script: Path
    xl_tools_path: Path


def default_user_profile() -> Path:
    """The user's LibreOffice profile directory (``~/.config/libreoffice/4``)."""
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "libreoffice" / "4"


def user_dir(profile: Path) -> Path:
    """The ``user`` directory of a profile; ``profile`` may be the profile or its ``user`` dir."""
    profile = Path(profile).expanduser()
    if profile.name == "user":
        return profile
    return profile / "user"


def xl_tools_path() -> Path:
    """The directory to put on LibreOffice Python's ``sys.path`` to import xl_tools."""
    return Path(xl_tools.__file__).resolve().parent.parent


def _ensure_standard_library(basic: Path) -> Path:
    """Make sure ``basic/Standard`` exists and is listed; return the library directory."""
    standard = basic / "Standard"
    if not (basic / "script.xlc").exists() and not standard.exists():
        preset = next((p for p in PRESETS if (p / "Standard" / "script.xlb").exists()), None)
        if preset is not None:
            shutil.copytree(preset, basic, dirs_exist_ok=True)
    basic.mkdir(parents=True, exist_ok=True)
    standard.mkdir(exist_ok=True)
    xlc = basic / "script.xlc"
    if not xlc.exists():
        _write(xlc, _SCRIPT_XLC)
    elif 'library:name="Standard"' not in xlc.read_text(encoding="utf-8"):
        text = xlc.read_text(encoding="utf-8")
        text = text.replace("</library:libraries>",
                            ' <library:library library:name="Standard" library:link="false"/>\n'
                            "</library:libraries>")
        _write(xlc, text)
    dialog_xlc = basic / "dialog.xlc"
    if not dialog_xlc.exists():
        _write(dialog_xlc, _SCRIPT_XLC.replace("script.xlc", "dialog.xlc"))
    if not (standard / "dialog.xlb").exists():
        _write(standard / "dialog.xlb", _SCRIPT_XLB)
    if not (standard / "script.xlb").exists():
        _write(standard / "script.xlb", _SCRIPT_XLB)
    return standard


def _register_module(xlb: Path, name: str) -> None:
    text = xlb.read_text(encoding="utf-8")
    if re.search(r'library:name="' + re.escape(name) + '"', text):
        return
    if "</library:library>" not in text:
        raise XlToolsError(_("{xlb} is not a LibreOffice Basic library index; repair or remove it and "
                             "try again.").format(
                               xlb=xlb))
    text = text.replace("</library:library>", f' <library:element library:name="{name}"/>\n</library:library>')
    _write(xlb, text)


def _unregister_module(xlb: Path, name: str) -> bool:
    if not xlb.exists():
        return False
    text = xlb.read_text(encoding="utf-8")
    new = re.sub(r'[ \t]*<library:element library:name="' + re.escape(name) + r'"\s*/>\n?', "", text)
    if new == text:
        return False
    _write(xlb, new)
    return True


@dataclass(frozen=True)
class Uninstalled:
    """What :func:`uninstall` removed (empty: nothing of xl_tools was installed)."""

    profile_user: Path
    removed: tuple[Path, ...]


def uninstall(profile: Path | None = None) -> Uninstalled:
    """Remove what :func:`install` put into ``profile``: the Basic module (and its entry in the
    Standard library's index) and the Python script. Other modules and scripts are left alone."""
    user = check_profile(profile)
    standard = user / "basic" / "Standard"
    removed: list[Path] = []
    try:
        module = standard / f"{BASIC_MODULE}.xba"
        if module.exists():
            module.unlink()
            removed.append(module)
        if _unregister_module(standard / "script.xlb", BASIC_MODULE):
            removed.append(standard / "script.xlb")
        script = user / "Scripts" / "python" / SCRIPT_NAME
        if script.exists():
            script.unlink()
            removed.append(script)
    except OSError as exc:
        raise XlToolsError(_("Cannot uninstall from the LibreOffice profile {user}: {value}; check its "
                             "permissions.").format(
                               user=user, value=exc.strerror or exc)) from None
    return Uninstalled(profile_user=user, removed=tuple(removed))


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def script_text(path: Path | None = None) -> str:
    """The Python script with the xl_tools path filled in."""
    path = xl_tools_path() if path is None else path
    text = SCRIPT_SOURCE.read_text(encoding="utf-8")
    marker = 'XL_TOOLS_PATH = ""'
    if marker not in text:
        raise XlToolsError(_("{script_source} is damaged (no XL_TOOLS_PATH line); reinstall xl_tools.").format(
                               script_source=SCRIPT_SOURCE))
    return text.replace(marker, f"XL_TOOLS_PATH = {str(path)!r}", 1)


def initialise_profile(profile: Path, *, timeout: float = 120) -> bool:
    """Let LibreOffice create a new profile before we add to it; True if it did.

    On its first start with an empty profile LibreOffice copies its default Basic
    libraries over ``user/basic``, which would drop our module from the library index.
    Does nothing if the profile exists already or LibreOffice is not installed.
    """
    if (profile / "user" / "registrymodifications.xcu").exists() or recalc.soffice_path() is None:
        return False
    with recalc.profile_lock(profile):
        recalc.run_soffice(["--terminate_after_init"], profile, timeout=timeout)
    return True


def libreoffice_running(profile: Path) -> bool:
    """True if a LibreOffice seems to be using ``profile`` now (its ``.lock`` file exists)."""
    return (Path(profile) / ".lock").exists()


def check_profile(profile: Path | None, *, create: bool = False) -> Path:
    """The ``user`` directory of ``profile`` (default: the user's own profile).

    A profile given explicitly must exist (a mistyped ``--profile`` would otherwise silently
    create a new profile no LibreOffice uses) unless ``create``."""
    if profile is None:
        return user_dir(default_user_profile())
    user = user_dir(profile)
    if not create and not user.parent.is_dir():
        raise XlToolsError(_("No LibreOffice profile at {value}; check the path (the usual one is "
                             "{value2}) or add --create to make a new profile there.").format(
                               value=Path(profile).expanduser(), value2=default_user_profile()))
    if user.parent.exists() and not user.parent.is_dir():
        raise XlToolsError(_("{parent} is not a folder; give the LibreOffice profile folder.").format(
                               parent=user.parent))
    return user


def install(profile: Path | None = None, *, create: bool = False) -> Installed:
    """Install the Basic module and the Python script into ``profile`` (default: the user's).

    An explicit ``profile`` must exist unless ``create`` (see :func:`check_profile`)."""
    user = check_profile(profile, create=create)
    initialise_profile(user.parent)
    try:
        standard = _ensure_standard_library(user / "basic")
        module = standard / f"{BASIC_MODULE}.xba"
        _write(module, BASIC_SOURCE.read_text(encoding="utf-8"))
        _register_module(standard / "script.xlb", BASIC_MODULE)
        scripts = user / "Scripts" / "python"
        scripts.mkdir(parents=True, exist_ok=True)
        script = scripts / SCRIPT_NAME
        _write(script, script_text())
    except OSError as exc:
        raise XlToolsError(_("Cannot install into the LibreOffice profile {user}: {value}; check the "
                             "path and its permissions.").format(
                               user=user, value=exc.strerror or exc)) from None
    return Installed(profile_user=user, basic_module=module, script=script, xl_tools_path=xl_tools_path())
