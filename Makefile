# Two commands on a fresh machine: `make pdf` builds output/plan.pdf, `make test` runs the tests.
# Both create the virtual environment on first use: `make pdf` from requirements.lock (the
# build's own dependencies), the test and lint targets also from requirements-dev.lock.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
# The tests also need headless Chromium (the live preview's end-to-end test).
TEST_STAMP := $(VENV)/.installed-test

.PHONY: setup pdf test test-fast check lint typecheck format clean

pdf: $(STAMP)
	$(PY) build.py

# The build's environment alone (CI's edition jobs build with it).
setup: $(STAMP)

test: $(DEV_STAMP) $(TEST_STAMP)
	$(PY) -m pytest -n auto

# The quick lane (a minute at most; the README states what it measures): no browser, no
# build of the real plan (slow), no test that lays out more pages than FAST_LANE_PAGES in
# tests/conftest.py (typeset: the minimal plan, the Word edition beside its PDF, the
# regional editions), a tenth of the property tests' examples; on two workers
# (pytest-xdist). A test laying out more without the mark fails, in either lane.
test-fast: $(DEV_STAMP)
	$(PY) -m pytest -m "not slow and not typeset" -q -n 2

check: $(STAMP)
	$(PY) build.py check

lint: $(DEV_STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck: $(DEV_STAMP)
	$(PY) -m mypy

format: $(DEV_STAMP)
	$(PY) -m ruff format .

$(STAMP): requirements.lock pyproject.toml scripts/setup-system.sh
	bash scripts/setup-system.sh
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

$(DEV_STAMP): $(STAMP) requirements-dev.lock scripts/setup-system.sh
	bash scripts/setup-system.sh --dev
	$(PY) -m pip install --quiet -r requirements-dev.lock
	touch $(DEV_STAMP)

$(TEST_STAMP): $(STAMP) scripts/setup-system.sh tests/a11y/package-lock.json
	bash scripts/setup-system.sh --test
	npm ci --prefix tests/a11y --no-audit --no-fund --silent
	touch $(TEST_STAMP)

clean:
	rm -rf output $(VENV)
