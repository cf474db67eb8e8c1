#!/usr/bin/env bash
# Install everything xl_tools needs on a fresh Debian/Ubuntu machine:
# LibreOffice Calc (headless, with Python scripting) and the Python package with its test tools.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
for pkg in libreoffice-calc-nogui libreoffice-script-provider-python python3-uno; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "Installing system packages: ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

PYTHON="${PYTHON:-python3}"
echo "Installing xl_tools (editable) with test dependencies"
"$PYTHON" -m pip install --quiet --disable-pip-version-check -e '.[test]'
