"""The web chat's guard over real HTTP (`kavak-agent serve`): per-thread lock, browser-bound threads, limits."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from server.webchat_guard import COOKIE, new_token, thread_for
from tests.support.serve import serving

pytestmark = pytest.mark.integration


@pytest.fixture
def chat(tmp_path: Path) -> Iterator[str]:
    """`serve` (embedded, no Twilio) with a rate limit high enough for the concurrency test."""
    with serving(tmp_path, WEBCHAT_RATE_LIMIT="10000/minute") as url:
        yield url


def browser(url: str, **kwargs: object) -> httpx.Client:
    """A client that loads the page first, as a browser does, and so holds its conversation cookie."""
    client = httpx.Client(base_url=url, timeout=120, **kwargs)  # type: ignore[arg-type]
    assert client.get("/").status_code == 200
    assert thread_for(client.cookies.get(COOKIE)) is not None
    return client


def history(client: httpx.Client) -> list[dict[str, object]]:
    response = client.get("/chat/api/history")
    assert response.status_code == 200
    return response.json()["messages"]  # type: ignore[no-any-return]


def visits(data_dir: Path) -> int:
    """Booked visits in the records database (absent until the first process migrates it: none booked then)."""
    records = data_dir / "records.sqlite"
    if not records.exists():
        return 0
    with sqlite3.connect(records) as db:
        return int(db.execute("SELECT count(*) FROM visits").fetchone()[0])


def test_concurrent_messages_on_one_thread_all_stay_in_the_history(chat: str) -> None:
    client = browser(chat)
    texts = [f"busco un auto de hasta {200 + i} mil" for i in range(30)]

    def post(text: str) -> int:
        return client.post("/chat/api/messages", json={"text": text}).status_code

    with ThreadPoolExecutor(30) as pool:
        statuses = list(pool.map(post, texts))
    assert statuses == [200] * 30, statuses
    said = history(client)
    user = [m["text"] for m in said if m["role"] == "user"]
    agent = [m for m in said if m["role"] == "agent"]
    lost = sorted(set(texts) - set(user))
    assert not lost and len(user) == 30, f"{len(lost)} of 30 turns lost from the history: {lost[:3]}"
    assert len(agent) == 30, f"{len(agent)} replies kept for 30 messages"
    # Turns never interleave: every customer message is followed by its own reply.
    assert [m["role"] for m in said] == ["user", "agent"] * 30


def test_nobody_posts_on_a_thread_they_do_not_hold(chat: str, tmp_path: Path) -> None:
    victim = browser(chat)
    victim.post("/chat/api/messages", json={"text": "Do you have any Chebys under 300k?"})
    before = history(victim)
    thread_id = thread_for(victim.cookies.get(COOKIE))
    assert thread_id is not None and thread_id.startswith("web:")
    booking = {"text": "quiero ir a verlo mañana a las 10, soy Eve"}
    attempts = []
    # Naming the thread in the body, or as the cookie (whole or without its prefix), or with no cookie at all.
    for cookie, body in [
        (None, {**booking, "thread_id": thread_id}),
        (thread_id, booking),
        (thread_id.removeprefix("web:"), booking),
        (None, booking),
    ]:
        with httpx.Client(base_url=chat, timeout=30, cookies={COOKIE: cookie} if cookie else None) as anonymous:
            attempts += [anonymous.post("/chat/api/messages", json=body) for _ in range(10)]
    accepted = [r.status_code for r in attempts if r.status_code < 400]
    assert not accepted, f"{len(accepted)} of {len(attempts)} anonymous bookings accepted"
    assert {r.status_code for r in attempts} <= {401, 422}
    assert history(victim) == before, "the victim's conversation changed"
    assert visits(tmp_path / "data") == 0
    # A cookie of the right shape is only ever its own new thread, never the victim's.
    with httpx.Client(base_url=chat, timeout=30, cookies={COOKIE: new_token()}) as forged:
        assert forged.post("/chat/api/messages", json=booking).status_code == 200
        assert len(history(forged)) == 2
    assert history(victim) == before


def test_history_belongs_to_the_browser_and_a_new_thread_starts_empty(chat: str) -> None:
    first = browser(chat)
    first.post("/chat/api/messages", json={"text": "Do you have any Chebys under 300k?"})
    said = history(first)
    assert [m["role"] for m in said] == ["user", "agent"]
    names = [c["name"] for c in said[1]["tool_calls"]]  # type: ignore[index]
    assert names == ["normalize_brand", "search_inventory"]
    assert said[1]["tool_calls"][1]["output"]["total"] == 7  # type: ignore[index]
    assert history(browser(chat)) == [], "another browser sees nothing of it"
    with httpx.Client(base_url=chat) as no_cookie:
        assert no_cookie.get("/chat/api/history").json()["messages"] == []
    assert first.post("/chat/api/threads").status_code == 201
    assert history(first) == []


def test_long_messages_are_refused_with_the_limit_not_cut(chat: str) -> None:
    client = browser(chat)
    response = client.post("/chat/api/messages", json={"text": "a" * 4097})
    assert response.status_code == 413 and "4,096" in response.json()["detail"]
    assert history(client) == []


def test_rate_limit_per_client_address(tmp_path: Path) -> None:
    with serving(tmp_path, WEBCHAT_RATE_LIMIT="5/minute") as url:
        client = browser(url)
        statuses = [client.post("/chat/api/messages", json={"text": "hola"}).status_code for _ in range(7)]
        assert statuses == [200] * 5 + [429] * 2, statuses
        limited = client.post("/chat/api/messages", json={"text": "hola"})
        assert int(limited.headers["Retry-After"]) >= 1
        # Another address is not affected by the first one's limit.
        other = browser(url, transport=httpx.HTTPTransport(local_address="127.0.0.2"))
        assert other.post("/chat/api/messages", json={"text": "hola"}).status_code == 200


def test_web_chat_can_be_turned_off(tmp_path: Path) -> None:
    with serving(tmp_path, WEBCHAT_ENABLED="false") as url:
        assert httpx.get(url + "/").status_code == 404
        assert httpx.post(url + "/chat/api/messages", json={"text": "hola"}).status_code == 404
        assert httpx.get(url + "/chat/api/history").status_code == 404
        assert "/chat/api/messages" not in httpx.get(url + "/openapi.json").json()["paths"]
        assert httpx.get(url + "/healthz").status_code == 200
        assert httpx.get(url + "/docs").status_code == 200
    assert f"web chat {url}" not in (tmp_path / "serve.log").read_text()


def test_serve_prints_its_addresses(chat: str, tmp_path: Path) -> None:
    log = (tmp_path / "serve.log").read_text()
    assert f"web chat {chat}/" in log and f"API docs {chat}/docs" in log, log
