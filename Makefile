# Two entry points for newcomers: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format typecheck arch pytest bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "b2 needs Python 3.11 or newer")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/b2 demo

test: lint typecheck arch pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests examples benchmarks tools noxfile.py
	$(BIN)/ruff format --check src tests examples benchmarks tools noxfile.py
	$(BIN)/python tools/check_docs.py

format: $(STAMP)
	$(BIN)/ruff check --fix src tests examples benchmarks tools noxfile.py
	$(BIN)/ruff format src tests examples benchmarks tools noxfile.py

typecheck: $(STAMP)
	$(BIN)/mypy

arch: $(STAMP)
	$(BIN)/lint-imports

# Two worker processes (pytest-xdist), one test module per worker at a time; set PYTEST_ARGS
# to run something else (PYTEST_ARGS="tests/core -x" runs in one process).
PYTEST_ARGS ?= -n 2 --dist loadfile
# pytest exits 5 when it collected nothing: that is a failure here, never a pass.
pytest: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS); rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests collected"; exit 1; fi; exit $$rc

bench: $(STAMP)
	@for f in benchmarks/*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache b2.db var
