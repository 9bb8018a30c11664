# For a fresh clone with only Python 3.11+: `make run`, `make test-fast` while working, `make test` as CI runs it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-fast lint typecheck bench clean fuzz

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python main.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# Everything, LibreOffice, fuzzing and the soak included: what CI runs.
test: lint typecheck
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

# While working (about a minute on two cores): the same checks, and pytest --fast (tests/conftest.py): each test
# function once (its first case), at most three window tests per module, nothing marked slow or libreoffice, smaller
# property runs; spread over every core (pytest-xdist). make test runs every case of every test, one after another.
test-fast: lint typecheck
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest --fast -n auto

# mypy, strict on the model layer (pyproject.toml [tool.mypy]); part of make test and make test-fast.
typecheck: $(STAMP)
	$(BIN)/mypy

# 30,000 seeded fuzz cases (not in CI; the test suite runs 2,000): 0 tracebacks and 0 crashes or
# the target fails. FUZZ_SEED repeats another run; the figures go into docs/reliability.md.
FUZZ_SEED ?= 20261203
fuzz: $(STAMP)
	$(BIN)/python -m tests.hostile.fuzz --cases 30000 --seed $(FUZZ_SEED) --sample 1000

bench: $(STAMP)
	for script in benchmarks/bench_*.py; do QT_QPA_PLATFORM=offscreen $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
