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
def studio_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log = tmp_path_factory.mktemp("studio") / "langgraph-dev.log"
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
    assert "Onix" in outputs[1] and "Aveo" in outputs[1]
    assert "$4,605.82" in outputs[2]
    # The server's own checkpointer keeps the thread: tool calls show up in its history.
    history = client.threads.get_state(thread["thread_id"])["values"]["messages"]
    tool_names = [m["name"] for m in history if m["type"] == "tool"]
    assert tool_names == ["normalize_brand", "search_inventory", "calculate_financing"]
