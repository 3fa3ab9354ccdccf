"""The records kept per WhatsApp thread: an inbound message and the reply to a batch of them."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Literal

ReplyStatus = Literal["pending", "sent", "failed"]


@dataclass(frozen=True)
class InboundMessage:
    """One customer message as received by the webhook."""

    sid: str
    thread_id: str
    text: str
    received_at: float

    def dumps(self) -> str:
        """JSON form stored in the inbox."""
        return json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def loads(cls, raw: str | bytes) -> InboundMessage:
        """Inverse of `dumps`."""
        return cls(**json.loads(raw))


@dataclass
class ReplyRecord:
    """The reply to one batch of inbound messages and how far its sending got (the exactly-once record)."""

    key: str
    """MessageSid of the batch's first message."""
    to: str
    sids: list[str]
    parts: list[str]
    sent: int = 0
    """Parts already accepted by Twilio; a redelivered task resumes after them."""
    outbound: list[str] = field(default_factory=list)
    status: ReplyStatus = "pending"
    """pending (turn done, sending), sent, or failed (Twilio kept refusing)."""
    error: str = ""
    sending: int | None = None
    """Index of the part whose send was started and not yet recorded (a crash there leaves it set)."""
    sending_at: float = 0.0
    """Unix time that send started: where to look in Twilio's message list before sending again."""

    def dumps(self) -> str:
        """JSON form of the record."""
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def loads(cls, raw: str | bytes) -> ReplyRecord:
        """Inverse of `dumps`."""
        return cls(**json.loads(raw))
