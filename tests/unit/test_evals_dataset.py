"""The golden dataset: coverage, consistency with the real inventory and financing engine, validation."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest
from langsmith.schemas import Example

from evals.dataset import GOLDEN_PATH, DatasetError, example_id, load_dataset, to_examples
from graph.context import Context
from graph.settings import get_settings
from tools.finance import FinancingError, financing_plan

REPO = Path(__file__).resolve().parents[2]
INVENTORY = {int(r["stock_id"]): r for r in csv.DictReader((REPO / "data" / "vehicles.csv").open())}
PRICES = {int(r["price"]) for r in INVENTORY.values()}
CATEGORIES = {
    "vague",
    "brand_slang",
    "budget",
    "filters",
    "financing",
    "invalid_term",
    "unknown_brand",
    "not_in_stock",
    "follow_up",
    "visit",
    "small_talk",
    "injection",
    "empty_long",
    "knowledge",
    "knowledge_finance",
    "knowledge_search",
    "handoff",
}


def test_golden_file_covers_the_issue() -> None:
    conversations = load_dataset()
    assert len(conversations) >= 60
    assert set(Counter(c.category for c in conversations)) == CATEGORIES
    assert {c.language for c in conversations} == {"es", "en"}
    assert any(len(c.turns) > 1 for c in conversations) and any(len(c.turns) == 1 for c in conversations)
    users = [t.user for c in conversations for t in c.turns]
    assert "" in users and max(map(len, users)) > 2000  # empty and very long messages
    assert sum(t.guardrail for c in conversations for t in c.turns) >= 15


def test_expected_payments_come_from_the_inventory_and_the_financing_engine() -> None:
    """A payment the dataset expects is the engine's; a down payment under the dealer's minimum is expected to be
    refused with the minimum named, and the payment it would have given must not appear."""
    minimum = get_settings().min_down_payment_pct
    default_term = Context().default_term_months  # "¿cuánto sale al mes?": the term nobody said
    priced = refused = 0
    for conversation in load_dataset():
        for turn in conversation.turns:
            for call in turn.tools:
                if call.name == "calculate_financing":
                    assert call.args["price"] in PRICES, conversation.id
                    term = call.args.get("term_months", default_term)
                    down = {k: v for k, v in call.args.items() if k in ("down_payment", "down_payment_pct")}
                    try:
                        plan = financing_plan(call.args["price"], term, **down, min_down_payment_pct=minimum)
                    except FinancingError as error:
                        assert f"at least {minimum}%" in str(error), conversation.id
                        assert f"{minimum}%" in turn.facts, conversation.id
                        unpriced = financing_plan(call.args["price"], term, **down, min_down_payment_pct=0)
                        assert f"{unpriced.monthly_payment:,}" in turn.absent, conversation.id
                        refused += 1
                        continue
                    assert f"{plan.monthly_payment:,}" in turn.facts, conversation.id
                    priced += 1
                if call.name == "schedule_visit":
                    assert call.args["stock_id"] in INVENTORY, conversation.id
    assert priced >= 10 and refused >= 1


def test_the_brief_onix_payment_is_in_the_dataset() -> None:
    brief = {c.id: c for c in load_dataset()}["fin-en-brief-onix-48"]
    assert brief.turns[2].tools[0].args == {"price": 226999, "term_months": 48, "down_payment_pct": 20}
    assert brief.turns[2].facts == ["4,605.82"]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            {
                "id": "x",
                "language": "es",
                "category": "c",
                "turns": [
                    {
                        "user": "hola",
                        "guardrail": True,
                        "tools": [{"name": "search_inventory"}],
                        "reference": "r",
                    }
                ],
            },
            "guardrail turn expects no tool",
        ),
        (
            {
                "id": "x",
                "language": "es",
                "category": "c",
                "turns": [{"user": "hola", "tools": [{"name": "rm_rf"}], "reference": "r"}],
            },
            "rm_rf",
        ),
        (
            {"id": "x", "language": "fr", "category": "c", "turns": [{"user": "a", "reference": "r"}]},
            "language",
        ),
        (
            {
                "id": "x",
                "language": "es",
                "category": "c",
                "goal": "visit",
                "turns": [{"user": "a", "reference": "r"}],
            },
            "schedule_visit",
        ),
        ({"id": "x", "language": "es", "category": "c", "turns": []}, "turns"),
    ],
)
def test_invalid_rows_are_rejected_with_their_line(tmp_path: Path, row: dict, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text("\n" + json.dumps(row) + "\n")
    with pytest.raises(DatasetError, match=r"bad\.jsonl:2") as error:
        load_dataset(path)
    assert message in str(error.value)


def test_duplicate_ids_and_missing_files_are_errors(tmp_path: Path) -> None:
    row = json.dumps({"id": "a", "language": "en", "category": "c", "turns": [{"user": "hi", "reference": "r"}]})
    path = tmp_path / "dup.jsonl"
    path.write_text(f"{row}\n{row}\n")
    with pytest.raises(DatasetError, match="duplicate id 'a'"):
        load_dataset(path)
    with pytest.raises(DatasetError, match="cannot read"):
        load_dataset(tmp_path / "missing.jsonl")


def test_examples_have_stable_ids_and_carry_references() -> None:
    conversations = load_dataset(GOLDEN_PATH, limit=5)
    first, again = to_examples(conversations), to_examples(conversations)
    assert all(isinstance(e, Example) for e in first)
    assert (
        [e.id for e in first]
        == [e.id for e in again]
        == [example_id("kavak-agent-golden", c.id) for c in conversations]
    )
    assert first[0].inputs["messages"] == [t.user for t in conversations[0].turns]
    assert first[0].outputs["turns"][0]["reference"] == conversations[0].turns[0].reference
    assert first[0].metadata["conversation_id"] == conversations[0].id
    assert to_examples(conversations, "other")[0].id != first[0].id
