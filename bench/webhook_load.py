"""Webhook acknowledgement under load on loopback: signed Twilio webhooks into Redis vs a bare FastAPI endpoint.

    python -m bench.webhook_load [--requests 30000] [--connections 8 32 128] [--seconds 5]

Starts a real Redis (JSON + Search), `server.app` under one uvicorn worker (no Celery worker: queued messages
stay in Redis and are counted), and a bare FastAPI app answering the same TwiML without doing anything.
Pre-signed requests (each with its own MessageSid) are sent over keep-alive connections by `wrk` (one thread,
a Lua script cycling through them, a fixed duration per level) when it is installed (`apt-get install wrk`),
else by a raw-asyncio generator with a fixed request count; both stop by themselves. It prints throughput and
p50/p99 latency and checks that every acknowledged message is in Redis (target: >= 2,000 req/s with p99 < 20 ms
at 32 connections).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
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
    return sum(int(client.llen(key)) for key in client.scan_iter("kavak:{*}:inbox", count=1000))


def run_load(port: int, requests: list[bytes], connections: int, max_seconds: float) -> tuple[list[float], int, float]:
    """`load` on uvloop (the generator must not be the bottleneck on a small machine)."""
    import uvloop

    return uvloop.run(load(port, requests, connections, max_seconds))


WRK_SCRIPT = """
local requests = dofile(os.getenv("WRK_REQUESTS"))
local total, sent = #requests, 0
request = function()
  sent = sent + 1
  return requests[math.min(sent, total)]  -- past the end: the last one again (a duplicate, acknowledged only)
end
done = function(summary, latency)
  io.write(string.format('{"answered": %d, "seconds": %f, "p50_us": %d, "p99_us": %d, "errors": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout))
end
"""


def run_wrk(port: int, requests: list[bytes], connections: int, seconds: float) -> tuple[float, float, float, int, int]:
    """wrk, one thread, for `seconds`: (req/s, p50 s, p99 s, errors, responses received)."""
    with tempfile.TemporaryDirectory() as tmp:
        table = Path(tmp) / "requests.lua"
        table.write_text("return {\n" + ",\n".join(_lua_string(r) for r in requests) + "\n}\n")
        script = Path(tmp) / "signed.lua"
        script.write_text(WRK_SCRIPT)
        out = subprocess.run(
            ["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "-s", str(script), f"http://127.0.0.1:{port}"],
            capture_output=True,
            text=True,
            env={**os.environ, "WRK_REQUESTS": str(table)},
            check=True,
        )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    rate = result["answered"] / result["seconds"]
    return rate, result["p50_us"] / 1e6, result["p99_us"] / 1e6, result["errors"], result["answered"]


def _lua_string(raw: bytes) -> str:
    return '"' + "".join(f"\\{b:03d}" if b < 32 or b in (34, 92) or b > 126 else chr(b) for b in raw) + '"'


def measure(port: int, requests: list[bytes], connections: int, seconds: float) -> tuple[float, float, float, int, int]:
    """(req/s, p50 s, p99 s, errors, acknowledged) with wrk when installed, else the asyncio generator."""
    if shutil.which("wrk"):
        return run_wrk(port, requests, connections, seconds)
    latencies, errors, wall = run_load(port, requests, connections, seconds * 6)
    return len(latencies) / wall, percentile(latencies, 50), percentile(latencies, 99), errors, len(latencies) - errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=30_000, help="distinct signed requests per level")
    parser.add_argument("--connections", type=int, nargs="+", default=[8, 32, 128])
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each level with wrk")
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
            generator = "wrk -t1" if shutil.which("wrk") else "asyncio generator"
            print(
                f"up to {args.requests} distinct signed webhooks per level ({args.seconds:g} s with wrk), one uvicorn "
                f"worker each, loopback, {os.cpu_count()} CPUs, load from {generator}"
            )
            print(
                f"{'conns':>5} | {'endpoint':<22} | {'req/s':>8} | {'p50 ms':>7} | {'p99 ms':>7} | "
                f"{'non-200':>7} | lost"
            )
            # warm-up both servers (imports, first Redis connections, script load)
            run_load(app_port, build_requests(app_port, 500), 8, 10)
            run_load(bare_port, build_requests(bare_port, 500), 8, 10)
            if shutil.which("wrk") is None:
                print("(wrk not installed: the Python generator shares the CPUs and lowers every figure)")
            for conns in args.connections:
                for name, port in (("redis queue (app)", app_port), ("bare FastAPI", bare_port)):
                    reqs = build_requests(port, args.requests)
                    before = queued(client)
                    rate, p50, p99, errors, acked = measure(port, reqs, conns, args.seconds)
                    lost = "-"
                    if port == app_port:  # every distinct acknowledged message must be in an inbox
                        lost = str(max(0, min(acked, len(reqs)) - (queued(client) - before)))
                    print(
                        f"{conns:>5} | {name:<22} | {rate:>8.0f} | {p50 * 1000:>7.2f} | {p99 * 1000:>7.2f} | "
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
