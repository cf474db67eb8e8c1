# The two commands of the README:
#   make build   install everything, then regenerate the workbooks in workbooks/
#   make test    install everything, then run the whole test suite and the linter
PYTHON ?= python3

.PHONY: setup build test lint bench

setup:
	PYTHON=$(PYTHON) ./scripts/setup.sh

build: setup
	$(PYTHON) -m xl_tools build

test: setup
	$(PYTHON) -m pytest -q
	$(PYTHON) -m ruff check xl_tools tests benchmarks

lint:
	$(PYTHON) -m ruff check xl_tools tests benchmarks

bench: setup
	$(PYTHON) benchmarks/generate_speed.py
	$(PYTHON) benchmarks/udf_speed.py
	$(PYTHON) benchmarks/audit_speed.py
	$(PYTHON) benchmarks/excelint.py
	$(PYTHON) benchmarks/reconcile_speed.py
