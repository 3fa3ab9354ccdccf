"""A parser bug is never swallowed: `understand_offline` logs it and raises, and the turn fails without a trace."""

from __future__ import annotations

import logging

import pytest

from graph.turn import run_turn
from graph.understanding import Understanding, parser, understand_offline
from tools.inventory import InventoryStore
from tools.toolkit import Toolkit

CATALOG = Toolkit.from_store(InventoryStore.from_csv("sqlite://")).catalog


class ParserBug(RuntimeError):
    """Stands for any programming error inside the rules."""


@pytest.fixture
def broken_slots(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*args: object, **kwargs: object) -> dict:
        raise ParserBug("slot rule failed")

    monkeypatch.setattr(parser, "numeric_slots", explode)


def test_a_parser_bug_is_logged_and_raised(broken_slots: None, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="graph.understanding.parser"), pytest.raises(ParserBug):
        understand_offline("busco una camioneta de 300 mil", CATALOG)
    [record] = [r for r in caplog.records if r.name == "graph.understanding.parser"]
    assert record.levelno == logging.ERROR and record.exc_info is not None
    assert "30 characters" in record.getMessage()  # the length, never the customer's words


def test_a_parser_bug_fails_the_turn_and_leaves_no_half_conversation(
    agent, broken_slots: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ParserBug):
        run_turn(agent, "bug", "busco una camioneta de 300 mil")
    assert agent.get_state({"configurable": {"thread_id": "bug"}}).values.get("messages") in (None, [])
    monkeypatch.undo()  # the bug is fixed: the same message is answered as if the failure never happened
    turn = run_turn(agent, "bug", "busco una camioneta de 300 mil")
    assert [c["name"] for c in turn.tool_calls] == ["search_inventory"]
    messages = agent.get_state({"configurable": {"thread_id": "bug"}}).values["messages"]
    assert [m.content for m in messages if m.type == "human"] == ["busco una camioneta de 300 mil"]


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_messages_are_the_default_understanding_not_an_error(text: str) -> None:
    assert understand_offline(text, CATALOG) == Understanding()
