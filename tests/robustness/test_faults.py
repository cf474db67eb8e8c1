"""Faults while writing: kill -9 during regeneration and during the backup, a full disk, read-only
and folder targets, a foreign workbook, permissions — old or new workbook, typed inputs never lost,
no temporary file left behind.

Probe defects D9 (R15, R16, R17, R20, R24, R25), D14 (R04, R10, R19, B09, B10), D16 (R14).
"""

from __future__ import annotations

import errno
import os
import random
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.robustness.harness import REPO, UNDER_TEST, assert_one_line_error, run_capped
from xl_tools.agreement import load_template
from xl_tools.cli import cli
from xl_tools.errors import XlToolsError
from xl_tools.workbook import generate as generate_module
from xl_tools.workbook.generate import generate_workbook
from xl_tools.workbook.inputs import Inputs, read_inputs

# Subprocesses under time and memory caps: the slow tier (left out by make test-fast).
pytestmark = pytest.mark.slow

TEMPLATE = REPO / "templates" / "sjukskrivning-2017-2018.toml"
KEEP_BACKUPS = 5
BACKUP_NAME = r"\.bak-\d{8}-\d{6}(-\d+)?\.xlsx"


def backups_of(path: Path) -> list[Path]:
    """The backups of ``path`` (every ``NAME.bak*.xlsx``), oldest first — read independently of safe_write."""
    return sorted(path.parent.glob(path.stem + ".bak*.xlsx"), key=lambda p: (p.stat().st_mtime_ns, p.name))


def made_by_xl_tools(path: Path) -> bool:
    with zipfile.ZipFile(path) as zf:
        return "<dc:creator>xl_tools</dc:creator>" in zf.read("docProps/core.xml").decode("utf-8")
TYPED = {"V1-2017": {"25": False, "01": False, "09": False}, "V2-2018": {"13": False}}


@pytest.fixture(scope="module")
def agreement():
    return load_template(TEMPLATE)


def typed_workbook(path: Path, agreement) -> Path:
    """A workbook in which the user has typed some "Nej" (made by the generator with those inputs)."""
    generate_workbook(agreement, path, inputs=Inputs(flags={k: dict(v) for k, v in TYPED.items()}), backup=False)
    return path


def assert_inputs_kept(path: Path, agreement) -> None:
    assert zipfile.is_zipfile(path) and zipfile.ZipFile(path).testzip() is None
    inputs, report = read_inputs(path, agreement)
    assert not report.unplaced
    for post, codes in TYPED.items():
        for code, value in codes.items():
            assert inputs.flags[post][code] is value, (post, code)


def temporaries(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if ".tmp" in p.name]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(UNDER_TEST)}


@pytest.mark.spreadsheet
def test_kill_9_during_regeneration_never_loses_inputs(tmp_path: Path, agreement) -> None:
    """R16: SIGKILL at random moments; the target is always the old or the new workbook with every
    typed input, every backup is whole, and the next run removes what the killed ones left."""
    out = typed_workbook(tmp_path / "wb.xlsx", agreement)
    rng = random.Random(13)
    command = [sys.executable, "-m", "xl_tools", "generate", str(TEMPLATE), "-o", str(out)]
    started = time.monotonic()
    subprocess.run(command, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    duration = time.monotonic() - started  # kill moments spread over a whole run on this machine, now
    killed = 0
    for _ in range(12):
        proc = subprocess.Popen(command, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.1, 0.95) * duration)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed += 1
        proc.wait()
        assert_inputs_kept(out, agreement)
        for backup in backups_of(out):
            assert zipfile.ZipFile(backup).testzip() is None and made_by_xl_tools(backup)
    assert killed >= 3  # the delays lie within the run time, so most runs are killed somewhere
    run = run_capped("generate", str(TEMPLATE), "-o", str(out))
    assert run.code == 0, run.stderr
    assert_inputs_kept(out, agreement)
    assert temporaries(tmp_path) == []
    assert len(backups_of(out)) <= KEEP_BACKUPS


