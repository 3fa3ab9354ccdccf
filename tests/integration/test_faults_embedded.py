"""Embedded mode (`kavak-agent serve` alone, SQLite) under faults: a SIGKILL with messages queued loses and
doubles nothing; memory stays flat while messages pass (the long version: `bench/embedded_memory.py`)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.deployment import Deployment, flood, rss_mb, wait_until
from tests.support.twilio_stub import TwilioStub, message_sid

pytestmark = pytest.mark.integration
ASK = "Do you have any Chebys under 300k?"


@pytest.fixture
def twilio() -> Iterator[TwilioStub]:
    with TwilioStub() as stub:
        yield stub


def test_sigkill_with_twenty_queued_then_restart_answers_each_once(tmp_path: Path, twilio: TwilioStub) -> None:
    deploy = Deployment(tmp_path, twilio, BURST_DEBOUNCE_MS="0", EMBEDDED_WORKERS="1")
    senders = [f"whatsapp:+52155888800{n:02d}" for n in range(20)]
    sids = [message_sid() for _ in senders]
    try:
        first = deploy.start_app("serve-1", SEND_DELAY_S="60")  # the first turn holds its reply: 19 queue up
        deploy.wait_ready()
        for sender, sid in zip(senders, sids, strict=True):
            assert deploy.send(sender, ASK, sid=sid).status_code == 200
        wait_until(lambda: any(deploy.reply_record(s, i) for s, i in zip(senders, sids, strict=True)), 30, "a turn")
        first.kill()
        assert twilio.sent() == []
        deploy.start_app("serve-2")
        deploy.wait_ready()
        wait_until(lambda: len(twilio.sent()) >= len(senders), 60, lambda: f"{len(twilio.sent())} replies")
        time.sleep(1.0)
        per_sender = {s: len(twilio.sent(s)) for s in senders}
        lost = [s for s, n in per_sender.items() if n == 0]
        doubled = sum(n - 1 for n in per_sender.values() if n > 1)
        assert not lost and not doubled, f"lost {len(lost)}, doubled {doubled} of {len(senders)}"
        records = [deploy.reply_record(s, i) for s, i in zip(senders, sids, strict=True)]
        assert all(r and r["status"] == "sent" for r in records)
    finally:
        deploy.stop()


def test_memory_stays_flat_while_messages_pass(tmp_path: Path, twilio: TwilioStub) -> None:
    deploy = Deployment(tmp_path, twilio, BURST_DEBOUNCE_MS="0")
    app = deploy.start_app(log_level="WARNING")
    try:
        deploy.wait_ready()
        samples = []
        sent = 0
        for chunk in (1000, 1000, 500, 500):  # SQLite's page caches fill during the first 2,000
            assert flood(deploy, chunk, customers=1000, text=ASK, start=sent) == chunk  # no merged bursts
            sent += chunk
            wait_until(lambda n=sent: len(twilio.sent()) >= n, 180, lambda: f"{len(twilio.sent())} replies")
            samples.append(rss_mb(app.popen.pid))
        growth_per_1000 = samples[-1] - samples[1]  # over the last 1,000 messages
        rss = ", ".join(f"{s:.1f}" for s in samples)
        # Before the SQLite inbox: +1.4 MB per 1,000 messages with no plateau.
        assert growth_per_1000 < 0.5, f"RSS {rss} MB: {growth_per_1000:+.2f} MB over the last 1,000 messages"
    finally:
        deploy.stop()
