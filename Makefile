# golive — `make demo` and `make test` work from a clean clone on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install --quiet --disable-pip-version-check
PG_URL_FILE := .golive-test/postgres.url

.PHONY: demo test lint typecheck pytest install-demo install-test clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# Stamps re-run the install when pyproject.toml changes.
$(VENV)/.demo-installed: pyproject.toml | $(PY)
	$(PIP) -e ".[fast]"
	touch $@

# torch first and pinned: 2.13.0 is the CPU build these machines carry (an unpinned torch would
# pull a multi-GB CUDA build); the embedding extra then finds it installed.
$(VENV)/.test-installed: pyproject.toml | $(PY)
	$(PIP) "torch==2.13.0"
	$(PIP) -e ".[test]"
	touch $@

install-demo: $(VENV)/.demo-installed
install-test: $(VENV)/.test-installed

## demo: start the bundled demo app, run the full check, write golive-report/
demo: install-demo
	$(VENV)/bin/golive demo

## test: lint, type-check, then the whole suite with a real PostgreSQL and Chromium
test: install-test lint typecheck
	bash scripts/install-browser.sh
	bash scripts/postgres-test-server.sh start $(PG_URL_FILE)
	GOLIVE_TEST_POSTGRES_URL="$$(cat $(PG_URL_FILE))" $(VENV)/bin/pytest -q -p no:cacheprovider; \
	  rc=$$?; bash scripts/postgres-test-server.sh stop $(PG_URL_FILE); exit $$rc

lint: install-test
	$(VENV)/bin/ruff check src tests benchmarks scripts
	$(VENV)/bin/ruff format --check src tests benchmarks scripts

typecheck: install-test
	$(VENV)/bin/mypy --strict src

clean:
	rm -rf $(VENV) golive-report .golive .golive-test build *.egg-info src/*.egg-info
