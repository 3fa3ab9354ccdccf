"""What the routes need, built once by the app's lifespan and kept on `app.state.services`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from twilio.request_validator import RequestValidator

from server.settings import ServerSettings
from server.store import Store
from server.worker import InProcessWorker


@dataclass
class Services:
    """Settings, compiled graph, checkpointer, the channel's store and the optional in-process worker."""

    settings: ServerSettings
    graph: Any
    checkpointer: BaseCheckpointSaver
    store: Store
    validator: RequestValidator | None
    """None when Twilio is not configured (embedded mode without credentials): the webhook answers 503."""
    worker: InProcessWorker | None = None
