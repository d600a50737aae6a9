# labeleval: `make app` opens the app on the sample data, `make test` runs every check, `make test-fast` the
# everyday subset (no browser, no Dask cluster, no slow tests: under two minutes).
# Each creates .venv and installs from this folder's own files on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: app test test-fast test-min lint typecheck unit unit-fast reference bench calibrate schema sample clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# labeleval.ui.serve: imports the pages' modules and stores the sample's Report on disk before serving
app: $(STAMP)
	$(BIN)/python -m labeleval.ui.serve app.py --server.headless=true

test: lint typecheck unit reference

test-fast: lint typecheck unit-fast

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest -q --doctest-modules --ignore=labeleval/ui/streamlit_app.py labeleval tests

# the markers are declared in pyproject.toml: browser (a real Chromium), dask (a LocalCluster), slow (a 1e5-judgment
# project, or more than about a second)
unit-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not browser and not dask and not slow" tests

# Every dependency at the lowest version pyproject.toml declares, in a venv of its own (.venv-min), and a fast subset
# of the tests on them: the lower bounds are claims, and this checks them. Not part of `make test` (it downloads
# every package again, about 400 MB); run it when a lower bound or a use of a newer feature changes.
MIN_VENV := .venv-min
MIN_TESTS ?= tests/test_api.py tests/io tests/cli tests/present tests/scoring/test_report_data.py \
	tests/scoring/test_report_schema.py tests/ui/test_app.py
test-min:
	$(PYTHON) -m venv $(MIN_VENV)
	$(MIN_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(MIN_VENV)/bin/python .ci/min_requirements.py --with app --with report \
		--extra pytest --extra hypothesis --extra scikit-learn \
		> $(MIN_VENV)/requirements-min.txt
	$(MIN_VENV)/bin/python -m pip install --quiet -r $(MIN_VENV)/requirements-min.txt
	$(MIN_VENV)/bin/python -m pip install --quiet --no-deps -e .
	$(MIN_VENV)/bin/python -m pip check
	$(MIN_VENV)/bin/python -m pytest -q -p no:cacheprovider -m "not browser and not dask and not slow" $(MIN_TESTS)

# The shared reference check runs when ../shared is beside this checkout (developers, CI);
# the same published cases are also copied into tests/ and run by `unit`.
reference: $(STAMP)
	@if [ -f ../shared/tools/check_reference.py ]; then \
		$(BIN)/python ../shared/tools/check_reference.py; \
	else echo "../shared not present: published cases run from tests/data only"; fi

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -r benchmarks/requirements.txt
	$(BIN)/python benchmarks/bench_evaluate.py
	$(BIN)/python benchmarks/bench_dawid_skene.py
	$(BIN)/python benchmarks/bench_readers.py

# false claims, coverage and power of every claim (verdict, intervals, plans, gold audit, slices, drift, per class)
# on simulated pilot designs, each beside the code at the tag calibration-baseline on the same projects (about an
# hour; CALIBRATE=--quick for about 100 projects per design, --full for 1000; results in benchmarks/out/calibrate)
CALIBRATE ?=
calibrate: $(STAMP)
	$(BIN)/python benchmarks/calibrate.py $(CALIBRATE)

# the JSON export's schema (labeleval/schemas/report.schema.json), rebuilt from the bundled samples
schema: $(STAMP)
	$(BIN)/python benchmarks/report_schema.py

sample: $(STAMP)
	$(BIN)/labeleval sample sample_data

clean:
	rm -rf $(VENV) $(MIN_VENV) .pytest_cache .mypy_cache .ruff_cache
