"""Self-tests for the test-support services: the Redis launcher and the OpenAI stub."""

from __future__ import annotations

import asyncio
import json
import operator
from collections.abc import Iterator
from typing import Annotated, Any, Literal, TypedDict

import openai
import pytest
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_core.runnables import RunnableConfig
from langchain_openai import ChatOpenAI
from pydantic import BaseModel

from tests.support.openai_stub import OpenAIStub, text_reply
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    """One Redis server with RedisJSON + RediSearch for this module."""
    with RedisServer() as server:
        yield server


@pytest.fixture
def stub() -> Iterator[OpenAIStub]:
    """A fresh OpenAI stub per test."""
    with OpenAIStub() as server:
        yield server


def make_llm(stub: OpenAIStub, **kwargs: Any) -> ChatOpenAI:
    """Build the real ChatOpenAI client pointed at the stub."""
    params: dict[str, Any] = {"model": "gpt-4o-mini", "api_key": "test", "max_retries": 0, "timeout": 5}
    return ChatOpenAI(base_url=stub.base_url, **(params | kwargs))


class Lead(BaseModel):
    """Structured output used by the tests."""

    name: str
    budget: int


# -- Redis ------------------------------------------------------------------------------------------
def test_redis_has_json_and_search_modules(redis_server: RedisServer) -> None:
    """The server answers and has ReJSON and search loaded."""
    client = redis_server.client()
    assert redis_server.url == f"redis://127.0.0.1:{redis_server.port}/0"
    assert client.ping()
    names = {
        m[b"name"].decode() if isinstance(m[b"name"], bytes) else m[b"name"]
        for m in client.execute_command("MODULE LIST")
    }
    assert {"ReJSON", "search"} <= names
    client.json().set("doc:1", "$", {"a": 1})
    assert client.json().get("doc:1") == {"a": 1}


def test_redis_saver_round_trip_with_ttl(redis_server: RedisServer) -> None:
    """RedisSaver keeps a thread's state across invocations and sets a TTL of about a day on its keys."""
    from langgraph.checkpoint.redis import RedisSaver
    from langgraph.graph import END, START, StateGraph

    class State(TypedDict):
        items: Annotated[list[str], operator.add]

    def node(state: State) -> dict[str, list[str]]:
        return {"items": ["seen"]}

    builder = StateGraph(State)
    builder.add_node("node", node)
    builder.add_edge(START, "node")
    builder.add_edge("node", END)
    ttl = {"default_ttl": 1440, "refresh_on_read": True}
    with RedisSaver.from_conn_string(redis_server.url, ttl=ttl) as saver:
        saver.setup()
        graph = builder.compile(checkpointer=saver)
        config: RunnableConfig = {"configurable": {"thread_id": "selfcheck-thread"}}
        graph.invoke(State(items=["a"]), config)
        result = graph.invoke(State(items=["b"]), config)
    assert result["items"] == ["a", "seen", "b", "seen"]
    client = redis_server.client()
    keys = [k for k in client.scan_iter(match="*selfcheck-thread*")]
    assert keys
    ttls = [client.ttl(k) for k in keys]
    assert all(86000 <= t <= 86400 for t in ttls), ttls


# -- OpenAI stub ------------------------------------------------------------------------------------
def test_text_reply_usage_and_recorded_request(stub: OpenAIStub) -> None:
    """A text reply comes back with usage metadata, and the stub records the messages sent."""
    stub.reply_text("Hola, ¿qué auto buscas?")
    response = make_llm(stub).invoke([SystemMessage("Eres un vendedor."), HumanMessage("hola")])
    assert response.content == "Hola, ¿qué auto buscas?"
    usage = response.usage_metadata
    assert usage is not None and usage["input_tokens"] > 0 and usage["output_tokens"] > 0
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    (request,) = stub.requests
    assert request["model"] == "gpt-4o-mini"
    assert request["messages"] == [
        {"role": "system", "content": "Eres un vendedor."},
        {"role": "user", "content": "hola"},
    ]


def test_structured_output_default_method_is_json_schema(stub: OpenAIStub) -> None:
    """with_structured_output's default sends response_format json_schema; reply_structured answers it."""
    stub.reply_structured({"name": "Ana", "budget": 250000})
    assert make_llm(stub).with_structured_output(Lead).invoke("lead?") == Lead(name="Ana", budget=250000)
    assert stub.requests[-1]["response_format"]["type"] == "json_schema"


def test_structured_output_function_calling(stub: OpenAIStub) -> None:
    """With method=function_calling, both reply_structured and reply_tool_call work."""
    structured = make_llm(stub).with_structured_output(Lead, method="function_calling")
    stub.reply_structured({"name": "Ana", "budget": 1})
    stub.reply_tool_call("Lead", {"name": "Luis", "budget": 2})
    assert structured.invoke("a") == Lead(name="Ana", budget=1)
    assert structured.invoke("b") == Lead(name="Luis", budget=2)
    assert stub.requests[-1]["tool_choice"]["function"]["name"] == "Lead"


