"""Vectorized building blocks for identifiers: hashing, opaque ids, phones, emails, cards.

Opaque ids (cookies, devices, events) are kept as ``uint64`` hashes until they are written; the
writer formats them (``ck_3f2a…``) in SQL. Phone numbers are built from patterns that
``phonenumbers`` accepts as valid for their region (the tests check a sample).
"""

from __future__ import annotations

import itertools

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cxloop.simulate.names import MX_AREA_CODES, US_AREA_CODES

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def mix64(values: np.ndarray) -> np.ndarray:
    """SplitMix64 finalizer: a fast, well-spread bijection of 64-bit integers."""
    with np.errstate(over="ignore"):
        z = values.astype(np.uint64) + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def hash_keys(seed: int, tag: int, *keys: np.ndarray) -> np.ndarray:
    """A 64-bit hash per row of ``keys`` (all the same length), namespaced by seed and tag.

    Distinct (seed, tag, keys) give distinct-looking ids; the same inputs always give the same id.
    """
    n = len(keys[0])
    h = mix64(np.full(n, (seed & 0xFFFFFFFF) * 4096 + tag, dtype=np.uint64))
    for key in keys:
        h = mix64(h ^ np.asarray(key).astype(np.int64).astype(np.uint64))
    return h


def scramble(index: np.ndarray, modulus: int, seed: int, tag: int) -> np.ndarray:
    """A bijection of ``0..modulus-1`` (affine map with a multiplier coprime to ``modulus``), so
    that sequential indexes become unique, random-looking numbers (customer numbers…).

    ``modulus`` must stay below 2**31 so that the arithmetic fits in int64.
    """
    if modulus >= 2**31:
        raise ValueError(f"modulus {modulus} is too large for int64 scrambling")
    mult = int(mix64(np.array([seed * 31 + tag]))[0] % np.uint64(modulus)) | 1
    while np.gcd(mult, modulus) != 1:
        mult += 2
    offset = int(mix64(np.array([seed * 37 + tag]))[0] % np.uint64(modulus))
    return (index.astype(np.int64) * mult + offset) % modulus


def digits_string(numbers: np.ndarray, width: int) -> pa.Array:
    """Non-negative integers as zero-padded decimal strings of ``width`` digits."""
    text = pa.array(np.asarray(numbers, dtype=np.int64)).cast(pa.string())
    return pc.utf8_lpad(text, width=width, padding="0")


def luhn_card_numbers(rng: np.random.Generator, n: int) -> pa.Array:
    """``n`` 16-digit card numbers (Visa 4…, Mastercard 51–55…) whose Luhn checksum is valid."""
    body = rng.integers(0, 10, size=(n, 15), dtype=np.int64)
    visa = rng.random(n) < 0.6
    body[:, 0] = np.where(visa, 4, 5)
    body[:, 1] = np.where(visa, body[:, 1], rng.integers(1, 6, n))
    # from the right of the final 16-digit number, every second digit is doubled: in the
    # 15-digit body these are the rightmost digit and every second one to its left
    rev = body[:, ::-1].copy()
    doubled = rev[:, 0::2] * 2
    rev[:, 0::2] = np.where(doubled > 9, doubled - 9, doubled)
    check = (10 - rev.sum(axis=1) % 10) % 10
    full = np.concatenate([body, check[:, None]], axis=1) + ord("0")
    raw = np.ascontiguousarray(full.astype(np.uint8)).view("S16").ravel()
    return pa.array(raw, type=pa.binary()).cast(pa.string())


def is_luhn_valid(number: str) -> bool:
    """Whether a digit string (separators ignored) passes the Luhn checksum."""
    digits = [int(ch) for ch in number if ch.isdigit()]
    total = 0
    for pos, digit in enumerate(reversed(digits)):
        if pos % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return len(digits) >= 12 and total % 10 == 0


def format_cards(cards: pa.Array, rng: np.random.Generator) -> pa.Array:
    """Card numbers written as people type them: ``4111 1111 …``, ``4111-1111-…`` or unbroken."""
    groups = [pc.utf8_slice_codeunits(cards, i, i + 4) for i in range(0, 16, 4)]
    sep = pa.array(np.array([" ", "-", ""])[rng.choice(3, size=len(cards), p=[0.5, 0.3, 0.2])])
    return pc.binary_join_element_wise(*groups, sep)


