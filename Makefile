# The interface between stages: extract -> score -> transform (dbt build) -> report.
# Every target installs what it needs into .venv on first use.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HASH := $(shell cat pyproject.toml | sha1sum | cut -c1-12)
STAMP := $(VENV)/.installed-$(HASH)
SPARK_STAMP := $(VENV)/.installed-spark-$(HASH)

# Run settings (see README "Configuration"). Each is also read from the environment.
# TARGET: duckdb (one DuckDB file) or spark (parquet through dlt's filesystem destination,
# dbt on local Spark; the warehouse file then only holds views and the scoring step's record).
TARGET ?= $(or $(BACKTEST_TARGET),duckdb)
DB ?= $(or $(BACKTEST_DB),$(if $(filter spark,$(TARGET)),data/spark/backtest.duckdb,data/backtest.duckdb))
PARQUET_DIR ?= $(or $(BACKTEST_PARQUET_DIR),data/parquet)
SPARK_DIR ?= $(or $(BACKTEST_SPARK_DIR),data/spark)
DAYS ?= 30
AS_OF ?=
ORG ?=
API_URL ?=
MODELS ?= business_context,demographic
CONTACTS ?= 5000
# CURRENCIES: a multi-currency demo org, e.g. USD,EUR,GBP (the first is the corporate currency).
CURRENCIES ?=
INTERVAL ?= 60
# SF_API: which Salesforce API reads a live or demo org: auto (Bulk API 2.0 for an object
# whose read holds more than SF_BULK_THRESHOLD records, REST below), rest, or bulk.
SF_API ?= auto
SF_BULK_THRESHOLD ?= 100000
SF_BULK_TIMEOUT ?= 3600
# The demo org's latency model (0: loopback speed), e.g. LATENCY_MS=300 to look like a real
# org: wait per API request, per 1,000 records served, and per Bulk query job.
LATENCY_MS ?= 0
MS_PER_1000_RECORDS ?= 0
BULK_JOB_SECONDS ?= 0
STAGE_ONE ?=
POINT_IN_TIME ?= flag
# FITTED: auto (fit fitted_history on the org's history before the window, when it suffices) or off.
FITTED ?= auto
# FITTED_MAX_ROWS: fitted_history is fitted on at most this many training contacts (a sample
# that is the same every run above it).
FITTED_MAX_ROWS ?= 200000
# COHORT: the cohorts of marts.cohort_metrics and marts.score_drift, week or month.
COHORT ?= week
WAIT ?= 0
# DUCKDB_MEMORY: dbt's DuckDB memory limit; above it DuckDB spills to disk beside the warehouse.
DUCKDB_MEMORY ?= 3GB
# UPTODATE: auto (skip a dbt build, fitted_history's training or the report whose inputs are
# unchanged since its last success) or off (always run them).
UPTODATE ?= $(or $(BACKTEST_UPTODATE),auto)
# Credentials of the qualification API: read by the scoring step from the environment
# (a command-line value is exported there), never echoed; see scoring/auth.py.
API_TOKEN ?=
API_HEADERS ?=
API_CA_BUNDLE ?=

export BACKTEST_TARGET := $(TARGET)
export BACKTEST_PARQUET_DIR := $(abspath $(PARQUET_DIR))
export BACKTEST_SPARK_DIR := $(abspath $(SPARK_DIR))
export SPARK_LOCAL_IP ?= 127.0.0.1
export SPARK_CONF_DIR ?= $(abspath dbt_project/spark_conf)
export BACKTEST_DB := $(abspath $(DB))
export BACKTEST_DAYS := $(DAYS)
export BACKTEST_AS_OF := $(AS_OF)
export BACKTEST_ORG := $(ORG)
export BACKTEST_API_URL := $(API_URL)
export BACKTEST_MODELS := $(MODELS)
export BACKTEST_DEMO_CONTACTS := $(CONTACTS)
export BACKTEST_STAGE_ONE := $(STAGE_ONE)
export BACKTEST_POINT_IN_TIME := $(POINT_IN_TIME)
export BACKTEST_FITTED := $(FITTED)
export BACKTEST_FITTED_MAX_ROWS := $(FITTED_MAX_ROWS)
export BACKTEST_COHORT := $(COHORT)
export BACKTEST_INTERVAL := $(INTERVAL)
export BACKTEST_WAIT := $(WAIT)
export BACKTEST_DUCKDB_MEMORY := $(DUCKDB_MEMORY)
export BACKTEST_UPTODATE := $(UPTODATE)
export BACKTEST_DEMO_CURRENCIES := $(CURRENCIES)
export BACKTEST_SF_API := $(SF_API)
export BACKTEST_SF_BULK_THRESHOLD := $(SF_BULK_THRESHOLD)
export BACKTEST_SF_BULK_TIMEOUT := $(SF_BULK_TIMEOUT)
export BACKTEST_DEMO_LATENCY_MS := $(LATENCY_MS)
export BACKTEST_DEMO_MS_PER_1000_RECORDS := $(MS_PER_1000_RECORDS)
export BACKTEST_DEMO_BULK_JOB_SECONDS := $(BULK_JOB_SECONDS)
export DBT_PROFILES_DIR := $(abspath dbt_project)
# dbt appends to <warehouse dir>/logs/dbt.log, beside extract.log and score.log.
export DBT_LOG_PATH := $(dir $(BACKTEST_DB))logs

