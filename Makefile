# The index of what you can do here. `make help` lists the targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PACKAGES := $(wildcard shared/pyproject.toml services/*/pyproject.toml tools/*/pyproject.toml)
# Container images: taskoverflow-<service>:<tag>, the tag defaulting to the commit.
SERVICES := api calendar-worker notifier
SERVICE  ?=
TAG      ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo dev)
DOCKER   ?= docker
# Where `make up` runs the stack: auto (Docker when an engine answers, else local processes), docker or local.
MODE     ?= auto
# checkov pins its own boto3, older than ours: it gets a virtualenv of its own.
CHECKOV_VENV := $(VENV)/checkov

.DEFAULT_GOAL := help
.PHONY: help install up down logs image images test lint typecheck fmt unit-tests bench bench-api bench-pipeline bench-idle bench-compare bench-feed notifications dlq constraints checkov-constraints clean \
        deploy deploy-all rollback terraform

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): requirements/dev.txt requirements/constraints.txt requirements/checkov.txt requirements/checkov-constraints.txt $(PACKAGES)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "TaskOverflow needs Python 3.11 or newer (set PYTHON=...)")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==26.3
	$(BIN)/python -m pip install --quiet -r requirements/dev.txt
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet -r requirements/checkov.txt
	@touch $(STAMP)

install: $(STAMP) ## Create .venv with every package installed editable (and checkov in .venv/checkov)

up: install ## Run the whole system in the foreground: on Docker when an engine answers, else local processes (MODE=docker|local)
	TAG=$(TAG) $(BIN)/python -m taskoverflow_devstack.run_mode up --mode $(MODE)

down: install ## Stop the Docker stack `make up` started (its data volumes stay)
	TAG=$(TAG) $(BIN)/python -m taskoverflow_devstack.run_mode down --mode $(MODE)

logs: install ## Follow the Docker stack's logs
	TAG=$(TAG) $(BIN)/python -m taskoverflow_devstack.run_mode logs --mode $(MODE)

# Host networking: the build reaches PyPI the way this machine does, and no bridge network is needed.
image: ## Build one service's image: make image SERVICE=api [TAG=...] -> taskoverflow-api:TAG
	@case " $(SERVICES) " in *" $(SERVICE) "*) ;; *) echo "make image: SERVICE must be one of: $(SERVICES)" >&2; exit 2;; esac
	$(DOCKER) build --network host --file services/$(SERVICE)/Dockerfile --tag taskoverflow-$(SERVICE):$(TAG) .

images: ## Build the three images, tagged TAG (default: the commit, git rev-parse --short=12 HEAD)
	@for service in $(SERVICES); do $(MAKE) --no-print-directory image SERVICE=$$service TAG=$(TAG) || exit 1; done

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

bench: bench-api bench-pipeline bench-idle bench-feed ## Run every benchmark

bench-api: install ## Benchmark GET /api/v1/todos (10 and 100 todos, concurrency 8)
	$(BIN)/python bench/api_bench.py

bench-pipeline: install ## Benchmark calendar jobs end to end over Redis (10 and 1,000 todos)
	$(BIN)/python bench/pipeline_bench.py

bench-idle: install ## What the whole stack (make up, local) costs doing nothing for 60 s: CPU and memory per program, Redis and SQS
	$(BIN)/python bench/idle_bench.py

bench-compare: install ## TaskOverflow (make up BROKER=redis) against the course's Celery version, side by side: medians of 3 and the ratios (REF_DIR=... for a local copy)
	$(BIN)/python bench/compare.py

bench-feed: install ## Benchmark calendar feeds: 1,000 feeds polled with If-None-Match while todos are edited at 20/s
	$(BIN)/python bench/feed_bench.py

notifications: install ## Print what was published to SNS on the local emulator (while `make up` runs)
	$(BIN)/python -m taskoverflow_devstack.notifications

# The services' own variables (BROKER_URL, QUEUE_NAMESPACE, AWS_*); beside `make up` on SQS, the local emulator.
dlq: install ## List dead-lettered messages (SQS or Redis); make dlq ARGS="redrive [--queue ical]" sends them back
	AWS_ENDPOINT_URL=$${AWS_ENDPOINT_URL-$$( [ -n "$$AWS_ACCESS_KEY_ID" ] || echo http://127.0.0.1:4566 )} \
	AWS_ACCESS_KEY_ID=$${AWS_ACCESS_KEY_ID-test} AWS_SECRET_ACCESS_KEY=$${AWS_SECRET_ACCESS_KEY-test} \
	$(BIN)/python -m taskoverflow_shared.dlq $(ARGS)

constraints: install ## Re-pin every installed version into requirements/constraints.txt
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e ' > requirements/constraints.txt

deploy: install ## Build, push and roll one service on AWS: make deploy SERVICE=calendar-worker [TAG=<git sha>]
	@test -n "$(SERVICE)" || { echo "usage: make deploy SERVICE=api|calendar-worker|notifier [TAG=<git sha>]" >&2; exit 2; }
	$(MAKE) image SERVICE=$(SERVICE) TAG=$(TAG)
	$(BIN)/python -m taskoverflow_deploy $(SERVICE) $(TAG)

deploy-all: install ## The first deploy on AWS, or all three services at once: make deploy-all [TAG=<git sha>]
	@for service in $(SERVICES); do $(MAKE) image SERVICE=$$service TAG=$(TAG) || exit 1; done
	$(BIN)/python -m taskoverflow_deploy all $(TAG)

rollback: install ## Run an image already in the repository again: make rollback SERVICE=calendar-worker TAG=<earlier sha>
	@test -n "$(SERVICE)" -a "$(origin TAG)" = "command line" || { echo "usage: make rollback SERVICE=api|calendar-worker|notifier TAG=<git sha>" >&2; exit 2; }
	$(BIN)/python -m taskoverflow_deploy $(SERVICE) $(TAG)

terraform: install ## Run terraform in deploy/terraform (a local provider mirror if there is one): make terraform ARGS=plan
	$(BIN)/python -m taskoverflow_deploy.terraform $(ARGS)

checkov-constraints: install ## Re-pin checkov's own virtualenv into requirements/checkov-constraints.txt
	{ echo "# Every package of checkov's own virtualenv (.venv/checkov), pinned: \`make checkov-constraints\` regenerates it."; \
	  $(CHECKOV_VENV)/bin/python -m pip freeze; } > requirements/checkov-constraints.txt

clean: ## Remove the virtualenv and local state (the embedded database too)
	rm -rf $(VENV) .devstack .pytest_cache .hypothesis .mypy_cache .ruff_cache .cache .artifacts
