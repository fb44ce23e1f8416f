# Every target sets itself up on a fresh machine: it creates .venv and installs what it needs.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
NTM_CORPUS_DIR ?= data/sample
SHARED ?= ../shared

.PHONY: install browser run test eval eval-check eval-suite eval-validate bench clean-index

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# the CPU build of torch first: an unpinned torch would pull GBs of CUDA wheels
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

# Ingest the corpus (added/changed files only; documents no longer in it are pruned), then start the app.
run: install
	$(VENV)/bin/ntm ingest "$(NTM_CORPUS_DIR)" --prune; rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 2 ]
	$(PY) app.py

# Debian's chromium for the browser tests (Playwright drives it; it never downloads a browser)
browser:
	command -v chromium >/dev/null || (apt-get update && apt-get install -y --no-install-recommends chromium)

test: install browser
	$(VENV)/bin/pytest -q

eval: install
	$(PY) -m eval run --corpus $(SHARED)/corpus/seeds --qa $(SHARED)/eval/seed_qa.jsonl --out out/eval-seeds \
		--assignments eval/datasets/seed_assignments.jsonl --targets eval/datasets/seed_targets.jsonl

# The quality gates CI enforces on the seed set.
eval-check: eval
	$(PY) -m eval check out/eval-seeds --min evidence@5=0.90 --min accuracy=0.80 --min citation_precision=0.90 \
		--min abstention.recall=0.80 --min abstention.precision=0.80 \
		--min register.assignments.precision=0.85 --min register.assignments.recall=0.85 \
		--min register.targets.precision=0.85 --min register.targets.recall=0.85

# Every configuration side by side (presets + the naive LangChain baseline) on both question sets.
eval-suite: install
	$(PY) -m eval run --corpus $(SHARED)/corpus/seeds --qa $(SHARED)/eval/seed_qa.jsonl --out out/eval-suite-seeds \
		--preset lexical --preset dense --preset hybrid --preset hybrid+register --baseline naive \
		--assignments eval/datasets/seed_assignments.jsonl --targets eval/datasets/seed_targets.jsonl
	$(PY) -m eval run --corpus eval/datasets/corpus_b --qa eval/datasets/corpus_b_qa.jsonl --out out/eval-suite-corpus-b \
		--preset lexical --preset dense --preset hybrid --preset hybrid+register --baseline naive

# Question sets are consistent with their corpora (schema, unique ids, every expected fact present).
eval-validate: install
	$(PY) -m eval validate $(SHARED)/eval/seed_qa.jsonl --corpus $(SHARED)/corpus/seeds
	$(PY) -m eval validate eval/datasets/corpus_b_qa.jsonl --corpus eval/datasets/corpus_b

bench: install
	$(PY) bench/ingest_bench.py

clean-index:
	rm -rf .ntm
