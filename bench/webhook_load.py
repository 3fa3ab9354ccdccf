"""Webhook acknowledgement under load on loopback: signed Twilio webhooks into Redis vs a bare FastAPI endpoint.

    python -m bench.webhook_load [--requests 10000] [--connections 8 32 128] [--max-seconds 30]

Starts a real Redis (JSON + Search), `server.app` under one uvicorn worker (no Celery worker: queued messages
stay in Redis and are counted), and a bare FastAPI app answering the same TwiML without doing anything.
A raw-asyncio HTTP/1.1 keep-alive load generator sends a fixed number of pre-signed requests per level
(each with its own MessageSid) and stops by itself; it prints throughput and p50/p99 latency, and checks that
every acknowledged message is in Redis (target: >= 2,000 req/s with p99 < 20 ms at 32 connections).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import httpx
import redis
from fastapi import FastAPI, Request
from fastapi.responses import Response

from bench.stats import percentile

REPO = Path(__file__).resolve().parent.parent
TOKEN = "bench-auth-token"
TWIML = b'<?xml version="1.0" encoding="UTF-8"?><Response/>'

bare_app = FastAPI()


@bare_app.post("/twilio/whatsapp")
async def bare_webhook(request: Request) -> Response:
    """The floor: read the body, answer the same TwiML, nothing else."""
    await request.body()
    return Response(TWIML, media_type="application/xml")


def build_requests(port: int, count: int, customers: int = 500) -> list[bytes]:
    """`count` signed inbound-message requests, each with a fresh MessageSid."""
    from twilio.request_validator import RequestValidator

    validator = RequestValidator(TOKEN)
    url = f"http://127.0.0.1:{port}/twilio/whatsapp"
    out = []
    for i in range(count):
        sid = "SM" + uuid.uuid4().hex
        params = {
            "MessageSid": sid,
            "SmsMessageSid": sid,
            "AccountSid": "AC" + "0" * 32,
            "From": f"whatsapp:+5215{i % customers:08d}",
            "To": "whatsapp:+14155238886",
            "Body": "Do you have any Chebys under 300k?",
            "NumMedia": "0",
            "ProfileName": "Cliente",
            "ApiVersion": "2010-04-01",
        }
        body = urlencode(params).encode()
        head = (
            f"POST /twilio/whatsapp HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n"
            f"X-Twilio-Signature: {validator.compute_signature(url, params)}\r\n\r\n"
        )
        out.append(head.encode() + body)
    return out


async def load(
    port: int, requests: list[bytes], connections: int, max_seconds: float
) -> tuple[list[float], int, float]:
    """Send `requests` over `connections` keep-alive connections: (latencies s, non-200 count, wall time s)."""
    latencies: list[float] = []
    errors = 0
    next_index = 0
    deadline = time.perf_counter() + max_seconds

    async def client() -> None:
        nonlocal next_index, errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while next_index < len(requests) and time.perf_counter() < deadline:
                data = requests[next_index]
                next_index += 1
                start = time.perf_counter()
                writer.write(data)
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                await reader.readexactly(length)
                latencies.append(time.perf_counter() - start)
                if not head.startswith(b"HTTP/1.1 200"):
                    errors += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(connections)))
    return latencies, errors, time.perf_counter() - started


def start_uvicorn(target: str, port: int, env: dict[str, str], factory: bool) -> subprocess.Popen[bytes]:
    """One uvicorn worker on loopback, no access log."""
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        target,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    if factory:
        cmd.append("--factory")
    proc = subprocess.Popen(cmd, cwd=REPO, env=env)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return proc
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"{target} did not start")


def queued(client: redis.Redis) -> int:
    """Messages stored in inboxes (no worker runs, so nothing is consumed)."""
    return sum(int(client.llen(key)) for key in client.scan_iter("kavak:inbox:*", count=1000))


def run_load(port: int, requests: list[bytes], connections: int, max_seconds: float) -> tuple[list[float], int, float]:
    """`load` on uvloop (the generator must not be the bottleneck on a small machine)."""
    import uvloop

    return uvloop.run(load(port, requests, connections, max_seconds))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=10_000, help="requests per level (default 10000)")
    parser.add_argument("--connections", type=int, nargs="+", default=[8, 32, 128])
    parser.add_argument("--max-seconds", type=float, default=30.0, help="time cap per level")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    from tests.support.redis_server import RedisServer, free_port

    with RedisServer() as server, tempfile.TemporaryDirectory() as tmp:
        app_port, bare_port = free_port(), free_port()
        env = {
            **os.environ,
            "REDIS_URL": server.url,
            "DATA_DIR": tmp,
            "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
            "TWILIO_AUTH_TOKEN": TOKEN,
            "TWILIO_WHATSAPP_FROM": "whatsapp:+14155238886",
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{app_port}",
        }
        env.pop("OPENAI_API_KEY", None)
        procs = [
            start_uvicorn("server.app:create_app", app_port, env, factory=True),
            start_uvicorn("bench.webhook_load:bare_app", bare_port, env, factory=False),
        ]
        client = redis.Redis.from_url(server.url)
        try:
            print(
                f"{args.requests} signed webhooks per level, one uvicorn worker each, loopback, {os.cpu_count()} CPUs"
            )
            print(
                f"{'conns':>5} | {'endpoint':<22} | {'req/s':>8} | {'p50 ms':>7} | {'p99 ms':>7} | "
                f"{'non-200':>7} | lost"
            )
            # warm-up both servers (imports, first Redis connections, script load)
            run_load(app_port, build_requests(app_port, 500), 8, 10)
            run_load(bare_port, build_requests(bare_port, 500), 8, 10)
            for conns in args.connections:
                for name, port in (("redis queue (app)", app_port), ("bare FastAPI", bare_port)):
                    reqs = build_requests(port, args.requests)
                    before = queued(client)
                    lat, errors, wall = run_load(port, reqs, conns, args.max_seconds)
                    lost = "-"
                    if port == app_port:
                        lost = str(len(lat) - errors - (queued(client) - before))
                    print(
                        f"{conns:>5} | {name:<22} | {len(lat) / wall:>8.0f} | "
                        f"{percentile(lat, 50) * 1000:>7.2f} | {percentile(lat, 99) * 1000:>7.2f} | "
                        f"{errors:>7} | {lost}"
                    )
        finally:
            client.close()
            for proc in procs:
                proc.terminate()
                proc.wait(10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