DBT := $(abspath $(VENV)/bin/dbt)
# Runs a command holding the warehouse's run lock (one run per warehouse; see plumbing/runlock.py).
LOCKED := $(abspath $(PY)) -m plumbing.runlock --stage
# A step whose data, code and settings are those of its last success is skipped (UPTODATE=off
# runs it anyway); see plumbing/uptodate.py.
SKIP_UNCHANGED := $(PY) -m plumbing.uptodate
DBT_VARS = {"as_of": "$(AS_OF)", "window_days": "$(DAYS)", "stage_one": "$(STAGE_ONE)", "point_in_time": "$(POINT_IN_TIME)", "cohort": "$(COHORT)"}

.PHONY: help setup settings system-deps lint format test test-dbt test-spark bench extract score score-inputs fit-inputs transform transform-build report backtest summary status watch evidence test-evidence docs api sources clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

setup: $(STAMP) ## Create .venv and install pinned dependencies (automatic on first use)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "Installing pinned dependencies into $(VENV) (first run only, ~1 min)..."
	@$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	@$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@

# dbt's Spark target (dbt-spark, pyspark; needs Java 17): only for the tests and TARGET=spark.
$(SPARK_STAMP): $(STAMP)
	@echo "Installing the spark extra (dbt-spark, pyspark) into $(VENV)..."
	@$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev,spark]'
	@touch $@

settings: $(STAMP) ## Check the run settings (AS_OF, DAYS, ...) before any stage runs
	@$(PY) -m plumbing.settings

lint: $(STAMP) ## ruff (lint + format check) and sqlfluff
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	cd dbt_project && $(abspath $(VENV)/bin/sqlfluff) lint models macros tests analyses --dialect duckdb

format: $(STAMP) ## Format Python (ruff) and fix SQL (sqlfluff)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .
	cd dbt_project && $(abspath $(VENV)/bin/sqlfluff) fix models macros tests analyses --dialect duckdb

system-deps: ## Chromium and Java 17 for make test: apt-get installs them as root, else the command to run
	@bash tests/system_deps.sh

test: system-deps lint $(SPARK_STAMP) ## lint, pytest (incl. DuckDB = Spark marts), then dbt build on a demo org
	BACKTEST_TARGET=duckdb $(PY) -m pytest
	$(MAKE) --no-print-directory test-dbt

TEST_DBT_ENV = BACKTEST_TARGET=duckdb BACKTEST_DB=$(abspath data/test/dbt-build.duckdb)

test-dbt: $(STAMP) ## dbt build (models and all dbt tests) on a fresh 800-contact demo org
	$(TEST_DBT_ENV) $(PY) -m extract --demo-contacts 800 --fresh
	cd dbt_project && $(TEST_DBT_ENV) $(DBT) build --target duckdb --quiet --select +contacts_to_score
	$(TEST_DBT_ENV) $(PY) -m scoring
	cd dbt_project && $(TEST_DBT_ENV) $(DBT) build --target duckdb --fail-fast

test-spark: $(SPARK_STAMP) ## Build the marts on DuckDB and on local Spark and compare them
	SPARK_LOCAL_IP=127.0.0.1 $(PY) -m pytest tests/test_spark_equality.py

# BENCH_CONTACTS: size of the bench's demo org (default 1,000,000); BENCH_LATENCY_MS (300)
# and BENCH_API_CONTACTS (default BENCH_CONTACTS) for its REST-vs-Bulk comparison.
bench: $(STAMP) ## Measure throughput and memory, REST vs Bulk under latency (prints figures)
	$(PY) -m tests.bench

extract: settings ## Load Salesforce (live, ORG=path export, or the demo org) into the warehouse
	$(PY) -m extract

ENGINE_STAMP := $(if $(filter spark,$(TARGET)),$(SPARK_STAMP),$(STAMP))

# dbt builds the scoring step's input (marts.contacts_to_score: window, dedupe, ids, UTC,
# fields as of each contact's arrival) first; the step reads it and nothing else.
score: settings $(ENGINE_STAMP) ## Build marts.contacts_to_score (dbt), then score it with the qualification API
	@$(LOCKED) score -- $(SKIP_UNCHANGED) score-inputs --reads raw_salesforce --code dbt_project --what "dbt: marts.contacts_to_score" \
	  -- $(MAKE) --no-print-directory score-inputs
	$(PY) -m scoring
	@$(if $(filter off,$(FITTED)),$(PY) -m scoring.fitted,$(LOCKED) score -- $(SKIP_UNCHANGED) fit-inputs --reads raw_salesforce --code dbt_project \
	  --what "dbt: marts.contacts_to_fit" -- $(MAKE) --no-print-directory fit-inputs \
	  && $(LOCKED) score -- $(SKIP_UNCHANGED) fitted --reads marts.contacts_to_fit,marts.contacts_to_score --code scoring \
	  --what "fitted_history (trained on marts.contacts_to_fit)" -- $(PY) -m scoring.fitted)

