# One command to set up and run the wizard, one to set up and run the tests.
# Both install with uv from the committed uv.lock (scripts/setup.sh says what it does).
BIN   := .venv/bin
PATHS := wizard exporters runners tui cli devtools tests bench scripts

.PHONY: wizard test test-contract setup setup-test bench screenshots lint lock

setup:  ## runtime dependencies only, and `sm-wizard` on PATH
	@scripts/setup.sh

setup-test:  ## ... plus the test tools
	@scripts/setup.sh --group test

wizard: setup  ## set up, then open the wizard (runs pipelines locally by default)
	$(BIN)/sm-wizard

test: setup-test  ## set up, then run the whole test suite (offline)
	$(BIN)/ruff check $(PATHS)
	$(BIN)/ruff format --check $(PATHS)
	$(BIN)/python -m pytest -n auto --dist loadgroup -q

test-contract: setup-test  ## the validate/run contract on 60 generated configs (~15 min)
	CONTRACT_EXAMPLES=60 $(BIN)/python -m pytest -q -p no:randomly tests/local/test_validate_contract.py

lint: setup-test
	$(BIN)/ruff check $(PATHS)
	$(BIN)/ruff format --check $(PATHS)

bench: setup-test  ## benchmarks: each prints ratios against a baseline measured in the same run
	$(BIN)/python -m pytest -m bench -q -p no:randomly

screenshots: setup-test
	$(BIN)/python scripts/screenshots.py

lock:  ## after editing pyproject.toml's dependencies
	uv lock
