# Jalon: two commands on a fresh machine, `make run` and `make test`.
PYTHON ?= python3.11
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: install install-browser install-node install-pdf-tools run rebuild test lint typecheck unit integration contract e2e bench format clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==0.13.8

$(VENV)/.synced: $(UV) uv.lock pyproject.toml shared/pyproject.toml dev/pyproject.toml $(wildcard services/*/pyproject.toml)
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

install: $(VENV)/.synced

# The official AsyncAPI parser (pinned in package-lock.json) checks every service's document.
# Install scripts are skipped: the parser needs none, and one dependency's only phones home.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	@touch $@

install-node: node_modules/.installed

# Debian's Chromium and its driver for the page tests; never a downloaded browser.
install-browser:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then :; else \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; fi

# WeasyPrint's Pango and the PDF page renderer the signature tests look at pages with.
install-pdf-tools:
	@if [ -x /usr/bin/pdftoppm ] && ldconfig -p | grep -q libpangoft2-1.0; then :; else \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core; fi

run: install install-pdf-tools
	$(BIN)/python -m jalon_dev.run

# Rebuild reporting's read model from the producers' outbox history (make run must be running).
rebuild: install
	JALON_AUTH__SERVICE_PRIVATE_KEY_FILE=.data/keys/service_private.pem $(BIN)/python -m reporting rebuild

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

unit: install
	$(BIN)/pytest tests/unit -q

integration: install
	$(BIN)/pytest tests/integration -q

contract: install install-node
	$(BIN)/pytest tests/contract -q

e2e: install install-browser
	$(BIN)/pytest tests/e2e -q

test: lint typecheck install-browser install-node install-pdf-tools
	$(BIN)/pytest -q

bench: install
	$(BIN)/python -m bench

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) $(TOOLS) node_modules .mypy_cache .ruff_cache .pytest_cache