SLOW_BACKUP = """
import errno, os, sys, time
from xl_tools import safe_write
from xl_tools.workbook.generate import generate_workbook

def no_links(*args, **kwargs):  # a file system without hard links: the backup is a copy
    raise OSError(errno.EPERM, "no hard links here")

def slow_copy(src, dst, *args, **kwargs):  # a slow disk
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        while chunk := fin.read(2048):
            fout.write(chunk)
            fout.flush()
            time.sleep(0.01)

os.link = no_links
safe_write.shutil.copy2 = slow_copy
generate_workbook(sys.argv[1], sys.argv[2])
"""


def test_kill_9_during_the_backup_keeps_every_good_backup(tmp_path: Path, agreement) -> None:
    """R15: killed while the backup is being copied: the target and every earlier backup are intact,
    no backup name holds a partial copy, and the next run cleans up."""
    out = typed_workbook(tmp_path / "wb.xlsx", agreement)
    generate_workbook(agreement, out)  # one good backup exists
    before = out.read_bytes()
    backups_before = {p: p.read_bytes() for p in backups_of(out)}
    assert backups_before
    proc = subprocess.Popen([sys.executable, "-c", SLOW_BACKUP, str(TEMPLATE), str(out)], env=_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    partial = []
    while time.monotonic() < deadline and proc.poll() is None:
        partial = [p for p in tmp_path.iterdir() if ".tmp-" in p.name and p.stat().st_size > 4096
                   and zipfile.is_zipfile(out) and p.stat().st_size < len(before)]
        if partial and len([p for p in tmp_path.iterdir() if ".tmp-" in p.name]) >= 2:
            break  # the new workbook is written and the backup copy is under way
        time.sleep(0.005)
    assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stderr.close()  # (read only when the run ended too early, above)
    assert out.read_bytes() == before
    assert {p: p.read_bytes() for p in backups_of(out)} == backups_before
    assert temporaries(tmp_path)  # the killed run could not clean up ...
    run = run_capped("generate", str(TEMPLATE), "-o", str(out))
    assert run.code == 0, run.stderr
    assert temporaries(tmp_path) == []  # ... the next one did
    assert_inputs_kept(out, agreement)


def test_disk_full_while_writing(tmp_path: Path, agreement, monkeypatch: pytest.MonkeyPatch) -> None:
    """R19 (patched write): one line, target and backups untouched, no temporary file."""
    out = typed_workbook(tmp_path / "wb.xlsx", agreement)
    before = out.read_bytes()

    def full(layout, path):
        Path(path).write_bytes(b"half a workbook")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(generate_module, "render", full)
    result = CliRunner().invoke(cli, ["generate", str(TEMPLATE), "-o", str(out)])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "The disk is full" in result.output
    assert out.read_bytes() == before and temporaries(tmp_path) == []


def test_disk_full_during_the_backup(tmp_path: Path, agreement, monkeypatch: pytest.MonkeyPatch) -> None:
    """R20 (patched copy): the backup fails; nothing is replaced, earlier backups stay, no partial backup."""
    out = typed_workbook(tmp_path / "wb.xlsx", agreement)
    generate_workbook(agreement, out)
    before, backups_before = out.read_bytes(), {p: p.read_bytes() for p in backups_of(out)}

    def no_links(*args, **kwargs):
        raise OSError(errno.EPERM, "no hard links")

    def full_copy(src, dst, *args, **kwargs):
        Path(dst).write_bytes(Path(src).read_bytes()[:1000])
        raise OSError(errno.ENOSPC, "No space left on device")

    from xl_tools import safe_write

    monkeypatch.setattr(safe_write.os, "link", no_links)
    monkeypatch.setattr(safe_write.shutil, "copy2", full_copy)
    with pytest.raises(XlToolsError, match="disk is full while keeping a backup"):
        generate_workbook(agreement, out)
    assert out.read_bytes() == before
    assert {p: p.read_bytes() for p in backups_of(out)} == backups_before
    assert temporaries(tmp_path) == []


@pytest.fixture
def small_disk(tmp_path: Path):
    """A real 300 KB tmpfs (root only; skipped where mounting is not allowed)."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=300k", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_real_full_disk_is_one_line(small_disk: Path, agreement) -> None:
    out = typed_workbook(small_disk / "wb.xlsx", agreement)
    before = out.read_bytes()
    free = shutil.disk_usage(small_disk).free
    (small_disk / "filler").write_bytes(b"\0" * max(0, free - 20_000))  # room for a part, not a workbook
    run = run_capped("generate", str(TEMPLATE), "-o", str(out))
    assert_one_line_error(run, contains="disk is full")
    assert out.read_bytes() == before
    assert temporaries(small_disk) == []


def test_read_only_file_folder_target_and_out_that_is_a_file(tmp_path: Path, agreement) -> None:
    out = typed_workbook(tmp_path / "wb.xlsx", agreement)
    out.chmod(0o444)
    before = out.read_bytes()
    assert_one_line_error(run_capped("generate", str(TEMPLATE), "-o", str(out)), contains="read-only")
    assert out.read_bytes() == before
    (tmp_path / "dir.xlsx").mkdir()
    assert_one_line_error(run_capped("generate", str(TEMPLATE), "-o", str(tmp_path / "dir.xlsx")),
                          contains="is a folder")
    (tmp_path / "afile").write_text("x")
    assert_one_line_error(run_capped("build", "--out", str(tmp_path / "afile")), contains="not a folder")


# As root, drop the capabilities that let root write anywhere (as the probe did), so permissions apply.
DROP_ROOT = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]


def _can_drop_root() -> bool:
    if os.geteuid() != 0:
        return True
    try:
        return subprocess.run([*DROP_ROOT, "true"], capture_output=True).returncode == 0
    except OSError:
        return False


@pytest.mark.skipif(not _can_drop_root(), reason="needs a non-root user or setpriv")
def test_read_only_folder_is_one_line(tmp_path: Path) -> None:
    """R04/B10 as an ordinary user: a folder the user may not write."""
    folder = tmp_path / "ro"
    folder.mkdir()
    tmp_path.chmod(0o755)
    folder.chmod(0o555)
    prefix = [] if os.geteuid() != 0 else DROP_ROOT
    env = {**_env(), "HOME": str(tmp_path), "XL_TOOLS_DATA": str(tmp_path / "data")}
    for args in (["generate", str(TEMPLATE), "-o", str(folder / "wb.xlsx")], ["build", "--out", str(folder)]):
        proc = subprocess.run([*prefix, sys.executable, "-m", "xl_tools", *args], capture_output=True, text=True,
                              env=env, cwd="/", timeout=60)
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr
        lines = proc.stderr.strip().splitlines()  # progress lines ([1/4] …) may come first
        assert lines[-1].startswith("Error: ") and sum(x.startswith("Error") for x in lines) == 1, proc.stderr
    assert list(folder.iterdir()) == []


def test_mode_is_kept(tmp_path: Path, agreement) -> None:
    """R14: a 0600 workbook stays 0600 after regeneration (and so do its backups)."""
    out = typed_workbook(tmp_path / "wb.xlsx", agreement)
    out.chmod(0o600)
    generate_workbook(agreement, out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert all(stat.S_IMODE(b.stat().st_mode) == 0o600 for b in backups_of(out))


def test_five_backups_and_dropped_inputs_stay_recoverable(tmp_path: Path, agreement) -> None:
    """R17: after --discard-unmatched and another regeneration the backup with the typed inputs remains;
    backups are named NAME.bak-YYYYMMDD-HHMMSS.xlsx and the newest five are kept."""
    out = typed_workbook(tmp_path / "wb.xlsx", agreement)
    changed = tmp_path / "changed.toml"
    changed.write_text(TEMPLATE.read_text(encoding="utf-8").replace('id = "V1-2017"', 'id = "V1x-2017"'),
                       encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(cli, ["generate", str(changed), "-o", str(out), "--discard-unmatched"]).exit_code == 0
    assert runner.invoke(cli, ["generate", str(changed), "-o", str(out)]).exit_code == 0
    backups = backups_of(out)
    assert len(backups) == 2
    assert all(re.fullmatch(re.escape(out.stem) + BACKUP_NAME, b.name) for b in backups)
    assert_inputs_kept(backups[0], agreement)  # the one made before the inputs were dropped
    for _ in range(6):
        generate_workbook(load_template(changed), out)
    assert len(backups_of(out)) == KEEP_BACKUPS


def test_foreign_workbook_is_not_replaced_without_force(tmp_path: Path) -> None:
    """R24/R25: an .xlsx xl_tools did not make is refused; with --force it is replaced and kept as a backup."""
    import openpyxl

    budget = tmp_path / "budget.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "Min budget"
    wb.save(budget)
    original = budget.read_bytes()
    run = run_capped("generate", str(TEMPLATE), "-o", str(budget))
    assert_one_line_error(run, contains="was not made by xl_tools")
    assert budget.read_bytes() == original
    run = run_capped("generate", str(TEMPLATE), "-o", str(budget), "--force")
    assert run.code == 0, run.stderr
    assert [b.read_bytes() for b in backups_of(budget)] == [original]
    assert made_by_xl_tools(budget)


def test_sigterm_leaves_no_temporary_file(tmp_path: Path, agreement) -> None:
    out = typed_workbook(tmp_path / "wb.xlsx", agreement)
    for delay in (0.5, 0.8, 1.1):
        proc = subprocess.Popen([sys.executable, "-m", "xl_tools", "generate", str(TEMPLATE), "-o", str(out)],
                                env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.terminate()
        proc.wait()
        assert temporaries(tmp_path) == []
        assert_inputs_kept(out, agreement)


def test_a_symlinked_target_is_written_through(tmp_path: Path, agreement) -> None:
    """R21: the shared workbook a link points to is regenerated; the link stays a link."""
    (tmp_path / "shared").mkdir()
    shared = typed_workbook(tmp_path / "shared" / "wb.xlsx", agreement)
    link = tmp_path / "mine.xlsx"
    link.symlink_to(shared)
    inode = shared.stat().st_ino
    run = run_capped("generate", str(TEMPLATE), "-o", str(link))
    assert run.code == 0, run.stderr
    assert link.is_symlink() and link.resolve() == shared.resolve()
    assert shared.stat().st_ino != inode  # the shared workbook itself was replaced
    assert_inputs_kept(shared, agreement)
    assert backups_of(shared) and not list(tmp_path.glob("mine.bak*"))
    dangling = tmp_path / "dangling.xlsx"
    dangling.symlink_to(tmp_path / "nowhere.xlsx")
    assert_one_line_error(run_capped("generate", str(TEMPLATE), "-o", str(dangling)), contains="does not exist")


@pytest.mark.spreadsheet
def test_a_workbook_saved_again_by_libreoffice_is_still_ours(tmp_path: Path) -> None:
    """The mark that lets regeneration replace a workbook (author and comment in the document
    properties) survives a user saving the workbook in a spreadsheet program."""
    from xl_tools.libreoffice.recalc import libreoffice_available, recalculate

    if not libreoffice_available():
        pytest.skip("LibreOffice is not installed")
    saved = recalculate(REPO / "workbooks" / "sjukskrivning-2020-villkor3.xlsx", tmp_path / "saved.xlsx")
    assert made_by_xl_tools(saved)
    run = run_capped("generate", str(REPO / "templates" / "sjukskrivning-2020-villkor3.toml"), "-o", str(saved))
    assert run.code == 0, run.stderr
