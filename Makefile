# Mapwright — `make run` serves the app, `make test` checks it.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
EVAL_ARGS ?=
BENCH_ARGS ?=
# `make test` runs the quick suite; SUITE=all (what `make test-all` and CI run)
# adds the browser tests and the slow ones: servers in subprocesses, faults,
# concurrency, Schemathesis.
SUITE ?= quick
ifeq ($(SUITE),all)
PYTEST_SELECT :=
else ifeq ($(SUITE),quick)
PYTEST_SELECT := -m "not slow and not browser"
else
$(error SUITE must be quick or all, not $(SUITE))
endif

.PHONY: help run test test-all lint typecheck security audit bench format worker migrate superuser serve-prod clean eval

help:
	@echo "make run      serve Mapwright on http://$(HOST):$(PORT) (SQLite, no Redis, offline AI)"
	@echo "make test     lint (ruff), type-check (mypy), bandit, then the quick test suite"
	@echo "make test-all the same with the whole suite: browser, subprocess, fault and fuzz tests (what CI runs)"
	@echo "make audit    check the pinned requirements for known vulnerabilities (pip-audit; needs its service online)"
	@echo "make worker   run the background task worker (TASKS_BACKEND=database)"
	@echo "make format   format the code with ruff"
	@echo "make bench    time pages, the API, the AI cache, throughput and a soak; writes docs/benchmarks.md (BENCH_ARGS=--quick|--soak-seconds N)"
	@echo "make eval     print the offline planner's quality table over aimap/planner/samples/ (EVAL_ARGS=--json)"

# A Python of at least 3.12: python3.13/3.12/3.14/python3 on the PATH, else a
# version that pyenv has installed (whose shims answer "command not found"
# until selected, which the version probe below treats as absent).
$(PY):
	@py=""; \
	for candidate in python3.13 python3.12 python3.14 python3; do \
	  if command -v $$candidate >/dev/null 2>&1 && \
	     $$candidate -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then \
	    py=$$(command -v $$candidate); break; \
	  fi; \
	done; \
	if [ -z "$$py" ] && command -v pyenv >/dev/null 2>&1; then \
	  for version in $$(pyenv versions --bare 2>/dev/null | grep -E '^3\.(1[2-9]|[2-9][0-9])(\.[0-9]+)?$$' | sort -rV); do \
	    candidate="$$(pyenv root)/versions/$$version/bin/python3"; \
	    if [ -x "$$candidate" ]; then py=$$candidate; break; fi; \
	  done; \
	fi; \
	if [ -z "$$py" ]; then \
	  echo "Mapwright needs Python 3.12 or newer, and none was found." >&2; \
	  echo "Install one, then run make again:" >&2; \
	  echo "  Debian/Ubuntu: sudo apt-get install python3.12 python3.12-venv" >&2; \
	  echo "  macOS:         brew install python@3.13" >&2; \
	  echo "  pyenv:         pyenv install 3.13" >&2; \
	  exit 1; \
	fi; \
	echo "Creating $(VENV) with $$py ($$($$py --version))"; \
	$$py -m venv $(VENV)

$(VENV)/.installed-runtime: requirements.txt | $(PY)
	$(PIP) install -q -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PIP) install -q -r requirements-dev.txt
	@touch $@ $(VENV)/.installed-runtime

run: $(VENV)/.installed-runtime
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py migrate --no-input
	@echo "Mapwright is at http://$(HOST):$(PORT)/ (Ctrl-C stops it)"
	@# uvicorn, not runserver: runserver speaks no WebSockets, and the live board needs them.
	@# Static files come from whitenoise, which in debug reads them from the source folders.
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) -m uvicorn config.asgi:application --host $(HOST) --port $(PORT) \
	  --lifespan off --reload $(foreach dir,accounts projects stories aimap config,--reload-dir $(dir))

eval: $(VENV)/.installed-runtime
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py evaluate_planner $(EVAL_ARGS)

# Exits 1 when a target of docs/benchmarks.md is missed.
bench: $(VENV)/.installed-dev
	$(PY) benchmarks/run.py $(BENCH_ARGS)

worker: $(VENV)/.installed-runtime
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} TASKS_BACKEND=$${TASKS_BACKEND:-database} $(PY) manage.py db_worker

migrate: $(VENV)/.installed-runtime
	$(PY) manage.py migrate --no-input

superuser: $(VENV)/.installed-runtime
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py createsuperuser

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Bandit's findings are each answered where they occur (`# nosec <id>` with the reason).
security: $(VENV)/.installed-dev
	@# Its notes on multi-line statements ("nosec encountered, but no failed test") are noise.
	set -o pipefail; $(VENV)/bin/bandit -q -r accounts projects stories aimap config manage.py \
	  -x '*/tests/*,*/migrations/*' 2>&1 | { grep -v "nosec encountered" || true; }

# pip-audit asks PyPI's vulnerability service; where that cannot be reached
# (these build machines reach only a package mirror) .ci/audit says so and fails.
audit: $(VENV)/.installed-dev
	bash .ci/audit

# Strict, with the Django and DRF plugins; tests are relaxed (pyproject.toml).
typecheck: $(VENV)/.installed-dev
	$(VENV)/bin/mypy .

test: lint typecheck security
	$(PY) -m pytest $(PYTEST_SELECT) $(PYTEST_ARGS)

test-all:
	$(MAKE) test SUITE=all

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
