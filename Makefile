# OwnerGuard — two commands on a fresh machine: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test guards bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# Initialise the embedded home (./.ownerguard) with a demo community once, then serve.
run: install
	$(BIN)/ownerguard init --demo
	$(BIN)/ownerguard serve --host $(HOST) --port $(PORT)

# The guards (lint, the house's import rules, types), then the suite on two workers: SQLite, and
# PostgreSQL too when OWNERGUARD_TEST_DATABASE_URL is set (CI). The suite runs in a time zone far
# from Beijing's, so anything that reads the machine's date instead of the clock fails.
test: install guards
	TZ=Pacific/Honolulu $(BIN)/pytest -n auto

guards: install
	$(BIN)/ruff check src tests bench tools
	$(BIN)/lint-imports
	$(BIN)/mypy

bench: install
	$(BIN)/pip install -q -e '.[test,bench]'
	$(BIN)/pytest -q bench/tests
	mkdir -p bench/out
	$(BIN)/ownerguard bench --json | tee bench/out/latest.json

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache
