"""A WhatsApp deployment made of real processes for tests and benchmarks: `kavak-agent serve` (uvicorn),
`kavak-agent worker` (Celery) processes, Redis and the Twilio stand-in; plus closed-loop customers that count
what was lost or answered twice.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import redis

from server.store import keys
from tests.support.redis_server import free_port
from tests.support.twilio_stub import TwilioStub, inbound_params, message_sid, signed_webhook

REPO = Path(__file__).resolve().parents[2]
PUBLIC = "https://bot.example.test"
WEBHOOK_PATH = "/twilio/whatsapp"


def wait_until(condition: Callable[[], Any], timeout: float, what: str | Callable[[], str]) -> Any:
    """Poll `condition` until truthy; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what() if callable(what) else what}")


class Proc:
    """A `kavak-agent` subprocess in its own process group, its output in a log file."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path, log_level: str = "INFO") -> None:
        """Start `python -m cli.main <args>` from the repository root."""
        self.log = log
        self._out = open(log, "ab")  # noqa: SIM115 - closed in stop()
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "--log-level", log_level, *args],
            cwd=REPO,
            env=env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def alive(self) -> bool:
        """The process has not exited."""
        return self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole process group (the worker and its pool children)."""
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(10)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 10 s."""
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        self._out.close()

    def output(self) -> str:
        """What the process printed so far."""
        return self.log.read_text(errors="replace")


class Deployment:
    """App + workers + Twilio stub on one environment: Redis mode with `redis_url`, embedded mode without."""

    def __init__(self, tmp: Path, twilio: TwilioStub, redis_url: str | None = None, **extra_env: str) -> None:
        """Nothing runs until `start_app()` / `start_worker()`."""
        self.tmp = tmp
        self.redis_url = redis_url
        self.twilio = twilio
        self.port = free_port()
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "TWILIO_", "REDIS_"))},
            **twilio.env(),
            "DATA_DIR": str(tmp / "data"),
            "PUBLIC_BASE_URL": PUBLIC,
            "BURST_DEBOUNCE_MS": "400",
            "TWILIO_RETRY_BACKOFF_S": "0.05",
            "TWILIO_SEND_ATTEMPTS": "3",
            "PYTHONUNBUFFERED": "1",
            **({"REDIS_URL": redis_url} if redis_url else {}),
            **extra_env,
        }
        self.procs: list[Proc] = []
        self.app: Proc | None = None
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=10)
        self.redis = redis.Redis.from_url(redis_url, decode_responses=True) if redis_url else None

    def start_app(self, name: str = "serve", log_level: str = "INFO", **env: str) -> Proc:
        """`kavak-agent serve` on the deployment's port."""
        self.app = Proc(
            ["serve", "--port", str(self.port)], {**self.env, **env}, self.tmp / f"{name}.log", log_level=log_level
        )
        self.procs.append(self.app)
        return self.app

    def start_worker(self, name: str = "worker", concurrency: int = 2, log_level: str = "INFO", **env: str) -> Proc:
        """`kavak-agent worker` with optional extra environment."""
        proc = Proc(
            ["worker", "--concurrency", str(concurrency), "--loglevel", log_level],
            {**self.env, **env},
            self.tmp / f"{name}.log",
            log_level=log_level,
        )
        self.procs.append(proc)
        return proc

    def readyz(self, workers: bool = False) -> httpx.Response | None:
        """GET /readyz (None while the app does not answer)."""
        try:
            return self.http.get("/readyz", params={"workers": "1"} if workers else None)
        except httpx.TransportError:
            return None

    def wait_ready(self, workers: bool = False, timeout: float = 90) -> None:
        """Until /readyz (with `workers`: and a live worker) answers 200."""

        def ready() -> bool:
            if self.app is not None and not self.app.alive:
                raise AssertionError(f"serve exited:\n{self.app.output()}")
            response = self.readyz(workers)
            return response is not None and response.status_code == 200

        wait_until(ready, timeout, "the app to be ready")

    def send(self, sender: str, body: str, sid: str | None = None, **extra: str) -> httpx.Response:
        """A signed inbound WhatsApp message (signed for the public URL, posted on loopback)."""
        params = inbound_params(sender, body, sid, **extra)
        return signed_webhook(self.http, WEBHOOK_PATH, params, signed_url=PUBLIC + WEBHOOK_PATH)

    def reply_record(self, sender: str, sid: str) -> dict[str, Any] | None:
        """The worker's reply record for the batch starting with `sid` (Redis or the embedded SQLite file)."""
        if self.redis is not None:
            raw = self.redis.get(keys.reply(sender, sid))
            return json.loads(raw) if raw else None
        with sqlite3.connect(self.tmp / "data" / "inbox.sqlite") as conn:
            row = conn.execute("SELECT record FROM replies WHERE thread_id = ? AND key = ?", (sender, sid)).fetchone()
        return json.loads(row[0]) if row else None

    def idle(self, sender: str) -> bool:
        """No waiting or unfinished messages for `sender` (Redis mode)."""
        assert self.redis is not None
        return not self.redis.exists(keys.inbox(sender), keys.processing(sender))

    def stop(self) -> None:
        """Stop every process."""
        for proc in reversed(self.procs):
            proc.stop()
        self.http.close()
        if self.redis is not None:
            self.redis.close()