score-inputs: $(ENGINE_STAMP)
	@echo "🧱 dbt: building marts.contacts_to_score (the contacts to score, inputs as of arrival)"
	@cd dbt_project && $(LOCKED) score -- $(DBT) build --quiet --target $(TARGET) --select +contacts_to_score --vars '$(DBT_VARS)' \
	  $(if $(filter spark,$(TARGET)),&& $(LOCKED) score -- $(abspath $(PY)) -m reports.spark_marts >/dev/null)

fit-inputs: $(ENGINE_STAMP)
	@echo "🧱 dbt: building marts.contacts_to_fit (fitted_history's training rows, before the window)"
	@cd dbt_project && $(LOCKED) score -- $(DBT) build --quiet --target $(TARGET) --select +contacts_to_fit --vars '$(DBT_VARS)' \
	  $(if $(filter spark,$(TARGET)),&& $(LOCKED) score -- $(abspath $(PY)) -m reports.spark_marts >/dev/null)

# fitted_history's training rows (tag fitted_training) are the scoring step's input, built by
# `make score`; the transform does not build them a second time.
transform: settings $(ENGINE_STAMP) ## dbt build (TARGET=duckdb|spark): progression, alignment, marts
	@$(LOCKED) transform -- $(SKIP_UNCHANGED) transform --reads raw_salesforce,scoring --code dbt_project --what "dbt build (the marts)" \
	  -- $(MAKE) --no-print-directory transform-build

transform-build: $(ENGINE_STAMP)
	@start=$$(date +%s.%N); cd dbt_project \
	  && $(LOCKED) transform -- $(DBT) build --target $(TARGET) --vars '$(DBT_VARS)' --exclude tag:fitted_training \
	  $(if $(filter spark,$(TARGET)),&& $(LOCKED) transform -- $(abspath $(PY)) -m reports.spark_marts) \
	  && $(abspath $(PY)) -m reports.status --transform-started $$start

report: $(STAMP) ## Build the static HTML report (<warehouse dir>/report/index.html)
	@$(LOCKED) report -- $(SKIP_UNCHANGED) report --reads marts --code reports --output $(dir $(BACKTEST_DB))report/index.html \
	  --what "report ($(dir $(BACKTEST_DB))report/index.html)" -- $(PY) -m reports

backtest: settings $(ENGINE_STAMP) ## The whole backtest: extract, score, dbt build, report, verdict
	@$(LOCKED) backtest -- $(MAKE) --no-print-directory extract score transform report summary

summary: $(STAMP)
	@$(PY) -m reports.status --summary

status: $(STAMP) ## The STATUS UPDATE (works from a second terminal during a run)
	@$(PY) -m reports.status

watch: $(STAMP) ## Incremental extract, score, dbt build and status every INTERVAL s (Ctrl-C stops)
	@trap 'echo; echo "Stopped watching: the warehouse keeps everything loaded so far."; exit 0' INT; \
	while true; do \
	  $(MAKE) --no-print-directory extract score transform && $(PY) -m reports.status; \
	  echo "Next round in $(INTERVAL)s (Ctrl-C stops)"; sleep $(INTERVAL); \
	done

# --- Evidence site (optional; Node 20+ and npm; ~700 MB node_modules on first use) ---
# Not part of `backtest` or `test`. EVIDENCE_TIMEOUT limits each step (npm install, sources,
# build) in reports/evidence/scripts/build.sh; the outer `timeout` limits the whole target.
EVIDENCE_TIMEOUT ?= 600
export EVIDENCE_TIMEOUT

evidence: $(STAMP) ## Build the Evidence site from the warehouse (<warehouse dir>/evidence)
	PYTHON=$(abspath $(PY)) timeout 1800 bash reports/evidence/scripts/build.sh "$(BACKTEST_DB)"

test-evidence: $(STAMP) ## Build the Evidence site on a demo warehouse and check its pages
	timeout 2400 $(PY) -m pytest tests/check_evidence.py

docs: $(STAMP) ## Generate and serve dbt docs on 127.0.0.1:8081
	cd dbt_project && $(LOCKED) docs -- $(DBT) docs generate --target $(TARGET) --vars '$(DBT_VARS)' && $(DBT) docs serve --host 127.0.0.1 --port 8081 --no-browser

api: $(STAMP) ## Serve the reference qualification API on 127.0.0.1:8080
	$(PY) -m scoring.api --host 127.0.0.1 --port 8080

sources: $(STAMP) ## Write dbt's raw-table sources YAML (columns, types) from extract/salesforce/objects.py
	$(PY) -m extract.salesforce.dbt_sources

clean: ## Remove the warehouse, logs and dbt artifacts (keeps .venv)
	rm -rf data dbt_project/target dbt_project/logs
