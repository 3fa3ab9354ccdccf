"""What the sales team's side costs: recording a lead in a turn, and notification delivery.

    python -m bench.leads [--leads 500] [--notify 200]

- record: `Leads.record` on the SQLite records file (a new lead; an update with its event and two notification
  rows), the time a turn spends on it, against `Visits.book` as the reference of a write the turn already does;
- delivery: `--notify` handoffs recorded at once, delivered by one pump to a local Twilio stand-in and a local
  CRM stand-in (throughput, doubles), then 20 recorded one at a time (delay from `record` to the CRM's receipt).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from bench.stats import summary
from server.notifications.pump import NotificationPump, channels_from
from server.outbound import TwilioSender
from server.settings import ServerSettings
from tests.support.twilio_stub import TwilioStub
from tests.support.webhook_receiver import WebhookReceiver
from tools.database import make_engine, migrate
from tools.inventory import InventoryStore
from tools.leads import Leads
from tools.notifications import Outbox
from tools.visits import Visits

SINGLE = 20


def bench_record(folder: Path, count: int) -> None:
    url = f"sqlite:///{folder / 'records.sqlite'}"
    migrate(url)
    engine = make_engine(url)
    leads, visits = Leads(engine), Visits(engine, InventoryStore.from_csv())
    created, updated, booked = [], [], []
    for i in range(count):
        thread = f"whatsapp:+5215500{i:06d}"
        start = time.perf_counter()
        leads.record(thread, event="quoted", cars=["Chevrolet Onix 2021"], budget=300000)
        created.append(time.perf_counter() - start)
        start = time.perf_counter()
        leads.record(thread, event="visit_booked", customer_name="Ana", visit={"visit_id": "KV-0000-0000"})
        updated.append(time.perf_counter() - start)
        start = time.perf_counter()
        visits.book(311726, thread, f"SM{i}")
        booked.append(time.perf_counter() - start)
    print(f"record, new lead (quote)          {summary(created)}")
    print(f"record, update + 2 notifications  {summary(updated)}")
    print(f"Visits.book (reference)           {summary(booked)}")
    print(f"ratio update / book: {statistics.median(updated) / statistics.median(booked):.2f}")


def bench_delivery(folder: Path, count: int) -> None:
    url = f"sqlite:///{folder / 'delivery.sqlite'}"
    migrate(url)
    engine = make_engine(url)
    with TwilioStub() as twilio, WebhookReceiver() as crm:
        settings = ServerSettings(
            twilio_account_sid=twilio.account_sid,
            twilio_auth_token=twilio.auth_token,  # type: ignore[arg-type]
            twilio_whatsapp_from="whatsapp:+14155238886",
            twilio_api_url=twilio.url,
            sales_notify_to="whatsapp:+5215599999999",
            sales_notify_content_sid="HX" + "1" * 32,
            leads_webhook_url=crm.url,
            leads_webhook_secret=crm.secret,  # type: ignore[arg-type]
            notify_poll_s=0.05,
        )
        leads = Leads(engine)
        for i in range(count):
            leads.record(f"whatsapp:+5215511{i:06d}", event="handed_off")
        pump = NotificationPump(Outbox(engine), channels_from(settings, TwilioSender(settings)), settings)
        start = time.perf_counter()
        pump.start()
        try:
            crm.wait_for(count, timeout=300)
            twilio.wait_for(count, timeout=300)
        finally:
            pump.stop()
        took = time.perf_counter() - start
        doubled = len(crm.received) - count
        # One at a time with the pump running: what a salesperson waits after the customer's turn.
        pump = NotificationPump(Outbox(engine), channels_from(settings, TwilioSender(settings)), settings).start()
        delays = []
        try:
            for i in range(SINGLE):
                start = time.perf_counter()
                leads.record(f"whatsapp:+5215522{i:06d}", event="visit_booked")
                crm.wait_for(count + i + 1, timeout=60)
                delays.append(time.perf_counter() - start)
        finally:
            pump.stop()
    print(
        f"delivery: {2 * count} notifications ({count} WhatsApp + {count} webhook) in {took:.2f} s "
        f"= {2 * count / took:.0f}/s with one pump; doubled: {doubled}"
    )
    print(f"record → CRM receipt, one at a time (poll {settings.notify_poll_s} s)  {summary(delays)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=500)
    parser.add_argument("--notify", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench_record(Path(tmp), args.leads)
        bench_delivery(Path(tmp), args.notify)


if __name__ == "__main__":
    main()
