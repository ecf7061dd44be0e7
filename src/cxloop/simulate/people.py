"""The simulated customers: who they are, where they live and every identifier they use.

All fields are arrays indexed by person (0…n-1); strings are numpy object arrays. Households
(a few % of people) share an address, a billing account, a tablet and sometimes an email.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cxloop.simulate.catalog import COUNTRIES, COUNTRY_CODES, LANGUAGES, TIER_WEIGHTS
from cxloop.simulate.ids import (
    digits_string,
    email_typos,
    hash_keys,
    national_numbers,
    phone_formats,
    scramble,
)
from cxloop.simulate.names import (
    CITIES,
    EMAIL_DOMAINS,
    FIRST_NAMES,
    LAST_NAMES,
    STREETS,
    ascii_fold,
)

MAX_DEVICES = 3
WORK_DOMAINS = ("acme-corp.com", "globex.com", "initech.com", "umbrella.io", "contoso.com")


@dataclass
class Population:
    """Every simulated person, as parallel arrays (see module docstring)."""

    n: int
    country: np.ndarray  # int8 index into COUNTRIES
    language: np.ndarray  # int8 index into LANGUAGES
    tier: np.ndarray  # int8 index into TIERS
    segment: np.ndarray  # int8 index into SEGMENTS
    female: np.ndarray
    first_name: np.ndarray
    last_name: np.ndarray
    date_of_birth: np.ndarray  # datetime64[D]
    street: np.ndarray  # the address line, as the person writes it
    city: np.ndarray
    postcode: np.ndarray
    household: np.ndarray  # int32, -1 when the person lives alone
    customer_id: np.ndarray
    account: np.ndarray  # billing account, shared within a household
    email: np.ndarray
    email_work: np.ndarray  # None when the person has no second address
    email_household: np.ndarray  # None unless the household shares one
    prefers_household_email: np.ndarray  # writes from the shared address most of the time
    email_typo: np.ndarray  # how this person's address gets mistyped
    phone_e164: np.ndarray
    phone_forms: np.ndarray  # (n, PHONE_EVENT_FORMATS)
    phone_crm_forms: np.ndarray  # (n, 3)
    phone2_e164: np.ndarray  # None when the person has a single phone
    phone2_forms: np.ndarray
    social: np.ndarray  # None when the person has no social handle
    n_devices: np.ndarray
    device_keys: np.ndarray  # uint64 (n, MAX_DEVICES); the household tablet is separate
    household_device: np.ndarray  # uint64, 0 when no shared tablet
    journey_rate: np.ndarray  # expected journeys over the whole span
    purchase_rate: np.ndarray  # expected purchases per 30 days
    browse_rate: np.ndarray  # expected browsing sessions over the span
    temperament: np.ndarray  # persistent mood offset (−…+)
    value_scale: np.ndarray  # typical basket in USD


_NONE = np.array(None, dtype=object)
"""A missing value, for np.where over object arrays."""


def _pick(options: tuple[str, ...], rng: np.random.Generator, n: int) -> np.ndarray:
    return np.array(options, dtype=object)[rng.integers(0, len(options), n)]


def _unique_emails(emails: np.ndarray, seed: int, tag: int) -> np.ndarray:
    """Make addresses unique by inserting a number before ``@`` where a name repeats."""
    out = emails.copy()
    for round_ in range(5):
        dup = pd.Series(out).duplicated(keep="first").to_numpy() & (out != None)  # noqa: E711
        if not dup.any():
            return out
        idx = np.flatnonzero(dup)
        number = scramble(idx, 99_991, seed, tag + round_) + 1
        parts = pc.split_pattern(pa.array(out[idx], type=pa.string()), "@", max_splits=1)
        local = pc.list_element(parts, 0)
        domain = pc.list_element(parts, 1)
        out[idx] = pc.binary_join_element_wise(
            local, pa.array(number).cast(pa.string()), "@", domain, ""
        ).to_numpy(zero_copy_only=False)
    return out


def _households(n: int, share: float, rng: np.random.Generator) -> np.ndarray:
    """Household id per person (-1 alone): households of 2 (80%) or 3 people."""
    household = np.full(n, -1, dtype=np.int32)
    members_wanted = round(n * share)
    if members_wanted < 2:
        return household
    sizes = rng.choice([2, 3], size=members_wanted // 2 + 1, p=[0.8, 0.2])
    sizes = sizes[np.cumsum(sizes) <= members_wanted]
    members = rng.permutation(n)[: sizes.sum()]
    household[members] = np.repeat(np.arange(len(sizes), dtype=np.int32), sizes)
    return household


def generate_population(
    n: int, seed: int, rng: np.random.Generator, household_share: float = 0.06
) -> Population:
    """Generate ``n`` people with names, addresses, tiers and identifiers."""
    idx = np.arange(n)
    country_w = np.array([c.weight for c in COUNTRIES])
    country = rng.choice(len(COUNTRIES), size=n, p=country_w / country_w.sum()).astype(np.int8)
    lang_mix = np.array([c.language_mix for c in COUNTRIES])
    language = (rng.random(n)[:, None] > np.cumsum(lang_mix[country], axis=1)).sum(1)
    language = np.minimum(language, len(LANGUAGES) - 1).astype(np.int8)
    tier = rng.choice(3, size=n, p=TIER_WEIGHTS).astype(np.int8)
    segment = (rng.random(n) < np.where(tier == 2, 0.3, 0.1)).astype(np.int8)
    female = rng.random(n) < 0.5

    household = _households(n, household_share, rng)
    # a household copies its first member's country, language, address and (often) last name
    hh_ids, head_pos = np.unique(household[household >= 0], return_index=True)
    head_of = np.full(n, -1)
    in_hh = np.flatnonzero(household >= 0)
    heads = in_hh[head_pos]
    head_lookup = np.full(len(hh_ids), -1)
    head_lookup[hh_ids] = heads
    head_of[in_hh] = head_lookup[household[in_hh]]
    follower = (head_of >= 0) & (head_of != idx)
    country[follower] = country[head_of[follower]]
    language[follower] = language[head_of[follower]]

    first_name = np.empty(n, dtype=object)
    first_ascii = np.empty(n, dtype=object)
    last_name = np.empty(n, dtype=object)
    street_name = np.empty(n, dtype=object)
    city = np.empty(n, dtype=object)
    postcode = np.empty(n, dtype=object)
    domain = np.empty(n, dtype=object)
    for li, lang in enumerate(LANGUAGES):
        female_names, male_names = FIRST_NAMES[lang]
        for is_f, names in ((True, female_names), (False, male_names)):
            rows = np.flatnonzero((language == li) & (female == is_f))
            pick = rng.integers(0, len(names), len(rows))
            first_name[rows] = np.array(names, dtype=object)[pick]
            first_ascii[rows] = np.array([ascii_fold(x) for x in names], dtype=object)[pick]
    for ci, code in enumerate(COUNTRY_CODES):
        rows = np.flatnonzero(country == ci)
        last_name[rows] = _pick(LAST_NAMES[code], rng, len(rows))
        street_name[rows] = _pick(STREETS[code], rng, len(rows))
        city_pick = rng.integers(0, len(CITIES[code]), len(rows))
        city[rows] = np.array([c for c, _ in CITIES[code]], dtype=object)[city_pick]
        prefix = np.array([p for _, p in CITIES[code]], dtype=object)[city_pick]
        if code == "GB":
            tail = np.char.add(
                rng.integers(1, 10, len(rows)).astype(str),
                np.array(list("ABDEFGHJLNPQRSTUWXYZ"))[rng.integers(0, 20, (len(rows), 2))]
                .astype(object)
                .sum(1)
                .astype(str),
            )
            postcode[rows] = prefix + " " + tail.astype(object)
        else:
            digits = rng.integers(0, 100, len(rows)).astype(str)
            postcode[rows] = prefix + np.char.zfill(digits, 2).astype(object)
        domain[rows] = _pick(EMAIL_DOMAINS[code], rng, len(rows))
    same_last = follower & (rng.random(n) < 0.7)
    last_name[same_last] = last_name[head_of[same_last]]
    house_no = rng.integers(1, 250, n).astype(str).astype(object)
    number_first = country <= 1  # US and GB write the number before the street
    street = np.where(number_first, house_no + " " + street_name, street_name + " " + house_no)
    street[follower] = street[head_of[follower]]
    city[follower] = city[head_of[follower]]
    postcode[follower] = postcode[head_of[follower]]

    dob = np.datetime64("1945-01-01") + rng.integers(0, 365 * 60, n).astype("timedelta64[D]")

    customer_id = "C" + digits_string(scramble(idx, 90_000_000, seed, 1) + 10_000_000, 8).to_numpy(
        zero_copy_only=False
    ).astype(object)
    account_owner = np.where(head_of >= 0, head_of, idx)
    account = "AC" + digits_string(
        scramble(account_owner, 9_000_000, seed, 2) + 1_000_000, 7
    ).to_numpy(zero_copy_only=False).astype(object)

    last_ascii = np.array([ascii_fold(x) for x in last_name], dtype=object)
    pattern = rng.integers(0, 5, n)
    year = (dob.astype("datetime64[Y]").astype(int) + 1970).astype(str).astype(object)
    local = np.select(
        [pattern == 0, pattern == 1, pattern == 2, pattern == 3],
        [
            first_ascii + "." + last_ascii,
            first_ascii + last_ascii,
            np.array([f[:1] for f in first_ascii], dtype=object) + last_ascii,
            first_ascii + "_" + last_ascii + year,
        ],
        default=last_ascii + "." + first_ascii,
    )
    email = _unique_emails(local + "@" + domain, seed, 3)
    has_work = rng.random(n) < 0.3
    work = np.where(
        has_work, first_ascii + "." + last_ascii + "@" + _pick(WORK_DOMAINS, rng, n), _NONE
    )
    email_work = _unique_emails(work, seed, 4)
    household_email = np.full(n, None, dtype=object)
    if len(hh_ids):
        shares_email = rng.random(len(hh_ids)) < 0.5
        family = np.where(
            shares_email, "the" + last_ascii[head_lookup] + "s@" + domain[head_lookup], _NONE
        )
        family = _unique_emails(family, seed, 5)
        household_email[in_hh] = family[household[in_hh]]
    email_typo = email_typos(email.astype(str), rng)
    prefers_household_email = (household_email != None) & (rng.random(n) < 0.6)  # noqa: E711

    serial = scramble(idx, 7_000_000, seed, 6)
    national = national_numbers(country, serial, rng)
    e164, forms, crm_forms = phone_formats(national, country, rng)
    has_phone2 = rng.random(n) < 0.25
    national2 = national_numbers(country, scramble(idx, 7_000_000, seed, 7), rng)
    e164_2, forms2, _ = phone_formats(national2, country, rng)
    e164_2 = np.where(has_phone2 & (e164_2 != e164), e164_2, _NONE)

    has_social = rng.random(n) < 0.25
    social = np.where(
        has_social,
        "@"
        + first_ascii
        + last_ascii
        + scramble(idx, 9_999_991, seed, 8).astype(str).astype(object),
        _NONE,
    )

    n_devices = rng.choice([1, 2, 3], size=n, p=[0.45, 0.4, 0.15]).astype(np.int8)
    device_keys = np.stack([hash_keys(seed, 10 + s, idx) for s in range(MAX_DEVICES)], axis=1)
    household_device = np.zeros(n, dtype=np.uint64)
    if len(hh_ids):
        tablet = rng.random(len(hh_ids)) < 0.7
        keys = np.where(tablet, hash_keys(seed, 20, hh_ids), np.uint64(0))
        household_device[in_hh] = keys[household[in_hh]]

    heterogeneity = rng.gamma(2.0, 0.5, n)
    store_only = rng.random(n) < 0.08
    journey_rate = np.where(store_only, 0.0, np.array([1.4, 1.8, 2.3])[tier] * heterogeneity)
    browse_rate = np.where(
        store_only, 0.0, np.array([2.0, 2.5, 3.0])[tier] * rng.gamma(2.0, 0.5, n)
    )
    purchase_rate = np.array([0.25, 0.4, 0.7])[tier] * rng.gamma(3.0, 1 / 3, n)
    value_scale = np.array([35.0, 60.0, 120.0])[tier] * np.exp(rng.normal(0, 0.3, n))

    return Population(
        n=n,
        country=country,
        language=language,
        tier=tier,
        segment=segment,
        female=female,
        first_name=first_name,
        last_name=last_name,
        date_of_birth=dob,
        street=street,
        city=city,
        postcode=postcode,
        household=household,
        customer_id=customer_id,
        account=account,
        email=email,
        email_work=email_work,
        email_household=household_email,
        prefers_household_email=prefers_household_email,
        email_typo=email_typo,
        phone_e164=e164,
        phone_forms=forms,
        phone_crm_forms=crm_forms,
        phone2_e164=e164_2,
        phone2_forms=forms2,
        social=social,
        n_devices=n_devices,
        device_keys=device_keys,
        household_device=household_device,
        journey_rate=journey_rate,
        purchase_rate=purchase_rate,
        browse_rate=browse_rate,
        temperament=rng.normal(0.0, 0.25, n),
        value_scale=value_scale,
    )
