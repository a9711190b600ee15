# Two commands matter: `make demo` (ingest the bundled fixtures) and `make test` (the whole suite);
# `make bench` runs the benchmark (docs/scaling.md).
# All create .venv and install the pinned dependencies first; nothing else needs installing by hand.

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DB     ?= lps.db

.PHONY: setup system-deps demo test lint typecheck fixtures bench clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --upgrade "pip==26.3"
	@# setuptools warns at length that editable installs exist; nothing here needs acting on
	PYTHONWARNINGS=ignore $(BIN)/python -m pip install -qq -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

system-deps:
	@bash scripts/install-system-deps.sh

setup: system-deps $(STAMP)

demo: setup
	$(BIN)/lps ingest fixtures/pdfs --db $(DB)

lint: setup
	$(BIN)/ruff check .

typecheck: setup
	$(BIN)/mypy

test: setup
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest

# The ingest benchmark (docs/scaling.md): N leaflets, floor vs `lps ingest` vs re-run, peak RSS.
N ?= 500
bench: setup
	$(BIN)/python -m benchmarks.ingest --n $(N) --json benchmarks/results/$(N).json

fixtures: setup
	$(BIN)/python -m fixtures.generate

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache $(DB) $(DB)-wal $(DB)-shm
