"""The canonical interaction event: one touchpoint on one channel, as cxloop stores it.

Three views of the same contract live here and are kept in step by tests:

* :class:`InteractionEvent` — the pydantic v2 model (single events, the HTTP API, JSON Schema);
* :data:`EVENT_ARROW_SCHEMA` — the Arrow schema of a stored event (batches, the store);
* :func:`event_json_schema` — the JSON Schema that ``cxloop schema --json`` prints.

Input JSON looks like this (``identifiers`` may also be a list of ``{"type", "value"}`` objects,
and a value may be a list when a person shows several of one type on one event)::

    {"event_id": "e-1", "occurred_at": "2026-03-01T10:00:00+01:00", "channel": "chat",
     "type": "message", "identifiers": {"email": "Ann@Example.com", "cookie": "c-9"},
     "conversation_id": "conv-7", "actor": "customer", "text": "Where is my order?",
     "scores": {"csat": 4}, "attributes": {"page": "/orders"}}
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Literal

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cxloop.schema.identifiers import IdentifierError, normalize_identifier

CHANNELS: tuple[str, ...] = (
    "web",
    "app",
    "chat",
    "bot",
    "ivr",
    "voice",
    "email",
    "sms",
    "social",
    "survey",
    "store",
    "other",
)
"""Every channel cxloop knows; an event on any other channel is rejected."""

ACTORS: tuple[str, ...] = ("customer", "bot", "agent", "system")
"""Who produced the event."""

EVENT_TYPES: tuple[str, ...] = (
    "page_view",
    "search",
    "faq_view",
    "message",
    "call_start",
    "call_end",
    "ivr_menu",
    "queue_enter",
    "queue_exit",
    "abandon",
    "transfer",
    "handoff",
    "auth",
    "survey_response",
    "purchase",
    "refund",
    "case_opened",
    "case_resolved",
    "email_sent",
    "email_received",
    "login",
    "churn",
    "signup",
    "other",
)
"""Event types the later stages interpret. Other non-empty types are stored as they come."""

SCORE_RANGES: dict[str, tuple[int, int]] = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}
"""Survey score scales: CSAT 1–5, NPS 0–10, CES 1–7."""

MAX_TEXT_BYTES = 1_000_000
"""Longest text stored for one event (bytes of UTF-8). Longer texts are rejected, not cut."""

Channel = Literal[
    "web",
    "app",
    "chat",
    "bot",
    "ivr",
    "voice",
    "email",
    "sms",
    "social",
    "survey",
    "store",
    "other",
]
Actor = Literal["customer", "bot", "agent", "system"]

EVENT_ARROW_SCHEMA = pa.schema(
    [
        pa.field("event_id", pa.string(), nullable=False),
        pa.field("occurred_at", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("channel", pa.string(), nullable=False),
        pa.field("type", pa.string(), nullable=False),
        pa.field("identifiers", pa.list_(pa.string())),
        pa.field("conversation_id", pa.string()),
        pa.field("session_id", pa.string()),
        pa.field("actor", pa.string()),
        pa.field("agent_id", pa.string()),
        pa.field("queue", pa.string()),
        pa.field("text", pa.string()),
        pa.field("duration_s", pa.float64()),
        pa.field("wait_s", pa.float64()),
        pa.field("csat", pa.int16()),
        pa.field("nps", pa.int16()),
        pa.field("ces", pa.int16()),
        pa.field("value", pa.float64()),
        pa.field("currency", pa.string()),
        pa.field("attributes", pa.string()),
        pa.field("ingest_run_id", pa.string()),
        pa.field("source", pa.string()),
    ]
)
"""Arrow schema of a stored event. ``identifiers`` holds normalized typed strings such as
``email:ann@example.com``; ``attributes`` holds a JSON object as text; ``source`` is
``file:line`` (or ``http``) so every stored event can be traced to its input record."""

EVENT_COLUMNS: tuple[str, ...] = tuple(EVENT_ARROW_SCHEMA.names)


class Scores(BaseModel):
    """Survey answers on a ``survey_response`` event."""

    model_config = ConfigDict(extra="forbid")

    csat: int | None = Field(default=None, ge=1, le=5, description="Customer satisfaction, 1–5")
    nps: int | None = Field(default=None, ge=0, le=10, description="Likelihood to recommend, 0–10")
    ces: int | None = Field(default=None, ge=1, le=7, description="Customer effort, 1–7")


class InteractionEvent(BaseModel):
    """One touchpoint: a page view, a chat message, an IVR menu choice, a call, a survey answer…"""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    event_id: str = Field(min_length=1, max_length=200, description="Unique; the idempotency key")
    occurred_at: dt.datetime = Field(description="When it happened, with a time zone")
    channel: Channel
    type: str = Field(min_length=1, max_length=100, description="page_view, message, call_end, …")
    identifiers: dict[str, str | list[str]] = Field(
        default_factory=dict,
        description="Typed identifiers: customer_id, account, email, phone, cookie, device, "
        "social, external:<name>",
    )
    conversation_id: str | None = None
    session_id: str | None = None
    actor: Actor | None = None
    agent_id: str | None = None
    queue: str | None = None
    text: str | None = Field(default=None, description="Message or transcript; redacted at ingest")
    duration_s: float | None = Field(default=None, ge=0)
    wait_s: float | None = Field(default=None, ge=0)
    scores: Scores | None = None
    value: float | None = None
    currency: str | None = Field(default=None, min_length=3, max_length=3)
    attributes: dict[str, Any] = Field(default_factory=dict)

    @field_validator("occurred_at")
    @classmethod
    def _needs_time_zone(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None:
            raise ValueError("occurred_at needs a time zone (e.g. 2026-03-01T10:00:00Z)")
        return value.astimezone(dt.UTC)

    @field_validator("text")
    @classmethod
    def _text_size(cls, value: str | None) -> str | None:
        if value is not None and len(value.encode("utf-8")) > MAX_TEXT_BYTES:
            raise ValueError(f"text is longer than {MAX_TEXT_BYTES} bytes")
        return value

    @model_validator(mode="after")
    def _identifiers_are_valid(self) -> InteractionEvent:
        for id_type, values in self.identifiers.items():
            for value in [values] if isinstance(values, str) else values:
                try:
                    normalize_identifier(id_type, value)
                except IdentifierError as exc:
                    raise ValueError(f"identifiers.{id_type}: {exc}") from exc
        return self

    def typed_identifiers(self, default_region: str = "US") -> list[str]:
        """The identifiers as normalized typed strings (``email:ann@example.com``), sorted."""
        out: set[str] = set()
        for id_type, values in self.identifiers.items():
            for value in [values] if isinstance(values, str) else values:
                out.add(normalize_identifier(id_type, value, default_region=default_region))
        return sorted(out)

    def to_record(self, default_region: str = "US") -> dict[str, Any]:
        """The event as a row of :data:`EVENT_ARROW_SCHEMA` (without run id and source)."""
        scores = self.scores or Scores()
        return {
            "event_id": self.event_id,
            "occurred_at": self.occurred_at,
            "channel": self.channel,
            "type": self.type,
            "identifiers": self.typed_identifiers(default_region),
            "conversation_id": self.conversation_id,
            "session_id": self.session_id,
            "actor": self.actor,
            "agent_id": self.agent_id,
            "queue": self.queue,
            "text": self.text,
            "duration_s": self.duration_s,
            "wait_s": self.wait_s,
            "csat": scores.csat,
            "nps": scores.nps,
            "ces": scores.ces,
            "value": self.value,
            "currency": self.currency,
            "attributes": json.dumps(self.attributes, sort_keys=True) if self.attributes else None,
            "ingest_run_id": None,
            "source": None,
        }


def event_json_schema() -> dict[str, Any]:
    """The JSON Schema of one input event (draft 2020-12), as ``cxloop schema --json`` prints."""
    schema = InteractionEvent.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://cxloop.dev/schema/interaction-event.json"
    return schema
