"""Shared fixtures: every test runs offline against its own data folder, with fresh caches."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.builder import build_graph
from graph.resources import clear_caches

ENV_VARS = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "REDIS_URL",
    "INVENTORY_URL",
    "DATABASE_URL",
    "VEHICLES_CSV",
    "AGENT_MODEL",
    "LANGSMITH_TRACING",
    "LANGSMITH_API_KEY",
    "LANGCHAIN_TRACING_V2",
    "LANGCHAIN_API_KEY",
)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Offline mode, a private DATA_DIR, no tracing, no .env from the developer's checkout."""
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    data_dir = tmp_path / "kavak-data"
    monkeypatch.setenv("DATA_DIR", str(data_dir))
    monkeypatch.chdir(tmp_path)  # a developer's .env is not read by tests
    clear_caches()
    yield data_dir
    clear_caches()


@pytest.fixture
def agent():
    """The graph compiled with an in-memory checkpointer."""
    from langgraph.checkpoint.memory import InMemorySaver

    return build_graph(InMemorySaver())
