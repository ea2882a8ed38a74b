# Two commands on a fresh machine: `make pdf` builds output/plan.pdf, `make test` runs the tests.
# Both create the virtual environment from requirements.lock on first use.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# The tests also need headless Chromium (the live preview's end-to-end test).
TEST_STAMP := $(VENV)/.installed-test

.PHONY: pdf test check lint clean

pdf: $(STAMP)
	$(PY) build.py

test: $(STAMP) $(TEST_STAMP)
	$(PY) -m pytest

check: $(STAMP)
	$(PY) build.py check

lint: $(STAMP)
	$(PY) -m ruff check .

$(STAMP): requirements.lock pyproject.toml scripts/setup-system.sh
	bash scripts/setup-system.sh
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

$(TEST_STAMP): $(STAMP) scripts/setup-system.sh
	bash scripts/setup-system.sh --test
	touch $(TEST_STAMP)

clean:
	rm -rf output $(VENV)
