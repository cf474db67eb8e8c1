# The two commands of the README:
#   make build   install what is missing, then regenerate the workbooks in workbooks/
#   make test    install what is missing, then run the whole test suite, the linter, and the wheel smoke test
#
# Everything runs in the project's virtual environment .venv (scripts/setup.sh creates it with
# python3 -m venv; nothing is installed into the system's Python). setup.sh runs again only when
# setup.cfg, pyproject.toml or setup.sh changed (the stamp .venv/.setup-done), so `make build` does
# not reinstall every time.
VENV ?= .venv
PYTHON := $(VENV)/bin/python
SETUP_STAMP := $(VENV)/.setup-done

.PHONY: setup build test test-fast lint docs catalogues previews bench udf-shims wheel-smoke

$(SETUP_STAMP): setup.cfg pyproject.toml scripts/setup.sh
	VENV=$(VENV) ./scripts/setup.sh
	touch $(SETUP_STAMP)

setup: $(SETUP_STAMP)

# SOURCE_DATE_EPOCH from the last commit that changed what a workbook is made from (templates/,
# xl_tools/): unchanged templates and code give byte-identical workbooks, so git shows no change.
build: setup
	SOURCE_DATE_EPOCH=$$(git log -1 --format=%ct -- templates xl_tools 2>/dev/null | grep . || date +%s) \
		$(PYTHON) -m xl_tools build

LINTED := xl_tools tests benchmarks scripts examples docs/cogutil.py

# The whole suite (every tier, the docs check, the examples, the catalogue check), the linter, the
# type checker (mypy --strict over xl_tools/, configured in setup.cfg) and the wheel smoke test. CI
# runs exactly this.
test: setup
	$(PYTHON) -m pytest -q
	$(PYTHON) -m ruff check $(LINTED)
	$(PYTHON) -m mypy
	./scripts/wheel_smoke.sh $(PYTHON)

# Without the spreadsheet tier (no LibreOffice, no formulas recalculation) and the slow tier (hostile
# files and faults in capped subprocesses): for quick iterations. `make test` runs every tier.
test-fast: setup
	$(PYTHON) -m pytest -q -m "not spreadsheet and not slow"
	$(PYTHON) -m ruff check $(LINTED)
	$(PYTHON) -m mypy

lint: setup
	$(PYTHON) -m ruff check $(LINTED)

# Regenerate the generated parts of the docs (command reference, real output, examples) with cog.
docs: setup
	$(PYTHON) -m cogapp -I docs -r README.md docs/*.md

# Extract the texts marked for translation, merge them into the Swedish catalogue, compile it.
catalogues: setup
	$(PYTHON) scripts/catalogues.py

# A PNG of the first page of each sheet of every workbook, rendered by LibreOffice in sv-SE.
previews: setup
	$(PYTHON) scripts/previews.py

# Regenerate macros/xl_tools_udfs.bas and the LibreOffice shims from xl_tools/udfs.py.
udf-shims: setup
	$(PYTHON) scripts/gen_udf_shims.py

wheel-smoke: setup
	./scripts/wheel_smoke.sh $(PYTHON)

bench: setup
	$(PYTHON) benchmarks/generate_speed.py
	$(PYTHON) benchmarks/udf_speed.py
	$(PYTHON) benchmarks/audit_speed.py
	$(PYTHON) benchmarks/excelint.py
	$(PYTHON) benchmarks/reconcile_speed.py
