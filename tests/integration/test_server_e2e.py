"""WhatsApp end to end with real parts: Redis, Celery worker processes, uvicorn, the real Twilio client.

Webhooks are signed with Twilio's own algorithm for the public URL (PUBLIC_BASE_URL, as behind a proxy) and
posted to the app on loopback; replies are captured by the Twilio stub that TWILIO_API_URL points at.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from server.store import keys
from tests.support.deployment import PUBLIC, WEBHOOK_PATH, Deployment, wait_until
from tests.support.openai_stub import HttpError, OpenAIStub
from tests.support.redis_server import RedisServer
from tests.support.twilio_stub import TwilioStub, inbound_params, message_sid, sign, signed_webhook

pytestmark = pytest.mark.integration

SEED = (
    "I need a car.",
    "Do you have any Chebys under 300k?",
    "How much is the monthly payment for the Onix over 4 years?",
)


def converse(deploy: Deployment, sender: str, texts: tuple[str, ...] | list[str]) -> list[str]:
    """Send each text and wait for its reply; the replies."""
    replies = []
    for text in texts:
        before = len(deploy.twilio.sent(sender))
        assert deploy.send(sender, text).status_code == 200
        replies.append(deploy.twilio.wait_for(before + 1, sender, timeout=30)[-1]["Body"])
    return replies


@pytest.fixture(scope="module")
def twilio() -> Iterator[TwilioStub]:
    """The Twilio REST stand-in."""
    with TwilioStub() as stub:
        yield stub


@pytest.fixture(scope="module")
def deploy(tmp_path_factory: pytest.TempPathFactory, twilio: TwilioStub) -> Iterator[Deployment]:
    """Offline agent: Redis, one app, one worker (concurrency 2)."""
    with RedisServer() as server:
        deployment = Deployment(tmp_path_factory.mktemp("offline"), twilio, server.url)
        deployment.start_app()
        deployment.start_worker()
        try:
            deployment.wait_ready()
            yield deployment
        finally:
            deployment.stop()


def check_seed(replies: list[str]) -> None:
    """The brief's three replies."""
    assert "?" in replies[0]
    assert "Aveo 2017" in replies[1] and "Spark 2021" in replies[1]  # the five cheapest Chevrolets under 300k
    assert "$4,605.82" in replies[2]


def test_seed_conversation_over_whatsapp(deploy: Deployment) -> None:
    sender = "whatsapp:+5215511110001"
    response = deploy.send(sender, SEED[0])
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    assert response.text.endswith("<Response/>")
    first = deploy.twilio.wait_for(1, sender, timeout=30)
    replies = [first[0]["Body"], *converse(deploy, sender, SEED[1:])]
    check_seed(replies)
    sent = deploy.twilio.sent(sender)
    assert all(m["From"] == "whatsapp:+14155238886" for m in sent)
    assert all(m["StatusCallback"] == PUBLIC + "/twilio/status" for m in sent)


def test_forged_or_missing_signature_is_403_and_nothing_is_queued(deploy: Deployment) -> None:
    sender = "whatsapp:+5215511110002"
    params = inbound_params(sender, "Do you have any Chebys under 300k?")
    forged = sign(PUBLIC + WEBHOOK_PATH, params, token="not-the-token")
    response = deploy.http.post(WEBHOOK_PATH, data=params, headers={"X-Twilio-Signature": forged})
    assert response.status_code == 403 and "signature" in response.json()["detail"].lower()
    assert deploy.http.post(WEBHOOK_PATH, data=params).status_code == 403
    # Signed for the loopback URL instead of the public one: also refused.
    assert (
        signed_webhook(
            deploy.http, WEBHOOK_PATH, params, signed_url=str(deploy.http.base_url) + WEBHOOK_PATH
        ).status_code
        == 403
    )
    assert deploy.redis is not None and not deploy.redis.exists(
        keys.seen(sender, params["MessageSid"]), keys.inbox(sender)
    )
    # The same message correctly signed is then accepted: the refusal did not mark it as seen.
    assert deploy.send(sender, params["Body"], sid=params["MessageSid"]).status_code == 200
    assert "Spark 2021" in deploy.twilio.wait_for(1, sender)[0]["Body"]


