"""Eval cost: wall time of the golden dataset offline, and LLM calls/tokens per conversation with a model.

The model path runs the real ChatOpenAI client against the local OpenAI stub (tests/support/openai_stub.py):
understanding is answered with the rule parser's structured output and replies with a short text, so the call
and token counts reflect the agent's real prompts. Usage: `python -m bench.eval_cost [--limit N]`.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from typing import Any

from evals.dataset import load_dataset
from evals.evaluators import HARD_EVALUATORS
from evals.runner import run_suite
from graph.resources import clear_caches


def offline(limit: int | None) -> dict[str, Any]:
    """The hard gate on the dataset in offline mode."""
    for name in ("OPENAI_API_KEY", "LANGSMITH_TRACING", "LANGCHAIN_TRACING_V2"):
        os.environ.pop(name, None)
    clear_caches()
    conversations = load_dataset(limit=limit)
    started = time.perf_counter()
    suite = run_suite(conversations, list(HARD_EVALUATORS), progress=False)
    return {
        "conversations": len(conversations),
        "turns": suite.summary["turns"],
        "seconds": round(time.perf_counter() - started, 2),
        "pass_rate": suite.summary["pass_rate"],
    }


def with_model(limit: int | None) -> dict[str, Any]:
    """LLM calls and tokens per conversation through ChatOpenAI and the local stub."""
    from graph.understanding import understand_offline
    from tests.support.openai_stub import OpenAIStub, Structured, text_reply

    def responder(request: dict[str, Any]) -> Any:
        last_user = next((m.get("content") for m in reversed(request["messages"]) if m.get("role") == "user"), "")
        if request.get("tools") or request.get("response_format"):
            return Structured(understand_offline(str(last_user or "")).model_dump())
        return text_reply("¡Claro! Con gusto te ayudo con eso. ¿Algo más en lo que te pueda ayudar?")

    with OpenAIStub(responder=responder) as stub:
        os.environ.update(OPENAI_API_KEY="sk-bench", OPENAI_BASE_URL=stub.base_url, AGENT_MODEL="openai:gpt-4o-mini")
        clear_caches()
        try:
            conversations = load_dataset(limit=limit)
            started = time.perf_counter()
            suite = run_suite(conversations, list(HARD_EVALUATORS), progress=False)
            seconds = time.perf_counter() - started
        finally:
            for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AGENT_MODEL"):
                os.environ.pop(name, None)
            clear_caches()
    usage = suite.summary["usage"]
    n = len(conversations)
    turns = suite.summary["turns"]
    return {
        "conversations": n,
        "turns": turns,
        "seconds": round(seconds, 2),
        **usage,
        "llm_calls_per_conversation": round(usage["llm_calls"] / n, 2),
        "tokens_per_conversation": round(usage["total_tokens"] / n, 1),
        "llm_calls_per_turn": round(usage["llm_calls"] / turns, 2),
    }


def main() -> None:
    """Print both figures as JSON lines."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    print(json.dumps({"offline": offline(args.limit)}))
    print(json.dumps({"model_via_stub": with_model(args.limit)}))


if __name__ == "__main__":
    main()
