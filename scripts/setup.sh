#!/usr/bin/env bash
# Install everything xl_tools needs, on a fresh machine or an existing one, and only what is missing:
#
# 1. system packages (Debian/Ubuntu, apt-get): LibreOffice Calc headless with Python scripting,
#    python3-venv (Debian's python3 has no ensurepip without it), poppler-utils and the Carlito font
#    (Calibri's metrics) to render workbooks to PDF/PNG as Excel lays them out — only those not
#    installed yet;
# 2. a project virtual environment .venv (python3 -m venv), so nothing is pip-installed into the
#    system's Python (refused by Debian's own python3, PEP 668) or into whatever python3 is first on
#    PATH; the package goes in editable with its test tools — only when .venv is new or setup.cfg /
#    pyproject.toml changed since the last install (a stamp file in .venv records their hash).
#
# The venv does not need --system-site-packages: xl_tools never imports uno itself. It starts
# LibreOffice as a program (soffice --headless), and LibreOffice runs the =FK_...() script with its
# own Python (the system python3 with python3-uno), which finds xl_tools by the path recorded at
# 'xl-tools libreoffice install'.
#
# Environment: PYTHON (the python3 that creates the venv, default python3), VENV (default .venv),
# XL_TOOLS_SKIP_APT=1 (do not touch system packages).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
VENV="${VENV:-.venv}"

need_apt=()
if [ "${XL_TOOLS_SKIP_APT:-0}" != 1 ] && command -v dpkg >/dev/null 2>&1; then
  for pkg in libreoffice-calc-nogui libreoffice-script-provider-python python3-uno python3-venv \
             poppler-utils fonts-crosextra-carlito; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
  done
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "Installing system packages: ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
elif ! command -v dpkg >/dev/null 2>&1 && ! command -v soffice >/dev/null 2>&1; then
  echo "Note: no apt/dpkg here and no soffice on PATH; install LibreOffice Calc yourself for the" \
       "LibreOffice tests and 'xl-tools verify'." >&2
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "Creating the virtual environment $VENV (with $PYTHON)"
  "$PYTHON" -m venv "$VENV"
fi

stamp="$VENV/.xl_tools-installed"
want="$(cat setup.cfg pyproject.toml | "$VENV/bin/python" -c 'import hashlib,sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())')"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || ! "$VENV/bin/python" -c 'import xl_tools' 2>/dev/null; then
  echo "Installing xl_tools (editable) with test dependencies into $VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip setuptools wheel
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e '.[test]'
  echo "$want" > "$stamp"
fi
