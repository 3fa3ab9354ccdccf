"""The eval target: per-turn outputs offline; model calls and tokens counted via the real OpenAI client."""

from __future__ import annotations

from typing import Any

import pytest

from evals.target import run_conversation
from graph.resources import clear_caches, get_toolkit
from graph.understanding import understand_offline
from tests.support.openai_stub import OpenAIStub, Structured, text_reply


def test_offline_conversation_has_turns_messages_and_no_model_usage() -> None:
    out = run_conversation(["I need a car.", "Do you have any Chebys under 300k?"])
    first, second = out["turns"]
    assert first["tool_calls"] == [] and first["messages"][0] == {"role": "user", "content": "I need a car."}
    assert [c["name"] for c in second["tool_calls"]][:2] == ["normalize_brand", "search_inventory"]
    assert any(m.get("tool_calls") for m in second["messages"]) and second["messages"][-1]["role"] == "assistant"
    assert out["usage"] == {"llm_calls": 0, "input_tokens": 0, "output_tokens": 0, "total_tokens": 0}


def test_model_calls_and_tokens_are_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    def responder(request: dict[str, Any]) -> Any:
        user = next(m["content"] for m in reversed(request["messages"]) if m.get("role") == "user")
        if request.get("tools") or request.get("response_format"):
            return Structured(understand_offline(str(user), get_toolkit().catalog).model_dump())
        return text_reply("Claro, aquí tienes opciones. ¿Te calculo la mensualidad?")

    with OpenAIStub(responder=responder) as stub:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        monkeypatch.setenv("OPENAI_BASE_URL", stub.base_url)
        clear_caches()
        out = run_conversation(["Chebys de menos de 300 mil", "gracias"])
    usage = out["usage"]
    assert usage["llm_calls"] == 4  # understanding + reply, per turn
    assert usage["input_tokens"] > 0 and usage["output_tokens"] > 0
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    assert out["turns"][0]["tool_calls"][1]["args"]["max_price"] == 300000
