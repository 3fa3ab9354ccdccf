"""`kavak-agent serve` (uvicorn + the app) and `kavak-agent worker` (Celery), both configured from the env."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from pydantic import ValidationError

from server.settings import ConfigurationError, ServerSettings


def _settings(check: str) -> ServerSettings:
    try:
        settings = ServerSettings()
        getattr(settings, check)()
    except (ValidationError, ConfigurationError) as exc:
        raise SystemExit(f"kavak-agent: invalid configuration: {exc}") from exc
    return settings


def serve(args: argparse.Namespace) -> int:
    """Run the FastAPI app under uvicorn (one process; embedded worker when REDIS_URL is unset)."""
    import uvicorn

    from server.app import create_app

    settings = _settings("validate_for_serving")
    level = logging.getLogger().getEffectiveLevel()
    url = f"http://{'[' + args.host + ']' if ':' in args.host else args.host}:{args.port}"
    chat = f"web chat {url}/ · " if settings.webchat_enabled else ""
    print(
        f"kavak-agent serve: {chat}staff inbox {url}/staff · API docs {url}/docs · "
        f"WhatsApp webhook {url}/twilio/whatsapp",
        flush=True,
    )
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        access_log=level <= logging.INFO,
        log_level=logging.getLevelName(level).lower(),
        proxy_headers=False,
    )
    return 0


def worker(args: argparse.Namespace) -> int:
    """Run a Celery worker that dispatches queued threads, runs their turns and sends the replies."""
    from server.celery_app import QUEUE, create_celery
    from server.notifications.runtime import attach_to_celery

    settings = _settings("validate_for_worker")
    app = create_celery(settings)
    try:
        attach_to_celery(app, settings)  # the worker also delivers the sales team's notifications
    except ConfigurationError as exc:
        raise SystemExit(f"kavak-agent: invalid configuration: {exc}") from exc
    argv = [
        "worker",
        f"--concurrency={args.concurrency}",
        f"--loglevel={args.loglevel}",
        "--pool=prefork",
        f"--queues={QUEUE}",
        f"--hostname=kavak-{os.getpid()}@%h",
        "--without-gossip",
        "--without-mingle",
    ]
    sys.stdout.flush()
    app.worker_main(argv)
    return 0
