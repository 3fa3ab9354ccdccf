"""Each evaluator on crafted passing and failing runs (no agent involved)."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from evals.evaluators import (
    completion,
    expected_calls_present,
    facts,
    grounding,
    guardrail,
    no_unexpected_actions,
    tool_accuracy,
)
from evals.judge import make_judge_evaluators
from evals.similarity import cosine, make_similarity_evaluator

ONIX = {"price": 226999, "term_months": 48, "down_payment_pct": 20}
ONIX_PLAN = {
    "price": "226999.00",
    "down_payment": "45399.80",
    "down_payment_pct": "20",
    "loan_amount": "181599.20",
    "term_months": 48,
    "annual_rate": "0.1",
    "monthly_payment": "4605.82",
}


def turn(user: str, reply: str, *calls: tuple[str, dict[str, Any], Any]) -> dict[str, Any]:
    return {
        "user": user,
        "reply": reply,
        "route": [],
        "tool_calls": [{"name": n, "args": a, "output": o} for n, a, o in calls],
    }


def ref(**kw: Any) -> dict[str, Any]:
    return {"reference": "r", **kw}


FIN_REF = {
    "goal": None,
    "turns": [ref(tools=[{"name": "calculate_financing", "args": ONIX}], facts=["4,605.82"])],
}


def test_agentevals_modes_superset_superset_accept_extra_args_and_calls() -> None:
    actual = [
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {
                    "id": "1",
                    "type": "function",
                    "name": "search_inventory",
                    "args": {"make": "Chevrolet", "limit": 20},
                },
                {
                    "id": "2",
                    "type": "function",
                    "name": "calculate_financing",
                    "args": {**ONIX, "annual_rate": 0.1},
                },
            ],
        }
    ]
    wanted = [
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [{"id": "r", "type": "function", "name": "calculate_financing", "args": ONIX}],
        }
    ]
    assert expected_calls_present(outputs=actual, reference_outputs=wanted)["score"] is True
    wrong = [
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {
                    "id": "2",
                    "type": "function",
                    "name": "calculate_financing",
                    "args": {**ONIX, "price": 100000},
                }
            ],
        }
    ]
    assert expected_calls_present(outputs=wrong, reference_outputs=wanted)["score"] is False
    # subset + ignore: every actual call must have a reference of the same name, counted.
    assert no_unexpected_actions(outputs=wanted, reference_outputs=wanted)["score"] is True
    assert no_unexpected_actions(outputs=wanted + wanted, reference_outputs=wanted)["score"] is False
    assert no_unexpected_actions(outputs=wanted, reference_outputs=[])["score"] is False


def test_tool_accuracy_passes_with_the_inventory_price_and_extra_lookups() -> None:
    outputs = {
        "turns": [
            turn(
                "Onix 4 years",
                "$4,605.82",
                ("normalize_brand", {"text": "Onix"}, {}),
                ("search_inventory", {"make": "Chevrolet", "model": "Onix", "limit": 20}, {}),
                ("calculate_financing", ONIX, ONIX_PLAN),
            )
        ]
    }
    assert tool_accuracy(outputs=outputs, reference_outputs=FIN_REF)["score"] == 1.0


@pytest.mark.parametrize(
    ("calls", "why"),
    [
        ([("calculate_financing", {**ONIX, "price": 100000}, {})], "expected"),
        ([("calculate_financing", {**ONIX, "term_months": 60}, {})], "expected"),
        (
            [("calculate_financing", {"price": 226999, "term_months": 48, "down_payment_pct": 30}, {})],
            "expected",
        ),
        ([], "no tools"),
        ([("calculate_financing", ONIX, {}), ("schedule_visit", {"stock_id": 311726}, {})], "unexpected"),
    ],
)
def test_tool_accuracy_fails_on_wrong_arguments_missing_or_unexpected_actions(calls: list, why: str) -> None:
    result = tool_accuracy(outputs={"turns": [turn("u", "r", *calls)]}, reference_outputs=FIN_REF)
    assert result["score"] == 0.0 and why in result["comment"]


def test_tool_accuracy_allows_optional_actions_and_scores_per_turn() -> None:
    reference = {"turns": [ref(tools=[], allow=["calculate_financing"]), ref(tools=[])]}
    outputs = {
        "turns": [
            turn("a 24 meses", "36, 48, 60 o 72", ("calculate_financing", {"term_months": 24}, {})),
            turn("ok", "listo", ("schedule_visit", {"stock_id": 1}, {})),
        ]
    }
    result = tool_accuracy(outputs=outputs, reference_outputs=reference)
    assert result["score"] == 0.5 and "turn 2: unexpected [schedule_visit" in result["comment"]


def test_guardrail_needs_no_tool_and_a_question() -> None:
    reference = {"turns": [ref(guardrail=True)]}
    ok = guardrail(outputs={"turns": [turn("I need a car", "What budget?")]}, reference_outputs=reference)
    assert ok["score"] == 1.0
    called = guardrail(
        outputs={"turns": [turn("I need a car", "Here: ...?", ("search_inventory", {}, {}))]},
        reference_outputs=reference,
    )
    assert called["score"] == 0.0 and "called [search_inventory" in called["comment"]
    silent = guardrail(outputs={"turns": [turn("I need a car", "Sure.")]}, reference_outputs=reference)
    assert silent["score"] == 0.0 and "no question" in silent["comment"]
    assert guardrail(outputs={"turns": []}, reference_outputs={"turns": [ref()]})["score"] is None


def test_completion_needs_a_booked_visit_only_for_visit_goals() -> None:
    booked = {
        "turns": [turn("sábado", "Listo", ("schedule_visit", {"stock_id": 1}, {"status": "booked", "visit_id": 7}))]
    }
    failed = {"turns": [turn("sábado", "No pude", ("schedule_visit", {"stock_id": 1}, {"error": "sold"}))]}
    goal = {"goal": "visit", "turns": [ref()]}
    assert completion(outputs=booked, reference_outputs=goal)["score"] == 1.0
    assert completion(outputs=failed, reference_outputs=goal)["score"] == 0.0
    assert completion(outputs=failed, reference_outputs={"goal": None, "turns": [ref()]})["score"] is None


def test_grounding_accepts_tool_numbers_and_customer_numbers_only() -> None:
    reference = {"turns": [ref(), ref()]}
    search = ("search_inventory", {"max_price": 300000}, {"results": [{"price": 226999, "year": 2021}]})
    fin = ("calculate_financing", ONIX, ONIX_PLAN)
    good = {
        "turns": [
            turn("Chebys under 300k", "Onix 2021: $226,999 (up to $300,000)", search),
            turn("4 years?", "$4,605.82 a month over 48 months, 20% down: $45,399.80", fin),
        ]
    }
    assert grounding(outputs=good, reference_outputs=reference)["score"] == 1.0
    bad = {"turns": [turn("Chebys", "Onix 2021: $199,999", search), turn("x", "Only $3,999.00 monthly!")]}
    result = grounding(outputs=bad, reference_outputs=reference)
    assert result["score"] == 0.0 and "199999" in result["comment"] and "3999" in result["comment"]


def test_facts_required_and_forbidden() -> None:
    reference = {"turns": [ref(facts=["Onix", "4,605.82"], absent=["100,000"])]}
    assert (
        facts(outputs={"turns": [turn("u", "El ONIX queda en $4,605.82")]}, reference_outputs=reference)["score"] == 1.0
    )
    result = facts(outputs={"turns": [turn("u", "El Onix en $100,000")]}, reference_outputs=reference)
    assert result["score"] == 0.0 and "missing '4,605.82'" in result["comment"] and "100,000" in result["comment"]
    assert facts(outputs={"turns": [turn("u", "x")]}, reference_outputs={"turns": [ref()]})["score"] is None


class BagOfWords:
    """A deterministic embedder: word counts over a tiny vocabulary."""

    vocab = ("onix", "payment", "budget", "suv", "hola")

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [[float(t.lower().count(w)) for w in self.vocab] for t in texts]


def test_similarity_is_the_mean_cosine_per_turn() -> None:
    evaluator = make_similarity_evaluator(BagOfWords())
    outputs = {"turns": [turn("u", "Onix payment"), turn("u", "hola")]}
    reference = {"turns": [ref(reference="The Onix payment is"), ref(reference="What budget, SUV?")]}
    result = evaluator(outputs=outputs, reference_outputs=reference)
    assert result["key"] == "semantic_similarity" and result["score"] == 0.5
    assert cosine([1, 0], [0, 0]) == 0.0


def test_local_sentence_embeddings_rank_paraphrases_higher() -> None:
    """The real all-MiniLM-L6-v2 model (a dev dependency, loaded offline from its wheel)."""
    from evals.similarity import LocalEmbedder

    a, b, c = LocalEmbedder().embed_documents(
        [
            "The monthly payment for the Onix is $4,605.82",
            "For the Onix you would pay $4,605.82 a month",
            "Hello! What kind of car are you looking for?",
        ]
    )
    assert cosine(a, b) > 0.7 > cosine(a, c)


class ScriptedJudge(BaseChatModel):
    """A chat model that answers every call with the next scripted tool call (structured output)."""

    scores: list[bool]
    calls: int = 0

    @property
    def _llm_type(self) -> str:
        return "scripted-judge"

    def bind_tools(self, tools: Any, **kwargs: Any) -> ScriptedJudge:
        return self

    def _generate(self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any) -> ChatResult:
        score = self.scores[self.calls % len(self.scores)]
        self.calls += 1
        message = AIMessage(
            content="",
            tool_calls=[
                {
                    "name": "score",
                    "id": str(self.calls),
                    "args": {"reasoning": f"call {self.calls}", "score": score},
                }
            ],
        )
        return ChatResult(generations=[ChatGeneration(message=message)])


def test_judge_evaluators_score_with_a_scripted_model() -> None:
    judge = ScriptedJudge(scores=[True, False])
    correctness, tone = make_judge_evaluators(judge)
    inputs = {"messages": ["I need a car."]}
    outputs = {"turns": [turn("I need a car.", "What budget?")]}
    reference = {"turns": [ref(reference="Ask the budget.")]}
    first = correctness(inputs=inputs, outputs=outputs, reference_outputs=reference)
    second = tone(inputs=inputs, outputs=outputs)
    assert (first["key"], first["score"]) == ("judge_correctness", 1.0)
    assert (second["key"], second["score"]) == ("judge_tone", 0.0) and second["comment"] == "call 2"
    assert judge.calls == 2


def test_forbidden_facts_are_matched_as_words() -> None:
    reference = {"turns": [ref(absent=["blue", "red", "% off"])]}
    clean = facts(outputs={"turns": [turn("u", "Trae Bluetooth; con crédito reducido")]}, reference_outputs=reference)
    assert clean["score"] == 1.0
    for reply in ("It's blue.", "Red, I think", "10% off today"):
        result = facts(outputs={"turns": [turn("u", reply)]}, reference_outputs=reference)
        assert result["score"] == 0.0, reply
