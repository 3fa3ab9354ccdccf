"""Faults with real processes, counted: Redis restarts under load, a worker killed mid-turn or mid-send.

Redis runs with AOF (appendfsync everysec), as the production guide requires. Every acknowledged message must
be answered exactly once; `bench/faults.py` runs the long versions.
"""

from __future__ import annotations

import random
import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.deployment import Customers, Deployment, wait_until
from tests.support.redis_server import RedisServer
from tests.support.twilio_stub import TwilioStub, message_sid

pytestmark = pytest.mark.integration
ASK = "Do you have any Chebys under 300k?"  # answered in one part


@pytest.fixture
def twilio() -> Iterator[TwilioStub]:
    with TwilioStub() as stub:
        yield stub


def test_worker_rides_out_redis_restarts_under_load(tmp_path: Path, twilio: TwilioStub) -> None:
    rng = random.Random(7)
    with RedisServer(appendonly=True) as server:
        deploy = Deployment(tmp_path, twilio, server.url, BURST_DEBOUNCE_MS="0")
        deploy.start_app()
        worker = deploy.start_worker()
        customers: Customers | None = None
        try:
            deploy.wait_ready(workers=True)
            customers = Customers(deploy, 6, ASK).start()
            for restart in range(10):
                time.sleep(rng.uniform(1.0, 2.0))  # traffic flows
                server.crash(signal.SIGTERM if restart % 2 == 0 else signal.SIGKILL)
                if restart == 0:  # while Redis is down, readiness says so without leaking the address
                    down = deploy.readyz()
                    assert down is not None and down.status_code == 503, down
                    assert down.json()["redis"] == "down" and "connecting" not in down.text and "Error" not in down.text
                time.sleep(rng.uniform(0.3, 1.5))
                server.resume()
                deploy.wait_ready(workers=True, timeout=40)
                assert worker.alive, f"worker exited after restart {restart + 1}:\n{worker.output()[-3000:]}"
            customers.stop()
            tally = customers.tally()
            assert worker.alive and "Unrecoverable error" not in worker.output()
            assert tally.acknowledged >= 20, tally
            assert not tally.lost and tally.doubled == 0, tally
            ready = deploy.readyz()
            assert ready is not None and ready.json()["persistence"] == "aof"
        finally:
            if customers is not None:
                customers.stop()
            deploy.stop()


def turns_run(*logs: str) -> int:
    return sum(len(re.findall(r"\bturn thread=", log)) for log in logs)


def test_worker_restart_recovers_within_a_minute_and_a_running_turn_is_never_repeated(
    tmp_path: Path, twilio: TwilioStub
) -> None:
    """Default lock TTL and redispatch lease; each turn holds its reply 20 s before sending (longer than both)."""
    with RedisServer(appendonly=True) as server:
        deploy = Deployment(tmp_path, twilio, server.url, BURST_DEBOUNCE_MS="0", SEND_DELAY_S="20")
        deploy.start_app()
        workers = [deploy.start_worker("worker-a"), deploy.start_worker("worker-b")]
        try:
            deploy.wait_ready(workers=True)
            sender = "whatsapp:+5215566660001"
            assert deploy.send(sender, ASK).status_code == 200
            deploy.twilio.wait_for(1, sender, timeout=60)
            time.sleep(12)  # another redispatch round: it must find the thread idle, not run the turn again
            assert len(deploy.twilio.sent(sender)) == 1
            assert turns_run(*(w.output() for w in workers)) == 1

            before = [turns_run(w.output()) for w in workers]
            sid = message_sid()
            assert deploy.send(sender, ASK, sid=sid).status_code == 200
            wait_until(lambda: deploy.reply_record(sender, sid), 30, "the second turn to run")
            holder = wait_until(
                lambda: next((w for w, n in zip(workers, before, strict=True) if turns_run(w.output()) > n), None),
                10,
                "the turn's log line",
            )
            killed_at = time.monotonic()
            holder.kill()
            workers.remove(holder)
            workers.append(deploy.start_worker("worker-c"))  # the orchestrator restarts it
            deploy.twilio.wait_for(2, sender, timeout=60)
            recovered_s = time.monotonic() - killed_at
            time.sleep(3)
            assert len(deploy.twilio.sent(sender)) == 2
            assert recovered_s < 60, f"recovered in {recovered_s:.1f}s"
            print(f"recovered {recovered_s:.1f}s after the worker was killed")
        finally:
            deploy.stop()
