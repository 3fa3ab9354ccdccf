"""Turns per second end to end, Redis mode: signed webhook → Redis → Celery → graph → reply at the Twilio stand-in.

    python -m bench.throughput [--messages 600] [--workers 1 2]

Offline mode, BURST_DEBOUNCE_MS=0, Redis with AOF. For each count, `--workers N` starts N `kavak-agent worker
--concurrency 1` processes (one turn at a time each), sends the messages from distinct customers as fast as the
webhook takes them, and times until the last reply reaches the stand-in. Prints turns/s and the resident
memory of `serve`, of each worker's main process and of its pool process after the run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def children(pid: int) -> list[int]:
    """Direct child processes (Linux /proc)."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def run(workers: int, messages: int) -> str:
    from tests.support.deployment import Deployment, flood, rss_mb
    from tests.support.redis_server import RedisServer
    from tests.support.twilio_stub import TwilioStub

    with RedisServer(appendonly=True) as server, TwilioStub() as twilio, tempfile.TemporaryDirectory() as tmp:
        deploy = Deployment(Path(tmp), twilio, server.url, BURST_DEBOUNCE_MS="0")
        app = deploy.start_app(log_level="WARNING")
        procs = [deploy.start_worker(f"worker-{n}", concurrency=1, log_level="WARNING") for n in range(workers)]
        try:
            deploy.wait_ready(workers=True)
            flood(deploy, 20, customers=20, text="hola", start=900_000)  # warm up every pool process
            deadline = time.monotonic() + 120
            while len(twilio.sent()) < 20 and time.monotonic() < deadline:
                time.sleep(0.1)
            before = len(twilio.sent())
            started = time.perf_counter()
            acked = flood(deploy, messages, customers=messages, text="Do you have any Chebys under 300k?")
            deadline = time.monotonic() + 600
            while len(twilio.sent()) < before + acked and time.monotonic() < deadline:
                time.sleep(0.05)
            elapsed = time.perf_counter() - started
            answered = len(twilio.sent()) - before
            memory = [f"serve {rss_mb(app.popen.pid):.0f} MB"]
            for n, proc in enumerate(procs):
                pool = ", ".join(f"{rss_mb(child):.0f}" for child in children(proc.popen.pid))
                memory.append(f"worker-{n} main {rss_mb(proc.popen.pid):.0f} MB + pool {pool} MB")
            return (
                f"{workers} worker process(es): {answered}/{acked} answered in {elapsed:.1f}s = "
                f"{answered / elapsed:.1f} turns/s; " + "; ".join(memory)
            )
        finally:
            deploy.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=600)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    for workers in args.workers:
        print(run(workers, args.messages), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
