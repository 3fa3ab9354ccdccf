"""LLM-as-judge evaluators (openevals): correctness against the reference answers, and sales tone."""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel
from openevals.llm import create_llm_as_judge
from openevals.prompts import CORRECTNESS_PROMPT

TONE_PROMPT = """You are reviewing WhatsApp replies of a used-car sales advisor in Mexico.
<conversation>
{inputs}
</conversation>
<replies>
{outputs}
</replies>
Score true when every reply is polite, concise, written in the customer's language (Spanish or English),
answers what was asked, never pressures or invents offers, and ends with at most one clear question.
Explain your reasoning, then give the score."""


def transcript(outputs: dict[str, Any]) -> str:
    """The conversation as numbered customer/agent lines."""
    lines = []
    for i, turn in enumerate(outputs.get("turns", []), start=1):
        lines += [f"{i}. customer: {turn.get('user', '')}", f"{i}. agent: {turn.get('reply', '')}"]
    return "\n".join(lines)


def make_judge_evaluators(model: BaseChatModel) -> list[Any]:
    """Correctness and tone evaluators scored by `model` (any chat model supporting structured output)."""
    correctness = create_llm_as_judge(prompt=CORRECTNESS_PROMPT, judge=model, feedback_key="judge_correctness")
    tone = create_llm_as_judge(prompt=TONE_PROMPT, judge=model, feedback_key="judge_tone")

    def judge_correctness(
        inputs: dict[str, Any], outputs: dict[str, Any], reference_outputs: dict[str, Any]
    ) -> dict[str, Any]:
        references = "\n".join(
            f"{i}. agent: {t['reference']}" for i, t in enumerate(reference_outputs.get("turns", []), start=1)
        )
        result = correctness(
            inputs="\n".join(inputs.get("messages", [])),
            outputs=transcript(outputs),
            reference_outputs=references,
        )
        return _plain(result)

    def judge_tone(inputs: dict[str, Any], outputs: dict[str, Any]) -> dict[str, Any]:
        return _plain(tone(inputs="\n".join(inputs.get("messages", [])), outputs=transcript(outputs)))

    return [judge_correctness, judge_tone]


def _plain(result: Any) -> dict[str, Any]:
    result = result[0] if isinstance(result, list) else result
    score = result.get("score")
    return {
        "key": result["key"],
        "score": float(score) if isinstance(score, bool | int | float) else None,
        "comment": result.get("comment") or "",
    }
