"""Long fault runs with real processes, counted: what was lost, what was answered twice, how fast it recovered.

    python -m bench.faults [--redis-restarts 30] [--worker-kills 10] [--send-kills 10] [--embedded-kills 5]
                           [--minutes 12]

1. Redis (AOF everysec) restarted under closed-loop traffic, alternating SIGTERM and SIGKILL: the worker must
   survive every restart and every acknowledged message be answered once.
2. A Celery worker SIGKILLed mid-turn (its reply recorded, not sent), another started at once (the
   orchestrator's restart), default TURN_LOCK_TTL_S / REDISPATCH_S: seconds from the kill to the reply.
3. A worker SIGKILLed after Twilio accepted a part but before it heard back: duplicates at Twilio.
4. Embedded `serve` SIGKILLed with messages queued, then restarted: lost and doubled.

Each scenario stops early when the time budget (--minutes, shared) runs out and says how many rounds ran.
"""

from __future__ import annotations

import argparse
import random
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ASK = "Do you have any Chebys under 300k?"


def seconds(samples: list[float]) -> str:
    """'median 20.1 s, max 24.3 s (n=10)'."""
    if not samples:
        return "no samples"
    return f"median {statistics.median(samples):.1f} s, max {max(samples):.1f} s (n={len(samples)})"


def redis_restarts(rounds: int, deadline: float) -> str:
    from tests.support.deployment import Customers, Deployment
    from tests.support.redis_server import RedisServer
    from tests.support.twilio_stub import TwilioStub

    rng = random.Random(1)
    with RedisServer(appendonly=True) as server, TwilioStub() as twilio, tempfile.TemporaryDirectory() as tmp:
        deploy = Deployment(Path(tmp), twilio, server.url, BURST_DEBOUNCE_MS="0")
        deploy.start_app(log_level="WARNING")
        worker = deploy.start_worker(log_level="WARNING")
        try:
            deploy.wait_ready(workers=True)
            customers = Customers(deploy, 8, ASK).start()
            done = deaths = 0
            back: list[float] = []
            for n in range(rounds):
                if time.monotonic() > deadline:
                    break
                time.sleep(rng.uniform(1.0, 3.0))
                server.crash(signal.SIGTERM if n % 2 == 0 else signal.SIGKILL)
                time.sleep(rng.uniform(0.3, 2.0))
                replies = len(twilio.sent())
                server.resume()
                started = time.monotonic()
                deploy.wait_ready(workers=True, timeout=60)
                while len(twilio.sent()) == replies and time.monotonic() - started < 60:
                    time.sleep(0.05)
                back.append(time.monotonic() - started)
                done += 1
                if not worker.alive:
                    deaths += 1
                    worker = deploy.start_worker(f"worker-{n}", log_level="WARNING")
            customers.stop()
            tally = customers.tally()
            return (
                f"redis restarts: {done} ({(done + 1) // 2} SIGTERM, {done // 2} SIGKILL), worker exits {deaths}; "
                f"{tally}; first reply after Redis was back: {seconds(back)}"
            )
        finally:
            deploy.stop()


def worker_kills(rounds: int, deadline: float) -> str:
    from tests.support.deployment import Deployment, wait_until
    from tests.support.redis_server import RedisServer
    from tests.support.twilio_stub import TwilioStub, message_sid

    with RedisServer(appendonly=True) as server, TwilioStub() as twilio, tempfile.TemporaryDirectory() as tmp:
        deploy = Deployment(Path(tmp), twilio, server.url, BURST_DEBOUNCE_MS="0", SEND_DELAY_S="8")
        deploy.start_app(log_level="WARNING")
        worker = deploy.start_worker("worker-0", log_level="INFO")
        recovered: list[float] = []
        lost = doubled = 0
        try:
            deploy.wait_ready(workers=True)
            for n in range(rounds):
                if time.monotonic() > deadline:
                    break
                sender, sid = f"whatsapp:+52155999900{n:02d}", message_sid()
                deploy.send(sender, ASK, sid=sid)
                wait_until(lambda s=sender, i=sid: deploy.reply_record(s, i), 60, "the turn")
                killed = time.monotonic()
                worker.kill()
                worker = deploy.start_worker(f"worker-{n + 1}", log_level="INFO")
                try:
                    twilio.wait_for(1, sender, timeout=120)
                    recovered.append(time.monotonic() - killed)
                except AssertionError:
                    lost += 1
                time.sleep(1.0)
                doubled += max(0, len(twilio.sent(sender)) - 1)
        finally:
            deploy.stop()
        return (
            f"worker SIGKILLs mid-turn: {len(recovered) + lost}, lost {lost}, doubled {doubled}; "
            f"kill -> reply {seconds(recovered)}"
        )


