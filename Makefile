# CSP Strategic Assessment Workbook. `make` lists the targets.
# Everything runs inside .venv, created by `make setup` (called by the other targets).

PYTHON ?= python3
VENV   ?= .venv
PARAMS ?= params/sample.yaml
KERNEL ?= csp-analysis
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help setup assessment test lab lint clean bench

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python >= 3.11 is needed, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "CSP analysis"
	@touch $@

setup: $(STAMP) ## create .venv, install the package with its dev tools, register the Jupyter kernel

assessment: setup ## run the full assessment (PARAMS=params/sample.yaml) and print where the HTML is
	$(BIN)/csp-assess run --params $(PARAMS)

test: setup ## run the test suite
	$(BIN)/python -m pytest

lab: setup ## open JupyterLab (in its own .venv-lab, off the runtime path) with the project kernel
	@test -x .venv-lab/bin/jupyter-lab || ($(PYTHON) -m venv .venv-lab && .venv-lab/bin/python -m pip install --quiet "jupyterlab>=4.1")
	JUPYTER_PATH=$(abspath $(VENV))/share/jupyter .venv-lab/bin/jupyter lab notebooks/

lint: setup ## check style with ruff
	$(BIN)/ruff check csp_analysis tests benchmarks

bench: setup ## time the full sample run against the naive way (papermill + nbconvert CLIs)
	$(BIN)/python benchmarks/bench_assessment.py --params $(PARAMS)

clean: ## remove outputs and caches (not .venv)
	rm -rf reports .cache .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -not -path './$(VENV)/*' -exec rm -rf {} +
