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

.PHONY: setup build test lint bench udf-shims wheel-smoke

$(SETUP_STAMP): setup.cfg pyproject.toml scripts/setup.sh
	VENV=$(VENV) ./scripts/setup.sh
	touch $(SETUP_STAMP)

setup: $(SETUP_STAMP)

build: setup
	$(PYTHON) -m xl_tools build

test: setup
	$(PYTHON) -m pytest -q
	$(PYTHON) -m ruff check xl_tools tests benchmarks scripts
	./scripts/wheel_smoke.sh $(PYTHON)

lint: setup
	$(PYTHON) -m ruff check xl_tools tests benchmarks scripts

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
