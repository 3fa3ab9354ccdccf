"""Notifications of booked visits and handoffs, delivered by the pump to real HTTP endpoints and counted.

A Twilio stand-in (the real twilio client, templates by Content SID) and a CRM stand-in that verifies the HMAC
signature itself. Counted at the receivers: each notification arrives exactly once, also when the CRM fails three
times first, when two pumps share the outbox, and never when the CRM is down for good (then recorded as failed).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from server.notifications.pump import NotificationPump, channels_from
from server.outbound import TwilioSender
from server.settings import ServerSettings
from tests.support.redis_server import free_port
from tests.support.twilio_stub import TwilioStub
from tests.support.webhook_receiver import WebhookReceiver, new_secret
from tools.database import make_engine, migrate
from tools.leads import Leads
from tools.notifications import Outbox

pytestmark = pytest.mark.integration

CUSTOMER = "whatsapp:+5215512345678"
SALES = "whatsapp:+5215599999999"
CONTENT_SID = "HX" + "1" * 32
VISIT = {"visit_id": "KV-7K3Q-9XMA", "when_iso": "2026-11-28T11:00:00-06:00", "branch": "Patio Santa Fe"}


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    url = f"sqlite:///{tmp_path / 'records.sqlite'}"
    migrate(url)
    return make_engine(url)


@pytest.fixture
def twilio() -> Iterator[TwilioStub]:
    with TwilioStub() as stub:
        yield stub


def settings_for(twilio: TwilioStub, webhook_url: str, secret: str, **extra: object) -> ServerSettings:
    values: dict[str, object] = {
        "twilio_account_sid": twilio.account_sid,
        "twilio_auth_token": twilio.auth_token,
        "twilio_whatsapp_from": "whatsapp:+14155238886",
        "twilio_api_url": twilio.url,
        "public_base_url": "https://agent.example.test",
        "sales_notify_to": SALES,
        "sales_notify_content_sid": CONTENT_SID,
        "leads_webhook_url": webhook_url,
        "leads_webhook_secret": secret,
        "notify_retry_backoff_s": 0.05,
        "notify_poll_s": 0.05,
        **extra,
    }
    return ServerSettings(**values)  # type: ignore[arg-type]


def pump_for(engine: Engine, settings: ServerSettings) -> NotificationPump:
    return NotificationPump(Outbox(engine), channels_from(settings, TwilioSender(settings)), settings)


def wait_for_status(outbox: Outbox, lead_id: str, wanted: set[str], timeout: float = 30.0) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        statuses = {n.channel: n.status for n in outbox.for_lead(lead_id)}
        if statuses and set(statuses.values()) <= wanted:
            return statuses
        time.sleep(0.05)
    raise AssertionError(f"statuses stayed {statuses}")


def test_a_booked_visit_reaches_the_salesperson_and_the_crm_exactly_once(engine: Engine, twilio: TwilioStub) -> None:
    with WebhookReceiver() as crm:
        settings = settings_for(twilio, crm.url, crm.secret)
        lead = Leads(engine).record(
            CUSTOMER, event="visit_booked", customer_name="Ana López", cars=["Chevrolet Onix 2021"], visit=VISIT
        )
        pump = pump_for(engine, settings).start()
        try:
            [message] = twilio.wait_for(1, to=SALES)
            [delivery] = crm.wait_for(1)
            wait_for_status(Outbox(engine), lead.lead_id, {"delivered"})
            time.sleep(0.5)  # ten more passes of the pump: nothing is sent again
        finally:
            pump.stop()
    assert len(twilio.sent(SALES)) == 1 and len(crm.received) == 1 and crm.rejected == 0
    assert message["ContentSid"] == CONTENT_SID and "Body" not in message
    variables = json.loads(message["ContentVariables"])
    assert variables["1"] == "Visita agendada" and variables["2"] == "Ana López"
    assert variables["3"] == "Chevrolet Onix 2021" and variables["4"] == "28/11 11:00 · Patio Santa Fe"
    assert variables["5"] == f"https://agent.example.test/staff/c/{lead.lead_id}"
    assert "5215512345678" not in message["ContentVariables"]  # the number is for signed-in staff only
    body = delivery["body"]
    assert body["type"] == "lead.visit_booked" and body["data"]["lead"]["phone"] == "+5215512345678"
    assert delivery["headers"]["webhook-id"] == body["data"]["event_id"]
    stored = {n.channel: n for n in Outbox(engine).for_lead(lead.lead_id)}
    assert stored["whatsapp"].external_ref == twilio.sent(SALES)[0]["sid"] and stored["whatsapp"].attempts == 1
    assert stored["webhook"].external_ref == "HTTP 204"


def test_a_crm_failing_three_times_gets_the_lead_once_on_the_fourth(engine: Engine, twilio: TwilioStub) -> None:
    with WebhookReceiver(fail_first=3) as crm:
        settings = settings_for(twilio, crm.url, crm.secret)
        lead = Leads(engine).record(CUSTOMER, event="handed_off")
        pump = pump_for(engine, settings).start()
        try:
            crm.wait_for(1)
            statuses = wait_for_status(Outbox(engine), lead.lead_id, {"delivered"})
            time.sleep(0.5)
        finally:
            pump.stop()
    assert statuses == {"whatsapp": "delivered", "webhook": "delivered"}
    assert (crm.attempts, len(crm.received)) == (4, 1)
    webhook = next(n for n in Outbox(engine).for_lead(lead.lead_id) if n.channel == "webhook")
    assert webhook.attempts == 4 and webhook.last_error is None
    assert len(twilio.sent(SALES)) == 1


def test_a_crm_down_for_good_is_recorded_as_failed_and_the_rest_goes_on(engine: Engine, twilio: TwilioStub) -> None:
    down = f"http://127.0.0.1:{free_port()}/hooks/leads"  # nothing listens there
    settings = settings_for(twilio, down, new_secret(), notify_max_attempts=3)
    leads = Leads(engine)
    started = time.perf_counter()
    lead = leads.record(CUSTOMER, event="visit_booked", visit=VISIT)
    recording_s = time.perf_counter() - started
    pump = pump_for(engine, settings).start()
    try:
        statuses = wait_for_status(Outbox(engine), lead.lead_id, {"delivered", "failed"})
    finally:
        pump.stop()
    assert statuses == {"whatsapp": "delivered", "webhook": "failed"}
    [failed] = Outbox(engine).failed()
    assert failed.attempts == 3 and "ConnectError" in (failed.last_error or "")
    assert recording_s < 5  # the turn only wrote rows; it never waited for the CRM


def test_a_wrong_secret_is_refused_by_the_crm_and_not_retried(engine: Engine, twilio: TwilioStub) -> None:
    with WebhookReceiver() as crm:
        settings = settings_for(twilio, crm.url, new_secret())  # not the receiver's secret
        lead = Leads(engine).record(CUSTOMER, event="handed_off")
        pump = pump_for(engine, settings).start()
        try:
            wait_for_status(Outbox(engine), lead.lead_id, {"delivered", "failed"})
        finally:
            pump.stop()
    assert (crm.attempts, crm.rejected, crm.received) == (1, 1, [])
    [failed] = Outbox(engine).failed()
    assert failed.channel == "webhook" and failed.last_error == "HTTP 401: "


def test_two_pumps_on_one_outbox_deliver_each_notification_once(engine: Engine, twilio: TwilioStub) -> None:
    events = 30
    with WebhookReceiver() as crm:
        settings = settings_for(twilio, crm.url, crm.secret)
        leads = Leads(engine)
        for i in range(events):
            leads.record(f"whatsapp:+52155000{i:05d}", event="handed_off" if i % 2 else "visit_booked")
        url = str(engine.url)
        pumps = [pump_for(make_engine(url), settings).start() for _ in range(2)]
        try:
            crm.wait_for(events)
            twilio.wait_for(events, to=SALES)
            time.sleep(0.5)
        finally:
            for pump in pumps:
                pump.stop()
    ids = [d["body"]["data"]["event_id"] for d in crm.received]
    assert len(ids) == len(set(ids)) == events
    assert len(twilio.sent(SALES)) == events
