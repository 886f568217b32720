# Two commands do everything on a fresh machine: `make conformance` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PYSTAMP := $(VENV)/.installed
NODESTAMP := node_modules/.installed
REPORTS := reports
SUITE_REPORTS := --alluredir=$(REPORTS)/allure-results --clean-alluredir --junitxml=$(REPORTS)/junit/suites.xml

.PHONY: setup lint conformance test report bench clean

$(PYSTAMP): pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,reference,frameworks]'
	touch $@

$(NODESTAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(PYSTAMP) $(NODESTAMP)

## make conformance: start the reference gateway + mocks, run suites/ against them, write reports/
conformance: setup
	$(PY) -m pytest suites/ $(SUITE_REPORTS); status=$$?; $(MAKE) --no-print-directory report; exit $$status

## make lint: ruff over every Python tree (mypy --strict runs as tests/test_typing.py)
lint: setup
	$(VENV)/bin/ruff check gateway suites mocks tests loadtests

## make test: lint, the project's own tests (specs, catalog, gateway, self-tests with every defect), then the
## suites under both rule profiles (all: the reference's default; documented: what any other deployment gets)
test: lint
	$(PY) -m pytest tests/ --junitxml=$(REPORTS)/junit/tests.xml
	$(PY) -m pytest suites/ $(SUITE_REPORTS)
	$(PY) -m pytest suites/ -q --rules documented --junitxml=$(REPORTS)/junit/suites-documented.xml \
		--coverage-json=$(REPORTS)/coverage-documented.json

## make report: render reports/allure-results to reports/html with Allure 3 (npm, no Java)
report: $(NODESTAMP)
	npx --no-install allure generate $(REPORTS)/allure-results --output $(REPORTS)/html

## make bench: time to first token through the gateway vs straight to its upstream (prints a ratio)
bench: setup
	$(PY) loadtests/ttft.py

clean:
	rm -rf $(REPORTS)/allure-results $(REPORTS)/html $(REPORTS)/junit $(REPORTS)/coverage.json
