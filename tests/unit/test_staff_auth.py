"""The staff inbox's gate: every /staff route refuses anonymous, forged and cross-site requests; sign-in rules.

The app runs in-process (TestClient) over a real records database and a real graph; nothing is mocked but the
clock where a test says so.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from langgraph.checkpoint.memory import InMemorySaver

from graph.builder import build_graph
from graph.resources import get_records_engine
from server.app import create_app
from server.services import Services
from server.settings import ServerSettings
from server.staff.desk import build_desk
from server.store import sqlite_store
from server.store.sqlite_db import SqliteDatabase
from tools.handoffs import Handoffs
from tools.leads import Leads
from tools.staff import StaffAccounts

EMAIL, PASSWORD = "ana@dealer.mx", "correct horse battery staple"
CUSTOMER = "whatsapp:+5215512345678"
SAMPLE = {"ref": "LD-0000-0000", "lead_id": "LD-0000-0000", "notification_id": "1"}


def make_client(**overrides: object) -> TestClient:
    settings = ServerSettings(**overrides)  # type: ignore[arg-type]
    app = create_app(settings)
    services = Services(
        settings, build_graph(InMemorySaver()), InMemorySaver(), sqlite_store(SqliteDatabase(":memory:")), None
    )
    app.state.services = services
    app.state.staff_desk = build_desk(services)
    return TestClient(app, follow_redirects=False)


@pytest.fixture
def client() -> Iterator[TestClient]:
    client = make_client()
    StaffAccounts(get_records_engine()).add(EMAIL, PASSWORD)
    yield client
    client.close()


def all_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """The app's routes, looking into included routers (FastAPI keeps them as their own objects)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from all_routes(included.routes)
        elif isinstance(route, APIRoute):
            yield route


def staff_routes(client: TestClient) -> list[tuple[str, str]]:
    """Every (method, path) under /staff except the sign-in form itself, with sample path values."""
    out = []
    for route in all_routes(client.app.routes):  # type: ignore[attr-defined]
        if not route.path.startswith("/staff"):
            continue
        if route.path == "/staff/login":
            continue
        path = re.sub(r"\{(\w+)\}", lambda m: SAMPLE[m.group(1)], route.path)
        out.extend((method, path) for method in sorted(route.methods))
    return out


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([0-9a-f]{64})"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def sign_in(client: TestClient, email: str = EMAIL, password: str = PASSWORD) -> object:
    page = client.get("/staff/login")
    return client.post("/staff/login", data={"email": email, "password": password, "csrf": csrf_of(page.text)})


def test_the_routes_cover_the_inbox(client: TestClient) -> None:
    paths = {path for _, path in staff_routes(client)}
    assert {"/staff", "/staff/c/LD-0000-0000", "/staff/leads.csv", "/staff/api/inbox"} <= paths
    assert len(staff_routes(client)) >= 12


def test_every_route_refuses_anonymous_requests(client: TestClient) -> None:
    for method, path in staff_routes(client):
        response = client.request(method, path)
        if response.status_code == 303:
            assert method == "GET" and response.headers["location"].startswith("/staff/login?next=")
        else:
            assert response.status_code == 401, (method, path, response.status_code)


@pytest.mark.parametrize("cookie", [secrets.token_urlsafe(32), "x" * 43, "", "a" * 500])
def test_every_route_refuses_a_forged_cookie(client: TestClient, cookie: str) -> None:
    client.cookies.set("kavak_staff", cookie, path="/staff")
    for method, path in staff_routes(client):
        assert client.request(method, path).status_code in (303, 401), (method, path)


def test_a_signed_out_session_opens_nothing(client: TestClient) -> None:
    assert sign_in(client).status_code == 303  # type: ignore[attr-defined]
    page = client.get("/staff")
    assert page.status_code == 200
    token = client.cookies.get("kavak_staff")
    assert client.post("/staff/logout", data={"csrf": csrf_of(page.text)}).status_code == 303
    client.cookies.set("kavak_staff", token or "", path="/staff")  # replayed after sign-out
    for method, path in staff_routes(client):
        assert client.request(method, path).status_code in (303, 401), (method, path)


def test_every_post_refuses_cross_site_and_missing_csrf(client: TestClient) -> None:
    lead = Leads(get_records_engine()).record(CUSTOMER, event="handed_off")
    Handoffs(get_records_engine()).request(CUSTOMER, "customer_request", {"text": "quiero un asesor"})
    sign_in(client)
    csrf = csrf_of(client.get("/staff").text)
    posts = [path.replace("LD-0000-0000", lead.lead_id) for m, path in staff_routes(client) if m == "POST"]
    assert len(posts) >= 6
    for path in posts:
        form = {"csrf": csrf, "status": "won", "text": "x", "message_id": secrets.token_hex(16)}
        assert client.post(path, data=form, headers={"Origin": "https://evil.example"}).status_code == 403, path
        assert client.post(path, data=form, headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403, path
        assert client.post(path, data={**form, "csrf": "0" * 64}).status_code == 403, path
        assert client.post(path, data={k: v for k, v in form.items() if k != "csrf"}).status_code == 403, path
    # Nothing happened: the lead, the handoff and the session are as they were.
    assert Leads(get_records_engine()).get(lead.lead_id) == lead
    assert Handoffs(get_records_engine()).current(CUSTOMER) is not None
    assert client.get("/staff").status_code == 200


def test_sign_in_sets_a_strict_http_only_cookie_and_rate_limits_failures(client: TestClient) -> None:
    for _ in range(5):
        assert sign_in(client, password="wrong password!").status_code == 401  # type: ignore[attr-defined]
    limited = sign_in(client)  # even the right password waits now
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1  # type: ignore[attr-defined]
    other = make_client(staff_login_rate_limit="100/minute")
    response = sign_in(other)
    assert response.status_code == 303 and response.headers["location"] == "/staff"  # type: ignore[attr-defined]
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and "kavak_staff=" in v)  # type: ignore[attr-defined]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/staff" in cookie
    assert "Secure" not in cookie  # plain http here; behind https it is (next test)


def test_the_cookie_is_secure_behind_https() -> None:
    client = make_client(public_base_url="https://ventas.example.test")
    StaffAccounts(get_records_engine()).add("luis@dealer.mx", PASSWORD)
    page = client.get("/staff/login")
    assert "Secure" in page.headers["set-cookie"]


def test_sign_in_refuses_a_missing_login_token_and_foreign_next(client: TestClient) -> None:
    assert client.post("/staff/login", data={"email": EMAIL, "password": PASSWORD}).status_code == 403
    page = client.get("/staff/login?next=//evil.example/x")
    assert 'value="/staff"' in page.text
    response = client.post(
        "/staff/login",
        data={"email": EMAIL, "password": PASSWORD, "csrf": csrf_of(page.text), "next": "https://evil.example"},
    )
    assert response.headers["location"] == "/staff"


def test_pages_carry_security_headers(client: TestClient) -> None:
    sign_in(client)
    for path in ("/staff", "/staff/login", "/staff/api/inbox", "/staff/leads.csv"):
        headers = client.get(path).headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"], path
        assert headers["cache-control"] == "no-store" and headers["x-frame-options"] == "DENY", path
        assert headers["x-content-type-options"] == "nosniff", path
    page = client.get("/staff")
    nonce = re.search(r"'nonce-([^']+)'", page.headers["content-security-policy"])
    assert nonce and f'nonce="{nonce.group(1)}"' in page.text and "unsafe-inline" not in page.text
    assert "content-security-policy" not in client.get("/healthz").headers  # the rest of the app is untouched
