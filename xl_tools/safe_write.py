"""Writing workbooks safely: one place for output checks, atomic replacement and backups.

Every face that writes an .xlsx (the agreement generator, the follow-up workbooks, import)
goes through :func:`write_atomically`, so a crash, a full disk or a workbook open in another
program never leaves a half-written file or loses the previous version.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from xl_tools.errors import XlToolsError


def backup_path_for(path: Path) -> Path:
    return path.with_name(path.stem + ".bak.xlsx")


def check_not_open(path: Path) -> None:
    """Raise if another program has the workbook open."""
    owners = [path.with_name("~$" + path.name), path.with_name(".~lock." + path.name + "#")]
    for owner in owners:
        if owner.exists():
            raise XlToolsError(
                f"{path} is open in another program (found {owner.name}). Close it there and run again."
            )
    if path.exists():
        try:
            with open(path, "r+b"):
                pass
        except PermissionError:
            raise XlToolsError(f"{path} cannot be written (open elsewhere or read-only). Close it and run again.") \
                from None


def check_output(out: str | Path) -> Path:
    """An .xlsx path in an existing folder, not open in another program."""
    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        raise XlToolsError(f"The output must be an .xlsx file, got {out.name}. Use -o NAME.xlsx.")
    if not out.parent.exists():
        raise XlToolsError(f"The folder {out.parent} does not exist. Create it or choose another -o.")
    check_not_open(out)
    return out


def write_atomically(out: Path, write: Callable[[Path], None], *, backup: bool = True) -> Path | None:
    """Call ``write(tmp)`` on a temporary file beside ``out``, keep the old file as ``.bak.xlsx``,
    then rename the new file into place. On any failure ``out`` is untouched and no temporary
    file is left. Returns the backup's path, if one was made."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.stem}.", suffix=".tmp.xlsx", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    backup_file = None
    try:
        write(tmp)
        if out.exists() and backup:
            backup_file = backup_path_for(out)
            shutil.copy2(out, backup_file)
        os.replace(tmp, out)
    except PermissionError:
        raise XlToolsError(f"{out} cannot be replaced (open elsewhere or read-only). Nothing was changed.") from None
    finally:
        if tmp.exists():
            tmp.unlink()
    return backup_file
