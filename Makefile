# tariffcore — one-command set-up: every target builds .venv itself when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RULESET ?= kr/gimhae
READINGS ?= examples/readings.csv
RUFF_PATHS := src tests docs/hooks benchmarks examples plugins

.PHONY: run test fuzz format bench docs docs-serve schema lint typecheck clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# tariffcore itself, the bundled Korean rulesets plug-in and the OWRS rate file plug-in.
$(VENV)/.installed: $(BIN)/python pyproject.toml plugins/tariffcore-kr/pyproject.toml \
		plugins/tariffcore-owrs/pyproject.toml
	$(BIN)/python -m pip install --quiet -e . -e plugins/tariffcore-kr -e plugins/tariffcore-owrs
	touch $@

# ...plus what the test suite needs.
$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

## run: set up .venv and bill examples/readings.csv with the default ruleset, as a table
# Exit status 1 means some rows became error rows (shown in the table): that is the demo.
run: $(VENV)/.installed
	$(BIN)/tariffcore bill $(READINGS) --ruleset $(RULESET) --format table || [ $$? -eq 1 ]

## test: set up .venv with the test dependencies, check style, run the whole suite in random
## order (the seed is printed; `make test TEST_SEED=N` repeats an order), type-check src/
ifndef TEST_SEED
TEST_SEED := $(shell $(PYTHON) -c "import random; print(random.randrange(1, 10**9))")
endif
test: $(VENV)/.installed-test
	$(BIN)/ruff check $(RUFF_PATHS)
	$(BIN)/ruff format --check $(RUFF_PATHS)
	@echo "pytest in random order: seed $(TEST_SEED) (make test TEST_SEED=$(TEST_SEED) repeats it)"
	$(BIN)/python -m pytest --randomly-seed=$(TEST_SEED)
	$(BIN)/python -m mypy

## fuzz: the fuzz suite at length (FUZZ_EXAMPLES hostile files per test, default 2000; `make
## test` draws 25): hostile CSV, JSON lines and rule files, with Hypothesis's statistics
FUZZ_EXAMPLES ?= 2000
fuzz: $(VENV)/.installed-test
	TARIFFCORE_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest tests/fuzz -p no:randomly \
		--hypothesis-show-statistics

## format: apply ruff's fixes and formatting
format: $(VENV)/.installed-test
	$(BIN)/ruff check --fix $(RUFF_PATHS)
	$(BIN)/ruff format $(RUFF_PATHS)

# ...plus the peers the benchmark measures against (OpenFisca).
$(VENV)/.installed-bench: $(VENV)/.installed-test
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	touch $@

## bench: the city-scale benchmark under kr/daejeon (a distinct city of 1,000,000 meter reads and
## the benchmark city of 500,000 accounts; tariffcore, OpenFisca, a hand-written function),
## figures into benchmarks/results/; not part of `make test` (see benchmarks/README.md)
BENCH_ACCOUNTS ?= 500000
BENCH_DISTINCT ?= 1000000
BENCH_FLATNESS ?= 5000000
BENCH_RUNS ?= 3
bench: $(VENV)/.installed-bench
	$(BIN)/python benchmarks/run.py --accounts $(BENCH_ACCOUNTS) --distinct $(BENCH_DISTINCT) \
		--flatness $(BENCH_FLATNESS) --runs $(BENCH_RUNS)

# ...plus what the docs build needs.
$(VENV)/.installed-docs: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[docs]'
	touch $@

## docs: build the documentation site into site/ (warnings are errors)
docs: $(VENV)/.installed-docs
	NO_MKDOCS_2_WARNING=1 $(BIN)/python -m mkdocs build --strict --quiet

## docs-serve: preview the documentation site while editing
docs-serve: $(VENV)/.installed-docs
	NO_MKDOCS_2_WARNING=1 $(BIN)/python -m mkdocs serve

## schema: regenerate docs/schema/ruleset.schema.json after changing the models or charge types
schema: $(VENV)/.installed
	$(BIN)/tariffcore schema --output docs/schema/ruleset.schema.json

## typecheck: mypy --strict on src/
typecheck: $(VENV)/.installed-test
	$(BIN)/python -m mypy

clean:
	rm -rf $(VENV) build dist site .pytest_cache .mypy_cache .hypothesis
