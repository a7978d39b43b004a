# The two commands of the README: `make run` and `make test`. Everything else is a helper.
# Each target installs the project into .venv first when pyproject.toml changed.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test lint schema install bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

## Fill the demo account, print its ADMIN token, then serve the API (embedded SQLite + workers).
run: $(VENV)/.installed
	@OUT=$$($(BIN)/billing demo) && TOKEN=$$(echo "$$OUT" | tail -n 1) && \
	echo "" && \
	echo "  GraphiQL: http://$${HOST:-127.0.0.1}:$${PORT:-8000}/graphql" && \
	echo "  Header:   {\"Authorization\": \"Bearer $$TOKEN\"}" && \
	echo "" && \
	exec $(BIN)/billing serve

## The whole test suite (PostgreSQL and Redis when reachable, SQLite otherwise).
test: $(VENV)/.installed
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## Regenerate schema.graphql from the code (commit it with the change that caused it).
schema: $(VENV)/.installed
	$(BIN)/billing export-schema schema.graphql

## The performance benchmarks (PostgreSQL and Redis; not part of the tests). See README.
## Billing runs, many schools at once, then accounts (statements, receivables, credit spent
## inside a run).
bench: $(VENV)/.installed
	$(BIN)/python -m tests.perf.bench $(BENCH_ARGS)
	$(BIN)/python -m tests.perf.many_schools $(MANY_ARGS)
	$(BIN)/python -m tests.perf.documents_bench $(DOCUMENTS_BENCH_ARGS)
	$(BIN)/python -m tests.perf.accounts_bench $(ACCOUNTS_BENCH_ARGS)
