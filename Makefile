# One command to set up and run the wizard, one to set up and run the tests.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: wizard test setup bench screenshots lint

$(BIN)/sm-wizard: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

setup: $(BIN)/sm-wizard

wizard: setup  ## set up, then open the wizard (runs pipelines locally by default)
	$(BIN)/sm-wizard

test: setup  ## set up, then run the whole test suite (offline)
	$(BIN)/ruff check wizard exporters runners tui tests bench scripts
	$(BIN)/ruff format --check wizard exporters runners tui tests bench scripts
	$(BIN)/python -m pytest -n auto -q

lint: setup
	$(BIN)/ruff check wizard exporters runners tui tests bench scripts
	$(BIN)/ruff format --check wizard exporters runners tui tests bench scripts

bench: setup  ## benchmarks: each prints ratios against a baseline measured in the same run
	$(BIN)/python -m pytest -m bench -q -p no:randomly

screenshots: setup
	$(BIN)/python scripts/screenshots.py
