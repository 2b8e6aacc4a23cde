# OwnerGuard — two commands on a fresh machine: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test bench clean

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

# Two workers: the suite runs on SQLite and, in CI, on PostgreSQL too.
test: install
	$(BIN)/pytest -n auto

bench: install
	$(BIN)/pip install -q -e '.[test,bench]'
	mkdir -p bench/out
	$(BIN)/ownerguard bench --json | tee bench/out/latest.json

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache
