"""The CLI boundary: whatever escapes a command is one line — exit 2 for bad input or environment
(a file that cannot be written, a full disk, input too big or too deep), exit 1 with a hint to
report it for a bug — never a traceback."""

from __future__ import annotations

import errno

import pytest
from click.testing import CliRunner

from xl_tools import api
from xl_tools.cli import cli

# Subprocesses under time and memory caps: the slow tier (left out by make test-fast).
pytestmark = pytest.mark.slow


@pytest.mark.parametrize(("exc", "code", "words"), [
    (RuntimeError("boom\nsecond line"), 1, "internal error (RuntimeError: boom second line); please report it"),
    (KeyError("x"), 1, "please report it"),
    (OSError(errno.ENOSPC, "No space left on device", "/x/wb.xlsx"), 2, "The disk is full (writing /x/wb.xlsx)"),
    (PermissionError(errno.EACCES, "Permission denied", "/x"), 2, "Permission denied: /x"),
    (IsADirectoryError(errno.EISDIR, "Is a directory", "/x.xlsx"), 2, "/x.xlsx is a folder"),
    (RecursionError(), 2, "nested too deeply"),
    (MemoryError(), 2, "too large"),
])
def test_escaped_exceptions_are_one_line(monkeypatch: pytest.MonkeyPatch, exc: BaseException, code: int,
                                         words: str) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise exc

    monkeypatch.setattr(api, "andel", broken)
    result = CliRunner().invoke(cli, ["andel", "Norrbotten", "100", "2016"])
    assert result.exit_code == code
    assert result.output.count("\n") == 1 and result.output.startswith("Error: "), result.output
    assert words in result.output
    assert "Traceback" not in result.output


def test_messages_are_flattened_and_cut() -> None:
    from xl_tools.cli import describe_os_error, one_line

    assert one_line("a\nb\tc  d") == "a b c d"
    assert len(one_line("x" * 10_000)) == 400
    assert "\n" not in describe_os_error(OSError(errno.EIO, "I/O error\nmore", "/f"))
