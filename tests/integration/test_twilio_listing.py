"""Twilio's Messages list through the real `twilio` client against the stand-in: filters, paging, and the
sender's lookup of an interrupted send."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from server.outbound import TwilioSender
from server.settings import ServerSettings
from tests.support.twilio_stub import TwilioStub

pytestmark = pytest.mark.integration
ALICE, BOB = "whatsapp:+5215512345678", "whatsapp:+5215587654321"


@pytest.fixture
def stub() -> Iterator[TwilioStub]:
    with TwilioStub() as twilio:
        yield twilio


def sender_for(stub: TwilioStub) -> TwilioSender:
    return TwilioSender(ServerSettings(**{k.lower(): v for k, v in stub.env().items()}))  # type: ignore[arg-type]


def test_list_filters_by_to_from_and_date_and_pages_like_twilio(stub: TwilioStub) -> None:
    sender = sender_for(stub)
    sids = [sender.send(ALICE, f"hola {n}") for n in range(120)]
    sender.send(BOB, "otra")
    messages = sender.client.messages
    listed = messages.list(to=ALICE, from_="whatsapp:+14155238886", page_size=50)
    assert [m.sid for m in listed] == sids[::-1]  # newest first, across three pages
    assert stub.list_calls == 3
    today = datetime.now(UTC)
    assert len(messages.list(to=ALICE, date_sent_after=today - timedelta(days=1), limit=10)) == 10
    assert messages.list(to=ALICE, date_sent_after=today + timedelta(days=1)) == []
    assert messages.list(to=ALICE, date_sent_before=today - timedelta(days=1)) == []
    assert [m.body for m in messages.list(to=BOB)] == ["otra"]
    assert messages.list(to=ALICE, from_="whatsapp:+10000000000") == []


def test_find_sent_returns_the_matching_sid_and_only_it(stub: TwilioStub) -> None:
    sender = sender_for(stub)
    started = time.time()
    first = sender.send(ALICE, "El Onix 2021 cuesta $226,999.")
    sender.send(ALICE, "¿Te gustaría verlo?")
    assert sender.find_sent(ALICE, "El Onix 2021 cuesta $226,999.", started - 1) == first
    assert sender.find_sent(ALICE, "otra cosa", started - 1) is None
    assert sender.find_sent(BOB, "El Onix 2021 cuesta $226,999.", started - 1) is None
    assert sender.find_sent(ALICE, "El Onix 2021 cuesta $226,999.", time.time() + 60) is None  # sent before
