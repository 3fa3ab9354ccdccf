"""The sales team's day in Chromium (Playwright), against `kavak-agent serve` alone and the production pair.

A customer writes on WhatsApp (signed webhooks), the conversation is handed to a person, the team is notified
(Twilio stand-in and a CRM stand-in that verifies signatures: counted, exactly once). A staff member signs in,
sees the handed-off conversation, replies (the reply reaches the Twilio stand-in once and is in the thread),
returns it to the agent (the agent answers the customer's next message), marks the lead won and downloads the
CSV. `SCREENSHOTS_DIR=$PWD/docs` refreshes the README's screenshots.
"""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.integration.test_webchat import CHROMIUM_ARGS
from tests.support.redis_server import RedisServer, free_port
from tests.support.twilio_stub import TwilioStub, inbound_params, signed_webhook
from tests.support.webhook_receiver import WebhookReceiver
from tools.database import make_engine
from tools.handoffs import Handoffs
from tools.inventory import InventoryStore
from tools.leads import Leads
from tools.visits import Visits

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
EMAIL, PASSWORD = "luis@dealer.mx", "correct horse battery staple"
CUSTOMER = "whatsapp:+5215512345678"
SALES = "whatsapp:+5215599999999"
OTHER = "whatsapp:+5215587654321"
DEALER_TZ = ZoneInfo("America/Mexico_City")


def wait_until(condition: object, timeout: float, what: str) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()  # type: ignore[operator]
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@contextmanager
def process(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`python -m cli.main <args>` in its own process group, stopped at the end."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "cli.main", *args],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)


class Dealer:
    """The running deployment and what the test needs around it."""

    def __init__(self, url: str, env: dict[str, str], twilio: TwilioStub, crm: WebhookReceiver) -> None:
        self.url, self.env, self.twilio, self.crm = url, env, twilio, crm
        self.http = httpx.Client(base_url=url, timeout=10)
        self.records = make_engine(f"sqlite:///{env['DATA_DIR']}/records.sqlite")

    def customer_says(self, text: str) -> None:
        params = inbound_params(CUSTOMER, text)
        response = signed_webhook(self.http, "/twilio/whatsapp", params, signed_url=self.url + "/twilio/whatsapp")
        assert response.status_code == 200, response.text

    def replies(self) -> list[str]:
        return [m.get("Body", "") for m in self.twilio.sent(CUSTOMER)]


@pytest.fixture(params=["embedded", "production"])
def dealer(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Dealer]:
    """`serve` alone (in-process worker) or `serve` + `worker` over Redis; Twilio and a CRM stand in."""
    with ExitStack() as stack:
        twilio = stack.enter_context(TwilioStub())
        crm = stack.enter_context(WebhookReceiver())
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "TWILIO_", "REDIS_"))}
        env.update(
            twilio.env(),
            DATA_DIR=str(tmp_path / "data"),
            PUBLIC_BASE_URL=url,
            BURST_DEBOUNCE_MS="100",
            SALES_NOTIFY_TO=SALES,
            SALES_NOTIFY_CONTENT_SID="HX" + "1" * 32,
            STAFF_REPLY_CONTENT_SID="HX" + "2" * 32,
            LEADS_WEBHOOK_URL=crm.url,
            LEADS_WEBHOOK_SECRET=crm.secret,
            NOTIFY_POLL_S="0.2",
            PYTHONUNBUFFERED="1",
        )
        if request.param == "production":
            redis = stack.enter_context(RedisServer())
            env["REDIS_URL"] = redis.url
        added = subprocess.run(
            [sys.executable, "-m", "cli.main", "staff", "add", EMAIL, "--password-stdin"],
            cwd=REPO,
            env=env,
            input=PASSWORD + "\n",
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert added.returncode == 0, added.stderr
        serve = stack.enter_context(process(["serve", "--port", str(port)], env, tmp_path / "serve.log"))
        if request.param == "production":
            args = ["worker", "--concurrency", "1", "--loglevel", "INFO"]
            stack.enter_context(process(args, env, tmp_path / "worker.log"))

        def ready() -> bool:
            assert serve.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                return httpx.get(url + "/readyz").status_code == 200
            except httpx.TransportError:
                return False

        wait_until(ready, 90, "serve to be ready")
        yield Dealer(url, env, twilio, crm)


@contextmanager
def attacker_site(target: str) -> Iterator[str]:
    """A page on http://localhost:<port> (another site than 127.0.0.1) that auto-submits a form to `target`."""
    html = (
        f'<form method="post" action="{target}"><input name="csrf" value="guess"></form>'
        "<script>document.forms[0].submit()</script>"
    ).encode()

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(html)))
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://localhost:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def sign_in(page: Page, url: str) -> None:
    page.goto(url + "/staff")
    expect(page).to_have_url(url + "/staff/login?next=/staff")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.click("#sign-in")
    expect(page).to_have_url(url + "/staff")


def shot(page: Page, tmp: Path, name: str) -> None:
    """A screenshot for the README: to $SCREENSHOTS_DIR when set (test runs leave docs/ alone otherwise)."""
    target = Path(os.environ.get("SCREENSHOTS_DIR") or tmp)
    target.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target / name), full_page=False)