# ---------------------------------------------------------------- phones
GB_MOBILE_PREFIXES = (
    "7711",
    "7723",
    "7734",
    "7745",
    "7756",
    "7767",
    "7778",
    "7789",
    "7801",
    "7812",
    "7823",
    "7834",
    "7845",
    "7856",
    "7867",
    "7878",
    "7889",
    "7901",
    "7912",
    "7923",
    "7934",
    "7945",
    "7956",
    "7967",
    "7978",
    "7989",
    "7400",
    "7411",
    "7501",
    "7512",
)
"""UK mobile ranges that ``phonenumbers`` accepts as valid (07700 9xxxxx is not)."""

PHONE_EVENT_FORMATS = 4
"""Ways a phone appears on events; all of them normalize to E.164 with the default region US."""


def national_numbers(country: np.ndarray, serial: np.ndarray, rng: np.random.Generator) -> pa.Array:
    """A national significant number per person, valid for its country (country index as in
    :data:`cxloop.simulate.catalog.COUNTRIES`); ``serial`` must be unique within a country."""
    n = len(country)
    out = np.empty(n, dtype=object)
    # US: area code + exchange 2xx-9xx (never N11 or 555) + 4 digits
    rest = serial % 7_000_000
    exchange = 200 + rest // 10_000
    exchange = np.where((exchange % 100 == 11) | (exchange == 555), exchange + 1, exchange)
    us = np.char.add(
        np.array(US_AREA_CODES)[rng.integers(0, len(US_AREA_CODES), n)],
        np.char.add(exchange.astype(str), np.char.zfill((rest % 10_000).astype(str), 4)),
    )
    gb = np.char.add(
        np.array(GB_MOBILE_PREFIXES)[(serial // 1_000_000) % len(GB_MOBILE_PREFIXES)],
        np.char.zfill((serial % 1_000_000).astype(str), 6),
    )
    es = np.char.add("6", np.char.zfill((serial % 100_000_000).astype(str), 8))
    de = np.char.add(
        "17" + np.array(list("0123456789"))[rng.integers(0, 10, n)],
        np.char.zfill((serial % 10_000_000).astype(str), 7),
    )
    mx = np.char.add(
        np.array(MX_AREA_CODES)[rng.integers(0, len(MX_AREA_CODES), n)],
        np.char.zfill((serial % 100_000_000).astype(str), 8),
    )
    for code, numbers in enumerate((us, gb, es, de, mx)):
        mask = country == code
        out[mask] = numbers[mask]
    return pa.array(out, type=pa.string())


def _groups(text: pa.Array, cuts: list[int]) -> list[pa.Array]:
    bounds = [0, *cuts]
    pairs = itertools.pairwise(bounds)
    return [pc.utf8_slice_codeunits(text, a, b) for a, b in pairs]


def _join(parts: list[pa.Array | str], sep: str = "") -> pa.Array:
    return pc.binary_join_element_wise(*parts, sep)


# digit groups of the national number, per country, as written internationally and nationally
_INTL_CUTS = {0: [3, 6, 10], 1: [4, 10], 2: [3, 5, 7, 9], 3: [3, 10], 4: [2, 6, 10]}
_NATIONAL_PREFIX = {0: "", 1: "0", 2: "", 3: "0", 4: ""}


def phone_formats(
    national: pa.Array, country: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Written forms of each person's phone.

    Returns:
        ``e164`` (n,), ``event_forms`` (n, :data:`PHONE_EVENT_FORMATS`) — forms that normalize to
        the same E.164 under the default region US (``+44 7911 123456``, ``011 44 7911123456``,
        ``(415) 555-0123``…), and ``crm_forms`` (n, 3) — forms a CRM in the person's own country
        holds (national ``07911 123456``, ``0044 7911 123456``, E.164), which need the record's
        country to normalize.
    """
    from cxloop.simulate.catalog import COUNTRIES

    n = len(country)
    e164 = np.empty(n, dtype=object)
    event_forms = np.empty((n, PHONE_EVENT_FORMATS), dtype=object)
    crm_forms = np.empty((n, 3), dtype=object)
    for code, spec in enumerate(COUNTRIES):
        idx = np.flatnonzero(country == code)
        if len(idx) == 0:
            continue
        nat = national.take(pa.array(idx))
        cc = spec.calling_code
        groups = _groups(nat, _INTL_CUTS[code])
        plain_e164 = _join([f"+{cc}", nat])
        intl_spaced = _join([f"+{cc}", *groups], " ")
        if code == 0:
            area, exch, line = groups
            paren = _join(["(", area, ") ", exch, "-", line])
            dashed = _join(["+1 ", area, "-", exch, "-", line])
            dotted = _join([area, exch, line], ".")
            one_dash = _join(["1", area, exch, line], "-")
            pick = rng.integers(0, 2, len(idx))
            forms = [plain_e164, dashed, paren, pc.if_else(pa.array(pick == 0), dotted, one_dash)]
            national_form = paren
        else:
            us_idd = _join(["011", cc, nat], " ")
            forms = [plain_e164, intl_spaced, us_idd, _join([f"+{cc}", nat], " ")]
            first, *others = groups
            national_form = _join([_join([_NATIONAL_PREFIX[code], first]), *others], " ")
        e164[idx] = plain_e164.to_numpy(zero_copy_only=False)
        for k, form in enumerate(forms):
            event_forms[idx, k] = form.to_numpy(zero_copy_only=False)
        crm_forms[idx, 0] = national_form.to_numpy(zero_copy_only=False)
        idd_form = (
            _join(["+1 (", groups[0], ") ", groups[1], "-", groups[2]])
            if code == 0
            else _join([f"00{cc}", *groups], " ")
        )
        crm_forms[idx, 1] = idd_form.to_numpy(zero_copy_only=False)
        crm_forms[idx, 2] = plain_e164.to_numpy(zero_copy_only=False)
    return e164, event_forms, crm_forms


# ---------------------------------------------------------------- emails
def email_typos(emails: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One plausible mistyping of each address: swapped letters, a dropped letter, a doubled
    letter or a mistyped domain (``gmial.com``). Applied to whole arrays at people scale."""
    text = pa.array(emails, type=pa.string())
    at = pc.find_substring(text, "@").to_numpy()
    kind = rng.integers(0, 4, len(emails))
    # a position inside the local part (at least 2 characters from its end)
    pos = (rng.random(len(emails)) * np.maximum(at - 1, 1)).astype(np.int64)
    out = np.empty(len(emails), dtype=object)
    for k in range(4):
        for p_val in np.unique(pos[kind == k]):
            rows = np.flatnonzero((kind == k) & (pos == p_val))
            sub = text.take(pa.array(rows))
            head = pc.utf8_slice_codeunits(sub, 0, int(p_val))
            a = pc.utf8_slice_codeunits(sub, int(p_val), int(p_val) + 1)
            b = pc.utf8_slice_codeunits(sub, int(p_val) + 1, int(p_val) + 2)
            tail = pc.utf8_slice_codeunits(sub, int(p_val) + 2, 10_000)
            if k == 0:
                typo = _join([head, b, a, tail])
            elif k == 1:
                typo = _join([head, b, tail])
            elif k == 2:
                typo = _join([head, a, a, b, tail])
            else:
                typo = pc.replace_substring(sub, "@gmail.", "@gmial.")
                typo = pc.replace_substring(typo, "@hotmail.", "@hotmial.")
                typo = pc.replace_substring(typo, "@outlook.", "@outlok.")
                typo = pc.replace_substring(typo, "@yahoo.", "@yaho.")
                typo = pc.replace_substring(typo, "@web.de", "@wbe.de")
                typo = pc.replace_substring(typo, "@gmx.de", "@gmx.com")
                typo = pc.if_else(pc.equal(typo, sub), _join([head, b, a, tail]), typo)
            out[rows] = typo.to_numpy(zero_copy_only=False)
    same = out == emails
    if same.any():  # a swap of two equal letters changes nothing: double the first letter
        fixed = pa.array(emails[same], type=pa.string())
        out[same] = _join([pc.utf8_slice_codeunits(fixed, 0, 1), fixed]).to_numpy(
            zero_copy_only=False
        )
    return out
