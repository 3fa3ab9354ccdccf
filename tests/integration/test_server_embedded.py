"""Embedded mode: `kavak-agent serve` alone (no REDIS_URL) answers WhatsApp through its in-process worker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.serve import serving
from tests.support.twilio_stub import TwilioStub, inbound_params, signed_webhook

pytestmark = pytest.mark.integration


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[httpx.Client, TwilioStub, Path]]:
    """`kavak-agent serve` with the Twilio stub and nothing else (SQLite checkpointer, in-process worker)."""
    with (
        TwilioStub() as twilio,
        serving(tmp_path, **twilio.env(), BURST_DEBOUNCE_MS="200") as url,
        httpx.Client(base_url=url, timeout=10) as client,
    ):
        yield client, twilio, tmp_path / "data"


def test_serve_alone_answers_the_seed_conversation(served: tuple[httpx.Client, TwilioStub, Path]) -> None:
    client, twilio, data_dir = served
    ready = client.get("/readyz").json()
    assert ready["mode"] == "embedded" and ready["checkpointer"] == "ok" and "redis" not in ready
    sender = "whatsapp:+5215544440001"
    url = str(client.base_url) + "/twilio/whatsapp"  # no PUBLIC_BASE_URL: the request's own URL is signed
    replies = []
    for i, text in enumerate(
        (
            "I need a car.",
            "Do you have any Chebys under 300k?",
            "How much is the monthly payment for the Onix over 4 years?",
        ),
        start=1,
    ):
        response = signed_webhook(client, "/twilio/whatsapp", inbound_params(sender, text), signed_url=url)
        assert response.status_code == 200 and response.text.endswith("<Response/>")
        replies.append(twilio.wait_for(i, sender, timeout=30)[-1]["Body"])
    assert "?" in replies[0]
    assert "Aveo 2017" in replies[1] and "Spark 2021" in replies[1]  # the five cheapest Chevrolets under 300k
    assert "$4,605.82" in replies[2]
    assert (data_dir / "checkpoints.sqlite").exists()
    assert client.get("/healthz").json() == {"status": "ok"}
