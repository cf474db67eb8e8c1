"""Writing workbooks safely: one place for output checks, atomic replacement and backups.

Every face that writes an .xlsx (the agreement generator, the follow-up workbooks, import)
goes through :func:`check_output` and :func:`write_atomically`, so that:

- a workbook xl_tools did not make is never replaced unless the user says ``--force``
  (:func:`made_by_xl_tools`: the renderers write ``xl_tools`` as the document's author and
  "Genererad av xl_tools …" as its comment; Excel and LibreOffice keep both on saving);
- a read-only workbook, a folder, a workbook open in another program are refused;
- the new file is written to a temporary file beside the target, flushed to disk, and
  renamed into place: a crash, ``kill -9`` or a full disk leaves the old file or the new
  one, never half of one;
- the previous version is kept as ``NAME.bak-YYYYMMDD-HHMMSS.xlsx`` — a new name each
  time, made atomically (a hard link, or a copy to a temporary file renamed into place),
  so an existing backup is never overwritten; the newest :data:`KEEP_BACKUPS` are kept;
- the new file keeps the old file's permissions (a 0600 workbook stays 0600); a target that is
  a symbolic link is written through: the workbook it points to is regenerated, the link stays;
- temporary files are removed on every exit Python sees (errors, Ctrl-C, SIGTERM via the
  CLI), and those left by a process that was killed outright are removed by the next run.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import errno
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from xl_tools.errors import XlToolsError
from xl_tools.i18n import N_, _

KEEP_BACKUPS = 5
_STAMP = "%Y%m%d-%H%M%S"
_MARKERS = ("xl_tools",)
_FORCE: contextvars.ContextVar[bool] = contextvars.ContextVar("xl_tools_force_replace", default=False)


@contextlib.contextmanager
def replacing_foreign_allowed(allowed: bool = True) -> Iterator[None]:
    """Within this block, :func:`check_output` lets a workbook xl_tools did not make be replaced
    (the CLI's ``--force``; a backup of it is still kept)."""
    token = _FORCE.set(allowed)
    try:
        yield
    finally:
        _FORCE.reset(token)


def backup_pattern(path: Path) -> re.Pattern[str]:
    """The names of ``path``'s backups: ``NAME.bak-YYYYMMDD-HHMMSS.xlsx`` (``-N`` if two in a second)."""
    return re.compile(re.escape(path.stem) + r"\.bak-(\d{8}-\d{6})(?:-(\d+))?\.xlsx$")


def backups_of(path: Path) -> list[Path]:
    """``path``'s backups, oldest first."""
    pattern = backup_pattern(path)
    found = []
    try:
        entries = list(path.parent.iterdir())
    except OSError:
        return []
    for entry in entries:
        match = pattern.match(entry.name)
        if match:
            found.append(((match.group(1), int(match.group(2) or 0)), entry))
    return [p for _, p in sorted(found)]


def backup_path_for(path: Path, now: dt.datetime | None = None) -> Path:
    """A backup name for ``path`` that does not exist yet."""
    stamp = (now or dt.datetime.now()).strftime(_STAMP)
    candidate = path.with_name(f"{path.stem}.bak-{stamp}.xlsx")
    n = 1
    while candidate.exists() or candidate.is_symlink():
        n += 1
        candidate = path.with_name(f"{path.stem}.bak-{stamp}-{n}.xlsx")
    return candidate


def made_by_xl_tools(path: Path) -> bool:
    """Whether the workbook at ``path`` says it was made by xl_tools (author or comment in its
    document properties, ``docProps/core.xml``). Unreadable or damaged files are not ours."""
    import zipfile

    from defusedxml.ElementTree import fromstring

    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo("docProps/core.xml")
            if info.file_size > 1 << 20:
                return False
            root = fromstring(zf.read(info))
    except Exception:  # noqa: BLE001 - anything unreadable is simply "not ours"
        return False
    for elem in root.iter():
        tag = elem.tag.rsplit("}", 1)[-1]
        text = (elem.text or "").strip()
        if tag == "creator" and text in _MARKERS:
            return True
        if tag == "description" and text.startswith("Genererad av xl_tools"):
            return True
    return False


def check_not_open(path: Path) -> None:
    """Raise if another program has the workbook open."""
    owners = [path.with_name("~$" + path.name), path.with_name(".~lock." + path.name + "#")]
    for owner in owners:
        if owner.exists():
            raise XlToolsError(
                _("{path} is open in another program (found {owner}). Close it there and run again.").format(
                    path=path, owner=owner.name)
            )
    if path.exists():
        try:
            with open(path, "r+b"):
                pass
        except PermissionError:
            raise XlToolsError(_("{path} cannot be written (open elsewhere or read-only). Close it and run "
                                 "again.").format(path=path)) from None


def check_output(out: str | Path, *, force: bool | None = None) -> Path:
    """An .xlsx path in an existing, writable folder; if the file exists, a regular, writable
    workbook xl_tools made (unless ``force`` or :func:`replacing_foreign_allowed`), not open
    in another program. A symbolic link is followed: the path returned is the workbook it points to."""
    out = Path(out)
    force = _FORCE.get() if force is None else force
    if out.suffix.lower() != ".xlsx":
        raise XlToolsError(_("The output must be an .xlsx file, got {name}. Use -o NAME.xlsx.").format(name=out.name))
    if out.is_symlink():
        # A link to a shared workbook: the workbook it points to is the one to regenerate (replacing
        # the link by a file would leave the shared workbook silently old).
        if not out.exists():
            raise XlToolsError(_("{path} is a link to {target}, which does not exist; fix the link or choose "
                                 "another -o.").format(path=out, target=os.readlink(out)))
        out = out.resolve()
    if out.is_dir():
        raise XlToolsError(_("{path} is a folder; give a file name such as {example}.").format(
            path=out, example=out / "arbetsbok.xlsx"))
    if not out.parent.exists():
        raise XlToolsError(_("The folder {folder} does not exist. Create it or choose another -o.").format(
            folder=out.parent))
    if not out.parent.is_dir():
        raise XlToolsError(_("{folder} is not a folder. Choose another -o.").format(folder=out.parent))
    if not os.access(out.parent, os.W_OK | os.X_OK):
        raise XlToolsError(_("The folder {folder} is read-only for you; choose another -o or ask for access.").format(
            folder=out.parent))
    if out.exists():
        mode = out.stat().st_mode
        if not stat.S_ISREG(mode):
            raise XlToolsError(_("{path} is not a regular file; choose another -o.").format(path=out))
        if not mode & 0o222:
            raise XlToolsError(_("{path} is read-only (its permissions); make it writable or choose another "
                                 "-o.").format(path=out))
        if not force and not made_by_xl_tools(out):
            import zipfile

            if not zipfile.is_zipfile(out):
                raise XlToolsError(_("{path} is not an .xlsx workbook (corrupt, encrypted or another format); move "
                                     "it away or choose another -o (--force replaces it, keeping a backup).").format(
                    path=out))
            raise XlToolsError(_("{path} was not made by xl_tools (no xl_tools mark in its document properties); "
                                 "refusing to replace it. Choose another -o, or add --force to replace it (a backup "
                                 "is kept).").format(path=out))
    check_not_open(out)
    return out


def _tmp_prefix(out: Path) -> str:
    return f".{out.stem}.tmp-{os.getpid()}-"


STALE_AFTER = 3600.0
"""Where a process cannot be asked whether it still runs (Windows), a temporary file this many
seconds old is taken as left behind by a killed run."""


def remove_stale_temporaries(out: Path) -> list[Path]:
    """Remove temporary files beside ``out`` left by xl_tools processes that no longer run
    (killed outright, so no clean-up of theirs ran). Returns what was removed."""
    pattern = re.compile(r"^\." + re.escape(out.stem) + r"\.tmp-(\d+)-.*\.xlsx$")
    removed: list[Path] = []
    try:
        entries = list(out.parent.iterdir())
    except OSError:
        return removed
    for entry in entries:
        match = pattern.match(entry.name)
        if not match or not _stale(entry, int(match.group(1))):
            continue
        with contextlib.suppress(OSError):
            entry.unlink()
            removed.append(entry)
    return removed


def _stale(path: Path, pid: int) -> bool:
    if pid == os.getpid():
        return False
    if os.name == "nt":  # os.kill(pid, 0) would send Ctrl-C there: go by age instead
        try:
            return time.time() - path.stat().st_mtime > STALE_AFTER
        except OSError:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError):
        return False
    return False


