# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SEEDS  ?= ../shared/corpus/seeds
DB     ?= sqlite:///var/openimr.sqlite
PORT   ?= 8000
STAMP  := $(VENV)/.installed

.PHONY: run replay test lint format bench clean install bytecode

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Byte code for the changed modules: an editable install has none of its own, and where
# PYTHONDONTWRITEBYTECODE is set every command would compile them again (~0.3 s a start).
bytecode: $(STAMP)
	$(BIN)/python -m compileall -q src

# The main job on the embedded default: the IMR case service on a SQLite store in var/,
# migrated and seeded with the seed letters' cases, a small roster and demo accounts (printed
# with the URL). Ctrl-C stops it; the store stays for the next run (`rm -r var` starts anew).
run: bytecode
	$(BIN)/openimr serve --demo --seeds $(SEEDS) --db $(DB) --port $(PORT)

# The batch replay: read the seed letters (one row per item), replay them through the engine
# and report agreement with the published decisions.
replay: bytecode
	$(BIN)/openimr parse $(SEEDS) --format table
	$(BIN)/openimr eval $(SEEDS)

test: bytecode
	.ci/postgres
	.ci/browser
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: bytecode
	$(BIN)/python bench/parse_speed.py
	$(BIN)/python bench/review_speed.py
	$(BIN)/python bench/review_scale.py
	$(BIN)/python bench/pdf_speed.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache .ruff_cache
