# One entry point for newcomers and CI. `make check` builds .venv from the pinned requirements
# (from scratch on a fresh clone) and runs every lint and test.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: check venv lint test clean preview-offline adopt audit

check: lint test

$(STAMP): requirements.txt requirements-dev.txt policies/requirements.txt components/pyproject.toml \
		policies/pyproject.toml tools/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy components/security_groups_component policies tools bench

# Mermaid's own parser (pinned in tests/mermaid), for the tests that check every diagram is valid Mermaid;
# where npm is missing those tests skip and say so.
MERMAID := tests/mermaid/node_modules/.package-lock.json
$(MERMAID): tests/mermaid/package-lock.json
	npm ci --prefix tests/mermaid --no-audit --no-fund --silent
	touch $@

test: $(STAMP) $(if $(shell command -v npm),$(MERMAID))
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis

# Conveniences for the `security-groups` command that `make venv` installs in .venv/bin. Run the command itself
# when the exit status matters: make reports every failing status as 2.
# make preview-offline STACK=dev [POLICY_CONFIG=file] [FORMAT=table|json|mermaid] [STACK_FILE=file]
FORMAT ?= table
preview-offline: $(STAMP)
	@$(BIN)/security-groups preview --stack "$(STACK)" --format "$(FORMAT)" \
		$(if $(POLICY_CONFIG),--policy-config "$(POLICY_CONFIG)") $(if $(STACK_FILE),--stack-file "$(STACK_FILE)")

# The component package's public API, as other languages see it. Rewrites components/schema.json from the
# component's type hints; review the diff (tests/test_package_schema.py fails until the copy is current).
.PHONY: schema
schema: $(STAMP)
	$(BIN)/python -m security_group_tools.component_schema

# Live AWS: `make adopt ARGS="--region us-east-1 --group-id sg-… --import-file adopt-import.json"`,
# `make audit ARGS="--region us-east-1 --policy-config stacks/policy-config.prod.json"` (docs/adopt-and-audit.md).
adopt: $(STAMP)
	$(BIN)/security-groups adopt $(ARGS)

audit: $(STAMP)
	$(BIN)/security-groups audit $(ARGS)

# The benchmarks (bench/BENCHMARKS.md): about 40 minutes on 2 cores. Installs the chart library and, with
# `npm ci`, the pinned AWSGuard pack it compares against; builds Prowler's own virtualenv once (its pins do not
# fit ours); rewrites bench/results/ and the tables.
PROWLER_VENV  := .venv-prowler
PROWLER_STAMP := $(PROWLER_VENV)/.installed

$(PROWLER_STAMP): bench/prowler-requirements.txt
	rm -rf $(PROWLER_VENV)
	$(PYTHON) -m venv $(PROWLER_VENV)
	$(PROWLER_VENV)/bin/python -m pip install --quiet -r bench/prowler-requirements.txt
	touch $@

.PHONY: bench
bench: $(STAMP) $(PROWLER_STAMP)
	$(BIN)/python -m pip install --quiet -r bench/requirements.txt
	cd bench/awsguard && npm ci --no-audit --no-fund
	$(BIN)/python -m bench
	$(BIN)/python -m bench.config_rule
	$(BIN)/python -m bench.prowler_compare
