"""Evaluators of one conversation run against its golden references (plain functions LangSmith can call).

Each takes `outputs` (the target's result) and `reference_outputs` (the example's) and returns
`{"key", "score", "comment"}`; a score of None means the metric does not apply to this conversation.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from typing import Any

from agentevals.trajectory.match import create_trajectory_match_evaluator

from evals.dataset import ACTION_TOOLS
from graph.grounding import customer_numbers, numbers_in, ungrounded_numbers
from tools.text import fold

Evaluator = Callable[..., dict[str, Any]]
HARD_METRICS: tuple[str, ...] = (
    "tool_accuracy",
    "guardrail",
    "completion",
    "grounding",
    "facts",
    "knowledge",
    "handoff",
    "named_car",
)
"""Metrics that decide whether a conversation passes; similarity and the judge are scored only."""

# Every expected call must be present, its expected arguments a subset of the actual ones (extra arguments and
# extra lookups such as a relaxed second search are fine). agentevals: output ⊇ reference, args ⊇ its args.
expected_calls_present = create_trajectory_match_evaluator(
    trajectory_match_mode="superset", tool_args_match_mode="superset"
)
# Action tools (payments, bookings) must not happen unless expected or allowed: output ⊆ reference, by name.
no_unexpected_actions = create_trajectory_match_evaluator(trajectory_match_mode="subset", tool_args_match_mode="ignore")


def as_tool_messages(calls: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Reference calls as one assistant message with tool_calls (the shape agentevals compares)."""
    tool_calls = [
        {"id": f"ref_{i}", "type": "function", "name": c["name"], "args": c.get("args", {})}
        for i, c in enumerate(calls)
    ]
    return [{"role": "assistant", "content": "", "tool_calls": tool_calls}] if tool_calls else []


def _actual_calls(turn: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"name": c["name"], "args": c.get("args") or {}} for c in turn.get("tool_calls", [])]


def _pairs(outputs: dict[str, Any], reference_outputs: dict[str, Any]) -> list[tuple[int, dict, dict]]:
    turns = outputs.get("turns", [])
    refs = reference_outputs.get("turns", [])
    return [(i, turns[i] if i < len(turns) else {}, ref) for i, ref in enumerate(refs)]


def _result(key: str, checked: int, failures: list[str]) -> dict[str, Any]:
    if checked == 0:
        return {"key": key, "score": None, "comment": "not applicable"}
    return {
        "key": key,
        "score": round((checked - len(failures)) / checked, 4),
        "comment": "; ".join(failures) or "ok",
    }


def tool_accuracy(outputs: dict[str, Any], reference_outputs: dict[str, Any]) -> dict[str, Any]:
    """Per turn: the expected tools were called with the arguments that matter, and no unexpected action."""
    failures: list[str] = []
    checked = 0
    for i, turn, ref in _pairs(outputs, reference_outputs):
        actual = _actual_calls(turn)
        expected = ref.get("tools", [])
        if not expected and not any(c["name"] in ACTION_TOOLS for c in actual) and not ref.get("guardrail"):
            checked += 1  # nothing required, nothing consequential happened
            continue
        checked += 1
        actual_messages = as_tool_messages(actual)
        present = expected_calls_present(outputs=actual_messages, reference_outputs=as_tool_messages(expected))
        allowed = [c for c in expected if c["name"] in ACTION_TOOLS] + [{"name": n} for n in ref.get("allow", [])]
        if ref.get("handoff"):
            allowed.append({"name": "request_human"})  # the handoff metric checks it
        actions = list({c["name"]: c for c in actual if c["name"] in ACTION_TOOLS}.values())  # allowed by name
        clean = (
            not actions
            or no_unexpected_actions(outputs=as_tool_messages(actions), reference_outputs=as_tool_messages(allowed))[
                "score"
            ]
        )
        if not present["score"]:
            failures.append(f"turn {i + 1}: expected {_brief(expected)}, got {_brief(actual)}")
        elif not clean:
            failures.append(f"turn {i + 1}: unexpected {_brief(actions)}")
    return _result("tool_accuracy", checked, failures)


def guardrail(outputs: dict[str, Any], reference_outputs: dict[str, Any]) -> dict[str, Any]:
    """Turns that should only get a question: no tool call at all, and the reply asks something."""
    failures: list[str] = []
    checked = 0
    for i, turn, ref in _pairs(outputs, reference_outputs):
        if not ref.get("guardrail"):
            continue
        checked += 1
        calls = _actual_calls(turn)
        if calls:
            failures.append(f"turn {i + 1}: called {_brief(calls)}")
        elif "?" not in turn.get("reply", ""):
            failures.append(f"turn {i + 1}: reply asks no question")
    return _result("guardrail", checked, failures)


def completion(outputs: dict[str, Any], reference_outputs: dict[str, Any]) -> dict[str, Any]:
    """Conversations meant to end in a visit: did schedule_visit book one?"""
    if reference_outputs.get("goal") != "visit":
        return {"key": "completion", "score": None, "comment": "not applicable"}
    booked = [
        c
        for t in outputs.get("turns", [])
        for c in t.get("tool_calls", [])
        if c["name"] == "schedule_visit" and isinstance(c.get("output"), dict) and c["output"].get("status") == "booked"
    ]
    return {
        "key": "completion",
        "score": 1.0 if booked else 0.0,
        "comment": f"visit {booked[0]['output'].get('visit_id')} booked" if booked else "no visit booked",
    }


