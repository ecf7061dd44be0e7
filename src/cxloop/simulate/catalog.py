"""The fixed vocabulary of the simulated world: countries, intents, channels, queues, step codes.

Everything here is small, constant data; the generators index into these tables with integer
arrays so that no per-event Python work is needed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

WORLD_VERSION = "1.1"
"""Version of the simulated world's shape; bump when files or planted effects change."""

LANGUAGES: tuple[str, ...] = ("en", "es", "de")
"""Languages customers write and speak in (index = language code used in arrays)."""


@dataclass(frozen=True)
class Country:
    """A country customers live in: weight in the population, languages, currency, UTC offset."""

    code: str
    weight: float
    language_mix: tuple[float, float, float]  # en, es, de
    currency: str
    utc_offset_h: int
    calling_code: str


COUNTRIES: tuple[Country, ...] = (
    Country("US", 0.42, (0.86, 0.14, 0.0), "USD", -5, "1"),
    Country("GB", 0.18, (0.97, 0.02, 0.01), "GBP", 0, "44"),
    Country("ES", 0.16, (0.05, 0.95, 0.0), "EUR", 1, "34"),
    Country("DE", 0.14, (0.06, 0.0, 0.94), "EUR", 1, "49"),
    Country("MX", 0.10, (0.04, 0.96, 0.0), "MXN", -6, "52"),
)
COUNTRY_CODES: tuple[str, ...] = tuple(c.code for c in COUNTRIES)
CURRENCIES: tuple[str, ...] = ("USD", "GBP", "EUR", "MXN")
COUNTRY_CURRENCY = np.array([CURRENCIES.index(c.currency) for c in COUNTRIES], dtype=np.int8)
COUNTRY_FX = np.array([1.0, 0.8, 0.92, 0.92, 18.0])
"""Local currency units per USD, to keep purchase values comparable across countries."""

TIERS: tuple[str, ...] = ("basic", "plus", "premium")
TIER_WEIGHTS = np.array([0.6, 0.3, 0.1])
SEGMENTS: tuple[str, ...] = ("consumer", "small_business")

INTENTS: tuple[str, ...] = (
    "billing_dispute",
    "password_reset",
    "order_status",
    "delivery_problem",
    "refund",
    "cancel_service",
    "plan_upgrade",
    "technical_fault",
    "address_change",
    "payment_failure",
    "new_account",
    "complaint",
)
"""The customer needs that start a journey."""

INTENT_WEIGHTS = np.array([0.10, 0.12, 0.14, 0.10, 0.08, 0.05, 0.07, 0.10, 0.06, 0.07, 0.05, 0.06])
INTENT_MOOD = np.array(
    [-0.35, -0.05, 0.0, -0.30, -0.20, -0.25, 0.30, -0.30, 0.05, -0.20, 0.25, -0.55]
)
"""How each intent colours the customer's mood before anything goes wrong (−1…1)."""

INTENT_SELF_SERVE = np.array(
    [0.05, 0.60, 0.50, 0.10, 0.15, 0.05, 0.35, 0.15, 0.45, 0.20, 0.40, 0.0]
)
"""Chance that a self-service visit (web/app FAQ) solves the need."""

INTENT_DIFFICULTY = np.array(
    [0.30, 0.05, 0.10, 0.30, 0.20, 0.25, 0.10, 0.35, 0.05, 0.15, 0.10, 0.40]
)
"""How much harder than average an agent finds the need (lowers resolution odds)."""

# queue groups; the intent's "right" group and the misroute / escalation target
QUEUE_GROUPS: tuple[str, ...] = (
    "billing",
    "orders",
    "tech",
    "sales",
    "retention",
    "general",
    "escalations",
)
INTENT_GROUP = np.array([0, 2, 1, 1, 0, 4, 3, 2, 5, 0, 3, 4], dtype=np.int16)
GENERAL_GROUP = 5
ESCALATION_GROUP = 6
N_QUEUES = len(QUEUE_GROUPS) * len(LANGUAGES)


def queue_names() -> list[str]:
    """Queue names indexed by ``group * 3 + language`` (``billing_en``, ``tech_de``, …)."""
    return [f"{g}_{lang}" for g in QUEUE_GROUPS for lang in LANGUAGES]


# intent → slot filled into customer wording: 0 none, 1 order number, 2 amount, 3 plan name
INTENT_SLOT = np.array([2, 0, 1, 1, 1, 0, 3, 0, 0, 2, 0, 0], dtype=np.int8)
PLANS: tuple[str, ...] = ("Plus", "Premium", "Family", "Business")

