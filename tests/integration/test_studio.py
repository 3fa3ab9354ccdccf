"""`langgraph dev` serves the graph from langgraph.json; the official SDK drives one conversation."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from langgraph_sdk import get_sync_client

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def studio_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where `langgraph dev` writes its output."""
    return tmp_path_factory.mktemp("studio") / "langgraph-dev.log"


@pytest.fixture(scope="module")
def studio_url(studio_log: Path) -> Iterator[str]:
    port = free_port()
    log = studio_log
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "LANGSMITH_", "LANGCHAIN_"))}
    env.update(DATA_DIR=str(log.parent / "data"), LANGSMITH_TRACING="false", LANGGRAPH_NO_VERSION_CHECK="true")
    cli = Path(sys.executable).parent / "langgraph"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(cli), "dev", "--no-browser", "--no-reload", "--port", str(port), "--host", "127.0.0.1"],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"langgraph dev exited:\n{log.read_text()}")
            try:
                if httpx.get(f"{url}/ok", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        else:
            raise RuntimeError(f"langgraph dev did not start:\n{log.read_text()}")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_studio_serves_the_graph_and_runs_a_conversation(studio_url: str) -> None:
    client = get_sync_client(url=studio_url)
    assistants = client.assistants.search(graph_id="agent")
    assert assistants, "graph 'agent' from langgraph.json is not served"
    thread = client.threads.create()
    turns = [
        "I need a car.",
        "Do you have any Chebys under 300k?",
        "How much is the monthly payment for the Onix over 4 years?",
    ]
    outputs = []
    for text in turns:
        state = client.runs.wait(thread["thread_id"], "agent", input={"messages": [{"role": "human", "content": text}]})
        outputs.append(state["messages"][-1]["content"])
    assert "budget" in outputs[0].lower()
    assert "Aveo 2017" in outputs[1] and "Spark 2021" in outputs[1]  # the five cheapest Chevrolets under 300k
    assert "$4,605.82" in outputs[2]
    # The server's own checkpointer keeps the thread: tool calls show up in its history.
    history = client.threads.get_state(thread["thread_id"])["values"]["messages"]
    tool_names = [m["name"] for m in history if m["type"] == "tool"]
    # the Onix was not among the five cheapest listed: it is looked up by name before it is financed
    assert tool_names == [
        "normalize_brand",
        "search_inventory",
        "normalize_brand",
        "search_inventory",
        "calculate_financing",
    ]


def test_studio_gets_the_input_and_output_schemas(studio_url: str) -> None:
    """Studio's input form is built from these schemas: `messages` must be in the input schema."""
    client = get_sync_client(url=studio_url)
    assistant = client.assistants.search(graph_id="agent")[0]
    schemas = httpx.get(f"{studio_url}/assistants/{assistant['assistant_id']}/schemas", timeout=30).json()
    assert schemas["input_schema"] is not None, schemas
    assert "messages" in schemas["input_schema"]["properties"], schemas["input_schema"]
    assert schemas["state_schema"] and "preferences" in schemas["state_schema"]["properties"]
    assert schemas["output_schema"] is not None and "messages" in schemas["output_schema"]["properties"]
    assert schemas["context_schema"] is not None and "offline" in schemas["context_schema"]["properties"]


def test_stateless_runs_log_no_durability_warning(studio_url: str, studio_log: Path) -> None:
    """A run without a thread has no checkpointer; langgraph-api still passes `durability`, which warned."""
    client = get_sync_client(url=studio_url)
    state = client.runs.wait(None, "agent", input={"messages": [{"role": "human", "content": "hola"}]})
    assert "Kavi" in state["messages"][-1]["content"]
    client.runs.wait(None, "agent", input={"messages": [{"role": "human", "content": "busco un auto"}]})
    log = studio_log.read_text()
    assert "Background run succeeded" in log
    assert "durability" not in log, [line for line in log.splitlines() if "durability" in line]
