# Two commands do everything on a fresh machine: `make conformance` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PYSTAMP := $(VENV)/.installed
NODESTAMP := node_modules/.installed
REPORTS := reports
SUITE_REPORTS := --alluredir=$(REPORTS)/allure-results --clean-alluredir --junitxml=$(REPORTS)/junit/suites.xml
# tests/ runs on this many pytest-xdist workers, each with its own reference deployment (the CI machine has 2 cores)
TEST_WORKERS ?= 2

.PHONY: setup lint conformance test profiles report bench bench-admission load clean

$(PYSTAMP): pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,reference,frameworks,load]'
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
	$(PY) -m pytest tests/ -n $(TEST_WORKERS) --junitxml=$(REPORTS)/junit/tests.xml
	$(MAKE) --no-print-directory profiles

## make profiles: the suites under both rule profiles at once, each against its own reference on free ports:
## all against one instance on the embedded default, documented (what any deployment gets) against two instances
## sharing a private Redis and PostgreSQL
## (a suite run mostly waits on paced streams and upstream timeouts); the documented run's output follows
## the other's, and the target fails if either run failed
profiles: setup
	@mkdir -p $(REPORTS)
	@$(PY) -m pytest suites/ -q --rules documented --launch-shared --junitxml=$(REPORTS)/junit/suites-documented.xml \
		--coverage-json=$(REPORTS)/coverage-documented.json >$(REPORTS)/suites-documented.log 2>&1 & documented=$$!; \
	$(PY) -m pytest suites/ $(SUITE_REPORTS); all=$$?; \
	wait $$documented; status=$$?; \
	echo "=== pytest suites/ --rules documented (ran alongside; also in $(REPORTS)/suites-documented.log)"; \
	cat $(REPORTS)/suites-documented.log; \
	exit $$(( all || status ))

## make report: render reports/allure-results to reports/html with Allure 3 (npm, no Java)
report: $(NODESTAMP)
	npx --no-install allure generate $(REPORTS)/allure-results --output $(REPORTS)/html

## make bench [PEERS=litellm] [SUSTAINED=300] [BENCH_ARGS=...]: the minimal upstream, the bare relay (the Python
## floor) and the reference gateway (everything on) driven by wrk at 1/16/64 connections, stream and not; time to
## first token; a sustained run in slices; 1 and 2 workers on Redis + PostgreSQL (BENCH_WORKERS); prints the table, the ratios and the targets; writes reports/bench.json
## and reports/bench.svg. wrk is Debian's package (installed here when root with apt).
PEERS ?=
SUSTAINED ?= 300
BENCH_WORKERS ?= 1,2
bench: setup
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		{ apt-get install -y -qq --no-install-recommends wrk >/dev/null 2>&1 || \
		  { apt-get update -qq && apt-get install -y -qq --no-install-recommends wrk >/dev/null; }; }; } || true
	$(PY) -m loadtests.bench --sustained $(SUSTAINED) --peers "$(PEERS)" --workers "$(BENCH_WORKERS)" --reports $(REPORTS) $(BENCH_ARGS)

## make bench-admission: the rate limiter's added latency, embedded and on Redis, vs the limits off (ratios)
bench-admission: setup
	$(PY) -m loadtests.admission

## make load PROFILE=burst BASE_URL=... API_KEY=... [WORKERS=2] [LOAD_ARGS=...]: one Locust profile, headless,
## its verdict the exit code, its report reports/locust/$(PROFILE).html
PROFILE ?= burst
WORKERS ?= 0
load: setup
	$(PY) -m loadtests $(PROFILE) --base-url $(BASE_URL) --api-key "$(API_KEY)" --workers $(WORKERS) $(LOAD_ARGS)

clean:
	rm -rf $(REPORTS)/allure-results $(REPORTS)/html $(REPORTS)/junit $(REPORTS)/coverage*.json \
		$(REPORTS)/suites-documented.log $(REPORTS)/locust
