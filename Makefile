# Yorisoi: the two commands are `make run` (the whole system, embedded) and `make test` (the whole suite).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: venv test lint typecheck pytest run histories describe diagram clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: venv
	$(BIN)/mypy --strict .

pytest: venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test: lint typecheck pytest

run: venv
	$(BIN)/python -m deploy.embedded $(ARGS)

# Re-record tests/histories/*.json after an intended (patched) change to the workflow.
histories: venv
	YORISOI_RECORD_HISTORIES=1 $(BIN)/python -m pytest tests/workflows/test_lifecycle_devserver.py

describe: venv
	@$(BIN)/python -m statemachines describe

diagram: venv
	@$(BIN)/python -m statemachines diagram

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