@dataclass
class Tally:
    """What happened to the acknowledged messages."""

    acknowledged: int = 0
    answered: int = 0
    lost: list[str] = field(default_factory=list)
    doubled: int = 0
    refused: int = 0
    """Deliveries the webhook did not acknowledge (Redis down): Twilio reports those to the sender."""

    def __str__(self) -> str:
        """One line for assertion messages and benchmark output."""
        return (
            f"acknowledged={self.acknowledged} answered={self.answered} lost={len(self.lost)} "
            f"doubled={self.doubled} refused={self.refused}"
        )


class Customers:
    """Closed-loop customers: each sends a message (retrying the same MessageSid until acknowledged, as Twilio
    would), waits for its reply, then sends the next; one message in flight each, so replies never merge."""

    def __init__(self, deploy: Deployment, count: int, text: str, prefix: str = "+52155123") -> None:
        """Customers `whatsapp:<prefix><5 digits>`; `text` must get a one-part reply."""
        self.deploy, self.text = deploy, text
        self.senders = [f"whatsapp:{prefix}{i:05d}" for i in range(count)]
        self.acked: dict[str, list[str]] = {s: [] for s in self.senders}
        self.refused = 0
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._talk, args=(s,), daemon=True) for s in self.senders]
        self._http = threading.local()

    def start(self) -> Customers:
        """Start talking."""
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        """Stop sending new messages (replies may still arrive)."""
        self._stop.set()
        for thread in self._threads:
            thread.join(90)

    def _talk(self, sender: str) -> None:
        client = httpx.Client(base_url=str(self.deploy.http.base_url), timeout=5)
        try:
            while not self._stop.is_set():
                sid = message_sid()
                params = inbound_params(sender, self.text, sid)
                acked = False
                for _ in range(50):  # Twilio-style retries of one delivery
                    try:
                        response = signed_webhook(client, WEBHOOK_PATH, params, signed_url=PUBLIC + WEBHOOK_PATH)
                        acked = response.status_code == 200
                    except httpx.TransportError:
                        acked = False
                    if acked or self._stop.wait(0.2):
                        break
                    self.refused += 1
                if not acked:
                    continue
                self.acked[sender].append(sid)
                wanted = len(self.acked[sender])
                deadline = time.monotonic() + 90
                while len(self.deploy.twilio.sent(sender)) < wanted and time.monotonic() < deadline:
                    time.sleep(0.05)
        finally:
            client.close()

    def tally(self, wait_s: float = 90.0) -> Tally:
        """Wait (up to `wait_s`) until every acknowledged message is answered; then count."""
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline and any(
            len(self.deploy.twilio.sent(s)) < len(sids) for s, sids in self.acked.items()
        ):
            time.sleep(0.2)
        time.sleep(1.0)  # a duplicate would follow its original within this
        result = Tally(refused=self.refused)
        for sender, sids in self.acked.items():
            result.acknowledged += len(sids)
            sent = {m["sid"] for m in self.deploy.twilio.sent(sender)}
            answered = 0
            for sid in sids:
                record = self.deploy.reply_record(sender, sid)
                if record and record["status"] == "sent" and set(record["outbound"]) <= sent:
                    answered += 1
                else:
                    result.lost.append(sid)
            result.answered += answered
            result.doubled += max(0, len(sent) - answered)
        return result


def rss_mb(pid: int) -> float:
    """Resident memory of a process (Linux /proc), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def flood(deploy: Deployment, count: int, customers: int, text: str, concurrency: int = 8, start: int = 0) -> int:
    """Send `count` messages round-robin from `customers` numbers, `concurrency` at a time; how many were
    acknowledged. Numbers are `whatsapp:+5215540<6 digits>` (customer index + `start`)."""
    acked = 0
    lock = threading.Lock()
    indexes = iter(range(start, start + count))

    def run() -> None:
        nonlocal acked
        with httpx.Client(base_url=str(deploy.http.base_url), timeout=10) as client:
            for i in indexes:
                sender = f"whatsapp:+5215540{i % customers:06d}"
                params = inbound_params(sender, text)
                response = signed_webhook(client, WEBHOOK_PATH, params, signed_url=PUBLIC + WEBHOOK_PATH)
                if response.status_code == 200:
                    with lock:
                        acked += 1

    threads = [threading.Thread(target=run) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return acked
