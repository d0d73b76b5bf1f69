# Baton's two set-up commands: `make run` and `make test`. Everything else is a step of those.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
FRONTEND_STAMP := frontend/node_modules/.installed
BUILD_STAMP := designer/static/app/index.html
FRONTEND_SOURCES := $(shell find frontend -path frontend/node_modules -prune -o -type f \( -name '*.ts' -o -name '*.tsx' -o -name '*.css' -o -name '*.html' -o -name '*.json' -o -name '*.mjs' \) -print 2>/dev/null)
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install build types system-packages lint typecheck pytest frontend-test bench clean

run: install build ## Install everything and start Baton at http://127.0.0.1:5000
	$(BIN)/baton run --host $(HOST) --port $(PORT)

test: system-packages install build ## Install everything (system packages too) and run every test
	$(BIN)/ruff check .
	$(BIN)/mypy graphs runtime designer
	cd frontend && npm test
	tests/services/with-services.sh $(BIN)/pytest -q

install: $(PY_STAMP) $(FRONTEND_STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(PY_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

$(FRONTEND_STAMP): frontend/package.json frontend/package-lock.json
	@# Vite 8 needs npm 11; some machines start with npm 10 when their own upgrade failed.
	@major=$$(npm --version 2>/dev/null | cut -d. -f1); if [ "$${major:-0}" -lt 11 ]; then \
		echo "npm $$(npm --version) is older than 11: installing npm 11"; \
		npm install -g npm@11 --no-audit --no-fund; fi
	cd frontend && npm ci --no-audit --no-fund
	touch $@

build: $(BUILD_STAMP) ## Build the canvas into designer/static/app

$(BUILD_STAMP): $(FRONTEND_STAMP) $(FRONTEND_SOURCES)
	cd frontend && npm run build

# The canvas's TypeScript types come from the Python models: dump their schemas into
# frontend/schema (committed; tests/designer/test_generated_types.py checks them), then
# generate frontend/src/generated from the dumps (`npm run build` does that step too).
types: $(PY_STAMP) $(FRONTEND_STAMP)
	$(BIN)/baton schema > frontend/schema/workflow.schema.json
	$(BIN)/baton openapi > frontend/schema/openapi.json
	cd frontend && npm run generate

system-packages:
	tests/services/install-system-packages.sh

lint: $(PY_STAMP)
	$(BIN)/ruff check .

typecheck: $(PY_STAMP)
	$(BIN)/mypy graphs runtime designer

bench: install build ## Print the benchmarks' figures
	$(BIN)/python benchmarks/validate.py
	$(BIN)/python benchmarks/engine.py
	$(BIN)/python benchmarks/canvas.py

clean:
	rm -rf $(VENV) frontend/node_modules designer/static/app instance
