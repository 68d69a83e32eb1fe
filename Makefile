# alliance-analysis: `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
KERNEL := alliance-analysis

.DEFAULT_GOAL := help
.PHONY: help install data fetch reports reports-fast test test-fast test-browser browser-deps lint-notebooks strip-notebooks benchmarks clean clean-all

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-18s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; set PYTHON=python3 (3.11+)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	$(BIN)/python -m ipykernel install --prefix $(VENV) --name $(KERNEL) --display-name "Python (alliance-analysis)" >/dev/null
	@touch $(STAMP)

install: $(STAMP) ## Create .venv, install the package, its pinned dependencies and the notebook kernel

data: install ## Build data/processed from data/raw and the bundled public tables
	$(BIN)/alliance-analysis data build

fetch: install ## Download the current Home Office and ONS releases into data/raw/<source>/ (needs internet)
	$(BIN)/alliance-analysis data fetch

reports: data ## Build data, then execute every notebook into reports/<run-id>/ with HTML and PDF
	$(BIN)/alliance-analysis run

test: install ## Run the whole test suite (unit, integration, notebooks, doctests)
	$(BIN)/python -m pytest -q

test-fast: install ## Run the tests without notebook execution
	$(BIN)/python -m pytest -q -m "not notebook"

test-browser: install ## Render every fast-run report in headless Chromium at 1280 px (overflow, images, script errors, PDFs)
	$(BIN)/python -m pytest -q tests/test_browser.py

browser-deps: ## Install headless Chromium and its driver from the system packages (Debian/Ubuntu, as root)
	apt-get update && apt-get install -y --no-install-recommends chromium chromium-driver

lint-notebooks: install ## Fail if a notebook has outputs, def/class or parameters not matching params.py
	$(BIN)/alliance-analysis notebooks check

reports-fast: data ## Execute every notebook on the small config/fast.yaml workloads
	$(BIN)/alliance-analysis run --config config/fast.yaml

strip-notebooks: install ## Remove outputs from committed notebooks
	$(BIN)/alliance-analysis notebooks strip

benchmarks: install ## Run every benchmark script and print figures and ratios
	@failed=""; for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || failed="$$failed $$b"; done; \
	if [ -n "$$failed" ]; then echo "benchmarks that failed to run:$$failed"; exit 1; fi

clean: ## Remove processed data and reports (rebuilt by `make reports`)
	find data/processed -mindepth 1 ! -name .gitkeep -delete
	find reports -mindepth 1 ! -name .gitkeep -delete

clean-all: clean ## Also remove the virtual environment
	rm -rf $(VENV)
