"""Identity: who the customer is — probabilistic record matching, the identity graph on top."""

from __future__ import annotations

from cxloop.defaults import ColumnKind
from cxloop.identity.evaluate import IdentityScore, evaluate_profiles, read_truth
from cxloop.identity.explain import demo_step, explain_identifier
from cxloop.identity.guardrails import DEFAULT_GUARDRAILS, Guardrails, load_guardrails
from cxloop.identity.profiles import PROFILES, event_profiles, find_identifier, profile_of
from cxloop.identity.record_columns import ColumnSpec, infer_columns
from cxloop.identity.record_linkage import (
    DEFAULT_THRESHOLD,
    PAIRS_SCHEMA,
    RecordLinkError,
    RecordLinkResult,
    link_records,
    read_person_records,
)
from cxloop.identity.resolve import ResolveSummary, resolve_identities
from cxloop.identity.rules import RuleError, add_rule

__all__ = [
    "DEFAULT_GUARDRAILS",
    "DEFAULT_THRESHOLD",
    "PAIRS_SCHEMA",
    "PROFILES",
    "ColumnKind",
    "ColumnSpec",
    "Guardrails",
    "IdentityScore",
    "RecordLinkError",
    "RecordLinkResult",
    "ResolveSummary",
    "RuleError",
    "add_rule",
    "demo_step",
    "evaluate_profiles",
    "event_profiles",
    "explain_identifier",
    "find_identifier",
    "infer_columns",
    "link_records",
    "load_guardrails",
    "profile_of",
    "read_person_records",
    "read_truth",
    "resolve_identities",
]
