# One entry point per task. `make run` and `make test` set everything up first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup browser wrk run test test-unit lint bench bench-faults eval studio clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# CPU build of torch for the offline sentence-embedding model (evals); pinned so no CUDA wheels are pulled.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)  ## create .venv and install the agent with its dev tools

# Debian packages some targets need, installed only when missing: `$(call apt,command,package)`.
apt = @command -v $(1) >/dev/null 2>&1 || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq $(2) >/dev/null; }

browser:  ## Debian's chromium for the web-chat browser test (Playwright cannot download its own browser here)
	$(call apt,chromium,chromium)

wrk:  ## the HTTP load generator the webhook benchmark uses
	$(call apt,wrk,wrk)

run: setup  ## chat with the agent in the terminal (offline mode unless OPENAI_API_KEY is set)
	$(BIN)/kavak-agent chat

test: setup browser  ## every test: unit and integration (starts Redis, workers, servers, a browser itself)
	$(BIN)/pytest -q

test-unit: setup  ## fast tests, no services
	$(BIN)/pytest -q tests/unit

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy graph tools prompts cli evals server

bench: setup wrk  ## turn latency (SQLite and Redis checkpointers) and search latency on 1M generated cars
	$(BIN)/python -m bench.turn_latency
	$(BIN)/python -m bench.search_latency
	$(BIN)/python -m bench.eval_cost
	$(BIN)/python -m bench.webhook_load
	$(BIN)/python -m bench.webhook_e2e

bench-faults: setup  ## long fault runs (lost / doubled / recovery), turns per second, embedded memory over 20,000 messages
	$(BIN)/python -m bench.faults
	$(BIN)/python -m bench.throughput
	$(BIN)/python -m bench.embedded_memory

eval: setup  ## golden-dataset regression gate (offline unless OPENAI_API_KEY is set)
	$(BIN)/kavak-agent eval

studio: setup  ## serve the graph's API for LangGraph Studio on http://127.0.0.1:2024
	$(BIN)/langgraph dev --no-browser

clean:
	rm -rf .kavak .pytest_cache .ruff_cache .mypy_cache
