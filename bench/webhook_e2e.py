"""End-to-end turn latency, offline mode: signed webhook → Redis → Celery worker → graph → Twilio REST (stub).

    python -m bench.webhook_e2e [--conversations 10] [--debounce-ms 0]

Real Redis, `kavak-agent serve` and `kavak-agent worker` processes, and the Twilio stub capturing replies.
Each message is timed from the webhook POST until its reply reaches the stub (one message in flight at a
time). BURST_DEBOUNCE_MS (default 800 in production) adds directly to every turn; it is set from the flag.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.stats import summary

REPO = Path(__file__).resolve().parent.parent
CONVERSATION = (
    "I need a car.",
    "Do you have any Chebys under 300k?",
    "How much is the monthly payment for the Onix over 4 years?",
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=10)
    parser.add_argument("--debounce-ms", type=int, default=0, help="BURST_DEBOUNCE_MS for the run (default 0)")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    from tests.support.redis_server import RedisServer, free_port
    from tests.support.twilio_stub import TwilioStub, inbound_params, signed_webhook

    with RedisServer() as server, TwilioStub() as twilio, tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "TWILIO_"))}
        env.update(twilio.env(), REDIS_URL=server.url, DATA_DIR=tmp, BURST_DEBOUNCE_MS=str(args.debounce_ms))
        procs = [
            subprocess.Popen([sys.executable, "-m", "cli.main", *cmd], cwd=REPO, env=env, start_new_session=True)
            for cmd in (["serve", "--port", str(port)], ["worker", "--concurrency", "2", "--loglevel", "WARNING"])
        ]
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10)
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    if client.get("/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("serve did not become ready")
                time.sleep(0.2)
            url = str(client.base_url) + "/twilio/whatsapp"
            samples: list[float] = []
            for i in range(args.conversations + 1):  # conversation 0 warms the worker up
                sender = f"whatsapp:+52155{i:08d}"
                for n, text in enumerate(CONVERSATION, start=1):
                    start = time.perf_counter()
                    signed_webhook(client, "/twilio/whatsapp", inbound_params(sender, text), signed_url=url)
                    twilio.wait_for(n, sender, timeout=60)
                    if i:
                        samples.append(time.perf_counter() - start)
            print(f"webhook → reply captured, offline, BURST_DEBOUNCE_MS={args.debounce_ms}: {summary(samples)}")
        finally:
            client.close()
            for proc in procs:
                os.killpg(proc.pid, signal.SIGTERM)
            for proc in procs:
                proc.wait(20)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
