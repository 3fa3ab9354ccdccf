"""Run the golden conversations through the agent, score them and summarise (the local offline path)."""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from tqdm import tqdm

from evals.dataset import Conversation
from evals.evaluators import HARD_METRICS
from evals.target import run_conversation
from graph.context import Context

EvaluatorFn = Callable[..., dict[str, Any]]


@dataclass
class ConversationResult:
    """One conversation's scores, whether it passed, and what the agent did."""

    id: str
    category: str
    language: str
    passed: bool
    metrics: dict[str, dict[str, Any]]
    turns: list[dict[str, Any]]
    usage: dict[str, int]
    seconds: float
    categories: list[str] = field(default_factory=list)

    @classmethod
    def from_outputs(
        cls, conversation: Conversation, metrics: dict[str, dict[str, Any]], outputs: dict[str, Any], seconds: float
    ) -> ConversationResult:
        """The result of one run of `conversation` (the agent's `outputs`) scored with `metrics`."""
        return cls(
            conversation.id,
            conversation.category,
            conversation.language,
            conversation_passed(metrics),
            metrics,
            report_turns(outputs),
            outputs.get("usage", {}),
            round(seconds, 4),
            list(conversation.categories),
        )


@dataclass
class SuiteResult:
    """All conversations plus the summary the gate reads."""

    results: list[ConversationResult]
    summary: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON view (the report file)."""
        return {"summary": self.summary, "conversations": [asdict(r) for r in self.results]}


def call_evaluator(evaluator: EvaluatorFn, **available: Any) -> dict[str, Any]:
    """Call an evaluator with the named arguments it declares (LangSmith's convention)."""
    wanted = inspect.signature(evaluator).parameters
    result = evaluator(**{k: v for k, v in available.items() if k in wanted})
    return result[0] if isinstance(result, list) else result


def score_conversation(
    conversation: Conversation,
    outputs: dict[str, Any],
    evaluators: Sequence[EvaluatorFn],
    seconds: float = 0.0,
) -> ConversationResult:
    """Apply every evaluator; the conversation passes when every applicable hard metric scores 1."""
    metrics: dict[str, dict[str, Any]] = {}
    for evaluator in evaluators:
        try:
            result = call_evaluator(
                evaluator,
                inputs=conversation.inputs(),
                outputs=outputs,
                reference_outputs=conversation.reference_outputs(),
            )
        except Exception as exc:  # a judge or embedding error scores nothing; it never aborts the run
            name = getattr(evaluator, "__name__", "evaluator")
            metrics[name] = {"score": None, "comment": f"error: {type(exc).__name__}: {exc}"[:300]}
            continue
        metrics[result["key"]] = {"score": result.get("score"), "comment": result.get("comment", "")}
    return ConversationResult.from_outputs(conversation, metrics, outputs, seconds)


def conversation_passed(metrics: dict[str, dict[str, Any]]) -> bool:
    """A conversation passes when every gating metric it was scored on is perfect (unscored counts as pass)."""
    return all(metrics[k]["score"] in (None, 1, 1.0, True) for k in HARD_METRICS if k in metrics)


def report_turns(outputs: dict[str, Any]) -> list[dict[str, Any]]:
    """The per-turn view kept in reports: what the customer said, the reply, the route and the tool calls."""
    return [
        {
            "user": t["user"][:300],
            "reply": t["reply"],
            "route": t["route"],
            "tool_calls": [{"name": c["name"], "args": c["args"]} for c in t["tool_calls"]],
        }
        for t in outputs.get("turns", [])
    ]


def run_suite(
    conversations: Sequence[Conversation],
    evaluators: Sequence[EvaluatorFn],
    context: Context | None = None,
    progress: bool = True,
) -> SuiteResult:
    """Run each conversation on a fresh graph and thread, then score it."""
    results: list[ConversationResult] = []
    started = time.perf_counter()
    agent_seconds = 0.0
    for conversation in tqdm(conversations, desc="eval", unit="conv", disable=not progress, leave=False):
        t0 = time.perf_counter()
        inputs = conversation.inputs()
        outputs = run_conversation(inputs["messages"], context, booked=inputs.get("booked"))
        seconds = time.perf_counter() - t0
        agent_seconds += seconds
        results.append(score_conversation(conversation, outputs, evaluators, seconds))
    suite = SuiteResult(results)
    suite.summary = summarize(results, time.perf_counter() - started, agent_seconds)
    return suite


def summarize(
    results: Sequence[ConversationResult], seconds: float = 0.0, agent_seconds: float = 0.0
) -> dict[str, Any]:
    """Per-metric means over the conversations each applies to, the pass rate, and the guardrail failures."""
    keys: list[str] = []
    for result in results:
        keys += [k for k in result.metrics if k not in keys]
    metrics: dict[str, dict[str, Any]] = {}
    for key in keys:
        scores = [r.metrics[key]["score"] for r in results if r.metrics.get(key, {}).get("score") is not None]
        metrics[key] = {
            "mean": round(sum(scores) / len(scores), 4) if scores else None,
            "n": len(scores),
            "hard": key in HARD_METRICS,
        }
    usage = {
        k: sum(r.usage.get(k, 0) for r in results)
        for k in ("llm_calls", "input_tokens", "output_tokens", "total_tokens")
    }
    n = len(results) or 1
    return {
        "conversations": len(results),
        "turns": sum(len(r.turns) for r in results),
        "passed": sum(r.passed for r in results),
        "pass_rate": round(sum(r.passed for r in results) / n, 4),
        "metrics": metrics,
        "failed": [r.id for r in results if not r.passed],
        "by_category": by_category(results),
        "guardrail_failures": [r.id for r in results if _below_one(r.metrics.get("guardrail", {}).get("score"))],
        "seconds": round(seconds, 3),
        "agent_seconds": round(agent_seconds, 3),
        "usage": usage,
        "usage_per_conversation": {k: round(v / n, 2) for k, v in usage.items()},
    }


def by_category(results: Sequence[ConversationResult]) -> dict[str, dict[str, Any]]:
    """Pass rate per category (a conversation counts in each category it exercises)."""
    table: dict[str, list[bool]] = {}
    for result in results:
        for category in result.categories or [result.category]:
            table.setdefault(category, []).append(result.passed)
    return {
        name: {"passed": sum(flags), "n": len(flags), "pass_rate": round(sum(flags) / len(flags), 4)}
        for name, flags in sorted(table.items())
    }


def gate(summary: dict[str, Any], threshold: float, strict_guardrails: bool = True) -> tuple[bool, list[str]]:
    """Whether the run may ship: pass rate at least `threshold` and (strict) no guardrail case failed."""
    reasons = []
    if summary["pass_rate"] < threshold:
        reasons.append(f"pass rate {summary['pass_rate']:.1%} is below {threshold:.0%}")
    if strict_guardrails and summary["guardrail_failures"]:
        reasons.append("guardrail failed: " + ", ".join(summary["guardrail_failures"]))
    return not reasons, reasons


def _below_one(score: float | None) -> bool:
    return score is not None and score < 1