def test_tool_call_with_bind_tools(stub: OpenAIStub) -> None:
    """A scripted tool call reaches AIMessage.tool_calls with parsed args."""
    stub.reply_tool_call("search_cars", {"make": "Mazda"})
    params = {"type": "object", "properties": {"make": {"type": "string"}}}
    tool = {"type": "function", "function": {"name": "search_cars", "parameters": params}}
    llm = make_llm(stub).bind_tools([tool])
    message = llm.invoke("busco mazda")
    assert [(c["name"], c["args"]) for c in message.tool_calls] == [("search_cars", {"make": "Mazda"})]


def test_streaming_with_usage(stub: OpenAIStub) -> None:
    """Streaming returns SSE chunks that add up to the text, with usage when stream_usage is on."""
    stub.reply_text("streamed answer")
    chunks = list(make_llm(stub, stream_usage=True).stream("x"))
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    assert total.content == "streamed answer"
    assert total.usage_metadata is not None and total.usage_metadata["output_tokens"] > 0


def test_async_client(stub: OpenAIStub) -> None:
    """The async client path works too."""
    stub.reply_text("async ok")
    assert asyncio.run(make_llm(stub).ainvoke("x")).content == "async ok"


def test_http_500_raises_internal_server_error(stub: OpenAIStub) -> None:
    """A scripted 500 surfaces as openai.InternalServerError with max_retries=0."""
    stub.reply_error(500)
    with pytest.raises(openai.InternalServerError):
        make_llm(stub).invoke("x")
    assert len(stub.requests) == 1


def test_http_429_raises_rate_limit_error(stub: OpenAIStub) -> None:
    """A scripted 429 surfaces as openai.RateLimitError, carrying the scripted body."""
    stub.reply_error(429, {"error": {"message": "slow down", "type": "rate_limit_exceeded"}})
    with pytest.raises(openai.RateLimitError, match="slow down"):
        make_llm(stub).invoke("x")


def test_delay_beyond_timeout_raises_timeout(stub: OpenAIStub) -> None:
    """A delay longer than the client timeout raises a timeout error and does not consume later replies."""
    stub.reply_delay(3, then=stub.reply_text("too late"))
    stub.reply_text("next")
    with pytest.raises(openai.APITimeoutError):
        make_llm(stub, timeout=0.5).invoke("x")
    assert make_llm(stub).invoke("y").content == "next"


def test_garbage_body_raises(stub: OpenAIStub) -> None:
    """A 200 with a non-JSON body makes the client raise."""
    stub.reply_garbage()
    with pytest.raises((json.JSONDecodeError, openai.APIError)):
        make_llm(stub).invoke("x")


def test_empty_queue_is_a_clear_500(stub: OpenAIStub) -> None:
    """Without a scripted response the stub answers 500 'no scripted response'."""
    with pytest.raises(openai.InternalServerError, match="openai stub: no scripted response"):
        make_llm(stub).invoke("x")


def test_responder_and_fallback() -> None:
    """The queue wins, then the responder, then the fallback."""

    def responder(request: dict[str, Any]) -> str | None:
        text = request["messages"][-1]["content"]
        return f"echo: {text}" if text.startswith("echo") else None

    with OpenAIStub(responder=responder, fallback=text_reply("fallback")) as stub:
        llm = make_llm(stub)
        stub.reply_text("queued")
        assert llm.invoke("echo 1").content == "queued"
        assert llm.invoke("echo 2").content == "echo: echo 2"
        assert llm.invoke("other").content == "fallback"
        assert stub.pending() == 0 and len(stub.requests) == 3


class Visit(BaseModel):
    """A nested structured output with an enum, an optional field and a list."""

    action: Literal["reschedule", "cancel", "status"]
    lead: Lead | None = None
    tags: list[str] = []


@pytest.mark.parametrize("method", ["json_schema", "function_calling"])
def test_checked_structured_output_must_fit_the_requested_schema(method: str) -> None:
    """With check_schema, a key the schema lacks or a value outside it is a loud 500 and a listed mistake."""
    with OpenAIStub(check_schema=True) as stub:
        structured = make_llm(stub).with_structured_output(Visit, method=method)  # type: ignore[arg-type]
        stub.reply_structured({"action": "cancel", "lead": {"name": "Ana", "budget": 1}, "tags": ["a"]})
        assert structured.invoke("x") == Visit(action="cancel", lead=Lead(name="Ana", budget=1), tags=["a"])
        stub.reply_structured({"action": "status"})  # keys left out take their defaults
        assert structured.invoke("x") == Visit(action="status")
        wrongs = [
            {"action": "move"},
            {"action": "cancel", "when": "friday"},
            {"action": "cancel", "lead": {"name": "Ana", "budget": "mucho"}},
            {"action": "cancel", "tags": [1]},
        ]
        for wrong in wrongs:
            stub.reply_structured(wrong)
            with pytest.raises(openai.InternalServerError, match="does not fit the schema"):
                structured.invoke("x")
        assert [m.split(":")[0] for m in stub.mistakes] == ["$.action", "$.when", "$.lead.budget", "$.tags[0]"]


def test_unchecked_structured_output_is_sent_as_scripted(stub: OpenAIStub) -> None:
    """Without check_schema (the default) extra keys reach the client, which ignores them."""
    stub.reply_structured({"action": "cancel", "when": "friday"})
    assert make_llm(stub).with_structured_output(Visit).invoke("x") == Visit(action="cancel")
    assert stub.mistakes == []
