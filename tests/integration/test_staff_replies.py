"""Staff replies through the real Twilio client to the stand-in: once per message id, in the thread, the
24-hour window with its template, Twilio refusing, and returning the conversation to the agent."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from langchain_core.messages import AIMessage
from langgraph.checkpoint.memory import InMemorySaver

from graph.builder import build_graph
from graph.resources import get_records_engine
from graph.turn import run_turn
from server.app import create_app
from server.services import Services
from server.settings import ServerSettings
from server.staff.desk import StaffDesk, build_desk
from server.store import sqlite_store
from server.store.sqlite_db import SqliteDatabase
from tests.support.twilio_stub import TwilioStub
from tools.database import utcnow
from tools.handoffs import Handoffs
from tools.leads import Leads
from tools.notifications import Outbox
from tools.staff import StaffAccounts
from tools.staff_replies import StaffReplies

pytestmark = pytest.mark.integration

EMAIL, PASSWORD = "ana@dealer.mx", "correct horse battery staple"
CUSTOMER = "whatsapp:+5215512345678"
TEMPLATE = "HX" + "2" * 32


class Deployment:
    """The app in-process with a real graph (in-memory checkpoints), the records and the Twilio stand-in."""

    def __init__(self, twilio: TwilioStub) -> None:
        settings = ServerSettings(
            **twilio.env_fields(),  # type: ignore[arg-type]
            staff_reply_content_sid=TEMPLATE,
            twilio_retry_backoff_s=0.01,
            twilio_send_attempts=2,
        )
        self.app = create_app(settings)
        self.graph = build_graph(InMemorySaver())
        services = Services(settings, self.graph, InMemorySaver(), sqlite_store(SqliteDatabase(":memory:")), None)
        self.app.state.services = services
        self.desk: StaffDesk = build_desk(services)
        self.app.state.staff_desk = self.desk
        self.client = TestClient(self.app, follow_redirects=False)
        StaffAccounts(get_records_engine()).add(EMAIL, PASSWORD)
        page = self.client.get("/staff/login")
        form = {"email": EMAIL, "password": PASSWORD, "csrf": self.csrf(page.text)}
        assert self.client.post("/staff/login", data=form).status_code == 303

    @staticmethod
    def csrf(html: str) -> str:
        return re.search(r'name="csrf" value="([0-9a-f]{64})"', html).group(1)  # type: ignore[union-attr]

    def page(self, ref: str) -> str:
        response = self.client.get(f"/staff/c/{ref}")
        assert response.status_code == 200
        return response.text

    def post(self, path: str, **form: str) -> object:
        csrf = self.csrf(self.client.get("/staff").text)
        return self.client.post(path, data={"csrf": csrf, **form})

    def staff_messages(self) -> list[AIMessage]:
        state = self.graph.get_state({"configurable": {"thread_id": CUSTOMER}})
        return [m for m in state.values["messages"] if isinstance(m, AIMessage) and m.name == "staff"]


@pytest.fixture
def twilio() -> Iterator[TwilioStub]:
    with TwilioStub() as stub:
        stub.env_fields = lambda: {k.lower(): v for k, v in stub.env().items()}  # type: ignore[attr-defined]
        yield stub


@pytest.fixture
def deployment(twilio: TwilioStub) -> Deployment:
    deployment = Deployment(twilio)
    run_turn(deployment.graph, CUSTOMER, "Hola, busco un Onix")
    Handoffs(get_records_engine()).request(CUSTOMER, "customer_request", {"text": "quiero hablar con un asesor"})
    return deployment


def test_a_reply_is_sent_once_recorded_in_the_thread_and_the_lead_is_contacted(
    deployment: Deployment, twilio: TwilioStub
) -> None:
    lead = Leads(get_records_engine()).record(CUSTOMER, event="handed_off", customer_name="Ana")
    page = deployment.page(lead.lead_id)
    assert "Hola, busco un Onix" in page and "Ventana de 24 h abierta" in page
    message_id = re.search(r'name="message_id" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    for _ in range(3):  # a double click and a resubmitted form
        response = deployment.post(f"/staff/c/{lead.lead_id}/reply", message_id=message_id, text="Hola Ana, soy Luis")
        assert response.status_code == 303  # type: ignore[attr-defined]
    [sent] = twilio.sent(CUSTOMER)
    assert sent["Body"] == "Hola Ana, soy Luis"
    [message] = deployment.staff_messages()
    assert message.content == "Hola Ana, soy Luis"
    assert Leads(get_records_engine()).get(lead.lead_id).status == "contacted"  # type: ignore[union-attr]
    handoff = Handoffs(get_records_engine()).current(CUSTOMER)
    assert handoff is not None and (handoff.status, handoff.taken_by) == ("taken", EMAIL)
    assert StaffReplies(get_records_engine()).get(message_id).sid == sent["sid"]  # type: ignore[union-attr]
    assert "Hola Ana, soy Luis" in deployment.page(lead.lead_id)


def test_twilio_refusing_is_shown_and_nothing_enters_the_thread(deployment: Deployment, twilio: TwilioStub) -> None:
    lead = Leads(get_records_engine()).record(CUSTOMER, event="handed_off")
    twilio.fail_next(2)
    response = deployment.post(f"/staff/c/{lead.lead_id}/reply", message_id=secrets.token_hex(16), text="Hola")
    assert response.headers["location"].endswith("notice=failed")  # type: ignore[attr-defined]
    assert twilio.sent() == [] and deployment.staff_messages() == []
    assert "failed" in deployment.page(lead.lead_id)
    assert Leads(get_records_engine()).get(lead.lead_id).status == "handed_off"  # type: ignore[union-attr]


def test_outside_the_24_hour_window_only_the_template_goes(deployment: Deployment, twilio: TwilioStub) -> None:
    lead = Leads(get_records_engine()).record(CUSTOMER, event="handed_off", customer_name="Ana López")
    later = utcnow() + timedelta(hours=24)
    deployment.desk.clock = lambda: later
    page = deployment.page(lead.lead_id)
    assert 'id="window-closed"' in page and 'id="send-template"' in page and 'id="reply-text"' not in page
    refused = deployment.post(f"/staff/c/{lead.lead_id}/reply", message_id=secrets.token_hex(16), text="Hola")
    assert refused.status_code == 409 and "24" in refused.text  # type: ignore[attr-defined]
    assert twilio.sent() == []
    deployment.post(f"/staff/c/{lead.lead_id}/reply", message_id=secrets.token_hex(16), kind="template")
    [sent] = twilio.sent(CUSTOMER)
    assert sent["ContentSid"] == TEMPLATE and sent["ContentVariables"] == '{"1": "Ana"}'
    [note] = deployment.staff_messages()
    assert "Plantilla" in str(note.content)


def test_return_to_the_agent_releases_the_handoff_and_the_agent_answers(deployment: Deployment) -> None:
    handoff = Handoffs(get_records_engine()).current(CUSTOMER)
    assert handoff is not None
    response = deployment.post(f"/staff/c/{handoff.handoff_id}/release")
    assert response.headers["location"].endswith("notice=released")  # type: ignore[attr-defined]
    assert Handoffs(get_records_engine()).current(CUSTOMER) is None
    again = deployment.post(f"/staff/c/{handoff.handoff_id}/release")
    assert again.headers["location"].endswith("notice=not_held")  # type: ignore[attr-defined]
    turn = run_turn(deployment.graph, CUSTOMER, "Do you have any Chebys under 300k?")
    assert "search" in turn.route and "Chevrolet" in turn.reply


def test_unknown_conversations_and_web_threads(deployment: Deployment) -> None:
    assert deployment.client.get("/staff/c/LD-0000-0000").status_code == 404
    assert deployment.client.get("/staff/c/not-an-id").status_code == 404
    web = Leads(get_records_engine()).record("web:abc", event="quoted")
    assert "no es de WhatsApp" in deployment.page(web.lead_id)
    refused = deployment.post(f"/staff/c/{web.lead_id}/reply", message_id=secrets.token_hex(16), text="Hola")
    assert refused.status_code == 409  # type: ignore[attr-defined]


def test_notes_statuses_and_a_failed_notification_from_the_inbox(deployment: Deployment) -> None:
    lead = Leads(get_records_engine()).record(CUSTOMER, event="visit_booked", customer_name="Ana")
    outbox = Outbox(get_records_engine())
    [webhook] = [n for n in outbox.claim_due() if n.channel == "webhook"]
    outbox.attempt_failed(webhook, "HTTP 500: CRM down", retry_at=None)
    inbox = deployment.client.get("/staff").text
    assert 'id="failed-notifications"' in inbox and "HTTP 500: CRM down" in inbox
    assert deployment.post(f"/staff/notifications/{webhook.notification_id}/retry").status_code == 303  # type: ignore[attr-defined]
    assert outbox.get(webhook.notification_id).status == "pending"  # type: ignore[union-attr]
    assert 'id="failed-notifications"' not in deployment.client.get("/staff").text

    deployment.post(f"/staff/leads/{lead.lead_id}/notes", text="Prefiere que le llamen en la tarde")
    deployment.post(f"/staff/leads/{lead.lead_id}/status", status="lost")
    page = deployment.page(lead.lead_id)
    assert "Prefiere que le llamen en la tarde" in page and 'id="lead-status">lost<' in page
    refused = deployment.post(f"/staff/leads/{lead.lead_id}/status", status="hot")
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert Leads(get_records_engine()).get(lead.lead_id).status == "lost"  # type: ignore[union-attr]
    api = deployment.client.get(f"/staff/api/c/{lead.lead_id}").json()
    assert api["lead"]["status"] == "lost" and api["transcript"][0]["role"] == "customer"
    assert deployment.client.get("/staff/api/inbox").json()["handoffs"][0]["lead"]["lead_id"] == lead.lead_id
