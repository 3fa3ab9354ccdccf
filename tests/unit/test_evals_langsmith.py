"""LangSmith wiring without a network: local mode, a clean failure when unreachable, and the upload calls."""

from __future__ import annotations

import argparse
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from evals import cli
from evals.dataset import GOLDEN_PATH, load_dataset, to_examples
from evals.evaluators import HARD_EVALUATORS
from evals.langsmith_sync import evaluate_locally, upload_dataset
from evals.runner import run_suite
from graph.resources import clear_caches

IDS = ("vague-en-need-car", "brand-en-chebys", "fin-en-brief-onix-48", "visit-en-onix-single-turn")


def conversations() -> list:
    return [c for c in load_dataset(GOLDEN_PATH) if c.id in IDS]


def test_local_mode_runs_the_same_evaluators_with_zero_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[str] = []

    def no_network(self: requests.Session, request: requests.PreparedRequest, **kw: Any) -> None:
        sent.append(request.url or "")
        raise AssertionError(f"network request to {request.url}")

    monkeypatch.setattr(requests.Session, "send", no_network)
    rows = evaluate_locally(conversations(), list(HARD_EVALUATORS))
    assert sent == []
    local = {
        r.id: {k: v["score"] for k, v in r.metrics.items()}
        for r in run_suite(conversations(), list(HARD_EVALUATORS), progress=False).results
    }
    assert {r["id"] for r in rows} == set(IDS)
    for row in rows:
        assert row["scores"] == local[row["id"]], row["id"]
    brief = next(r for r in rows if r["id"] == "fin-en-brief-onix-48")
    assert brief["outputs"]["turns"][2]["tool_calls"][-1]["output"]["monthly_payment"] == "4605.82"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def eval_args(tmp_path: Path, **kw: Any) -> argparse.Namespace:
    defaults = {
        "dataset": None,
        "threshold": 0.95,
        "report_dir": str(tmp_path / "reports"),
        "limit": 2,
        "langsmith": True,
        "experiment_prefix": "test",
        "no_progress": True,
    }
    return argparse.Namespace(**{**defaults, **kw})


def test_langsmith_unreachable_fails_with_one_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LANGSMITH_API_KEY", "lsv2-test")
    monkeypatch.setenv("LANGSMITH_ENDPOINT", f"http://127.0.0.1:{closed_port()}")
    monkeypatch.setattr(cli, "build_evaluators", lambda settings: (list(HARD_EVALUATORS), []))
    clear_caches()
    assert cli.run(eval_args(tmp_path)) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("kavak-agent eval: LangSmith at http://127.0.0.1:") and "Traceback" not in err
    assert len(err.splitlines()) == 1
    assert not (tmp_path / "reports").exists()


def test_langsmith_without_an_api_key_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "build_evaluators", lambda settings: (list(HARD_EVALUATORS), []))
    assert cli.run(eval_args(tmp_path)) == 2
    assert "needs LANGSMITH_API_KEY" in capsys.readouterr().err


class FakeLangSmith:
    """A tiny stand-in of the LangSmith datasets/examples API that records what the client sends."""

    def __init__(self) -> None:
        self.datasets: dict[str, dict[str, Any]] = {}
        self.examples: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, str]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def do_GET(self) -> None:
                url = urlparse(self.path)
                query = parse_qs(url.query)
                fake.calls.append(("GET", url.path))
                if url.path.endswith("/datasets"):
                    names = query.get("name", [])
                    self._send(200, [d for d in fake.datasets.values() if not names or d["name"] in names])
                elif url.path.endswith("/examples"):
                    offset = int(query.get("offset", ["0"])[0])
                    self._send(200, list(fake.examples.values())[offset : offset + 100] if offset == 0 else [])
                elif url.path.endswith("/info"):
                    self._send(200, {"version": "0.test", "batch_ingest_config": {}})
                else:
                    self._send(404, {"detail": "not found"})

            def do_POST(self) -> None:
                url = urlparse(self.path)
                body = self._body()
                fake.calls.append(("POST", url.path))
                if url.path.endswith("/datasets"):
                    data = json.loads(body)
                    dataset = {
                        "id": "0e6a1d4e-0000-4000-8000-000000000001",
                        "name": data["name"],
                        "description": data.get("description"),
                        "created_at": "2026-01-01T00:00:00Z",
                        "data_type": "kv",
                        "tenant_id": "0e6a1d4e-0000-4000-8000-0000000000aa",
                    }
                    fake.datasets[dataset["id"]] = dataset
                    self._send(200, dataset)
                elif "/examples" in url.path:
                    created = fake.record_examples(self.headers.get("Content-Type", ""), body)
                    if url.path.endswith("/examples/bulk"):
                        self._send(200, [{"id": i} for i in created])
                    else:
                        self._send(200, {"example_ids": created, "count": len(created)})
                else:
                    self._send(404, {"detail": "not found"})

            do_PATCH = do_POST

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def record_examples(self, content_type: str, body: bytes) -> list[str]:
        """Multipart or JSON example uploads: keep ids (and inputs when JSON) of what was sent."""
        ids: list[str] = []
        items: dict[str, dict[str, Any]] = {}
        if content_type.startswith("application/json"):
            for item in json.loads(body) if body.strip().startswith(b"[") else [json.loads(body)]:
                ids.append(str(item["id"]))
                items[str(item["id"])] = item
        else:
            text = body.decode("utf-8", "replace")
            for part in text.split('name="')[1:]:
                name = part.split('"', 1)[0]
                if "." not in name and len(name) == 36:
                    ids.append(name)
        for example_id in ids:
            item = items.get(example_id, {})
            self.examples[example_id] = {
                "id": example_id,
                "dataset_id": next(iter(self.datasets)),
                "inputs": item.get("inputs", {}),
                "outputs": item.get("outputs", {}),
                "metadata": item.get("metadata"),
                "created_at": "2026-01-01T00:00:00Z",
            }
        return ids

    def __enter__(self) -> FakeLangSmith:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_langsmith() -> Iterator[FakeLangSmith]:
    with FakeLangSmith() as fake:
        yield fake


def test_upload_creates_the_dataset_and_examples_once(fake_langsmith: FakeLangSmith) -> None:
    from evals.langsmith_sync import make_client

    client = make_client(fake_langsmith.url, "lsv2-test")
    chosen = conversations()
    first = upload_dataset(client, chosen, "golden-test")
    assert first == {"created": len(chosen), "updated": 0, "deleted": 0, "total": len(chosen)}
    assert [d["name"] for d in fake_langsmith.datasets.values()] == ["golden-test"]
    assert len(fake_langsmith.examples) == len(chosen)
    posts = [path for method, path in fake_langsmith.calls if method == "POST"]
    assert sum(path.endswith("/datasets") for path in posts) == 1
    again = upload_dataset(client, chosen, "golden-test")  # idempotent: nothing new to send
    assert again == {"created": 0, "updated": 0, "deleted": 0, "total": len(chosen)}
    assert sum(method == "POST" and path.endswith("/datasets") for method, path in fake_langsmith.calls) == 1
    stored = fake_langsmith.examples[str(to_examples(chosen, "golden-test")[0].id)]
    assert stored["inputs"]["messages"] == [t.user for t in chosen[0].turns]
