# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SEEDS  ?= ../shared/corpus/seeds
STAMP  := $(VENV)/.installed

.PHONY: run test lint format bench clean install

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The main job on the embedded default: read the seed letters (one row per item), then replay
# them through the engine and report agreement with the published decisions.
run: $(STAMP)
	$(BIN)/openimr parse $(SEEDS) --format table
	$(BIN)/openimr eval $(SEEDS)

test: $(STAMP)
	.ci/postgres
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: $(STAMP)
	$(BIN)/python bench/parse_speed.py
	$(BIN)/python bench/review_speed.py
	$(BIN)/python bench/review_scale.py
	$(BIN)/python bench/pdf_speed.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache .ruff_cache
