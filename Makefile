# The two commands a newcomer needs:  `make run`  (serve the forum)  and  `make test`  (run the tests).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := wsgi
export OMP_WAIT_POLICY := PASSIVE
export HF_HUB_OFFLINE := 1

.PHONY: install run test lint bench-analysis bench-argkp bench-polis

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
	$(BIN)/flask run --host $(HOST) --port $(PORT)

## Create the venv and run the whole test suite (SQLite and PostgreSQL, browser tests in Chromium)
test: install
	$(BIN)/python -m pytest -p no:cacheprovider $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check forum tests bench
