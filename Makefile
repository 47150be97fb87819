# The two commands a newcomer needs:  `make run`  (serve the forum)  and  `make test`  (run the tests).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := wsgi
export OMP_WAIT_POLICY := PASSIVE
export HF_HUB_OFFLINE := 1

.PHONY: install run test lint bench-install

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

## Create the venv, migrate, seed the demo story on a new database, and serve on http://127.0.0.1:5000
run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask forum seed-demo --if-empty
	$(BIN)/flask forum analyse --all --if-stale
	$(BIN)/flask forum compute-opinions --all --if-stale
	$(BIN)/flask run --host $(HOST) --port $(PORT)

## Create the venv and run the whole test suite (SQLite and PostgreSQL, browser tests in Chromium)
PYTEST_ARGS ?= -n 2
test: install
	$(BIN)/python -m pytest -p no:cacheprovider $(PYTEST_ARGS)

## Extra packages the benchmarks compare against (red-dwarf, UMAP); see docs/benchmarks.md
bench-install: install
	$(BIN)/python -m pip install --quiet -r requirements-bench.txt

lint: install
	$(BIN)/ruff check forum tests bench harness
