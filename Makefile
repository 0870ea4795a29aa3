# Matrica: `make demo` and `make test` are all a new machine needs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
SCALE ?= small
STAMP := $(VENV)/.installed
export MATRICA_DATA_DIR ?= $(CURDIR)/var

.PHONY: install demo serve test test-postgres lint typecheck pytest bench messages clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

messages: $(STAMP)
	cd src/matrica && ../../$(BIN)/matrica compilemessages --ignore '.venv' -v0

demo: install messages
	$(BIN)/matrica migrate --no-input -v0
	$(BIN)/matrica demo --scale $(SCALE)
	@echo "Matrica is serving on http://127.0.0.1:$(PORT)/ (Ctrl+C to stop)"
	$(BIN)/matrica runserver 127.0.0.1:$(PORT)

serve: install messages
	$(BIN)/matrica migrate --no-input -v0
	MATRICA_COLLECTSTATIC=1 $(BIN)/matrica collectstatic --no-input -v0
	MATRICA_COLLECTSTATIC=1 $(BIN)/gunicorn matrica.wsgi --bind 127.0.0.1:$(PORT) --workers 2 --timeout 120

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: install
	$(BIN)/mypy

pytest: install messages
	MATRICA_DATA_DIR=$(CURDIR)/var/test $(BIN)/pytest -n 2 $(PYTEST_ARGS)

test: lint typecheck pytest

test-postgres: install messages
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} \
	MATRICA_DATA_DIR=$(CURDIR)/var/test $(BIN)/pytest -n 2 $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m benchmarks $(BENCH_ARGS)
	$(BIN)/python -m benchmarks.library
	$(BIN)/python -m benchmarks.imports
	$(BIN)/python -m benchmarks.plans
	$(BIN)/python -m benchmarks.xapi

clean:
	rm -rf $(VENV) var
