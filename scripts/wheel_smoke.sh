#!/usr/bin/env bash
# Build the wheel, install it into a fresh virtual environment outside the repository, and use it:
# `xl-tools build` into a temporary folder (templates and data must come from the package, not from
# this checkout), then a few commands on what it wrote. Run by `make test` (so CI, which runs
# exactly `make test`, proves a wheel-installed xl_tools works).
#
# Usage: scripts/wheel_smoke.sh [PYTHON]   (PYTHON: the interpreter that builds the wheel and
# creates the fresh venv; default .venv/bin/python)
set -euo pipefail
cd "$(dirname "$0")/.."
REPO="$(pwd)"
PY="${1:-${PYTHON:-.venv/bin/python}}"

work="$(mktemp -d "${TMPDIR:-/tmp}/xl_tools-wheel.XXXXXX")"
trap 'rm -rf "$work"' EXIT

echo "wheel smoke: building the wheel"
# Offline with the venv's own setuptools when it can; else pip fetches the build backend.
"$PY" -m pip wheel --quiet --disable-pip-version-check --no-deps --no-build-isolation -w "$work/dist" "$REPO" \
    2>/dev/null || "$PY" -m pip wheel --quiet --disable-pip-version-check --no-deps -w "$work/dist" "$REPO"
wheel="$(ls "$work"/dist/xl_tools-*.whl)"
echo "wheel smoke: $(basename "$wheel"): $(unzip -l "$wheel" | tail -1 | awk '{print $2}') files"
# The listing is read whole first: `unzip … | grep -q` under pipefail fails at random when grep stops
# reading early (unzip gets SIGPIPE).
listing="$(unzip -l "$wheel")"
if ! grep -q " xl_tools/py.typed$" <<<"$listing"; then
  echo "wheel smoke: FAILED: the wheel has no xl_tools/py.typed (PEP 561 marker: the package is typed)" >&2
  exit 1
fi

echo "wheel smoke: installing it into a fresh venv"
"$PY" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check "$wheel"

# Run from an empty folder with a clean environment: nothing may come from this checkout.
mkdir "$work/run"
cd "$work/run"
run() { env -u PYTHONPATH HOME="$work/home" XL_TOOLS_DATA="$work/data" "$work/venv/bin/xl-tools" "$@"; }

location="$("$work/venv/bin/python" -c 'import xl_tools, pathlib; print(pathlib.Path(xl_tools.__file__).parent)')"
case "$location" in
  "$work/venv/"*) ;;
  *) echo "wheel smoke: FAILED: xl_tools imported from $location, not from the wheel" >&2; exit 1 ;;
esac

echo "wheel smoke: xl-tools build --out $work/run/workbooks"
run build --out "$work/run/workbooks"
count="$(ls "$work/run/workbooks"/*.xlsx | wc -l)"
[ "$count" -ge 1 ] || { echo "wheel smoke: FAILED: build wrote no workbook" >&2; exit 1; }

got="$(run andel Norrbotten "150 Mkr" 2016)"
[ "$got" = "3 765 878 kr" ] || { echo "wheel smoke: FAILED: andel gave '$got'" >&2; exit 1; }

for wb in "$work/run/workbooks"/*.xlsx; do
  run audit "$wb" >/dev/null || [ $? -eq 1 ]  # exit 1 = findings; 2 = could not read
done

if run verify "$work/run/workbooks/$(ls "$work/run/workbooks" | head -1)" --no-python --no-libreoffice 2>/dev/null; then
  echo "wheel smoke: FAILED: verify checked against nothing" >&2; exit 1
fi
udf="$("$work/venv/bin/python" -c 'from xl_tools.udfs import FK_ANDEL; print(FK_ANDEL("Norrbotten", 150000000, 2016, "kronor"))')"
[ "$udf" = "3765878" ] || { echo "wheel smoke: FAILED: FK_ANDEL gave '$udf'" >&2; exit 1; }

echo "wheel smoke: OK ($count workbooks built from the installed wheel)"
