# Two commands for a fresh machine: `make demo` and `make test`. Each creates the
# virtualenv and installs what it needs first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint typecheck unit bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The main job against the embedded sandbox: a fresh demo account each time, then
# validate, plan, apply, and plan again (empty but for invitations still pending).
DEMO_SANDBOX := .sandbox/demo.json
demo: install
	rm -f $(DEMO_SANDBOX)
	@echo "== zoomstate validate state/"
	$(BIN)/zoomstate validate state/
	@echo "== zoomstate plan (against the sandbox in $(DEMO_SANDBOX))"
	$(BIN)/zoomstate --sandbox $(DEMO_SANDBOX) plan state/
	@echo "== zoomstate apply"
	$(BIN)/zoomstate --sandbox $(DEMO_SANDBOX) apply state/ --auto-approve --allow-data-loss
	@echo "== zoomstate plan again: nothing left but steps waiting for invitations"
	$(BIN)/zoomstate --sandbox $(DEMO_SANDBOX) plan state/ --detailed-exitcode

lint: install
	$(BIN)/ruff check zoomstate tests
	$(BIN)/ruff format --check zoomstate tests

typecheck: install
	$(BIN)/mypy

unit: install
	$(BIN)/pytest

test: lint typecheck unit

bench: install
	$(BIN)/python -m tests.bench

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
