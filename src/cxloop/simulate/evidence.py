"""Identity evidence: every identifier a person uses is, at least once, seen with their customer
number — except a small share of cookies from browsers the person never signs in on.

A company that runs identity resolution sees each cookie or app device signed in at some point,
and each email address, phone number or social handle either on one of the person's customer
records (with their customer number) or used to sign in. The contact programs and the activity
generators already produce much of this evidence (logins, authentications, purchases, receipts,
pre-chat forms, CRM records); :func:`evidence_frame` finds every identifier still without it and
adds the one event that ties it to the person's customer number:

* a cookie or an app device: a ``login`` in the browsing session where it was first used (or,
  when it was first used in a contact, a separate sign-in minutes after that contact ended);
* an email, a phone, a social handle or a billing account: a ``login`` in the app (on the
  person's own first device) with that identifier — by password with the email address, by a
  one-time code with the phone, with the social account.

Evidence events belong to no journey and carry no text, so journeys, texts, surveys, purchases
and churn are unchanged; they are appended after every other event, so all other event ids stay
the same. ``anonymous_cookie_share`` of all cookies (chosen among cookies only ever used for
anonymous browsing by one person) stay without evidence: no method can link them, and
``truth/identities.csv`` marks them ``linkable = false``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cxloop.simulate.catalog import AC, AK, CH, ET, LOGIN_METHODS
from cxloop.simulate.frame import Frame
from cxloop.simulate.ids import hash_keys
from cxloop.simulate.people import Population

DEFAULT_ANONYMOUS_COOKIE_SHARE = 0.01
"""Share of cookies that are never signed in on (and so cannot be linked to anyone)."""

ID_KINDS: tuple[str, ...] = (
    "account",
    "email",
    "phone",
    "cookie",
    "device",
    "social",
    "customer_id",
)
"""Identifier types that get evidence; the customer number is the anchor the others are tied to,
and needs its own only when nothing else ties it (a loyalty card used in store, by a person
whose only customer record lacks the number)."""
_ACCOUNT, _EMAIL, _PHONE, _COOKIE, _DEVICE, _SOCIAL, _CUSTOMER = range(len(ID_KINDS))


def _codes(values: np.ndarray, lower: bool = False) -> tuple[np.ndarray, pd.Index]:
    """An integer code per value (equal values, equal codes; missing values get -1) and the
    index of distinct values."""
    text = pa.array(values, type=pa.string())
    if lower:
        text = pc.utf8_lower(text)
    distinct = pd.Index(pc.unique(text.drop_null()).to_numpy(zero_copy_only=False))
    codes = distinct.get_indexer(text.to_numpy(zero_copy_only=False))
    return np.asarray(codes, dtype=np.int64), distinct


class _IdentifierCodes:
    """Integer codes for the identifiers whose values are strings (shared values share a code:
    a household's billing account or email address)."""

    def __init__(self, pop: Population) -> None:
        self.n = pop.n
        self.account, _ = _codes(pop.account)
        # email slots as in frame["id_email"]: 0 own, 1 work, 2 household, 3 mistyped
        emails = np.concatenate([pop.email, pop.email_work, pop.email_household, pop.email_typo])
        self.email, self.email_index = _codes(emails, lower=True)
        self.phone, _ = _codes(np.stack([pop.phone_e164, pop.phone2_e164], axis=1).ravel())

    def email_of(self, slot: np.ndarray, person: np.ndarray) -> np.ndarray:
        return np.asarray(self.email[slot.astype(np.int64) * self.n + person])

    def phone_of(self, slot: np.ndarray, person: np.ndarray) -> np.ndarray:
        return np.asarray(self.phone[person.astype(np.int64) * 2 + slot])


def _uses(frame: Frame, codes: _IdentifierCodes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every identifier shown on an event: (event row, kind, key), keys unique within a kind."""
    person = frame["person"].astype(np.int64)
    parts: list[tuple[np.ndarray, int, np.ndarray]] = []
    rows = np.flatnonzero(frame["id_account"])
    parts.append((rows, _ACCOUNT, codes.account[person[rows]]))
    rows = np.flatnonzero(frame["id_email"] >= 0)
    parts.append((rows, _EMAIL, codes.email_of(frame["id_email"][rows], person[rows])))
    rows = np.flatnonzero(frame["id_phone"] >= 0)
    parts.append((rows, _PHONE, codes.phone_of(frame["id_phone"][rows] // 4, person[rows])))
    rows = np.flatnonzero(frame["id_cookie"] != 0)
    parts.append((rows, _COOKIE, frame["id_cookie"][rows].view(np.int64)))
    rows = np.flatnonzero(frame["id_device"] != 0)
    parts.append((rows, _DEVICE, frame["id_device"][rows].view(np.int64)))
    rows = np.flatnonzero(frame["id_social"])
    parts.append((rows, _SOCIAL, person[rows]))
    row = np.concatenate([p[0] for p in parts])
    kind = np.concatenate([np.full(len(p[0]), p[1], dtype=np.int8) for p in parts])
    key = np.concatenate([p[2] for p in parts]).astype(np.int64)
    return row, kind, key


def _crm_tied(
    crm: pd.DataFrame, crm_person: np.ndarray, codes: _IdentifierCodes
) -> tuple[np.ndarray, np.ndarray]:
    """(person × 8 + kind, key) of emails and phones on a CRM record that carries the person's
    customer number (the record links them to it)."""
    has_customer = crm["customer_id"].notna().to_numpy()
    email = crm["email"].to_numpy(dtype=object)
    lowered = pc.utf8_lower(pa.array(email, type=pa.string())).to_numpy(zero_copy_only=False)
    email_key = np.asarray(codes.email_index.get_indexer(lowered), dtype=np.int64)
    has_email = has_customer & crm["email"].notna().to_numpy() & (email_key >= 0)
    has_phone = has_customer & crm["phone"].notna().to_numpy()
    person = crm_person.astype(np.int64)
    group = np.concatenate([person[has_email] * 8 + _EMAIL, person[has_phone] * 8 + _PHONE])
    key = np.concatenate(
        [
            email_key[has_email],
            codes.phone_of(np.zeros(int(has_phone.sum()), dtype=np.int64), person[has_phone]),
        ]
    )
    return group, key


def _lone_customers(
    frame: Frame,
    crm: pd.DataFrame,
    crm_person: np.ndarray,
    evidenced: np.ndarray,
    others: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """People whose customer number nothing ties to another of their identifiers although
    they have others; returns them and the first event showing their number.

    Args:
        evidenced: per person, whether an evidence event (which shows the number) is added.
        others: per person, whether another identifier of theirs is on an event.
    """
    person = frame["person"]
    shown = frame["id_customer"]
    with_other = (
        (frame["id_email"] >= 0)
        | (frame["id_phone"] >= 0)
        | (frame["id_cookie"] != 0)
        | (frame["id_device"] != 0)
        | frame["id_social"]
        | frame["id_account"]
    )
    tied = evidenced.copy()
    tied[person[shown & with_other]] = True
    has_email, has_phone = crm["email"].notna().to_numpy(), crm["phone"].notna().to_numpy()
    tied[crm_person[crm["customer_id"].notna().to_numpy() & (has_email | has_phone)]] = True
    has_other = others.copy()
    has_other[crm_person[has_email | has_phone]] = True
    rows = np.flatnonzero(shown)
    rows = rows[np.lexsort((rows, frame["ts_ms"][rows], person[rows]))]
    rows = rows[np.r_[True, person[rows][1:] != person[rows][:-1]]]  # first per person
    lone = ~tied[person[rows]] & has_other[person[rows]]
    return person[rows][lone].astype(np.int64), rows[lone]


def _contact_end(frame: Frame) -> np.ndarray:
    """Per event: the time of the last event of its contact (its own time outside contacts)."""
    contact = frame["contact"]
    inside = contact >= 0
    end = np.full(int(contact.max(initial=-1)) + 1, np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(end, contact[inside], frame["ts_ms"][inside])
    return np.where(inside, end[np.maximum(contact, 0)], frame["ts_ms"])


def evidence_frame(
    frame: Frame,
    pop: Population,
    crm: pd.DataFrame,
    crm_person: np.ndarray,
    churn_ms: np.ndarray,
    end_ms: int,
    anonymous_cookie_share: float,
    rng: np.random.Generator,
    seed: int,
) -> Frame:
    """The ``login`` events that give every identifier without evidence its evidence (see the
    module docstring); ``frame`` holds every other event of the world, inside its time span."""
    if not 0.0 <= anonymous_cookie_share <= 1.0:
        raise ValueError(
            f"anonymous_cookie_share must be between 0 and 1, not {anonymous_cookie_share}"
        )
    codes = _IdentifierCodes(pop)
    row, kind, key = _uses(frame, codes)
    person = frame["person"][row].astype(np.int64)
    ts = frame["ts_ms"][row]
    tied = frame["id_customer"][row]
    # one group per (person, kind, identifier), its uses in time order
    order = np.lexsort((row, ts, key, kind, person))
    row, kind, key, person, ts, tied = (a[order] for a in (row, kind, key, person, ts, tied))
    new = np.r_[True, (person[1:] != person[:-1]) | (kind[1:] != kind[:-1]) | (key[1:] != key[:-1])]
    starts = np.flatnonzero(new)
    g_person, g_kind, g_key, first = person[starts], kind[starts], key[starts], row[starts]
    g_tied = np.maximum.reduceat(tied.astype(np.int8), starts) > 0
    crm_group, crm_key = _crm_tied(crm, crm_person, codes)
    on_record = pd.MultiIndex.from_arrays([crm_group, crm_key])
    g_tied |= pd.MultiIndex.from_arrays([g_person * 8 + g_kind, g_key]).isin(on_record)

    # anonymous cookies: never signed in, only ever used by one person for anonymous browsing
    cookie = g_kind == _COOKIE
    in_journey = np.maximum.reduceat((frame["journey"][row] >= 0).astype(np.int8), starts) > 0
    users = pd.Series(g_key[cookie]).map(pd.Series(g_key[cookie]).value_counts()).to_numpy()
    single_user = np.zeros(len(starts), dtype=bool)
    single_user[cookie] = users == 1
    candidates = np.flatnonzero(cookie & ~g_tied & ~in_journey & single_user)
    wanted = min(round(anonymous_cookie_share * int(cookie.sum())), len(candidates))
    anonymous = np.zeros(len(starts), dtype=bool)
    anonymous[rng.choice(candidates, size=wanted, replace=False)] = True

    need = np.flatnonzero(~g_tied & ~anonymous)
    evidenced = np.zeros(pop.n, dtype=bool)
    evidenced[g_person[need]] = True
    others = np.zeros(pop.n, dtype=bool)
    others[g_person] = True
    lone, lone_anchor = _lone_customers(frame, crm, crm_person, evidenced, others)
    p = np.concatenate([g_person[need], lone])
    k = np.concatenate([g_kind[need], np.full(len(lone), _CUSTOMER, dtype=np.int8)])
    key = np.concatenate([g_key[need], lone])
    anchor = np.concatenate([first[need], lone_anchor])
    m = len(p)
    web_like = (k == _COOKIE) | (k == _DEVICE)
    # a browsing session signs in; after a contact, the customer signs in separately
    same_session = web_like & (frame["contact"][anchor] < 0) & (frame["session"][anchor] != 0)
    at = np.where(
        same_session,
        frame["ts_ms"][anchor] + rng.integers(5_000, 30_000, m),
        _contact_end(frame)[anchor] + rng.integers(30_000, 600_000, m),
    )
    churn = churn_ms[p]
    limit = np.where((churn >= 0) & (churn < end_ms), churn, end_ms) - 1
    at = np.maximum(np.minimum(at, limit), frame["ts_ms"][anchor])
    session = np.where(same_session, frame["session"][anchor], hash_keys(seed, 36, np.arange(m)))
    own_device = pop.device_keys[p, 0]
    method = np.select(
        [k == _PHONE, k == _SOCIAL],
        [LOGIN_METHODS.index("otp_sms"), LOGIN_METHODS.index("social_account")],
        LOGIN_METHODS.index("password"),
    )
    return {
        "person": p.astype(np.int32),
        "ts_ms": at.astype(np.int64),
        "channel": np.where(k == _COOKIE, CH["web"], CH["app"]),
        "etype": np.full(m, ET["login"]),
        "actor": np.full(m, AC["customer"]),
        "session": session,
        "lang": pop.language[p],
        "id_customer": np.ones(m, dtype=bool),
        "id_cookie": np.where(k == _COOKIE, key.view(np.uint64), np.uint64(0)),
        "id_device": np.where(
            k == _COOKIE, np.uint64(0), np.where(k == _DEVICE, key.view(np.uint64), own_device)
        ),
        # a lone customer number signs in to the app with the person's own email address
        "id_email": np.select([k == _EMAIL, k == _CUSTOMER], [frame["id_email"][anchor], 0], -1),
        "id_phone": np.where(k == _PHONE, frame["id_phone"][anchor], -1),
        "id_social": k == _SOCIAL,
        "id_account": k == _ACCOUNT,
        "attr_kind": np.full(m, AK["login"]),
        "a_i2": method,
    }