def test_duplicate_message_sid_is_acknowledged_and_answered_once(deploy: Deployment) -> None:
    sender = "whatsapp:+5215511110003"
    sid = message_sid()
    for _ in range(3):
        assert deploy.send(sender, "I need a car.", sid=sid).status_code == 200
    deploy.twilio.wait_for(1, sender)
    wait_until(lambda: deploy.idle(sender), 10, "the thread to be idle")
    record = deploy.reply_record(sender, sid)
    assert record is not None and record["sids"] == [sid] and record["status"] == "sent"
    time.sleep(0.5)  # a second answer would already be on its way
    assert len(deploy.twilio.sent(sender)) == 1


def test_burst_is_merged_into_one_turn(deploy: Deployment) -> None:
    sender = "whatsapp:+5215511110004"
    sids = [message_sid() for _ in range(3)]
    for sid, text in zip(sids, ("hola", "busco un auto", "de 300k"), strict=True):
        assert deploy.send(sender, text, sid=sid).status_code == 200
    reply = deploy.twilio.wait_for(1, sender)[0]["Body"]
    wait_until(lambda: deploy.idle(sender), 10, "the thread to be idle")
    record = deploy.reply_record(sender, sids[0])
    assert record is not None and record["sids"] == sids
    assert "$300,000" in reply or "300" in reply  # the budget of the third message was understood
    time.sleep(0.5)
    assert len(deploy.twilio.sent(sender)) == 1