# ---------------------------------------------------------------- contact kinds and channels
CONTACT_KINDS: tuple[str, ...] = ("self_service", "bot", "chat", "voice", "email", "messaging")
SELF, BOT, CHAT, VOICE, EMAIL, MESSAGING = range(6)

FIRST_CONTACT_KIND = np.array(
    [
        # self, bot, chat, voice, email, messaging
        [0.10, 0.15, 0.15, 0.45, 0.10, 0.05],  # billing_dispute
        [0.55, 0.20, 0.05, 0.15, 0.03, 0.02],  # password_reset
        [0.45, 0.20, 0.10, 0.15, 0.05, 0.05],  # order_status
        [0.15, 0.20, 0.20, 0.30, 0.08, 0.07],  # delivery_problem
        [0.20, 0.15, 0.15, 0.30, 0.15, 0.05],  # refund
        [0.10, 0.10, 0.15, 0.55, 0.07, 0.03],  # cancel_service
        [0.40, 0.15, 0.15, 0.25, 0.03, 0.02],  # plan_upgrade
        [0.20, 0.20, 0.15, 0.35, 0.05, 0.05],  # technical_fault
        [0.45, 0.15, 0.10, 0.20, 0.08, 0.02],  # address_change
        [0.25, 0.20, 0.10, 0.35, 0.05, 0.05],  # payment_failure
        [0.45, 0.20, 0.15, 0.15, 0.03, 0.02],  # new_account
        [0.00, 0.10, 0.15, 0.40, 0.20, 0.15],  # complaint
    ]
)
AFTER_SELF_SERVICE = np.array([0.0, 0.40, 0.15, 0.35, 0.05, 0.05])
"""Where a customer goes right after self-service fails (minutes later)."""
REPEAT_CONTACT = np.array([0.05, 0.05, 0.20, 0.50, 0.12, 0.08])
"""Channel of a repeat contact days after an unresolved assisted contact."""

CHANNELS_USED: tuple[str, ...] = (
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
CH = {name: i for i, name in enumerate(CHANNELS_USED)}

EVENT_TYPES_USED: tuple[str, ...] = (
    "page_view",
    "search",
    "faq_view",
    "message",
    "call_start",
    "call_end",
    "ivr_menu",
    "queue_enter",
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
)
ET = {name: i for i, name in enumerate(EVENT_TYPES_USED)}

ACTORS_USED: tuple[str, ...] = ("customer", "bot", "agent", "system")
AC = {name: i for i, name in enumerate(ACTORS_USED)}

# ---------------------------------------------------------------- text roles
TEXT_ROLES: tuple[str, ...] = (
    "search_query",
    "ivr_utterance",
    "customer_open",
    "customer_detail",
    "customer_repeat",
    "customer_human",
    "customer_close",
    "bot_reply",
    "agent_greet",
    "agent_ask",
    "agent_resolve",
    "agent_pending",
    "email_followup",
    "survey_verbatim",
)
TR = {name: i for i, name in enumerate(TEXT_ROLES)}
CUSTOMER_ROLES = np.array(
    [TR[r] for r in TEXT_ROLES if r.startswith(("customer", "search", "ivr", "survey"))]
)

# ---------------------------------------------------------------- attributes
ATTR_KINDS: tuple[str, ...] = (
    "none",
    "page",
    "ivr_menu",
    "call_end",
    "transfer",
    "auth",
    "survey",
    "purchase",
    "churn",
    "case",
    "handoff",
    "login",
)
AK = {name: i for i, name in enumerate(ATTR_KINDS)}

PAGES: tuple[str, ...] = (
    "/",
    "/search",
    "/help",
    "/help/article",
    "/account",
    "/orders",
    "/billing",
    "/contact",
    "/products",
    "/checkout",
    "/password/reset",
    "/password/reset/done",
    "/plans",
    "/help/solved",
)
PG = {name: i for i, name in enumerate(PAGES)}

IVR_MENUS: tuple[str, ...] = (
    "main",
    "billing",
    "orders",
    "technical",
    "sales",
    "account",
    "other",
    "speak_to_agent",
)
AUTH_METHODS: tuple[str, ...] = ("account_number", "date_of_birth", "security_question", "otp_sms")
LOGIN_METHODS: tuple[str, ...] = ("password", "otp_sms", "social_account")
"""How a customer signs in (``login`` attribute ``method``; code in ``a_i2``, -1 = password)."""
CHURN_REASONS: tuple[str, ...] = ("contract_cancelled", "moved_to_competitor", "non_payment")

SECONDS_PER_DAY = 86_400
MS_PER_DAY = SECONDS_PER_DAY * 1000
