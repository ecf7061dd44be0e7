"""Journey construction rules: plain data (no expressions from data are evaluated), documented
in docs/journeys.md, loadable from a JSON file with ``--rules``."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

HOUR_S = 3600
DAY_S = 86_400


@dataclass(frozen=True)
class JourneyRules:
    """How touchpoints become journeys. Every time is in seconds.

    Args:
        service_types: event types that make a contact (a conversation or a session) a service
            touchpoint — something the customer did about a need.
        service_pages: ``attributes.page`` values that do the same (a contact page, the
            "solved" page of the help centre).
        resolution_types: event types that say the need was met.
        resolution_pages: pages that say the same (self-service success pages).
        identify_types: event types where the customer is asked to identify (``auth``,
            ``login``); a second one inside a contact is a re-identification.
        signed_in_identifier_types: identifier types that show the customer arrived signed in
            when the first event of a contact carries one; an identity check after that is a
            re-identification.
        follow_on: ``[type, actor]`` pairs (actor ``"*"`` for any) of events without a
            conversation or session that belong to the journey just before them (a survey, a
            refund, a plan purchase the system books after a contact).
        survey_types: events that carry survey scores.
        generic_intents: intents that say nothing about the need (thanks, unknown…); they never
            decide a journey's type.
        inactivity_s: a contact more than this long after the previous contact of an
            unresolved journey starts a new journey.
        inactivity_by_type: per journey type (the label of the previous contact) overrides.
        escalation_s: the next contact within this long of the previous one is an escalation
            (self-service → assisted, bot drop-out → call); asking for identity again then is a
            re-identification.
        follow_on_s: how long after a journey's end a follow-on event is still its own.
        repeat_window_s: a contact within this long after an earlier contact about the same
            need that reached or queued for a person is a repeat contact.
        outcome_window_s: purchases and churn this long after a journey are its outcome.
        queue_label_pattern: regular expression whose first group turns a queue name into a
            rule-based label (``billing_en`` → ``billing``) when no intent model is present.
        min_intent_confidence: intents below this confidence are ignored.
        open_grace_s: an unresolved journey whose last contact is within this long of the
            newest event is still ``open`` (defaults to ``inactivity_s``).
    """

    service_types: tuple[str, ...] = (
        "search",
        "faq_view",
        "message",
        "call_start",
        "ivr_menu",
        "queue_enter",
        "abandon",
        "transfer",
        "handoff",
        "case_opened",
        "case_resolved",
        "email_received",
        "email_sent",
    )
    service_pages: tuple[str, ...] = ("/contact", "/help/solved", "/password/reset/done")
    resolution_types: tuple[str, ...] = ("case_resolved",)
    resolution_pages: tuple[str, ...] = ("/help/solved", "/password/reset/done")
    identify_types: tuple[str, ...] = ("auth", "login")
    signed_in_identifier_types: tuple[str, ...] = ("customer_id",)
    follow_on: tuple[tuple[str, str], ...] = (
        ("survey_response", "*"),
        ("refund", "system"),
        ("purchase", "system"),
    )
    survey_types: tuple[str, ...] = ("survey_response",)
    outcome_types: tuple[str, ...] = ("purchase", "refund", "churn", "signup")
    generic_intents: tuple[str, ...] = (
        "thanks",
        "unknown",
        "speak_to_agent",
        "greeting",
        "other",
        "oos",
        "out_of_scope",
    )
    inactivity_s: float = 5 * DAY_S
    inactivity_by_type: dict[str, float] = field(default_factory=dict)
    escalation_s: float = 4 * HOUR_S
    follow_on_s: float = 3 * DAY_S
    repeat_window_s: float = 7 * DAY_S
    outcome_window_s: float = 90 * DAY_S
    queue_label_pattern: str = r"^(.+?)_[a-z]{2}$"
    min_intent_confidence: float = 0.0
    open_grace_s: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The rules as JSON-ready data."""
        data = asdict(self)
        data["follow_on"] = [list(p) for p in self.follow_on]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JourneyRules:
        """Rules from data; unknown keys are an error that names them."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown journey rule(s) {unknown}; known: {sorted(known)}")
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key == "follow_on":
                values[key] = tuple((str(t), str(a)) for t, a in value)
            elif key == "inactivity_by_type":
                values[key] = {str(k): float(v) for k, v in value.items()}
            elif isinstance(value, list):
                values[key] = tuple(str(v) for v in value)
            else:
                values[key] = value
        return replace(cls(), **values)

    @classmethod
    def from_file(cls, path: Path) -> JourneyRules:
        """Rules from a JSON file (keys as in :meth:`to_dict`; missing keys keep defaults)."""
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))


DEFAULT_RULES = JourneyRules()
