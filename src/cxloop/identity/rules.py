"""Manual identity rules that keep a wrong merge undone on every later run.

* ``detach`` (``cxloop identity split <identifier>``): the identifier links nobody any more; it
  keeps its events in a profile of its own.
* ``never_link`` (``cxloop identity never-link A B`` or ``split A --from B``): A and B never
  share a profile; the guardrails cut the weakest links between them, exactly as for a limit.

Adding a rule recomputes the profiles it touches at once and is written to the audit log.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pyarrow as pa

from cxloop.identity.audit import record_rule
from cxloop.identity.graph import IDENTITY_MAP, RULES
from cxloop.identity.guardrails import DEFAULT_GUARDRAILS, Guardrails
from cxloop.identity.resolve import ResolveSummary, ensure_identity_tables, resolve_identities
from cxloop.store import Store

__all__ = ["RuleError", "add_rule"]


class RuleError(ValueError):
    """A rule that cannot be added; the message names the identifier."""


def _profile(store: Store, identifier: str) -> str:
    found = store.query(
        f"SELECT profile_id FROM {IDENTITY_MAP.name} WHERE identifier = {store.param}",
        (identifier,),
    )
    if found.num_rows == 0:
        raise RuleError(
            f"identifier {identifier!r} is not in the identity graph; give it as "
            "type:value (e.g. email:ann@example.com) after cxloop identity resolve"
        )
    return str(found.column(0)[0].as_py())


def add_rule(
    store: Store,
    kind: str,
    identifier: str,
    other: str | None = None,
    *,
    reason: str | None = None,
    guardrails: Guardrails = DEFAULT_GUARDRAILS,
) -> ResolveSummary:
    """Add a ``detach`` or ``never_link`` rule, record it, and recompute what it touches.

    Raises:
        RuleError: unknown kind, an identifier not in the graph, or a never-link without a
            second identifier (or with the same one twice).
    """
    ensure_identity_tables(store)
    if kind not in ("detach", "never_link"):
        raise RuleError(f"unknown rule kind {kind!r}; one of detach, never_link")
    profile = _profile(store, identifier)
    if kind == "never_link":
        if not other:
            raise RuleError("a never-link rule needs two identifiers")
        if other == identifier:
            raise RuleError(f"never-link {identifier!r} with itself")
        _profile(store, other)
    rule_id = f"r-{uuid.uuid4().hex[:10]}"
    store.append(
        RULES.name,
        pa.table(
            {
                "rule_id": [rule_id],
                "kind": [kind],
                "identifier": [identifier],
                "other": [other if kind == "never_link" else None],
                "reason": [reason],
                "created_at": [dt.datetime.now(dt.UTC)],
            },
            schema=RULES.schema,
        ),
    )
    record_rule(
        store,
        "split" if kind == "detach" else "never_link",
        profile,
        {"rule_id": rule_id, "identifier": identifier, "other": other, "reason": reason},
    )
    touched = [identifier] + ([other] if other else [])
    return resolve_identities(store, guardrails=guardrails, touched=touched)