def send_kills(rounds: int, deadline: float) -> str:
    from tests.support.deployment import Deployment, wait_until
    from tests.support.redis_server import RedisServer
    from tests.support.twilio_stub import TwilioStub, message_sid

    with RedisServer(appendonly=True) as server, TwilioStub() as twilio, tempfile.TemporaryDirectory() as tmp:
        deploy = Deployment(Path(tmp), twilio, server.url, BURST_DEBOUNCE_MS="0")
        deploy.start_app(log_level="WARNING")
        worker = deploy.start_worker("worker-0", log_level="WARNING")
        done = lost = doubled = 0
        try:
            deploy.wait_ready(workers=True)
            for n in range(rounds):
                if time.monotonic() > deadline:
                    break
                sender, sid = f"whatsapp:+52155999800{n:02d}", message_sid()
                twilio.stall_next(1, seconds=60)
                deploy.send(sender, ASK, sid=sid)
                twilio.stalled.wait(60)
                worker.kill()
                twilio.release_stalled()
                worker = deploy.start_worker(f"worker-{n + 1}", log_level="WARNING")
                try:
                    wait_until(
                        lambda s=sender, i=sid: (deploy.reply_record(s, i) or {}).get("status") == "sent", 120, ""
                    )
                except AssertionError:
                    lost += 1
                time.sleep(1.0)
                doubled += max(0, len(twilio.sent(sender)) - 1)
                done += 1
        finally:
            deploy.stop()
        return f"worker SIGKILLs while Twilio held an accepted send: {done}, lost {lost}, doubled {doubled}"


def embedded_kills(rounds: int, deadline: float) -> str:
    from tests.support.deployment import Deployment, wait_until
    from tests.support.twilio_stub import TwilioStub

    with TwilioStub() as twilio, tempfile.TemporaryDirectory() as tmp:
        deploy = Deployment(Path(tmp), twilio, BURST_DEBOUNCE_MS="0", EMBEDDED_WORKERS="1")
        acked = done = 0
        recovered: list[float] = []
        try:
            for n in range(rounds):
                if time.monotonic() > deadline:
                    break
                app = deploy.start_app(f"serve-{n}", log_level="WARNING", SEND_DELAY_S="0.5")
                deploy.wait_ready()
                senders = [f"whatsapp:+5215598{n:02d}{i:04d}" for i in range(20)]
                for sender in senders:
                    acked += deploy.send(sender, ASK).status_code == 200
                time.sleep(random.uniform(0.2, 2.0))
                app.kill()
                started = time.monotonic()
                deploy.start_app(f"serve-{n}-after", log_level="WARNING")
                deploy.wait_ready()
                wait_until(lambda a=acked: len(twilio.sent()) >= a, 120, "the replies")
                recovered.append(time.monotonic() - started)
                deploy.procs[-1].stop()
                done += 1
            time.sleep(1.0)
        finally:
            deploy.stop()
        senders = {m["To"] for m in twilio.sent()}
        doubled = len(twilio.sent()) - len(senders)
        return (
            f"embedded SIGKILLs with 20 queued: {done}, acknowledged {acked}, answered {len(senders)}, "
            f"lost {acked - len(senders)}, doubled {doubled}; "
            f"restart -> all answered {max(recovered or [0]):.1f}s at worst"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--redis-restarts", type=int, default=30)
    parser.add_argument("--worker-kills", type=int, default=10)
    parser.add_argument("--send-kills", type=int, default=10)
    parser.add_argument("--embedded-kills", type=int, default=5)
    parser.add_argument("--minutes", type=float, default=12.0, help="time budget for all scenarios")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    deadline = time.monotonic() + args.minutes * 60
    for scenario, rounds in (
        (redis_restarts, args.redis_restarts),
        (worker_kills, args.worker_kills),
        (send_kills, args.send_kills),
        (embedded_kills, args.embedded_kills),
    ):
        if rounds:
            print(scenario(rounds, deadline), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
