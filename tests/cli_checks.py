"""What every test of a refused command checks: one line, exit 2, no traceback."""

from __future__ import annotations

from click.testing import Result


def one_error_line(result: Result, prefix: str | None = "Error: ") -> str:
    """The one non-blank line a refused command printed (exit 2, no traceback), starting with
    ``prefix`` (``None``: any language's prefix; the caller checks it)."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    if prefix is not None:
        assert lines[0].startswith(prefix), result.output
    return lines[0]