def _new_temporary(out: Path, mode: int) -> Path:
    fd, name = tempfile.mkstemp(prefix=_tmp_prefix(out), suffix=".xlsx", dir=out.parent)
    os.close(fd)
    os.chmod(name, mode)
    return Path(name)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDWR if os.name == "nt" else os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    if os.name == "nt":  # folders cannot be opened for syncing there
        return
    with contextlib.suppress(OSError):  # not every file system lets a folder be synced
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def make_backup(out: Path, now: dt.datetime | None = None) -> Path:
    """Keep the current ``out`` as a new ``NAME.bak-YYYYMMDD-HHMMSS.xlsx``, atomically: a hard link
    where the file system allows it, else a copy to a temporary file renamed into place. An
    existing backup is never replaced. Returns the backup's path."""
    backup = backup_path_for(out, now)
    try:
        os.link(out, backup)
        return backup
    except OSError as exc:
        if exc.errno == errno.EEXIST:
            raise
    tmp = _new_temporary(out, stat.S_IMODE(out.stat().st_mode))
    try:
        shutil.copy2(out, tmp)
        _fsync(tmp)
        os.link(tmp, backup)  # fails rather than replace a backup made meanwhile
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EMLINK, errno.EXDEV):
            raise
        if backup.exists():
            raise
        os.replace(tmp, backup)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return backup


