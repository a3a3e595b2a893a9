# seclake — the two commands a newcomer needs are `make run` and `make test`.
# Everything else is installed by this file: a .venv from the hashed lock, and the system
# packages the tests need (through apt, only where missing).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
STAMP  := $(VENV)/.installed
PYTEST_WORKERS ?= 2

.PHONY: run test lint format bench golden docs lock clean system-deps help

help:
	@echo "make run     start seclake with demo data (embedded store)"
	@echo "make test    install everything the tests need, then run the whole suite"
	@echo "make lint    ruff + mypy --strict on src/"
	@echo "make bench   benchmarks: figures and ratios measured in one run"
	@echo "make golden  refresh golden files (review the diff!)"
	@echo "make docs    regenerate docs/ from the code's own tables"
	@echo "make lock    re-resolve requirements.lock from pyproject.toml"

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

venv: $(STAMP)

# System packages the test-suite drives for real (apt, only what is missing).
SYSTEM_PACKAGES := shellcheck
system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO="sudo"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

run: $(STAMP)
	$(BIN)/seclake serve --demo

test: $(STAMP) system-deps
	$(BIN)/pytest -n $(PYTEST_WORKERS) -q

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

bench: $(STAMP)
	$(PY) -m benchmarks

golden: $(STAMP)
	SECLAKE_UPDATE_GOLDEN=1 $(BIN)/pytest -q -p no:randomly tests/golden tests/unit/test_docs.py
	$(MAKE) docs

docs: $(STAMP)
	$(PY) -m seclake.docs

lock:
	$(PYTHON) -m pip install --quiet uv
	$(PYTHON) -m uv pip compile pyproject.toml requirements-build.in --extra dev --generate-hashes \
	  --python-version 3.11 --universal -o requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