@functools.lru_cache(maxsize=1)
def dealer_facts() -> tuple[Any, ...]:
    """Numbers the dealer's own configuration states (financing terms, knowledge-base facts, opening hours)."""
    from tools.finance import FinancingTerms
    from tools.knowledge import KnowledgeBase

    terms = FinancingTerms()
    kb = KnowledgeBase.load(values=terms.knowledge_values)
    texts = [f"{s.answer} {s.details}" for s in kb.sections]
    return (
        list(terms.allowed_terms),
        [t // 12 for t in terms.allowed_terms],
        float(terms.min_down_payment_pct),
        float(terms.down_payment_pct),
        float(terms.annual_rate),
        *[sorted(numbers_in(t)) for t in texts],
    )


def grounding(outputs: dict[str, Any], reference_outputs: dict[str, Any]) -> dict[str, Any]:
    """Every number in each reply comes from the conversation's tool calls (args, outputs), the customer, or the
    dealer's stated facts (financing terms, knowledge base)."""
    failures: list[str] = []
    sources: list[Any] = list(dealer_facts())
    checked = 0
    for i, turn, _ref in _pairs(outputs, reference_outputs):
        sources.append(turn.get("user", ""))
        sources.append(customer_numbers(turn.get("user", "")))
        for call in turn.get("tool_calls", []):
            sources.extend([call.get("args"), call.get("output")])
        reply = turn.get("reply", "")
        checked += 1
        invented = ungrounded_numbers(reply, sources)
        if invented:
            failures.append(f"turn {i + 1}: ungrounded {sorted(format(n, 'f') for n in invented)}")
    return _result("grounding", checked, failures)


def facts(outputs: dict[str, Any], reference_outputs: dict[str, Any]) -> dict[str, Any]:
    """Each reply holds the facts it must (models, exact payments) and none it must not."""
    failures: list[str] = []
    checked = 0
    for i, turn, ref in _pairs(outputs, reference_outputs):
        required, forbidden = ref.get("facts", []), ref.get("absent", [])
        if not required and not forbidden:
            continue
        checked += 1
        reply = fold(" ".join(turn.get("reply", "").split()))
        missing = [f for f in required if fold(f) not in reply]
        present = [f for f in forbidden if _says(reply, fold(f))]
        if missing or present:
            failures.append(
                f"turn {i + 1}: "
                + ", ".join([f"missing {m!r}" for m in missing] + [f"must not say {p!r}" for p in present])
            )
    return _result("facts", checked, failures)


def _says(reply: str, phrase: str) -> bool:
    """Whether the (folded) reply says `phrase` as words: "blue" is not in "Bluetooth", "red" not in "credit";
    "% off" is in "10% off"."""
    start = r"(?<!\w)" if phrase[:1].isalnum() else ""
    end = r"(?!\w)" if phrase[-1:].isalnum() else ""
    return re.search(start + re.escape(phrase) + end, reply) is not None


def knowledge(outputs: dict[str, Any], reference_outputs: dict[str, Any]) -> dict[str, Any]:
    """Questions about the dealer: the expected knowledge-base section was retrieved (top 3) and answered from."""
    failures: list[str] = []
    checked = 0
    for i, turn, ref in _pairs(outputs, reference_outputs):
        expected = ref.get("knowledge")
        if not expected:
            continue
        checked += 1
        retrieved = [
            passage.get("id")
            for call in turn.get("tool_calls", [])
            if call["name"] == "search_knowledge" and isinstance(call.get("output"), dict)
            for passage in call["output"].get("passages", [])[:3]
        ]
        if expected not in retrieved:
            failures.append(f"turn {i + 1}: section {expected!r} not retrieved (got {retrieved or 'nothing'})")
    return _result("knowledge", checked, failures)


def handoff(outputs: dict[str, Any], reference_outputs: dict[str, Any]) -> dict[str, Any]:
    """A person is asked for exactly on the turns that need one (never silencing a customer who did not)."""
    failures: list[str] = []
    checked = 0
    for i, turn, ref in _pairs(outputs, reference_outputs):
        checked += 1
        asked = any(c["name"] == "request_human" for c in turn.get("tool_calls", []))
        if ref.get("handoff") and not asked:
            failures.append(f"turn {i + 1}: no handoff")
        elif asked and not ref.get("handoff") and "request_human" not in ref.get("allow", []):
            failures.append(f"turn {i + 1}: unexpected handoff")
    return _result("handoff", checked, failures)


NAMED_CAR_ARGS = {"calculate_financing": "price", "schedule_visit": "stock_id"}
"""The argument that identifies the car a payment or a booking is for."""


def named_car(outputs: dict[str, Any], reference_outputs: dict[str, Any]) -> dict[str, Any]:
    """The car financed or booked is exactly the one the customer named (a wrong car is a wrong number)."""
    failures: list[str] = []
    checked = 0
    for i, turn, ref in _pairs(outputs, reference_outputs):
        for expected in ref.get("tools", []):
            key = NAMED_CAR_ARGS.get(expected["name"])
            if key is None or key not in expected.get("args", {}):
                continue
            checked += 1
            want = str(expected["args"][key])
            got = [
                str((c.get("args") or {}).get(key)) for c in turn.get("tool_calls", []) if c["name"] == expected["name"]
            ]
            if got and want not in got:
                failures.append(f"turn {i + 1}: {expected['name']} for {key}={got}, the customer named {key}={want}")
    return _result("named_car", checked, failures)


def _brief(calls: Iterable[dict[str, Any]]) -> str:
    parts = [
        f"{c['name']}({', '.join(f'{k}={v}' for k, v in (c.get('args') or {}).items() if k != 'text')})" for c in calls
    ]
    return "[" + ", ".join(parts) + "]" if parts else "no tools"


HARD_EVALUATORS: tuple[Evaluator, ...] = (
    tool_accuracy,
    guardrail,
    completion,
    grounding,
    facts,
    knowledge,
    handoff,
    named_car,
)
