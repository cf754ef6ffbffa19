# The index of what you can do here. `make help` lists the targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PACKAGES := $(wildcard shared/pyproject.toml services/*/pyproject.toml tools/*/pyproject.toml)

.DEFAULT_GOAL := help
.PHONY: help install up test lint typecheck fmt unit-tests bench bench-api bench-pipeline notifications constraints clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): requirements/dev.txt requirements/constraints.txt $(PACKAGES)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "TaskOverflow needs Python 3.11 or newer (set PYTHON=...)")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==26.3
	$(BIN)/python -m pip install --quiet -r requirements/dev.txt
	@touch $(STAMP)

install: $(STAMP) ## Create .venv with every package installed editable

up: install ## Run the whole system in the foreground (Ctrl-C stops it)
	$(BIN)/python -m taskoverflow_devstack

test: lint typecheck ## Run every check and every test (what CI runs)
	$(BIN)/python -m pytest

lint: install ## ruff: lint and formatting check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install ## mypy, strict, on shared and the three services
	$(BIN)/mypy

fmt: install ## Format the code (ruff) and apply ruff's safe fixes
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

unit-tests: install ## Only the fast tests (no servers)
	$(BIN)/python -m pytest -m "not integration"

bench: bench-api bench-pipeline ## Run every benchmark

bench-api: install ## Benchmark GET /api/v1/todos (10 and 100 todos, concurrency 8)
	$(BIN)/python bench/api_bench.py

bench-pipeline: install ## Benchmark calendar jobs end to end over Redis (10 and 1,000 todos)
	$(BIN)/python bench/pipeline_bench.py

notifications: install ## Print what was published to SNS on the local emulator (while `make up` runs)
	$(BIN)/python -m taskoverflow_devstack.notifications

constraints: install ## Re-pin every installed version into requirements/constraints.txt
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e ' > requirements/constraints.txt

clean: ## Remove the virtualenv and local state (the embedded database too)
	rm -rf $(VENV) .devstack .pytest_cache .hypothesis .mypy_cache .ruff_cache .cache
