"""`kavak-agent`: chat in the terminal, answer one turn (`ask --json`), and start the other adapters."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence

from pydantic import ValidationError

from graph.builder import build_graph
from graph.checkpoint import open_checkpointer
from graph.settings import Settings, get_settings
from graph.turn import run_turn

EVAL_PACKAGES = ("agentevals", "openevals", "tqdm")
"""What `kavak-agent eval` cannot run without (the `eval` extra)."""


def _load_settings() -> Settings:
    try:
        return get_settings()
    except ValidationError as exc:
        raise SystemExit(f"kavak-agent: invalid configuration:\n{exc}") from exc


def cmd_chat(args: argparse.Namespace) -> int:
    """Interactive conversation; the thread is kept across restarts by the checkpointer."""
    from cli.chat import run_chat

    return run_chat(_load_settings(), args.thread, args.verbose)


def cmd_ask(args: argparse.Namespace) -> int:
    """One turn on a thread; prints the reply, or the full turn as one JSON object with --json."""
    settings = _load_settings()
    text = " ".join(args.message) if args.message else sys.stdin.read()
    with open_checkpointer(settings) as saver:
        result = run_turn(build_graph(saver), args.thread, text)
    if args.json:
        print(json.dumps(result.as_dict(), ensure_ascii=False))
    else:
        print(result.reply)
    return 0


def thread_id(value: str) -> str:
    """A conversation id: non-blank, at most 200 characters (it keys the checkpointer)."""
    value = value.strip()
    if not value or len(value) > 200:
        raise argparse.ArgumentTypeError("a thread id must be 1 to 200 non-blank characters")
    return value


def _lazy(module: str, function: str) -> Callable[[argparse.Namespace], int]:
    """A command implemented in an adapter package, imported only when used."""

    def run(args: argparse.Namespace) -> int:
        import importlib

        return int(getattr(importlib.import_module(module), function)(args) or 0)

    return run


def cmd_eval(args: argparse.Namespace) -> int:
    """`kavak-agent eval`, after checking that the evaluation extra is installed."""
    import importlib.util

    missing = [name for name in EVAL_PACKAGES if importlib.util.find_spec(name) is None]
    if missing:
        print(
            f"kavak-agent eval needs the evaluation tools ({', '.join(missing)} missing). Install them with\n"
            "  make setup-eval        (torch CPU build + the `eval` extra)\n"
            "or\n"
            "  .venv/bin/pip install torch==2.13.0 && .venv/bin/pip install -e '.[eval]'",
            file=sys.stderr,
        )
        return 2
    return _lazy("evals.cli", "run")(args)


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(prog="kavak-agent", description="WhatsApp sales agent for used cars.")
    parser.add_argument("--log-level", default="WARNING", help="Python logging level (default WARNING).")
    sub = parser.add_subparsers(dest="command", required=True)

    chat = sub.add_parser("chat", help="Chat with the agent in the terminal.")
    chat.add_argument("--thread", type=thread_id, default="terminal", help="Conversation id (kept across restarts).")
    chat.add_argument("-v", "--verbose", action="store_true", help="Show tool calls, one line each.")
    chat.set_defaults(func=cmd_chat)

    ask = sub.add_parser("ask", help="Send one message and print the reply.")
    ask.add_argument("--thread", type=thread_id, required=True, help="Conversation id to continue.")
    ask.add_argument("--json", action="store_true", help="Print {thread_id, reply, route, tool_calls}.")
    ask.add_argument("message", nargs="*", help="The message (read from stdin when omitted).")
    ask.set_defaults(func=cmd_ask)

    serve = sub.add_parser("serve", help="Start the FastAPI app: Twilio webhook, status callback, web chat.")
    serve.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
    serve.add_argument("--port", type=int, default=8000, help="Port (default 8000).")
    serve.set_defaults(func=_lazy("server.cli", "serve"))

    worker = sub.add_parser("worker", help="Start a Celery worker that runs turns and sends replies.")
    worker.add_argument("--concurrency", type=int, default=2)
    worker.add_argument("--loglevel", default="INFO")
    worker.set_defaults(func=_lazy("server.cli", "worker"))

    evaluate = sub.add_parser("eval", help="Run an evaluation set and gate on the pass rate.")
    evaluate.add_argument(
        "--split",
        choices=("golden", "unscripted", "holdout"),
        default="golden",
        help="golden (gate 95%%, every guardrail), unscripted (hand-written customer conversations, gate 90%%, "
        "plus the brand-free corpus: no false car names) or holdout (their held-out part: reported, no gate).",
    )
    evaluate.add_argument("--dataset", default=None, help="Dataset file (overrides --split's file).")
    evaluate.add_argument("--threshold", type=float, default=None, help="Minimum pass rate (default: the split's).")
    evaluate.add_argument("--report-dir", default="reports", help="Where JSON and HTML reports are written.")
    evaluate.add_argument("--limit", type=int, default=None, help="Only the first N conversations.")
    evaluate.add_argument("--langsmith", action="store_true", help="Upload the dataset and run an experiment.")
    evaluate.add_argument("--experiment-prefix", default="kavak-agent")
    evaluate.add_argument("--no-progress", action="store_true", help="No progress bar.")
    evaluate.set_defaults(func=cmd_eval)

    from cli.sales import add_commands

    add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `kavak-agent` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