def test_two_customers_at_once(deploy: Deployment) -> None:
    alice, bob = "whatsapp:+5215511110005", "whatsapp:+5215511110006"
    results: dict[str, list[str]] = {}

    def talk(sender: str) -> None:
        results[sender] = converse(deploy, sender, SEED)

    threads = [threading.Thread(target=talk, args=(who,)) for who in (alice, bob)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    check_seed(results[alice])
    check_seed(results[bob])


def test_twilio_errors_are_retried_then_recorded(deploy: Deployment) -> None:
    sender = "whatsapp:+5215511110007"
    attempts = deploy.twilio.attempts
    deploy.twilio.fail_next(2)
    sid = message_sid()
    deploy.send(sender, "I need a car.", sid=sid)
    assert "?" in deploy.twilio.wait_for(1, sender)[0]["Body"]
    assert deploy.twilio.attempts - attempts == 3

    failed_sid = message_sid()
    deploy.twilio.fail_next(3)  # TWILIO_SEND_ATTEMPTS=3: every attempt fails
    deploy.send(sender, "Do you have any Chebys under 300k?", sid=failed_sid)
    record = wait_until(
        lambda: (r := deploy.reply_record(sender, failed_sid)) and r["status"] == "failed" and r,
        20,
        "the failure to be recorded",
    )
    assert "500" in record["error"] and record["sent"] == 0
    assert len(deploy.twilio.sent(sender)) == 1


def test_status_callbacks_are_recorded(deploy: Deployment) -> None:
    outbound = message_sid()
    for status in ("sent", "delivered"):
        params = {
            "MessageSid": outbound,
            "MessageStatus": status,
            "AccountSid": "AC0",
            "To": "whatsapp:+52155",
        }
        response = signed_webhook(deploy.http, "/twilio/status", params, signed_url=PUBLIC + "/twilio/status")
        assert response.status_code == 200
    failed = {"MessageSid": message_sid(), "MessageStatus": "failed", "ErrorCode": "63016"}
    signed_webhook(deploy.http, "/twilio/status", failed, signed_url=PUBLIC + "/twilio/status")
    forged = {"MessageSid": outbound, "MessageStatus": "failed"}
    assert deploy.http.post("/twilio/status", data=forged, headers={"X-Twilio-Signature": "x"}).status_code == 403
    assert deploy.redis is not None
    assert set(deploy.redis.hgetall(keys.status(outbound))) == {"sent", "delivered"}
    assert deploy.redis.hgetall(keys.status(failed["MessageSid"]))["error_code"] == "63016"


def test_media_only_message_gets_a_polite_text_reply(deploy: Deployment) -> None:
    sender = "whatsapp:+5215511110008"
    response = deploy.send(
        sender, "", NumMedia="1", MediaContentType0="image/jpeg", MediaUrl0="https://api.twilio.com/media/1"
    )
    assert response.status_code == 200
    assert "texto" in deploy.twilio.wait_for(1, sender)[0]["Body"]


# ------------------------------------------------------------------------------------- model mode

LONG_REPLY = " ".join(
    f"Te cuento algo importante sobre la opción {chr(65 + i % 26)}{chr(65 + i // 26)}: es cómoda, segura y "
    f"tiene buen rendimiento en ciudad y carretera, ideal para la familia."
    for i in range(40)
)


@pytest.fixture(scope="module")
def model_deploy(
    tmp_path_factory: pytest.TempPathFactory, twilio: TwilioStub
) -> Iterator[tuple[Deployment, OpenAIStub]]:
    """OpenAI mode against the OpenAI stub (long replies by default, 500s on demand)."""
    with RedisServer() as server, OpenAIStub(fallback=LONG_REPLY) as openai_stub:
        deployment = Deployment(
            tmp_path_factory.mktemp("model"),
            twilio,
            server.url,
            OPENAI_API_KEY="sk-test",
            OPENAI_BASE_URL=openai_stub.base_url,
            MODEL_MAX_RETRIES="0",
            MODEL_TIMEOUT_S="5",
        )
        deployment.start_app()
        deployment.start_worker()
        try:
            deployment.wait_ready()
            yield deployment, openai_stub
        finally:
            deployment.stop()


def test_reply_over_1600_characters_is_split_in_order(model_deploy: tuple[Deployment, OpenAIStub]) -> None:
    deploy, openai_stub = model_deploy
    assert len(LONG_REPLY) > 3200
    sender = "whatsapp:+5215522220001"
    deploy.send(sender, "Cuéntame de sus autos familiares")
    wait_until(lambda: deploy.idle(sender) and deploy.twilio.sent(sender), 30, "the reply")
    parts = [m["Body"] for m in deploy.twilio.sent(sender)]
    assert len(parts) == -(-len(LONG_REPLY) // 1600) or len(parts) == -(-len(LONG_REPLY) // 1600) + 1
    assert all(len(part) <= 1600 for part in parts)
    assert all(part.endswith(".") for part in parts)  # cut at sentence boundaries
    assert " ".join(parts) == LONG_REPLY
    assert openai_stub.requests  # the model really was asked


def test_model_failure_still_answers(model_deploy: tuple[Deployment, OpenAIStub]) -> None:
    deploy, openai_stub = model_deploy
    openai_stub.fallback = HttpError(500)
    try:
        before = len(openai_stub.requests)
        sender = "whatsapp:+5215522220002"
        replies = converse(deploy, sender, SEED[1:2])
        assert "Aveo 2017" in replies[0] and "Spark 2021" in replies[0]  # rules + templates took over
        assert len(openai_stub.requests) > before
    finally:
        openai_stub.fallback = LONG_REPLY


# ------------------------------------------------------------------------------------- worker killed


def test_worker_killed_mid_turn_redelivers_and_replies_once(tmp_path: Path, twilio: TwilioStub) -> None:
    with RedisServer() as server:
        deploy = Deployment(
            tmp_path,
            twilio,
            server.url,
            REDISPATCH_S="1",
            TURN_LOCK_TTL_S="2",
            BURST_DEBOUNCE_MS="0",
        )
        try:
            deploy.start_app()
            doomed = deploy.start_worker("doomed", SEND_DELAY_S="60")
            deploy.wait_ready()
            sender, sid = "whatsapp:+5215533330001", message_sid()
            assert deploy.send(sender, "Do you have any Chebys under 300k?", sid=sid).status_code == 200
            # The turn ran and its reply is recorded, but the worker sleeps before sending: kill it now.
            wait_until(lambda: deploy.reply_record(sender, sid), 60, f"the turn to run\n{doomed.output()}")
            doomed.kill()
            assert deploy.twilio.sent(sender) == []
            assert deploy.redis is not None and deploy.redis.llen(keys.processing(sender)) == 1
            rescuer = deploy.start_worker("rescuer")
            messages = deploy.twilio.wait_for(1, sender, timeout=60)
            assert "Spark 2021" in messages[0]["Body"]
            wait_until(lambda: deploy.idle(sender), 10, f"the thread to be idle\n{rescuer.output()}")
            assert (deploy.reply_record(sender, sid) or {}).get("status") == "sent"
            time.sleep(1.0)  # a duplicate would be sent right after the first
            assert len(deploy.twilio.sent(sender)) == 1
        finally:
            deploy.stop()


def test_readiness_reports_persistence_and_live_workers(deploy: Deployment) -> None:
    ready = deploy.http.get("/readyz").json()
    assert ready["redis"] == "ok" and ready["persistence"] == "off"  # this test Redis runs without AOF
    assert "appendonly" in ready["warnings"][0]
    with_workers = deploy.http.get("/readyz", params={"workers": "1"})
    assert with_workers.status_code == 200 and with_workers.json()["workers"] == 1
    assert "persistence is off" in (deploy.tmp / "serve.log").read_text()  # said at start-up too
