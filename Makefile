# Jiuzhu — the two commands a new user needs are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
PYTEST_ARGS ?= -n auto

.PHONY: install demo test test-fast test-e2e lint format vendor bench clean browser conformance

# Create the virtualenv and install the locked dependencies (uv.lock) into it.
$(VENV)/.installed: pyproject.toml uv.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@test -x $(BIN)/uv || { $(BIN)/python -m pip --version >/dev/null 2>&1 || $(BIN)/python -m ensurepip >/dev/null; \
	  $(BIN)/python -m pip install -q --disable-pip-version-check "uv==$(UV_VERSION)"; }
	@UV_PROJECT_ENVIRONMENT=$(VENV) $(BIN)/uv sync --frozen --inexact --quiet
	@touch $@

install: $(VENV)/.installed

# Set up the SQLite demo (5,000 synthetic households in 泰州市) and serve it with the task worker.
demo: install
	$(BIN)/jiuzhu demo

# Debian's Chromium (for the browser tests), a CJK font and poppler for PDF checks.
# Installed with apt-get when missing; never a downloaded browser.
browser:
	@command -v chromium >/dev/null && test -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc \
	  && command -v pdftoppm >/dev/null || { \
	    echo "Installing chromium, fonts-wqy-microhei and poppler-utils with apt-get…"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      chromium fonts-wqy-microhei poppler-utils poppler-data >/dev/null; }

# The whole suite. Uses SQLite unless JIUZHU_TEST_DATABASE_URL names a PostgreSQL database.
test: install browser
	$(BIN)/pytest -p no:cacheprovider $(PYTEST_ARGS)

test-fast: install
	$(BIN)/pytest -p no:cacheprovider -m "not e2e" $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

format: install
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

# Re-vendor the front-end libraries from npm into static files (run when bumping package.json).
vendor:
	npm ci --no-audit --no-fund
	cp node_modules/echarts/dist/echarts.min.js node_modules/echarts/LICENSE src/jiuzhu/static/vendor/echarts/
	cp node_modules/htmx.org/dist/htmx.min.js node_modules/htmx.org/LICENSE src/jiuzhu/static/vendor/htmx/

# The SPDCI conformance kit's Social Registry suite against a local demo (docs/interop.md).
conformance: install
	scripts/conformance.sh

clean:
	rm -rf $(VENV) var .pytest_cache
