"""The golden dataset: conversations with reference outputs, validated and converted to LangSmith examples."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any, Literal

from langsmith.schemas import Example
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

EVALS_DIR = Path(__file__).resolve().parent
GOLDEN_PATH = EVALS_DIR / "golden.jsonl"
BRAND_FREE_PATH = EVALS_DIR / "brand_free.txt"
"""Customer-style sentences naming no car: the understanding must find none in any of them."""
SPLITS: dict[str, Path] = {
    "golden": GOLDEN_PATH,
    "unscripted": EVALS_DIR / "unscripted.jsonl",
    "holdout": EVALS_DIR / "unscripted_holdout.jsonl",
}
"""Named datasets: the golden gate, hand-written unscripted conversations, and their held-out part (never tuned on)."""
DATASET_NAME = "kavak-agent-golden"
ToolName = Literal[
    "normalize_brand",
    "search_inventory",
    "calculate_financing",
    "max_price_for_payment",
    "schedule_visit",
    "reschedule_visit",
    "cancel_visit",
    "find_visit",
    "search_knowledge",
    "request_human",
]
ACTION_TOOLS: tuple[str, ...] = (
    "calculate_financing",
    "schedule_visit",
    "reschedule_visit",
    "cancel_visit",
    "request_human",
)
"""Tools with consequences: called only when a turn expects (or allows) them."""
_NAMESPACE = uuid.UUID("6b1f6f4e-3c1a-4a57-9d55-3f0c0e1b8a11")


class DatasetError(ValueError):
    """A golden file that cannot be read or does not validate, with the line that failed."""


class ToolCallSpec(BaseModel):
    """An expected tool call: its name and only the arguments that matter."""

    model_config = ConfigDict(extra="forbid")

    name: ToolName
    args: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _ids_are_numbers(self) -> ToolCallSpec:
        stock_id = self.args.get("stock_id")
        if isinstance(stock_id, str) and stock_id.isdigit():
            self.args["stock_id"] = int(stock_id)
        return self


class Turn(BaseModel):
    """One customer message and what the agent must do with it."""

    model_config = ConfigDict(extra="forbid")

    user: str
    tools: list[ToolCallSpec] = Field(default_factory=list, description="Calls that must happen this turn.")
    allow: list[ToolName] = Field(default_factory=list, description="Action tools tolerated but not required.")
    guardrail: bool = Field(default=False, description="Only a question is right: no tool at all.")
    facts: list[str] = Field(default_factory=list, description="Text the reply must contain (case-insensitive).")
    absent: list[str] = Field(default_factory=list, description="Text the reply must not contain.")
    knowledge: str | None = Field(default=None, description="Knowledge-base section the answer must come from.")
    handoff: bool = Field(default=False, description="The turn must hand the conversation to a person.")
    reference: str = Field(min_length=1, description="A good reply, for similarity and the judge.")

    @model_validator(mode="after")
    def _guardrail_has_no_tools(self) -> Turn:
        if self.guardrail and (self.tools or self.allow):
            raise ValueError("a guardrail turn expects no tool calls")
        return self


class SeededVisit(BaseModel):
    """A visit booked in this chat before the conversation starts ("is my appointment still on?")."""

    model_config = ConfigDict(extra="forbid")

    stock_id: int
    customer_name: str
    when: str = Field(description="ISO date and time in America/Mexico_City, after the evaluation clock.")


class Conversation(BaseModel):
    """A golden conversation: one or more customer turns with their references."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    language: Literal["es", "en"]
    category: str = Field(default="", description="The golden set's one category.")
    categories: list[str] = Field(default_factory=list, description="What the conversation exercises (unscripted).")
    persona: str | None = Field(default=None, description="Who writes (unscripted sets).")
    goal: Literal["visit"] | None = Field(default=None, description="'visit': must end in a booked visit.")
    notes: str | None = None
    booked: list[SeededVisit] = Field(default_factory=list, description="Visits already booked in this chat.")
    turns: list[Turn] = Field(min_length=1)

    @model_validator(mode="after")
    def _has_a_category(self) -> Conversation:
        if not self.category and not self.categories:
            raise ValueError("a conversation needs a category or categories")
        if not self.category:
            self.category = self.categories[0]
        if not self.categories:
            self.categories = [self.category]
        return self

    @model_validator(mode="after")
    def _visit_goal_books(self) -> Conversation:
        if self.goal == "visit" and not any(c.name == "schedule_visit" for t in self.turns for c in t.tools):
            raise ValueError("a conversation with goal 'visit' must expect schedule_visit")
        return self

    def inputs(self) -> dict[str, Any]:
        """What the target receives: the customer's messages in order."""
        inputs: dict[str, Any] = {"id": self.id, "language": self.language, "messages": [t.user for t in self.turns]}
        if self.booked:
            inputs["booked"] = [v.model_dump() for v in self.booked]
        return inputs

    def reference_outputs(self) -> dict[str, Any]:
        """What the evaluators compare against."""
        return {"goal": self.goal, "turns": [t.model_dump(exclude_none=True) for t in self.turns]}


def load_dataset(path: Path | str = GOLDEN_PATH, limit: int | None = None) -> list[Conversation]:
    """Read and validate a JSONL golden file; ids must be unique."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise DatasetError(f"cannot read dataset {path}: {exc.strerror}") from exc
    conversations: list[Conversation] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            conversation = Conversation.model_validate(json.loads(line))
        except (ValueError, ValidationError) as exc:
            raise DatasetError(f"{path.name}:{number}: {exc}") from exc
        if conversation.id in seen:
            raise DatasetError(f"{path.name}:{number}: duplicate id {conversation.id!r}")
        seen.add(conversation.id)
        conversations.append(conversation)
    if not conversations:
        raise DatasetError(f"{path}: no conversations")
    return conversations[:limit] if limit else conversations


def example_id(dataset_name: str, conversation_id: str) -> uuid.UUID:
    """A stable example id, so uploading the dataset again updates instead of duplicating."""
    return uuid.uuid5(_NAMESPACE, f"{dataset_name}/{conversation_id}")


def to_examples(conversations: list[Conversation], dataset_name: str = DATASET_NAME) -> list[Example]:
    """LangSmith `Example`s (local evaluation needs these objects, not dicts)."""
    dataset_id = uuid.uuid5(_NAMESPACE, dataset_name)
    return [
        Example(
            id=example_id(dataset_name, c.id),
            dataset_id=dataset_id,
            inputs=c.inputs(),
            outputs=c.reference_outputs(),
            metadata={
                "conversation_id": c.id,
                "category": c.category,
                "categories": c.categories,
                "persona": c.persona,
                "language": c.language,
                "turns": len(c.turns),
            },
        )
        for c in conversations
    ]
