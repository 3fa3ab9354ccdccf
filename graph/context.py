"""Per-run configuration of the agent, read by nodes through `Runtime[Context]` (Studio shows these fields)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from prompts import REPLY_PROMPT, SYSTEM_PROMPT, UNDERSTANDING_PROMPT


@dataclass(kw_only=True)
class Context:
    """Knobs a run may override; secrets and URLs live in `graph.settings.Settings` instead."""

    model: str | None = field(
        default=None,
        metadata={"description": "provider:model for understanding and replies; None uses AGENT_MODEL."},
    )
    offline: bool = field(
        default=False,
        metadata={"description": "Force rule-based understanding and templated replies even with a key."},
    )
    system_prompt: str = field(default=SYSTEM_PROMPT, metadata={"description": "Agent persona and rules."})
    understanding_prompt: str = field(
        default=UNDERSTANDING_PROMPT,
        metadata={"description": "Instructions for extracting intent and slots."},
    )
    reply_prompt: str = field(default=REPLY_PROMPT, metadata={"description": "Instructions for the reply."})
    default_term_months: int = field(
        default=48, metadata={"description": "Term used when the customer has not said one."}
    )
    max_cars_in_reply: int = field(default=5, metadata={"description": "Cars listed in one WhatsApp message."})
    max_message_chars: int = field(
        default=2000, metadata={"description": "Longer customer messages are cut before they are understood."}
    )
    history_messages: int = field(
        default=8, metadata={"description": "Recent messages the model sees when it understands a turn."}
    )
    now: str | None = field(
        default=None,
        metadata={
            "description": "The current time as ISO-8601 (for tests and evaluations); None uses the clock. Visit "
            "times ('el sábado a las 11') are resolved from it in America/Mexico_City."
        },
    )
    handoff_note_after_minutes: int = field(
        default=15,
        metadata={"description": "A handoff nobody has taken after this long gets one polite note to the customer."},
    )

    def clock(self) -> datetime:
        """The current time in Mexico City (`now` when set)."""
        zone = ZoneInfo("America/Mexico_City")
        if self.now:
            moment = datetime.fromisoformat(self.now)
            return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).astimezone(zone)
        return datetime.now(zone)
