"""Time per turn in offline mode (graph + tools + checkpoint, no LLM) with the SQLite and Redis checkpointers.

    python -m bench.turn_latency [--conversations 60]

Each conversation is the brief's scenario plus a few follow-ups; every turn is timed end to end (run_turn).
Redis is a real server with the JSON and Search modules, started for the run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from bench.stats import summary
from graph.builder import build_graph
from graph.checkpoint import open_checkpointer
from graph.resources import clear_caches, get_toolkit
from graph.settings import Settings
from graph.turn import run_turn

CONVERSATION = [
    "I need a car.",
    "Do you have any Chebys under 300k?",
    "How much is the monthly payment for the Onix over 4 years?",
    "y a 5 años con 30% de enganche?",
    "busco una camioneta de menos de 400 mil",
    "el segundo",
]


def measure(settings: Settings, conversations: int) -> list[float]:
    """Seconds per turn over `conversations` fresh threads (after a warm-up conversation)."""
    samples: list[float] = []
    with open_checkpointer(settings) as saver:
        graph = build_graph(saver)
        for text in CONVERSATION:  # warm-up: imports, caches, first SQL
            run_turn(graph, "warm-up", text)
        for i in range(conversations):
            for text in CONVERSATION:
                start = time.perf_counter()
                run_turn(graph, f"bench-{i}", text)
                samples.append(time.perf_counter() - start)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=60)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.support.redis_server import RedisServer

    with tempfile.TemporaryDirectory() as tmp:
        base = Settings(data_dir=Path(tmp), openai_api_key=None, redis_url=None, inventory_url=None)
        clear_caches()
        get_toolkit(base)
        sqlite = measure(base, args.conversations)
        print(f"turn, SQLite checkpointer : {summary(sqlite)}")
        with RedisServer() as redis:
            redis_settings = base.model_copy(update={"redis_url": redis.url})
            redis_samples = measure(redis_settings, args.conversations)
        print(f"turn, Redis checkpointer  : {summary(redis_samples)}")
    print(f"({len(CONVERSATION)} turns per conversation, offline mode, targets: p95 < 10 ms SQLite, < 15 ms Redis)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
