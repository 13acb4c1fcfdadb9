# One entry point for newcomers and CI. `make check` builds .venv from the pinned requirements
# (from scratch on a fresh clone) and runs every lint and test.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: check venv lint test clean

check: lint test

$(STAMP): requirements.txt requirements-dev.txt policies/requirements.txt components/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy components/security_groups_component policies

test: $(STAMP)
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis

# The benchmarks (bench/BENCHMARKS.md): about 10 minutes on 2 cores. Installs the chart library and, with
# `npm ci`, the pinned AWSGuard pack it compares against; rewrites bench/results/ and the tables.
.PHONY: bench
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -r bench/requirements.txt
	cd bench/awsguard && npm ci --no-audit --no-fund
	$(BIN)/python -m bench
