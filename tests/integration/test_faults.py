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


def test_send_interrupted_after_twilio_accepted_is_recorded_not_repeated(tmp_path: Path, twilio: TwilioStub) -> None:
    """Twilio accepts a part, the worker dies before hearing back: the next worker finds the part in Twilio's
    message list and records its sid. Every process logs at DEBUG: no phone number may appear in any log."""
    with RedisServer(appendonly=True) as server:
        deploy = Deployment(tmp_path, twilio, server.url, BURST_DEBOUNCE_MS="0", TURN_LOCK_TTL_S="2", REDISPATCH_S="1")
        deploy.start_app(log_level="DEBUG")
        worker = deploy.start_worker("worker-0", log_level="DEBUG")
        senders = [f"whatsapp:+52155777700{n:02d}" for n in range(3)]
        try:
            deploy.wait_ready(workers=True)
            for n, sender in enumerate(senders):
                twilio.stall_next(1, seconds=30)
                sid = message_sid()
                assert deploy.send(sender, ASK, sid=sid).status_code == 200
                assert twilio.stalled.wait(30), worker.output()[-2000:]
                worker.kill()  # Twilio has the message; the worker never recorded it
                twilio.release_stalled()
                worker = deploy.start_worker(f"worker-{n + 1}", log_level="DEBUG")
                rescuer = worker
                record = wait_until(
                    lambda s=sender, i=sid: (r := deploy.reply_record(s, i)) and r["status"] == "sent" and r,
                    60,
                    lambda w=rescuer: w.output()[-3000:],
                )
                time.sleep(1.0)  # a second send would follow at once
                sent = twilio.sent(sender)
                assert len(sent) == 1, f"{len(sent)} messages for one reply"
                assert record["outbound"] == [sent[0]["sid"]] and record["sending"] is None
                assert "already at Twilio, recorded" in worker.output()
            assert twilio.list_calls >= len(senders)
            deploy.send(senders[0], "quiero verlo el sábado, soy Ana")  # a booking path too
            twilio.wait_for(2, senders[0], timeout=30)
        finally:
            deploy.stop()
        logs = {proc.log.name: proc.output() for proc in deploy.procs}
        assert any("DEBUG" in text for text in logs.values())
        for sender in senders:
            digits = sender.removeprefix("whatsapp:+")
            leaks = [name for name, text in logs.items() if digits in text or digits[-10:] in text]
            assert not leaks, f"{sender} appears in {leaks}"