def prune_backups(out: Path, keep: int = KEEP_BACKUPS) -> list[Path]:
    """Remove all but the newest ``keep`` backups of ``out``; returns what was removed."""
    old = backups_of(out)[:-keep] if keep > 0 else backups_of(out)
    for path in old:
        with contextlib.suppress(OSError):
            path.unlink()
    return old


_STEPS = {"creating a temporary file beside": N_("creating a temporary file beside {file}"),
          "writing": N_("writing {file}"), "keeping a backup of": N_("keeping a backup of {file}"),
          "replacing": N_("replacing {file}")}


def _os_error(out: Path, exc: OSError, step: str) -> XlToolsError:
    doing = _(_STEPS[step]).format(file=out) if step in _STEPS else f"{step} {out}"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return XlToolsError(_("The disk is full while {step}; nothing was replaced. Free some space and run "
                              "again.").format(step=doing))
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return XlToolsError(_("{path} cannot be written while {step} (open elsewhere, read-only or no permission). "
                              "Nothing was changed.").format(path=out, step=doing))
    return XlToolsError(_("Cannot write {path} while {step}: {error}. Nothing was replaced.").format(
        path=out, step=doing, error=exc.strerror or exc))


def write_atomically(out: Path, write: Callable[[Path], None], *, backup: bool = True) -> Path | None:
    """Call ``write(tmp)`` on a temporary file beside ``out``, keep the old file as a backup
    (:func:`make_backup`), then rename the new file into place. On any failure ``out`` and
    every earlier backup are untouched and no temporary file is left. Returns the backup's
    path, if one was made."""
    out = Path(out)
    remove_stale_temporaries(out)
    if out.exists():
        mode = stat.S_IMODE(out.stat().st_mode)
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    try:
        tmp = _new_temporary(out, mode)
    except OSError as exc:
        raise _os_error(out, exc, "creating a temporary file beside") from None
    backup_file = None
    step = "writing"
    try:
        write(tmp)
        _fsync(tmp)
        os.chmod(tmp, mode)
        if out.exists() and backup:
            step = "keeping a backup of"
            backup_file = make_backup(out)
        step = "replacing"
        os.replace(tmp, out)
        _fsync_dir(out.parent)
    except OSError as exc:
        raise _os_error(out, exc, step) from None
    except Exception as exc:
        # XlsxWriter wraps a failed write (a full disk) in its own FileCreateError.
        cause = next((a for a in (*exc.args, exc.__cause__, exc.__context__) if isinstance(a, OSError)), None)
        if cause is None:
            raise
        raise _os_error(out, cause, step) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    if backup_file is not None:
        prune_backups(out)
    return backup_file