def test_the_sales_team_takes_a_handed_off_customer(dealer: Dealer, tmp_path: Path) -> None:
    dealer.customer_says("Hola, busco un Onix")
    wait_until(lambda: len(dealer.replies()) >= 1, 60, "the agent's first reply")
    # The conversation asks for a person: the handoff record and the lead (as the graph's handoff does).
    Handoffs(dealer.records).request(
        CUSTOMER, "customer_request", {"text": "Quiere hablar con un asesor sobre el Onix", "name": "Ana"}
    )
    lead = Leads(dealer.records).record(
        CUSTOMER, event="handed_off", customer_name="Ana López", cars=["Chevrolet Onix 2021"], budget=300000
    )
    # Another customer booked a visit for tomorrow (it shows on the inbox's agenda and notifies the team too).
    tomorrow = (datetime.now(DEALER_TZ) + timedelta(days=1)).replace(hour=11, minute=0, second=0, microsecond=0)
    visit = Visits(dealer.records, InventoryStore.from_csv()).book(
        311726, OTHER, "SM-visit", customer_name="Carlos Ruiz", when_iso=tomorrow, branch="Patio Santa Fe"
    )
    Leads(dealer.records).record(
        OTHER, event="visit_booked", customer_name="Carlos Ruiz", cars=[visit.car], visit=visit.as_tool_output()
    )
    dealer.crm.wait_for(2, timeout=60)
    dealer.twilio.wait_for(2, to=SALES, timeout=60)

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1180, "height": 760}, accept_downloads=True)
            page = context.new_page()
            sign_in(page, dealer.url)
            handoffs = page.locator("#handoffs")
            expect(handoffs).to_contain_text("Ana López")
            expect(handoffs).to_contain_text("Pidió hablar con una persona")
            expect(handoffs).to_contain_text("Quiere hablar con un asesor sobre el Onix")
            expect(page.locator("#leads")).to_contain_text("+5215512345678")
            expect(page.locator(".visits")).to_contain_text("Carlos Ruiz")
            shot(page, tmp_path, "staff-inbox.png")

            page.click("#handoffs a")
            expect(page).to_have_url(f"{dealer.url}/staff/c/{lead.lead_id}")
            expect(page.locator("#transcript .msg.customer")).to_contain_text("Hola, busco un Onix")
            expect(page.locator("#transcript .msg.agent")).to_have_count(1)
            expect(page.locator("#reply-card")).to_contain_text("Ventana de 24 h abierta")  # dated from checkpoints
            page.fill("#reply-text", "Hola Ana, soy Luis de Kavak. ¿Te llamo en 5 minutos?")
            page.click("#send-reply")
            expect(page.locator(".notice")).to_contain_text("Mensaje enviado")
            expect(page.locator("#transcript .msg.staff")).to_contain_text("soy Luis de Kavak")
            expect(page.locator("#lead-status")).to_have_text("contacted")
            shot(page, tmp_path, "staff-conversation.png")
            staff_replies = [r for r in dealer.replies() if "soy Luis" in r]
            assert len(staff_replies) == 1

            # A page on another site that posts "return to the agent" as soon as it loads: the browser does
            # not send the staff cookie (SameSite=Strict), so nothing happens.
            with attacker_site(f"{dealer.url}/staff/c/{lead.lead_id}/release") as evil:
                attack = context.new_page()
                attack.goto(evil)
                attack.wait_for_url(f"{dealer.url}/staff/c/{lead.lead_id}/release")
                expect(attack.locator("body")).to_contain_text("sign in")
                attack.close()
            assert Handoffs(dealer.records).current(CUSTOMER) is not None

            page.click("#release")
            expect(page.locator(".notice")).to_contain_text("volvió al agente")
            expect(page.locator("#handoff-card")).to_have_count(0)
            before = len(dealer.replies())
            dealer.customer_says("Do you have any Chebys under 300k?")
            wait_until(lambda: len(dealer.replies()) > before, 60, "the agent to answer after the hand-back")
            assert "Chevrolet" in dealer.replies()[-1]
            page.reload()
            expect(page.locator("#transcript .msg.agent").last).to_contain_text("Chevrolet")

            page.select_option("#status-select", "won")
            page.click("#save-status")
            expect(page.locator("#lead-status")).to_have_text("won")
            page.goto(dealer.url + "/staff")
            with page.expect_download() as download:
                page.click("#csv")
            rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
            [row] = [r for r in rows if r["lead_id"] == lead.lead_id]
            assert (row["status"], row["customer_name"], row["phone"]) == ("won", "Ana López", "'+5215512345678")

            page.click("#logout")
            expect(page).to_have_url(dealer.url + "/staff/login")
            page.goto(dealer.url + f"/staff/c/{lead.lead_id}")
            expect(page).to_have_url(f"{dealer.url}/staff/login?next=/staff/c/{lead.lead_id}")
        finally:
            browser.close()
    # Counted at the stand-ins: one notification each, one staff reply, nothing doubled.
    time.sleep(1.0)
    events = sorted(d["body"]["type"] for d in dealer.crm.received)
    assert events == ["lead.handed_off", "lead.visit_booked"] and dealer.crm.rejected == 0
    assert lead.lead_id in {d["body"]["data"]["lead"]["lead_id"] for d in dealer.crm.received}
    assert len(dealer.twilio.sent(SALES)) == 2
    assert len([r for r in dealer.replies() if "soy Luis" in r]) == 1
