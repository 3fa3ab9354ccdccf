"""The webhook's edges without services: signatures, public URL, malformed requests, dedupe, status."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request
from twilio.request_validator import RequestValidator

from server.app import create_app
from server.services import Services
from server.settings import ConfigurationError, ServerSettings
from server.store import InboundMessage, Store, sqlite_store
from server.store.sqlite_db import SqliteDatabase
from server.webhook import public_url
from tests.support.twilio_stub import ACCOUNT_SID, AUTH_TOKEN, WHATSAPP_FROM, inbound_params, sign

URL = "http://testserver/twilio/whatsapp"


def settings(**overrides: object) -> ServerSettings:
    base = {
        "twilio_account_sid": ACCOUNT_SID,
        "twilio_auth_token": AUTH_TOKEN,
        "twilio_whatsapp_from": WHATSAPP_FROM,
    }
    return ServerSettings(**{**base, **overrides})  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    db = SqliteDatabase(tmp_path / "inbox.sqlite")
    yield sqlite_store(db)
    db.close()


@pytest.fixture
def client(store: Store) -> TestClient:
    """The app with its services set by hand (no lifespan: no graph, no worker)."""
    config = settings()
    app = create_app(config)
    app.state.services = Services(config, None, None, store, RequestValidator(AUTH_TOKEN))  # type: ignore[arg-type]
    return TestClient(app)


def post(client: TestClient, params: dict[str, str], url: str = URL, **headers: str) -> object:
    return client.post("/twilio/whatsapp", data=params, headers={"X-Twilio-Signature": sign(url, params), **headers})


def request(path: str, headers: dict[str, str], scheme: str = "http", query: str = "") -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "query_string": query.encode(),
        "headers": raw,
        "scheme": scheme,
        "server": ("10.0.0.5", 8000),
        "root_path": "",
    }
    return Request(scope)


def test_public_url_prefers_public_base_url() -> None:
    req = request("/twilio/whatsapp", {"host": "10.0.0.5:8000", "x-forwarded-host": "evil.example"})
    config = settings(public_base_url="https://bot.example.com/")
    assert public_url(req, config) == "https://bot.example.com/twilio/whatsapp"


def test_public_url_from_forwarded_headers_then_host() -> None:
    req = request(
        "/twilio/whatsapp",
        {"host": "10.0.0.5:8000", "x-forwarded-proto": "https, http", "x-forwarded-host": "bot.example.com"},
        query="a=1",
    )
    assert public_url(req, settings()) == "https://bot.example.com/twilio/whatsapp?a=1"
    plain = request("/twilio/whatsapp", {"host": "10.0.0.5:8000"})
    assert public_url(plain, settings()) == "http://10.0.0.5:8000/twilio/whatsapp"


def test_signed_message_is_stored_and_acknowledged(client: TestClient, store: Store) -> None:
    params = inbound_params("whatsapp:+5215500000001", "hola")
    response = post(client, params)
    assert response.status_code == 200
    assert response.text == '<?xml version="1.0" encoding="UTF-8"?><Response/>'
    assert [m.text for m in store.inbox.claim("whatsapp:+5215500000001", 60)] == ["hola"]
    assert post(client, params).status_code == 200  # Twilio's retry: acknowledged, not stored again
    assert store.inbox.claim("whatsapp:+5215500000001", 60)[-1].sid == params["MessageSid"]
    assert len(store.inbox.claim("whatsapp:+5215500000001", 60)) == 1


def test_signature_behind_a_proxy_uses_forwarded_headers(client: TestClient, store: Store) -> None:
    public = "https://bot.example.com/twilio/whatsapp"
    fresh = inbound_params("whatsapp:+5215500000002", "otra")
    ok = post(client, fresh, url=public, **{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "bot.example.com"})
    assert ok.status_code == 200
    wrong = inbound_params("whatsapp:+5215500000002", "x")
    assert post(client, wrong, url=public).status_code == 403


def test_forged_and_missing_signatures_are_403(client: TestClient, store: Store) -> None:
    params = inbound_params("whatsapp:+5215500000003", "hola")
    forged = client.post("/twilio/whatsapp", data=params, headers={"X-Twilio-Signature": "AAAA"})
    assert forged.status_code == 403 and forged.json() == {"detail": "invalid X-Twilio-Signature"}
    missing = client.post("/twilio/whatsapp", data=params)
    assert missing.status_code == 403 and missing.json() == {"detail": "missing X-Twilio-Signature"}
    assert not store.inbox.has_work("whatsapp:+5215500000003")


@pytest.mark.parametrize("field", ["From", "Body", "MessageSid"])
def test_missing_fields_are_422(client: TestClient, field: str) -> None:
    params = inbound_params("whatsapp:+5215500000004", "hola")
    del params[field]
    response = post(client, params)
    assert response.status_code == 422
    assert response.json()["detail"] == f"missing required field(s): {field}"


def test_oversized_and_malformed_requests(client: TestClient) -> None:
    long_text = inbound_params("whatsapp:+5215500000005", "a" * 5000)
    response = post(client, long_text)
    assert response.status_code == 413 and "4096 characters" in response.json()["detail"]
    huge = inbound_params("whatsapp:+5215500000005", "b" * 40_000)
    response = post(client, huge)
    assert response.status_code == 413 and "32768 bytes" in response.json()["detail"]
    as_json = client.post("/twilio/whatsapp", json={"Body": "hola"}, headers={"X-Twilio-Signature": "x"})
    assert as_json.status_code == 415 and "x-www-form-urlencoded" in as_json.json()["detail"]
    bad_bytes = client.post(
        "/twilio/whatsapp",
        content=b"Body=%FF%FE",
        headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": "x"},
    )
    assert bad_bytes.status_code == 400 and "malformed" in bad_bytes.json()["detail"]


def test_media_only_message_is_accepted(client: TestClient, store: Store) -> None:
    params = inbound_params("whatsapp:+5215500000006", "", NumMedia="1", MediaUrl0="https://x/y.jpg")
    assert post(client, params).status_code == 200
    assert [m.text for m in store.inbox.claim("whatsapp:+5215500000006", 60)] == [""]


def test_status_callback_is_recorded(client: TestClient, store: Store) -> None:
    url = "http://testserver/twilio/status"
    params = {"MessageSid": "SM1", "MessageStatus": "undelivered", "ErrorCode": "63016"}
    response = client.post("/twilio/status", data=params, headers={"X-Twilio-Signature": sign(url, params)})
    assert response.status_code == 200
    assert set(store.statuses.get("SM1")) == {"undelivered", "error_code"}
    bad = client.post("/twilio/status", data={"MessageSid": "SM1"}, headers={"X-Twilio-Signature": "x"})
    assert bad.status_code == 403
    incomplete = {"MessageSid": "SM2"}
    response = client.post("/twilio/status", data=incomplete, headers={"X-Twilio-Signature": sign(url, incomplete)})
    assert response.status_code == 422 and "MessageStatus" in response.json()["detail"]


def test_without_twilio_the_webhook_is_503(store: Store) -> None:
    config = ServerSettings()
    app = create_app(config)
    app.state.services = Services(config, None, None, store, None)  # type: ignore[arg-type]
    response = TestClient(app).post("/twilio/whatsapp", data={"Body": "hola"})
    assert response.status_code == 503 and "TWILIO_AUTH_TOKEN" in response.json()["detail"]


def test_production_without_token_fails_at_boot() -> None:
    with pytest.raises(ConfigurationError, match="TWILIO_AUTH_TOKEN"):
        create_app(settings(redis_url="redis://127.0.0.1:1/0", twilio_auth_token=None))
    with pytest.raises(ConfigurationError, match="TWILIO_WHATSAPP_FROM"):
        create_app(settings(twilio_whatsapp_from=None))  # partly configured, even embedded
    with pytest.raises(ConfigurationError, match="REDIS_URL"):
        settings().validate_for_worker()
    with pytest.raises(ConfigurationError, match="PUBLIC_BASE_URL"):
        settings(public_base_url="bot.example.com").validate_for_serving()
    create_app(ServerSettings())  # embedded and no Twilio at all: the web chat still runs


def test_embedded_store_dedupes() -> None:
    db = SqliteDatabase(":memory:")
    store = sqlite_store(db)
    message = InboundMessage("SM1", "t", "hola", 0.0)
    assert asyncio.run(store.inbox.accept(message, 60)) is True
    assert asyncio.run(store.inbox.accept(message, 60)) is False


@pytest.mark.parametrize(
    "sender",
    [
        "+5215512345678",
        "sms:+5215512345678",
        "web:abc",
        "evil",
        "whatsapp:",
        "whatsapp:+52 55 1234 5678",
        "whatsapp:+12",
        "whatsapp:5215512345678",
        "whatsapp:+5215512345678\n",
        "WhatsApp:+5215512345678",
        "whatsapp:+0015512345678",
        "whatsapp:+99912345678",
    ],
)
def test_from_must_be_a_whatsapp_e164_address(client: TestClient, store: Store, sender: str) -> None:
    params = inbound_params(sender, "hola")
    response = post(client, params)
    assert response.status_code == 422, (sender, response.status_code, response.text)
    assert "whatsapp:+" in response.json()["detail"]
    assert not store.inbox.has_work(sender)


@pytest.mark.parametrize(
    "sender", ["whatsapp:+5215512345678", "whatsapp:+525512345678", "whatsapp:+14155238886", "whatsapp:+34612345678"]
)
def test_whatsapp_numbers_are_accepted(client: TestClient, store: Store, sender: str) -> None:
    assert post(client, inbound_params(sender, "hola")).status_code == 200
    assert [m.text for m in store.inbox.claim(sender, 60)] == ["hola"]


def test_openapi_describes_the_twilio_endpoints_truthfully(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    for path in ("/twilio/whatsapp", "/twilio/status"):
        operation = doc["paths"][path]["post"]
        assert list(operation["requestBody"]["content"]) == ["application/x-www-form-urlencoded"]
        assert set(operation["responses"]) == {"200", "400", "403", "413", "415", "422", "503"}
        assert list(operation["responses"]["200"]["content"]) == ["application/xml"]
        assert all(list(operation["responses"][code]["content"]) == ["application/json"] for code in ("403", "422"))
        assert any(p["name"] == "X-Twilio-Signature" for p in operation["parameters"])
