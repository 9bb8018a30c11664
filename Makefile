# Two commands for a fresh clone with only Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench screenshot clean fuzz

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python main.py

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

# 30,000 seeded fuzz cases (not in CI; the test suite runs 2,000): 0 tracebacks and 0 crashes or
# the target fails. FUZZ_SEED repeats another run; the figures go into docs/reliability.md.
FUZZ_SEED ?= 20261203
fuzz: $(STAMP)
	$(BIN)/python -m tests.hostile.fuzz --cases 30000 --seed $(FUZZ_SEED) --sample 1000

bench: $(STAMP)
	for script in benchmarks/bench_*.py; do QT_QPA_PLATFORM=offscreen $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
