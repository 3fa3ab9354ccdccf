"""A local OpenAI-compatible Chat Completions server for tests, scripted response by response.

Point the real client at it: ``ChatOpenAI(base_url=stub.base_url, api_key="test", model="gpt-4o-mini")``.
Any POST path ending in ``/chat/completions`` is served, so ``stub.root_url + "/v1"`` works as well.

Each request is answered by, in order: the next queued response, the ``responder`` callable (if it returns
something), the ``fallback`` response, or else HTTP 500 "openai stub: no scripted response".

With ``check_schema=True`` a scripted structured output must fit the schema the request sent (no key the schema
lacks, enum values and types right), as a real model's strict structured output would; one that does not is
answered with HTTP 500 and listed in ``mistakes``, so a test cannot pass on a slot the client silently dropped.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from tests.support.schema_fit import misfits, schema_of

JSON = dict[str, Any]


@dataclass(frozen=True, eq=False)
class Message:
    """An assistant message: text ``content`` and/or ``tool_calls`` (OpenAI wire format)."""

    content: str | None = None
    tool_calls: list[JSON] = field(default_factory=list)
    finish_reason: str | None = None


@dataclass(frozen=True, eq=False)
class Structured:
    """Structured output: JSON content for ``response_format``, else a call to the single requested tool."""

    obj: JSON


@dataclass(frozen=True, eq=False)
class HttpError:
    """An HTTP error status with an OpenAI-style error body."""

    status: int
    body: JSON | None = None


@dataclass(frozen=True, eq=False)
class Garbage:
    """A 200 response whose body is not a valid completion."""

    body: bytes = b"this is not json {"


@dataclass(frozen=True, eq=False)
class Delay:
    """Sleep ``seconds`` before answering with ``then``."""

    seconds: float
    then: Scripted


Scripted = Message | Structured | HttpError | Garbage | Delay
Responder = Callable[[JSON], Scripted | str | None]


def text_reply(text: str) -> Message:
    """Build (without queueing) an assistant text message."""
    return Message(content=text)


def tool_call_reply(name: str, args: JSON, call_id: str | None = None) -> Message:
    """Build (without queueing) an assistant message with one tool call."""
    call = {
        "id": call_id or f"call_{uuid.uuid4().hex[:24]}",
        "type": "function",
        "function": {"name": name, "arguments": json.dumps(args)},
    }
    return Message(content=None, tool_calls=[call], finish_reason="tool_calls")


def error_reply(status: int, body: JSON | None = None) -> HttpError:
    """Build (without queueing) an HTTP error response."""
    return HttpError(status, body)


def _error_body(status: int, message: str) -> JSON:
    """Return an OpenAI-style error JSON."""
    kinds = {
        400: "invalid_request_error",
        401: "authentication_error",
        404: "not_found_error",
        429: "rate_limit_exceeded",
    }
    return {"error": {"message": message, "type": kinds.get(status, "server_error"), "param": None, "code": None}}


def _count_tokens(value: Any) -> int:
    """Roughly count tokens (about 4 characters each) in any JSON-like value."""
    if value is None:
        return 0
    text = value if isinstance(value, str) else json.dumps(value)
    return max(1, (len(text) + 3) // 4) if text else 0


def _prompt_tokens(request: JSON) -> int:
    """Roughly count the prompt tokens of a request (messages plus tool schemas)."""
    messages = request.get("messages") or []
    return sum(4 + _count_tokens(m.get("content")) + _count_tokens(m.get("tool_calls")) for m in messages) + (
        _count_tokens(request.get("tools")) if request.get("tools") else 0
    )


def _requested_tool(request: JSON) -> str | None:
    """Return the function name that a request forces or offers alone, if any."""
    choice = request.get("tool_choice")
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name")
        if name:
            return str(name)
    tools = request.get("tools") or []
    if len(tools) == 1:
        return str(tools[0]["function"]["name"])
    return None


def resolve_structured(request: JSON, obj: JSON) -> Message:
    """Turn structured output into the message form that the request asked for."""
    fmt = request.get("response_format") or {}
    if fmt.get("type") in ("json_schema", "json_object"):
        return Message(content=json.dumps(obj))
    if request.get("tools"):
        name = _requested_tool(request)
        if name is None:
            names = [t.get("function", {}).get("name") for t in request["tools"]]
            raise ValueError(f"openai stub: reply_structured cannot pick a tool among {names}")
        return tool_call_reply(name, obj)
    return Message(content=json.dumps(obj))


class OpenAIStub:
    """Threaded local HTTP server speaking the Chat Completions API, with scripted answers."""

    def __init__(
        self, responder: Responder | None = None, fallback: Scripted | str | None = None, check_schema: bool = False
    ) -> None:
        """Create the stub; it listens once started (``with OpenAIStub() as stub`` or ``start()``)."""
        self.responder = responder
        self.fallback = fallback
        self.check_schema = check_schema
        self.requests: list[JSON] = []
        self.mistakes: list[str] = []
        """Scripted structured outputs that did not fit the request's schema (with ``check_schema``)."""
        self._queue: deque[Scripted] = deque()
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        """TCP port the server listens on."""
        if self._server is None:
            raise RuntimeError("openai stub is not started")
        return int(self._server.server_address[1])

    @property
    def root_url(self) -> str:
        """Server root, e.g. ``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """OpenAI base URL to pass to clients, e.g. ``http://127.0.0.1:PORT/v1``."""
        return f"{self.root_url}/v1"

    def start(self) -> OpenAIStub:
        """Bind a free loopback port and serve in a daemon thread."""
        if self._server is None:
            self._closing.clear()
            server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
            server.daemon_threads = True
            server.block_on_close = False  # do not wait for delayed answers on close
            self._server = server
            self._thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="openai-stub", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._closing.set()
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> OpenAIStub:
        """Start the server."""
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Stop the server."""
        self.stop()

    # -- scripting -------------------------------------------------------------------------------------
    def enqueue(self, response: Scripted) -> Scripted:
        """Queue a scripted response and return it."""
        with self._lock:
            self._queue.append(response)
        return response

    def reply_text(self, text: str) -> Message:
        """Queue an assistant text message."""
        return self._add(text_reply(text))

    def reply_tool_call(self, name: str, args: JSON, call_id: str | None = None) -> Message:
        """Queue an assistant message with one tool call (finish_reason ``tool_calls``)."""
        return self._add(tool_call_reply(name, args, call_id))

    def reply_structured(self, obj: JSON) -> Structured:
        """Queue structured output shaped after the request (json_schema content or forced tool call)."""
        return self._add(Structured(obj))

    def reply_error(self, status: int, body: JSON | None = None) -> HttpError:
        """Queue an HTTP error with an OpenAI-style body (default body if ``None``)."""
        return self._add(HttpError(status, body))

    def reply_garbage(self, body: bytes | str = Garbage.body) -> Garbage:
        """Queue a 200 response whose body is not a valid completion."""
        return self._add(Garbage(body.encode() if isinstance(body, str) else body))

    def reply_delay(self, seconds: float, then: Scripted | None = None) -> Delay:
        """Queue ``then`` (default: text "ok") answered after ``seconds``; ``then`` is unqueued if queued."""
        then = then if then is not None else text_reply("ok")
        with self._lock:
            for i, item in enumerate(self._queue):
                if item is then:
                    del self._queue[i]
                    break
            delay = Delay(seconds, then)
            self._queue.append(delay)
        return delay

    def pending(self) -> int:
        """Number of queued responses not yet consumed."""
        with self._lock:
            return len(self._queue)

    def reset(self) -> None:
        """Drop queued responses and recorded requests."""
        with self._lock:
            self._queue.clear()
            self.requests.clear()

    def _add(self, response: Any) -> Any:
        """Queue ``response`` and return it unchanged (keeps the concrete type)."""
        self.enqueue(response)
        return response

    def _next(self, request: JSON) -> Scripted | None:
        """Pick the response for ``request``: queue, then responder, then fallback."""
        with self._lock:
            self.requests.append(request)
            if self._queue:
                return self._queue.popleft()
        chosen: Scripted | str | None = self.responder(request) if self.responder else None
        if chosen is None:
            chosen = self.fallback
        return text_reply(chosen) if isinstance(chosen, str) else chosen


# -- HTTP side ---------------------------------------------------------------------------------------------
def _completion(request: JSON, message: Message, completion_id: str) -> JSON:
    """Build a ``chat.completion`` body for ``message``."""
    wire: JSON = {"role": "assistant", "content": message.content, "refusal": None}
    if message.tool_calls:
        wire["tool_calls"] = message.tool_calls
    prompt = _prompt_tokens(request)
    completion = _count_tokens(message.content) + _count_tokens(message.tool_calls or None)
    finish = message.finish_reason or ("tool_calls" if message.tool_calls else "stop")
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.get("model") or "gpt-stub",
        "system_fingerprint": "fp_stub",
        "choices": [{"index": 0, "message": wire, "logprobs": None, "finish_reason": finish}],
        "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
    }


def _stream_chunks(request: JSON, body: JSON) -> Iterator[JSON]:
    """Split a completion body into ``chat.completion.chunk`` events (plus a usage chunk if asked)."""
    base = {k: body[k] for k in ("id", "created", "model", "system_fingerprint")} | {"object": "chat.completion.chunk"}
    choice = body["choices"][0]
    message = choice["message"]

    def event(delta: JSON, finish_reason: str | None = None) -> JSON:
        return base | {"choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]}

    yield event({"role": "assistant", "content": ""})
    if message.get("content"):
        yield event({"content": message["content"]})
    for i, call in enumerate(message.get("tool_calls") or []):
        yield event({"tool_calls": [{"index": i, "id": call["id"], "type": "function", "function": call["function"]}]})
    yield event({}, choice["finish_reason"])
    if (request.get("stream_options") or {}).get("include_usage"):
        yield base | {"choices": [], "usage": body["usage"]}


def _make_handler(stub: OpenAIStub) -> type[BaseHTTPRequestHandler]:
    """Build the request handler class bound to ``stub``."""

    class Handler(BaseHTTPRequestHandler):
        """Serves POST */chat/completions; everything else is 404."""

        def log_message(self, format: str, *args: Any) -> None:
            """Keep test output quiet."""

        def do_GET(self) -> None:
            """Answer 404 for any GET."""
            self._send_json(404, _error_body(404, f"openai stub: no route GET {self.path}"))

        def do_POST(self) -> None:
            """Answer a chat completion request."""
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if not self.path.split("?")[0].rstrip("/").endswith("/chat/completions"):
                self._send_json(404, _error_body(404, f"openai stub: no route POST {self.path}"))
                return
            try:
                request = json.loads(raw or b"{}")
            except json.JSONDecodeError:
                self._send_json(400, _error_body(400, "openai stub: request body is not JSON"))
                return
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up
                self._answer(request, stub._next(request))

        def _answer(self, request: JSON, response: Scripted | None) -> None:
            """Write ``response`` for ``request``."""
            while isinstance(response, Delay):
                if stub._closing.wait(response.seconds):
                    return
                response = response.then
            if response is None:
                self._send_json(500, _error_body(500, "openai stub: no scripted response"))
            elif isinstance(response, HttpError):
                body = response.body or _error_body(response.status, f"openai stub: HTTP {response.status}")
                self._send_json(response.status, body)
            elif isinstance(response, Garbage):
                self._send_bytes(200, response.body, "application/json")
            else:
                try:
                    message = (
                        resolve_structured(request, response.obj) if isinstance(response, Structured) else response
                    )
                except ValueError as exc:
                    self._send_json(500, _error_body(500, str(exc)))
                    return
                schema = schema_of(request) if stub.check_schema and isinstance(response, Structured) else None
                problems = misfits(schema, response.obj) if schema and isinstance(response, Structured) else []
                if problems:
                    stub.mistakes += problems
                    self._send_json(500, _error_body(500, f"openai stub: output does not fit the schema: {problems}"))
                    return
                body = _completion(request, message, f"chatcmpl-{uuid.uuid4().hex[:24]}")
                if request.get("stream"):
                    events = [f"data: {json.dumps(c)}\n\n".encode() for c in _stream_chunks(request, body)]
                    self._send_bytes(200, b"".join(events) + b"data: [DONE]\n\n", "text/event-stream")
                else:
                    self._send_json(200, body)

        def _send_json(self, status: int, body: JSON) -> None:
            """Send a JSON body."""
            self._send_bytes(status, json.dumps(body).encode(), "application/json")

        def _send_bytes(self, status: int, data: bytes, content_type: str) -> None:
            """Send raw bytes with a status and content type."""
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-request-id", f"req_{uuid.uuid4().hex[:16]}")
            self.end_headers()
            self.wfile.write(data)

    return Handler
