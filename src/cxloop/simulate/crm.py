"""Customer records from two source systems (``crm`` and ``billing``), as messy as real ones.

Most people have a record in both systems; a few have two records in the CRM. Fields are copied
from the person and then damaged the way people and systems damage them: nicknames, swapped or
dropped letters, accents lost, abbreviated streets, other phone formats, missing values, a
billing system that often lacks the customer number.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxloop.simulate.catalog import COUNTRY_CODES, LANGUAGES, SEGMENTS, TIERS
from cxloop.simulate.ids import digits_string, scramble
from cxloop.simulate.names import NICKNAMES, STREET_ABBREVIATIONS, ascii_fold
from cxloop.simulate.people import Population

CRM_COLUMNS: tuple[str, ...] = (
    "record_id",
    "source_system",
    "customer_id",
    "first_name",
    "last_name",
    "date_of_birth",
    "address",
    "city",
    "postcode",
    "country",
    "email",
    "phone",
    "tier",
    "segment",
    "preferred_language",
)


def _typo(word: str, r: float) -> str:
    """Swap two neighbouring letters or drop one (r in [0, 1) picks the position and kind)."""
    if len(word) < 4:
        return word
    pos = 1 + int(r * (len(word) - 2))
    if r < 0.5:
        return word[:pos] + word[pos + 1] + word[pos] + word[pos + 2 :]
    return word[:pos] + word[pos + 1 :]


def _apply(values: np.ndarray, mask: np.ndarray, fn: object, r: np.ndarray) -> None:
    """Apply a per-value damage function to the masked rows only (a few % of records)."""
    idx = np.flatnonzero(mask)
    values[idx] = [
        fn(v, x) if isinstance(v, str) else v  # type: ignore[operator]
        for v, x in zip(values[idx], r[idx], strict=True)
    ]


def _abbreviate(address: str, _: float) -> str:
    for long, short in STREET_ABBREVIATIONS:
        if long in address:
            return address.replace(long, short)
    return address


def _strip_accents(name: str, _: float) -> str:
    folded = ascii_fold(name)
    return folded[:1].upper() + folded[1:] if folded else name


def generate_crm(
    pop: Population, seed: int, rng: np.random.Generator
) -> tuple[pd.DataFrame, np.ndarray]:
    """The CRM extract (columns :data:`CRM_COLUMNS`) and each record's true person index."""
    in_crm = rng.random(pop.n) < 0.97
    in_billing = rng.random(pop.n) < 0.80
    crm_dup = in_crm & (rng.random(pop.n) < 0.03)
    person = np.concatenate(
        [np.flatnonzero(in_crm), np.flatnonzero(crm_dup), np.flatnonzero(in_billing)]
    )
    system = np.concatenate(
        [
            np.zeros(in_crm.sum() + crm_dup.sum(), dtype=np.int8),
            np.ones(in_billing.sum(), dtype=np.int8),
        ]
    )
    n = len(person)
    r = rng.random((n, 16))
    first = pop.first_name[person].copy()
    last = pop.last_name[person].copy()
    nick = np.array([NICKNAMES.get(x, x) for x in first], dtype=object)
    use_nick = r[:, 0] < 0.15
    first[use_nick] = nick[use_nick]
    _apply(first, r[:, 1] < 0.04, _typo, r[:, 2])
    _apply(last, r[:, 3] < 0.04, _typo, r[:, 2])
    _apply(last, (r[:, 4] < 0.12) & (system == 1), _strip_accents, r[:, 2])
    upper = r[:, 5] < 0.03
    last[upper] = np.array([x.upper() for x in last[upper]], dtype=object)

    dob = pop.date_of_birth[person].astype(str).astype(object)
    swap = (r[:, 6] < 0.02) & (pd.to_datetime(pd.Series(dob)).dt.day.to_numpy() <= 12)
    dob[swap] = np.array([f"{d[:4]}-{d[8:10]}-{d[5:7]}" for d in dob[swap]], dtype=object)
    dob[r[:, 7] < 0.05] = None

    address = pop.street[person].copy()
    _apply(address, r[:, 8] < 0.3, _abbreviate, r[:, 2])
    address[r[:, 9] < 0.03] = None
    postcode = pop.postcode[person].copy()
    postcode[r[:, 9] > 0.97] = None

    email = pop.email[person].copy()
    work = pop.email_work[person]
    use_work = (r[:, 10] < 0.1) & (work != None)  # noqa: E711
    email[use_work] = work[use_work]
    typo = r[:, 10] > 0.97
    email[typo] = pop.email_typo[person[typo]]
    shouty = (r[:, 11] < 0.05) & (email != None)  # noqa: E711
    email[shouty] = np.array([e.title() for e in email[shouty]], dtype=object)
    email[r[:, 11] > 0.9] = None

    form = (r[:, 12] * 5).astype(np.int64)
    crm_forms = pop.phone_crm_forms[person]
    event_forms = pop.phone_forms[person]
    phone = np.where(
        form < 3,
        crm_forms[np.arange(n), np.minimum(form, 2)],
        event_forms[np.arange(n), np.clip(form - 3, 0, 1)],
    )
    phone[r[:, 13] < 0.1] = None

    customer_id = pop.customer_id[person].copy()
    customer_id[(system == 1) & (r[:, 14] < 0.3)] = None
    tier = np.array(TIERS, dtype=object)[pop.tier[person]]
    stale = (system == 1) & (r[:, 15] < 0.05)
    tier[stale] = np.array(TIERS, dtype=object)[np.maximum(pop.tier[person[stale]] - 1, 0)]
    language = np.array(LANGUAGES, dtype=object)[pop.language[person]]
    language[(system == 1) & (r[:, 15] > 0.8)] = None

    prefix = np.where(system == 0, "CRM-", "BIL-").astype(object)
    serial = scramble(np.arange(n), 9_000_000, seed, 60) + 1_000_000
    record_id = prefix + digits_string(serial, 7).to_numpy(zero_copy_only=False).astype(object)
    frame = pd.DataFrame(
        {
            "record_id": record_id,
            "source_system": np.where(system == 0, "crm", "billing"),
            "customer_id": customer_id,
            "first_name": first,
            "last_name": last,
            "date_of_birth": dob,
            "address": address,
            "city": pop.city[person],
            "postcode": postcode,
            "country": np.array(COUNTRY_CODES)[pop.country[person]],
            "email": email,
            "phone": phone,
            "tier": tier,
            "segment": np.array(SEGMENTS, dtype=object)[pop.segment[person]],
            "preferred_language": language,
        }
    )
    order = rng.permutation(n)
    return frame.iloc[order].reset_index(drop=True), person[order]
