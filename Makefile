# Ruralmart. Two commands on a fresh machine: `make demo` and `make test`.
# Everything below installs into .venv from the exact pins in requirements.lock.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
export PORT

CHROMIUM ?= /usr/bin/chromium

.PHONY: demo test smoke lint bench schema venv browser clean-data

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Ruralmart needs Python >= 3.11")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	$(BIN)/ruralmart fetch_graphiql || echo "GraphiQL assets not fetched (offline?); GraphiQL will load them from the CDN"
	@# No fallback: the bureau dashboards load ECharts only from this project (they must work
	@# offline), so a failed or mismatched fetch stops the build here, loudly.
	$(BIN)/ruralmart fetch_echarts
	@touch $(STAMP)

venv: $(STAMP)

## Debian's Chromium for the tests of pages people use (Playwright drives it; it never
## downloads a browser). Installed once, as root or through sudo.
browser:
	@test -x $(CHROMIUM) || { \
		if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null; then SUDO=sudo; \
		else echo "The browser tests need Debian's chromium: apt-get install chromium" >&2; exit 1; fi; \
		$$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium; \
	}
	@# A CJK font, so the pages' Chinese renders in the screenshots the tests keep.
	@fc-list :lang=zh 2>/dev/null | grep -q . || { \
		if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null; then SUDO=sudo; \
		else echo "No CJK font: screenshots will show boxes (apt-get install fonts-wqy-microhei)"; exit 0; fi; \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q fonts-wqy-microhei || \
		echo "No CJK font installed: screenshots will show boxes"; \
	}

## Migrate, load the demo data (idempotent) and serve on 127.0.0.1:$(PORT).
demo: $(STAMP)
	$(BIN)/ruralmart demo

## The whole suite: embedded PostgreSQL unless DATABASE_URL is set, an in-process Celery
## worker unless CELERY_BROKER_URL is set.
test: $(STAMP) browser
	$(BIN)/ruralmart test $(PYTEST_ARGS)

## The short zero-setup subset.
smoke: $(STAMP)
	$(BIN)/ruralmart test -m smoke $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy marketplace storefront_api logistics collective_econ admin tooling

## Rewrite the committed SDL after a deliberate API change.
schema: $(STAMP)
	$(BIN)/ruralmart export_schema

bench: $(STAMP)
	$(BIN)/ruralmart bench browse
	$(BIN)/ruralmart bench checkout

clean-data:
	rm -rf .ruralmart
