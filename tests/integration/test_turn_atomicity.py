"""A turn commits whole or leaves no trace, and a redelivered turn runs once: SQLite and Redis checkpointers.

Faults are real: a tool raising mid-turn, and a process killed (SIGKILL) right after it booked a visit.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage

from graph.builder import build_graph
from graph.checkpoint import open_checkpointer
from graph.resources import get_toolkit, get_visits
from graph.settings import Settings
from graph.turn import run_turn
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
CHEBYS = "Do you have any Chebys under 300k?"
PAYMENT = "How much is the monthly payment for the Onix over 4 years?"
VISIT = "quiero ir a verlo mañana a las 10, soy Ana López"  # the name: nothing is booked without one


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    with RedisServer() as server:
        yield server


@pytest.fixture(params=["sqlite", "redis"])
def agent(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The graph over a real checkpointer of each kind."""
    settings = Settings(redis_url=request.getfixturevalue("redis_server").url) if request.param == "redis" else None
    with open_checkpointer(settings or Settings()) as saver:
        yield build_graph(saver)


def history(agent: Any, thread: str) -> list[Any]:
    return list(agent.get_state({"configurable": {"thread_id": thread}}).values.get("messages", []))


def texts_and_replies(messages: list[Any]) -> list[str]:
    """The conversation as the customer saw it: their texts and the agent's replies, in order."""
    return [
        f"{m.type}:{m.content}"
        for m in messages
        if isinstance(m, HumanMessage) or (isinstance(m, AIMessage) and not m.tool_calls)
    ]


def fail_once(monkeypatch: pytest.MonkeyPatch, tool: str) -> None:
    """Make `tool` raise the next time it runs, then work again."""
    target = get_toolkit().tools[tool]
    real = target.func
    assert real is not None

    def broken(*args: Any, **kwargs: Any) -> Any:
        monkeypatch.setattr(target, "func", real)
        raise RuntimeError(f"{tool} is down")

    monkeypatch.setattr(target, "func", broken)


def test_a_failed_turn_leaves_no_trace_and_its_retry_is_stored_once(
    agent: Any, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    thread = f"atomic-{request.node.callspec.id}"
    run_turn(agent, thread, CHEBYS, turn_id="SM1")
    before = history(agent, thread)
    fail_once(monkeypatch, "calculate_financing")
    with pytest.raises(RuntimeError, match="calculate_financing is down"):
        run_turn(agent, thread, PAYMENT, turn_id="SM2")
    state = agent.get_state({"configurable": {"thread_id": thread}})
    assert [m.id for m in state.values["messages"]] == [m.id for m in before], "the failed turn left messages"
    assert state.next == ()
    retry = run_turn(agent, thread, PAYMENT, turn_id="SM2")
    assert "$4,605.82" in retry.reply
    seen = texts_and_replies(history(agent, thread))
    assert seen.count(f"human:{PAYMENT}") == 1, f"customer text stored {seen.count(f'human:{PAYMENT}')} times"
    assert len(seen) == 4, seen  # two texts, two replies


def test_a_failed_first_turn_leaves_an_empty_thread(
    agent: Any, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    thread = f"first-{request.node.callspec.id}"
    fail_once(monkeypatch, "search_inventory")
    with pytest.raises(RuntimeError):
        run_turn(agent, thread, CHEBYS, turn_id="SM1")
    assert history(agent, thread) == []
    assert run_turn(agent, thread, CHEBYS, turn_id="SM1").tool_calls
    assert len(texts_and_replies(history(agent, thread))) == 2


def test_the_same_turn_twice_runs_once(agent: Any, request: pytest.FixtureRequest) -> None:
    thread = f"twice-{request.node.callspec.id}"
    run_turn(agent, thread, CHEBYS, turn_id="SM1")
    first = run_turn(agent, thread, PAYMENT, turn_id="SM2")
    stored = history(agent, thread)
    again = run_turn(agent, thread, PAYMENT, turn_id="SM2")
    assert again.replayed and not first.replayed
    assert (again.reply, again.tool_calls, again.route) == (first.reply, first.tool_calls, [])
    assert [m.id for m in history(agent, thread)] == [m.id for m in stored], "a redelivered turn ran again"
    assert "replayed" not in again.as_dict()  # the public `ask --json` shape is unchanged


def test_a_booking_interrupted_by_a_failure_is_not_doubled_by_the_retry(
    agent: Any, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    thread = f"book-{request.node.callspec.id}"
    run_turn(agent, thread, CHEBYS, turn_id="SM1")
    run_turn(agent, thread, PAYMENT, turn_id="SM2")
    visits = get_visits()
    real = visits.book

    def book_then_fail(*args: Any, **kwargs: Any) -> Any:
        real(*args, **kwargs)
        monkeypatch.setattr(visits, "book", real)
        raise RuntimeError("worker lost after the booking was written")

    monkeypatch.setattr(visits, "book", book_then_fail)
    with pytest.raises(RuntimeError):
        run_turn(agent, thread, VISIT, turn_id="SM3")
    retry = run_turn(agent, thread, VISIT, turn_id="SM3")
    [booking] = [c["output"] for c in retry.tool_calls if c["name"] == "schedule_visit"]
    stored = visits.for_thread(thread)
    assert len(stored) == 1, f"{len(stored)} visits booked for one request"
    assert stored[0].visit_id == booking["visit_id"] and booking["visit_id"] in retry.reply


KILL_AFTER_BOOKING = """
import os, signal, sys
from graph.builder import build_graph
from graph.checkpoint import open_checkpointer
from graph.resources import get_visits
from graph.turn import run_turn

thread, kill = sys.argv[1], sys.argv[2] == "kill"
visits = get_visits()
real = visits.book
def book_and_die(*args, **kwargs):
    real(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)  # the worker dies before the turn's checkpoint is written
if kill:
    visits.book = book_and_die
with open_checkpointer() as saver:
    agent = build_graph(saver)
    if not kill:
        run_turn(agent, thread, {chebys!r}, turn_id="SM1")
        run_turn(agent, thread, {payment!r}, turn_id="SM2")
    else:
        run_turn(agent, thread, {visit!r}, turn_id="SM3")
"""


def test_a_worker_killed_after_booking_then_redelivered_books_once(isolated_env: Path) -> None:
    script = KILL_AFTER_BOOKING.format(chebys=CHEBYS, payment=PAYMENT, visit=VISIT)

    def run(*args: str) -> int:
        return subprocess.run([sys.executable, "-c", script, *args], cwd=REPO, timeout=120).returncode

    assert run("killed", "setup") == 0
    assert run("killed", "kill") == -9
    assert len(get_visits().for_thread("killed")) == 1  # the booking the dead process wrote
    with open_checkpointer() as saver:
        agent = build_graph(saver)
        redelivered = run_turn(agent, "killed", VISIT, turn_id="SM3")
        stored = get_visits().for_thread("killed")
        assert len(stored) == 1, f"{len(stored)} visits after a kill and a redelivery"
        assert stored[0].visit_id in redelivered.reply
        seen = texts_and_replies(history(agent, "killed"))
        assert seen.count(f"human:{VISIT}") == 1 and len(seen) == 6
