# Two commands matter: `make demo` (ingest the bundled fixtures) and `make test` (the whole suite);
# `make bench` runs the benchmark (docs/scaling.md).
# Each creates .venv and installs the pinned dependencies it needs first; nothing else needs
# installing by hand. `make demo` installs the runtime only (no root, no apt); `make test` also
# installs what the tests need, Debian packages included (as root or with sudo).

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
RUNTIME := $(VENV)/.runtime-stamp
DEV     := $(VENV)/.dev-stamp
DB     ?= lps.db

.PHONY: setup system-deps demo test lint typecheck fixtures bench accuracy accuracy-scans \
	cleanroom clean \
	prefect-database

# The runtime: what `lps` needs to ingest, query and serve (pip only).
$(RUNTIME): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --upgrade "pip==26.3"
	@# setuptools warns at length that editable installs exist; nothing here needs acting on
	PYTHONWARNINGS=ignore $(BIN)/python -m pip install -qq -c constraints.txt -e .
	@touch $@

# The tests, the type checker, the linters and the fixture generator on top of the runtime.
$(DEV): $(RUNTIME)
	PYTHONWARNINGS=ignore $(BIN)/python -m pip install -qq -c constraints.txt -e '.[dev]'
	@touch $@

system-deps:
	@bash scripts/install-system-deps.sh

setup: system-deps $(DEV)

demo: $(RUNTIME)
	$(BIN)/lps ingest fixtures/pdfs --db $(DB)

lint: $(DEV)
	$(BIN)/ruff check .

typecheck: $(DEV)
	$(BIN)/mypy

# Two test processes (pytest-xdist), and the 15 slowest tests listed at the end.
test: setup
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest -n 2 --durations=15

# The ingest benchmark (docs/scaling.md): N leaflets, floor and own extractor vs `lps ingest`,
# re-run, one new leaflet, a first-ever run, backfill; wall and CPU, with the fixed cost's
# breakdown.
N ?= 150
bench: $(DEV)
	$(BIN)/python -m benchmarks.ingest --n $(N) --json benchmarks/results/$(N).json

# The Prefect database a new Prefect home starts from (flows/prefect_database.py, made by flows/server.py); run it again
# after changing the pinned Prefect version (tests/test_prefect_database.py fails until then).
prefect-database: $(RUNTIME)
	$(BIN)/python -m flows.server

fixtures: $(DEV)
	$(BIN)/python -m fixtures.generate

# Extraction scored on layouts never tuned on (issue 9): SEEDS layout-randomised leaflets from
# four producers (fixtures/randomised), scored by `lps evaluate` with a table per layout
# parameter; the score is kept in benchmarks/results/accuracy.json. Exit 1 on any wrong value.
SEEDS ?= 1000-1299,7000-7099
ACCURACY_DIR ?= build/accuracy
CLEANROOM := fixtures/cleanroom
CLEANROOM_SEEDS ?= 1-123
# Both generators: the randomised one (drawn afresh) and the clean-room corpus (committed, made
# by real producers by a generator that never read the extractor; `make cleanroom` redraws it).
# Then the scan corpus (issue 18, fixtures/scans.py): SCANS_PER_EDITION generated leaflets of
# each edition scanned at each of SCAN_DPIS with each damage (skew, noise, JPEG, photocopy; an
# OCR layer and a layer that lies at 300 dpi), read by OCR and scored per damage, one
# resolution at a time, in benchmarks/results/accuracy-scans-<dpi>.json (`make accuracy-scans
# SCAN_DPIS=300` re-scores one). Exit 1 on any wrong value.
SCANS_PER_EDITION ?= 1
SCANS_DIR ?= build/scans
SCAN_DPIS ?= 300 200 150
accuracy: setup
	$(BIN)/python -m fixtures.randomised --seeds $(SEEDS) --out $(ACCURACY_DIR) --jobs 2
	$(BIN)/lps evaluate $(ACCURACY_DIR)/pdfs --truth $(ACCURACY_DIR)/truth \
		--params $(ACCURACY_DIR)/params.json --json benchmarks/results/accuracy.json
	$(BIN)/lps evaluate $(CLEANROOM)/corpus/pdfs --truth $(CLEANROOM)/corpus/truth \
		--params $(CLEANROOM)/corpus/params.json --json benchmarks/results/accuracy-cleanroom.json
	$(BIN)/lps evaluate $(CLEANROOM)/classes/pdfs --truth $(CLEANROOM)/classes/truth \
		--params $(CLEANROOM)/classes/params.json \
		--json benchmarks/results/accuracy-cleanroom-classes.json
	$(MAKE) accuracy-scans

accuracy-scans: setup
	@set -e; for dpi in $(SCAN_DPIS); do \
		damages=clean,skew1,skew2,noise,jpeg,photocopy; \
		if [ $$dpi = 300 ]; then damages=$$damages,layer,layer-lies; fi; \
		$(BIN)/python -m fixtures.scans --out $(SCANS_DIR)/$$dpi --dpi $$dpi \
			--damage $$damages --per-edition $(SCANS_PER_EDITION) --jobs 2; \
		$(BIN)/lps evaluate $(SCANS_DIR)/$$dpi/pdfs --truth $(SCANS_DIR)/$$dpi/truth \
			--params $(SCANS_DIR)/$$dpi/params.json \
			--json benchmarks/results/accuracy-scans-$$dpi.json; \
	done

# Redraw the clean-room class fixtures and corpus (needs the producers:
# fixtures/cleanroom/install-producers.sh, as root).
cleanroom: $(DEV)
	$(BIN)/python -m fixtures.cleanroom --classes --jobs 2
	rm -rf $(CLEANROOM)/corpus
	$(BIN)/python -m fixtures.cleanroom --seeds $(CLEANROOM_SEEDS) --out $(CLEANROOM)/corpus \
		--jobs 2

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .import_linter_cache build $(DB) \
		$(DB)-wal $(DB)-shm
