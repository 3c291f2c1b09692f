# ml-enrichment — every target installs what it needs first (see scripts/install.sh).
VENV := .venv
BIN := $(VENV)/bin

.DEFAULT_GOAL := help
.PHONY: help install demo stop status test test-unit lint format typecheck bench data train-span

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

install: ## install redis-server (apt) and the virtualenv in .venv/
	@bash scripts/install.sh

demo: install ## start redis, worker, beat, Flower; enrich the sample postings; print a summary
	$(BIN)/enrich demo

stop: ## stop the local fleet started by `make demo` (by PID)
	@$(BIN)/enrich fleet stop

status: ## show which fleet processes run
	@$(BIN)/enrich fleet status

test: install ## lint, then the whole test suite (unit, contract, integration with real processes)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

test-unit: install ## fast tests only (no servers)
	$(BIN)/pytest -m "not integration and not e2e"

lint: install ## ruff lint and format check
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: install ## ruff format and autofix
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

typecheck: install ## mypy --strict on domain/
	$(BIN)/mypy

bench: install ## throughput on the sample postings: in-process and through the fleet
	$(BIN)/python bench/throughput.py

train-span: install ## retrain the span model + line gate on SkillSpan train (CPU, seed 0) into config/models/skill_spans
	$(BIN)/python scripts/train_span_model.py

data: install ## rebuild config/taxonomy and config/samples from ../shared/data
	$(BIN)/python scripts/build_runtime_data.py
