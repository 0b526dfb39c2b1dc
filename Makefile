# referral-builder: `make run` starts the app with a demo school and case; `make test` runs
# every check. Both install what they need first (Python packages in .venv, front-end assets
# in node_modules, Debian packages the tests use).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
HOST   ?= 127.0.0.1
PORT   ?= 5000
WORKERS ?= 2

.DEFAULT_GOAL := help
.PHONY: help install assets system-deps run test lint typecheck unit bench bench-quick clean

help:  ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed assets  ## install Python packages and front-end assets

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

assets:  ## install GOV.UK Frontend and axe-core from npm (when package.json exists)
	@if [ -f package.json ]; then $(MAKE) --no-print-directory node_modules/.installed; fi

system-deps:  ## Debian packages for tests: chromium, poppler-utils, fonts-dejavu-core, nginx-light, openssl
	@scripts/system-deps.sh

# The demo runs without the second sign-in factor so that it can be tried without an
# authenticator app; `make run REQUIRE_TOTP=1` keeps it on, as every real deployment must.
INSTANCE     ?= $(CURDIR)/instance
REQUIRE_TOTP ?= 0
RUN_ENV      := REFERRAL_BUILDER_INSTANCE=$(INSTANCE) REFERRAL_BUILDER_REQUIRE_TOTP=$(REQUIRE_TOTP)

run: install  ## start the app on SQLite with a demo school, LA, users and case
	$(RUN_ENV) $(BIN)/referral-builder db upgrade
	$(RUN_ENV) $(BIN)/referral-builder demo --host $(HOST) --port $(PORT)
	$(RUN_ENV) $(BIN)/referral-builder serve --host $(HOST) --port $(PORT) --workers $(WORKERS)

lint: $(VENV)/.installed  ## ruff over everything
	$(BIN)/ruff check .

typecheck: $(VENV)/.installed  ## mypy over the package (strict on domain and services), forms, schemas
	$(BIN)/mypy referral_builder forms schemas

unit: install  ## pytest only
	$(BIN)/pytest -q

test: install system-deps lint typecheck  ## install everything, then lint, type-check and run every test
	$(BIN)/pytest -q

bench: install  ## benchmarks: every row of issue 10's table, ratios to floors of the same run
	$(PY) bench/bench_all.py
	$(PY) bench/bench_check.py

bench-quick: install  ## the same rows at small sizes (CI: the bench must never crash)
	$(PY) bench/bench_all.py --quick

clean:  ## remove caches (keeps .venv and node_modules)
	rm -rf .pytest_cache .mypy_cache .ruff_cache build *.egg-info

# ---- reliability: crash safety, load and fuzzing (figures in docs/figures.md) ----------------
CRASH_ITERATIONS ?= 200
LOAD_SECONDS     ?= 60
LOAD_USERS       ?= 50
FUZZ_SECONDS     ?= 300
.PHONY: crash load fuzz

crash: install  ## SIGKILL gunicorn mid-save CRASH_ITERATIONS times (200); check nothing committed is lost
	$(PY) scripts/crash_test.py --iterations $(CRASH_ITERATIONS)

load: install  ## LOAD_USERS users (50) for LOAD_SECONDS (60) against gunicorn on loopback; DATABASE_URL for PostgreSQL
	$(PY) scripts/load_test.py --users $(LOAD_USERS) --seconds $(LOAD_SECONDS)

fuzz: install  ## fuzz the CSV import, case reader and upload checks for FUZZ_SECONDS (300)
	@$(PY) -c 'import atheris' 2>/dev/null || $(PY) -m pip install -q atheris || echo "atheris did not install: hypothesis only"
	$(PY) scripts/fuzz.py --seconds $(FUZZ_SECONDS)

# ---- PostgreSQL + S3 + job queue: the web and browser tests again on real servers on loopback ----
.PHONY: test-postgres
test-postgres: install  ## start PostgreSQL (Debian, as root) and an S3 server (weed); run the web and browser tests on them, jobs through procrastinate
	PY=$(PY) scripts/ci-scale-servers.sh tests/web tests/browser

# ---- scale: the scaled-out deployment on loopback, with faults (figures in docs/figures.md) ------
SCALE_USERS  ?= 20
SCALE_BUILDS ?= 60
.PHONY: scale
scale: install  ## 2 web + 2 workers + PostgreSQL + S3 (weed) on loopback; SCALE_USERS (20) users queue SCALE_BUILDS (60; 200 for the full figure) bundles; SIGKILL a worker and a web process; report
	$(PY) scripts/scale.py --users $(SCALE_USERS) --builds $(SCALE_BUILDS)

# ---- security: hostile files and the dependency audit ----------------------------------------
HOSTILE_WORKERS ?= 3
.PHONY: hostile audit audit-online

hostile: install  ## generate 328 hostile files in a temp folder; push each through upload and LA check, case import or register upload
	$(PY) scripts/hostile_run.py --workers $(HOSTILE_WORKERS)

audit: $(VENV)/.installed  ## offline check of installed packages against scripts/known_vulnerabilities.toml
	$(PY) scripts/dependency_audit.py

audit-online:  ## pip-audit (needs the PyPI JSON API or api.osv.dev, which this workplace cannot reach)
	@$(PY) -c 'import pip_audit' 2>/dev/null || $(PY) -m pip install -q pip-audit
	$(PY) scripts/dependency_audit.py --online
