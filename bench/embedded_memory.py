"""Embedded mode's memory over many messages: `kavak-agent serve` alone (SQLite inbox and checkpoints).

    python -m bench.embedded_memory [--messages 20000] [--customers 2000] [--chunk 1000]

Sends signed webhooks in chunks, waits until each chunk is answered at the Twilio stand-in, then reads the
server's RSS. Prints RSS after each chunk, the growth per 1,000 messages after the first 2,000 (SQLite's page
caches fill up until then), the
throughput, and the size of the SQLite files.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--customers", type=int, default=2_000)
    parser.add_argument("--chunk", type=int, default=1_000)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    from tests.support.deployment import Deployment, flood, rss_mb
    from tests.support.twilio_stub import TwilioStub

    with TwilioStub() as twilio, tempfile.TemporaryDirectory() as tmp:
        deploy = Deployment(Path(tmp), twilio, BURST_DEBOUNCE_MS="0")
        app = deploy.start_app(log_level="WARNING")
        try:
            deploy.wait_ready()
            samples: list[tuple[int, float]] = []
            started = time.perf_counter()
            sent = 0
            while sent < args.messages:
                count = min(args.chunk, args.messages - sent)
                acked = flood(deploy, count, args.customers, "Do you have any Chebys under 300k?", start=sent)
                sent += count
                deadline = time.monotonic() + 600
                while len(twilio.sent()) < sent and time.monotonic() < deadline:
                    time.sleep(0.2)
                samples.append((sent, rss_mb(app.popen.pid)))
                print(
                    f"{sent:>6} messages ({acked} acknowledged), {len(twilio.sent())} replies: "
                    f"RSS {samples[-1][1]:.1f} MB",
                    flush=True,
                )
            elapsed = time.perf_counter() - started
            warm = samples[min(len(samples) - 1, max(0, 2000 // args.chunk - 1))]  # page caches full by then
            (first_n, first_rss), (last_n, last_rss) = warm, samples[-1]
            growth = (last_rss - first_rss) / max(1, last_n - first_n) * 1000
            data = Path(tmp) / "data"
            sizes = {p.name: p.stat().st_size / 1e6 for p in data.glob("*.sqlite*")}
            print(
                f"RSS growth after warm-up: {growth:+.3f} MB per 1,000 messages "
                f"({first_rss:.1f} -> {last_rss:.1f} MB over {last_n - first_n} messages)"
            )
            print(f"throughput: {sent / elapsed:.1f} messages/s answered end to end (offline, debounce 0)")
            print("files: " + ", ".join(f"{name} {size:.1f} MB" for name, size in sorted(sizes.items())))
        finally:
            deploy.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
