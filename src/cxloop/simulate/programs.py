"""Contact programs: the fixed sequence of steps a contact of each kind can go through.

A program is a list of :class:`Step`. For the contacts of one kind, every step gets a boolean
"happens" column and a delay column, so a contact becomes a (contacts × steps) matrix;
``np.nonzero`` of the mask is the list of events, in order, without any per-event Python loop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from cxloop.simulate.catalog import AC, AK, BOT, CH, CHAT, EMAIL, ET, MESSAGING, PG, SELF, TR
from cxloop.simulate.catalog import VOICE as VOICE_KIND
from cxloop.simulate.frame import Frame
from cxloop.simulate.journeys import Contacts


class Ctx:
    """The contacts of one kind, with their decided arrays and a random generator."""

    def __init__(self, contacts: Contacts, rows: np.ndarray, rng: np.random.Generator) -> None:
        self.rows = rows
        self.n = len(rows)
        self.rng = rng
        self.data = {name: values[rows] for name, values in contacts.arrays.items()}
        self.data["index"] = contacts.index[rows]

    def __getattr__(self, name: str) -> np.ndarray:
        try:
            return np.asarray(self.__dict__["data"][name])
        except KeyError as exc:
            raise AttributeError(name) from exc

    def u(self, low: float, high: float) -> np.ndarray:
        """Uniform delays in seconds."""
        return self.rng.uniform(low, high, self.n)

    def chance(self, p: float) -> np.ndarray:
        """A coin per contact."""
        return self.rng.random(self.n) < p

    @property
    def always(self) -> np.ndarray:
        """Every contact."""
        return np.ones(self.n, dtype=bool)

    @property
    def final_on(self) -> np.ndarray:
        """A last agent is on the line (not abandoned in a transfer queue)."""
        return np.asarray(self.agent1_on & ~(self.transferred & self.abandoned2))


Cond = Callable[[Ctx], np.ndarray]


@dataclass(frozen=True)
class Step:
    """One possible event of a contact program."""

    etype: str
    actor: str
    channel: str | None  # None: the contact's own channel (web/app, sms/social)
    when: Cond
    delay: Cond  # seconds since the previous step that happened
    role: str | None = None  # "agent_outcome" picks agent_resolve or agent_pending
    attr: str = "none"
    leg: int = 0  # 1: first agent/queue, 2: after a transfer, 3: whichever served last
    wait: str | None = None
    auth: bool = False  # the customer is identified from this step on
    ids: str = "contact"  # "email": a follow-up sent to the customer's email address
    phase: int = 0  # friction phase: 1 after the first queue, 2 after a transfer
    a1: Cond | None = None
    a2: Cond | None = None
    account: bool = False  # the account number is keyed in (IVR)
    reauth: bool = False  # text said right after being asked to identify again


def _const(value: int) -> Cond:
    return lambda c: np.full(c.n, value, dtype=np.int64)


def _wait1(c: Ctx) -> np.ndarray:
    return np.asarray(c.wait1)


def _wait2(c: Ctx) -> np.ndarray:
    return np.asarray(c.wait2)


_ARTICLE: Cond = lambda c: c.intent.astype(np.int64) * 100 + c.rng.integers(1, 40, c.n)  # noqa: E731
_CASE: Cond = lambda c: c.rows.astype(np.int64)  # noqa: E731
_AUTH_METHOD: Cond = lambda c: c.rng.integers(1, 4, c.n).astype(np.int64)  # noqa: E731

SELF_SERVICE: list[Step] = [
    Step(
        "page_view",
        "customer",
        None,
        lambda c: c.always,
        lambda c: np.zeros(c.n),
        attr="page",
        a1=_const(PG["/"]),
    ),
    Step(
        "login",
        "customer",
        None,
        lambda c: c.logged_in,
        lambda c: c.u(5, 30),
        attr="login",
        auth=True,
    ),
    Step(
        "search",
        "customer",
        None,
        lambda c: c.chance(0.8),
        lambda c: c.u(5, 40),
        role="search_query",
        attr="page",
        a1=_const(PG["/search"]),
    ),
    Step(
        "faq_view",
        "customer",
        None,
        lambda c: c.always,
        lambda c: c.u(5, 60),
        attr="page",
        a1=_const(PG["/help/article"]),
        a2=_ARTICLE,
    ),
    Step(
        "faq_view",
        "customer",
        None,
        lambda c: c.chance(0.5),
        lambda c: c.u(20, 120),
        attr="page",
        a1=_const(PG["/help/article"]),
        a2=_ARTICLE,
    ),
    Step(
        "page_view",
        "customer",
        None,
        lambda c: c.resolved,
        lambda c: c.u(30, 300),
        attr="page",
        a1=lambda c: np.where(c.intent == 1, PG["/password/reset/done"], PG["/help/solved"]).astype(
            np.int64
        ),
    ),
    Step(
        "page_view",
        "customer",
        None,
        lambda c: ~c.resolved & c.chance(0.7),
        lambda c: c.u(10, 90),
        attr="page",
        a1=_const(PG["/contact"]),
    ),
]

BOT_CHAT: list[Step] = [
    Step(
        "message",
        "customer",
        "bot",
        lambda c: c.always,
        lambda c: np.zeros(c.n),
        role="customer_open",
    ),
    Step("message", "bot", "bot", lambda c: c.always, lambda c: c.u(1, 4), role="bot_reply"),
    Step(
        "auth",
        "bot",
        "bot",
        lambda c: c.bot_auth,
        lambda c: c.u(10, 40),
        attr="auth",
        auth=True,
        a1=_const(3),
    ),
    Step(
        "message",
        "customer",
        "bot",
        lambda c: c.always,
        lambda c: c.u(10, 60),
        role="customer_detail",
    ),
    Step("message", "bot", "bot", lambda c: c.always, lambda c: c.u(1, 4), role="bot_reply"),
    Step(
        "message",
        "customer",
        "bot",
        lambda c: c.bot_resolves,
        lambda c: c.u(10, 30),
        role="customer_close",
    ),
    Step(
        "case_resolved",
        "system",
        "bot",
        lambda c: c.bot_resolves,
        lambda c: c.u(1, 5),
        attr="case",
        a1=_CASE,
    ),
    Step(
        "message",
        "customer",
        "bot",
        lambda c: c.bot_handoff | c.bot_dropped,
        lambda c: c.u(10, 40),
        role="customer_human",
    ),
    Step(
        "handoff",
        "bot",
        "bot",
        lambda c: c.bot_handoff,
        lambda c: c.u(1, 4),
        attr="handoff",
        leg=1,
        a1=lambda c: c.queue1.astype(np.int64),
    ),
    Step(
        "queue_enter",
        "system",
        "chat",
        lambda c: c.bot_handoff,
        lambda c: c.u(1, 2),
        leg=1,
        wait="wait1",
    ),
    Step("abandon", "customer", "chat", lambda c: c.abandoned1, _wait1, leg=1, wait="wait1"),
    Step(
        "message",
        "agent",
        "chat",
        lambda c: c.agent1_on,
        _wait1,
        role="agent_greet",
        leg=1,
        phase=1,
    ),
    Step(
        "case_opened",
        "system",
        "chat",
        lambda c: c.agent1_on,
        lambda c: c.u(1, 3),
        attr="case",
        a1=_CASE,
    ),
    Step(
        "auth",
        "agent",
        "chat",
        lambda c: c.agent1_auth,
        lambda c: c.u(20, 60),
        attr="auth",
        leg=1,
        auth=True,
        a1=_AUTH_METHOD,
    ),
    Step(
        "message",
        "customer",
        "chat",
        lambda c: c.agent1_on,
        lambda c: c.u(20, 60),
        role="customer_repeat",
        phase=1,
        reauth=True,
    ),
    Step(
        "message",
        "agent",
        "chat",
        lambda c: c.agent1_on,
        lambda c: c.u(60, 240),
        role="agent_outcome",
        leg=1,
        phase=1,
    ),
    Step(
        "message",
        "customer",
        "chat",
        lambda c: c.agent1_on,
        lambda c: c.u(10, 40),
        role="customer_close",
        phase=1,
    ),
    Step(
        "case_resolved",
        "system",
        "chat",
        lambda c: c.agent1_on & c.resolved,
        lambda c: c.u(20, 60),
        attr="case",
        a1=_CASE,
    ),
]

_TRANSFER_LEG: list[Step] = [
    Step(
        "transfer",
        "agent",
        None,
        lambda c: c.transferred,
        lambda c: c.u(30, 120),
        attr="transfer",
        leg=1,
        a1=lambda c: c.queue1.astype(np.int64),
        a2=lambda c: c.queue2.astype(np.int64),
    ),
    Step(
        "queue_enter",
        "system",
        None,
        lambda c: c.transferred,
        lambda c: c.u(1, 3),
        leg=2,
        wait="wait2",
    ),
    Step(
        "abandon",
        "customer",
        None,
        lambda c: c.transferred & c.abandoned2,
        _wait2,
        leg=2,
        wait="wait2",
    ),
    Step(
        "message", "agent", None, lambda c: c.agent2_on, _wait2, role="agent_greet", leg=2, phase=2
    ),
    Step(
        "auth",
        "agent",
        None,
        lambda c: c.agent2_auth,
        lambda c: c.u(20, 60),
        attr="auth",
        leg=2,
        auth=True,
        a1=_AUTH_METHOD,
    ),
    Step(
        "message",
        "customer",
        None,
        lambda c: c.agent2_on,
        lambda c: c.u(15, 60),
        role="customer_repeat",
        phase=2,
        reauth=True,
    ),
    Step(
        "message",
        "agent",
        None,
        lambda c: c.final_on,
        lambda c: c.u(60, 300),
        role="agent_outcome",
        leg=3,
        phase=2,
    ),
    Step(
        "message",
        "customer",
        None,
        lambda c: c.final_on,
        lambda c: c.u(10, 30),
        role="customer_close",
        phase=2,
    ),
]


def _with_channel(steps: list[Step], channel: str) -> list[Step]:
    return [Step(**{**s.__dict__, "channel": s.channel or channel}) for s in steps]


LIVE_CHAT: list[Step] = [
    Step(
        "queue_enter",
        "system",
        "chat",
        lambda c: c.always,
        lambda c: np.zeros(c.n),
        leg=1,
        wait="wait1",
    ),
    Step("abandon", "customer", "chat", lambda c: c.abandoned1, _wait1, leg=1, wait="wait1"),
    Step(
        "message",
        "agent",
        "chat",
        lambda c: c.agent1_on,
        _wait1,
        role="agent_greet",
        leg=1,
        phase=1,
    ),
    Step(
        "case_opened",
        "system",
        "chat",
        lambda c: c.agent1_on,
        lambda c: c.u(1, 3),
        attr="case",
        a1=_CASE,
    ),
    Step(
        "auth",
        "agent",
        "chat",
        lambda c: c.agent1_auth,
        lambda c: c.u(20, 60),
        attr="auth",
        leg=1,
        auth=True,
        a1=_AUTH_METHOD,
    ),
    Step(
        "message",
        "customer",
        "chat",
        lambda c: c.agent1_on,
        lambda c: c.u(10, 60),
        role="customer_open",
        phase=1,
    ),
    Step(
        "message",
        "agent",
        "chat",
        lambda c: c.agent1_on,
        lambda c: c.u(15, 60),
        role="agent_ask",
        leg=1,
        phase=1,
    ),
    Step(
        "message",
        "customer",
        "chat",
        lambda c: c.agent1_on,
        lambda c: c.u(20, 90),
        role="customer_detail",
        phase=1,
    ),
    *_with_channel(_TRANSFER_LEG, "chat")[:-2],
    Step(
        "message",
        "agent",
        "chat",
        lambda c: c.final_on,
        lambda c: c.u(60, 240),
        role="agent_outcome",
        leg=3,
        phase=1,
    ),
    Step(
        "message",
        "customer",
        "chat",
        lambda c: c.final_on,
        lambda c: c.u(10, 40),
        role="customer_close",
        phase=1,
    ),
    Step(
        "case_resolved",
        "system",
        "chat",
        lambda c: c.resolved,
        lambda c: c.u(20, 60),
        attr="case",
        a1=_CASE,
    ),
    Step(
        "email_sent",
        "agent",
        "email",
        lambda c: c.email_followup & c.final_on,
        lambda c: c.u(600, 7200),
        role="email_followup",
        leg=3,
        ids="email",
    ),
]

_MENU_FOR_GROUP = np.array([1, 2, 3, 4, 5, 6, 6], dtype=np.int64)  # queue group → IVR menu

VOICE: list[Step] = [
    Step("call_start", "system", "ivr", lambda c: c.always, lambda c: np.zeros(c.n)),
    Step(
        "ivr_menu",
        "customer",
        "ivr",
        lambda c: c.always,
        lambda c: c.u(5, 20),
        role="ivr_utterance",
        attr="ivr_menu",
        a1=_const(1),
        a2=_const(0),
    ),
    Step(
        "ivr_menu",
        "customer",
        "ivr",
        lambda c: c.ivr_depth >= 2,
        lambda c: c.u(5, 15),
        attr="ivr_menu",
        a1=_const(2),
        a2=lambda c: _MENU_FOR_GROUP[c.queue1 // 3],
    ),
    Step(
        "ivr_menu",
        "customer",
        "ivr",
        lambda c: c.ivr_depth >= 3,
        lambda c: c.u(5, 15),
        attr="ivr_menu",
        a1=_const(3),
        a2=_const(7),
    ),
    Step(
        "auth",
        "system",
        "ivr",
        lambda c: c.ivr_auth,
        lambda c: c.u(10, 40),
        attr="auth",
        auth=True,
        account=True,
        a1=_const(0),
    ),
    Step(
        "queue_enter",
        "system",
        "voice",
        lambda c: c.always,
        lambda c: c.u(1, 3),
        leg=1,
        wait="wait1",
    ),
    Step("abandon", "customer", "voice", lambda c: c.abandoned1, _wait1, leg=1, wait="wait1"),
    Step("call_start", "agent", "voice", lambda c: c.agent1_on, _wait1, leg=1, phase=1),
    Step(
        "case_opened",
        "system",
        "voice",
        lambda c: c.agent1_on,
        lambda c: c.u(3, 10),
        attr="case",
        a1=_CASE,
    ),
    Step(
        "auth",
        "agent",
        "voice",
        lambda c: c.agent1_auth,
        lambda c: c.u(20, 60),
        attr="auth",
        leg=1,
        auth=True,
        a1=_AUTH_METHOD,
    ),
    Step(
        "message",
        "customer",
        "voice",
        lambda c: c.agent1_on,
        lambda c: c.u(10, 40),
        role="customer_open",
        phase=1,
        reauth=True,
    ),
    Step(
        "message",
        "agent",
        "voice",
        lambda c: c.agent1_on,
        lambda c: c.u(15, 60),
        role="agent_ask",
        leg=1,
        phase=1,
    ),
    Step(
        "message",
        "customer",
        "voice",
        lambda c: c.agent1_on,
        lambda c: c.u(20, 90),
        role="customer_detail",
        phase=1,
    ),
    *_with_channel(_TRANSFER_LEG, "voice")[:-2],
    Step(
        "message",
        "agent",
        "voice",
        lambda c: c.final_on,
        lambda c: c.u(60, 300),
        role="agent_outcome",
        leg=3,
        phase=1,
    ),
    Step(
        "message",
        "customer",
        "voice",
        lambda c: c.final_on,
        lambda c: c.u(10, 30),
        role="customer_close",
        phase=1,
    ),
    Step(
        "call_end",
        "agent",
        "voice",
        lambda c: c.agent1_on,
        lambda c: c.u(5, 20),
        attr="call_end",
        leg=3,
    ),
    Step(
        "case_resolved",
        "system",
        "voice",
        lambda c: c.resolved,
        lambda c: c.u(30, 120),
        attr="case",
        a1=_CASE,
    ),
    Step(
        "email_sent",
        "agent",
        "email",
        lambda c: c.email_followup & c.final_on,
        lambda c: c.u(600, 7200),
        role="email_followup",
        leg=3,
        ids="email",
    ),
]

EMAIL_THREAD: list[Step] = [
    Step(
        "email_received",
        "customer",
        "email",
        lambda c: c.always,
        lambda c: np.zeros(c.n),
        role="customer_open",
    ),
    Step(
        "case_opened",
        "system",
        "email",
        lambda c: c.always,
        lambda c: c.u(60, 600),
        attr="case",
        a1=_CASE,
    ),
    Step(
        "email_sent",
        "agent",
        "email",
        lambda c: c.always,
        lambda c: c.u(7200, 108_000),
        role="agent_outcome",
        leg=1,
    ),
    Step(
        "email_received",
        "customer",
        "email",
        lambda c: c.chance(0.4),
        lambda c: c.u(3600, 86_400),
        role="customer_close",
    ),
    Step(
        "case_resolved",
        "system",
        "email",
        lambda c: c.resolved,
        lambda c: c.u(60, 3600),
        attr="case",
        a1=_CASE,
    ),
]

MESSAGING_THREAD: list[Step] = [
    Step(
        "message",
        "customer",
        None,
        lambda c: c.always,
        lambda c: np.zeros(c.n),
        role="customer_open",
    ),
    Step(
        "message",
        "agent",
        None,
        lambda c: c.always,
        lambda c: c.u(300, 3600),
        role="agent_ask",
        leg=1,
    ),
    Step(
        "message",
        "customer",
        None,
        lambda c: c.always,
        lambda c: c.u(60, 1800),
        role="customer_detail",
    ),
    Step(
        "message",
        "agent",
        None,
        lambda c: c.always,
        lambda c: c.u(300, 3600),
        role="agent_outcome",
        leg=1,
    ),
    Step(
        "case_resolved",
        "system",
        None,
        lambda c: c.resolved,
        lambda c: c.u(60, 600),
        attr="case",
        a1=_CASE,
    ),
]

PROGRAMS: dict[int, list[Step]] = {
    SELF: SELF_SERVICE,
    BOT: BOT_CHAT,
    CHAT: LIVE_CHAT,
    VOICE_KIND: VOICE,
    EMAIL: EMAIL_THREAD,
    MESSAGING: MESSAGING_THREAD,
}


@dataclass
class ProgramPlan:
    """The contacts of one kind laid out as a (contacts × steps) matrix."""

    kind: int
    ctx: Ctx
    active: np.ndarray  # bool (n, S)
    offset_ms: np.ndarray  # int64 (n, S): time of each step since the contact started

    @property
    def duration_ms(self) -> np.ndarray:
        """How long each contact lasts, first to last event."""
        return np.asarray(self.offset_ms[:, -1])


def plan_program(kind: int, contacts: Contacts, rng: np.random.Generator) -> ProgramPlan:
    """Decide which steps happen and when, for every contact of ``kind``."""
    rows = np.flatnonzero(contacts.kind == kind)
    ctx = Ctx(contacts, rows, rng)
    steps = PROGRAMS[kind]
    active = np.stack([np.asarray(s.when(ctx), dtype=bool) for s in steps], axis=1)
    delay = np.stack([np.asarray(s.delay(ctx), dtype=np.float64) for s in steps], axis=1)
    delay_ms = np.round(delay * 1000).astype(np.int64) * active
    return ProgramPlan(kind, ctx, active, np.cumsum(delay_ms, axis=1))


def emit_program(plan: ProgramPlan, contacts: Contacts) -> Frame:
    """The events of a planned program, once contact start times are known."""
    steps = PROGRAMS[plan.kind]
    ctx = plan.ctx
    ci, si = np.nonzero(plan.active)
    rows = ctx.rows[ci]

    def per_step(values: list[int]) -> np.ndarray:
        return np.asarray(values)[si]

    step_channel = per_step([CH[s.channel] if s.channel else -1 for s in steps])
    channel = np.where(step_channel >= 0, step_channel, ctx.sub_channel[ci])
    leg = per_step([s.leg for s in steps])
    final_leg2 = ctx.agent2_on[ci]
    use_leg2 = (leg == 2) | ((leg == 3) & final_leg2)
    has_leg = leg > 0
    agent = np.where(has_leg, np.where(use_leg2, ctx.agent2[ci], ctx.agent1[ci]), -1)
    queue = np.where(has_leg, np.where(use_leg2, ctx.queue2[ci], ctx.queue1[ci]), -1)
    # bot and system steps name the queue but not an agent; handoffs are made by the bot
    actor = per_step([AC[s.actor] for s in steps])
    agent = np.where(actor == AC["agent"], agent, -1)
    wait_kind = per_step([{None: 0, "wait1": 1, "wait2": 2}[s.wait] for s in steps])
    wait_s = np.select([wait_kind == 1, wait_kind == 2], [ctx.wait1[ci], ctx.wait2[ci]], np.nan)

    role_codes = [
        -2 if s.role == "agent_outcome" else (TR[s.role] if s.role else -1) for s in steps
    ]
    role = per_step(role_codes)
    outcome = np.where(ctx.resolved[ci], TR["agent_resolve"], TR["agent_pending"])
    role = np.where(role == -2, outcome, role)

    # identification: customer_id from the first auth/login step on (and all along when the
    # customer was logged in before the contact started)
    auth_steps = np.array([s.auth for s in steps])
    first_auth = np.where(
        (plan.active & auth_steps).any(axis=1),
        np.argmax(plan.active & auth_steps, axis=1),
        len(steps),
    )
    is_email_step = per_step([s.ids == "email" for s in steps]).astype(bool)
    id_customer = (si >= first_auth[ci]) & ~is_email_step
    id_customer |= ctx.logged_in[ci] & (plan.kind in (BOT, CHAT)) & ~is_email_step

    attr_codes = per_step([AK[s.attr] for s in steps])
    a1 = np.full(len(ci), -1, dtype=np.int64)
    a2 = np.full(len(ci), -1, dtype=np.int64)
    for k, s in enumerate(steps):
        hit = si == k
        if not hit.any():
            continue
        if s.a1 is not None:
            a1[hit] = np.asarray(s.a1(ctx))[ci[hit]]
        if s.a2 is not None:
            a2[hit] = np.asarray(s.a2(ctx))[ci[hit]]

    start = contacts.start_ms[rows]
    ts = start + plan.offset_ms[ci, si]
    frame: Frame = {
        "person": contacts.person[rows],
        "journey": contacts.journey[rows],
        "contact": rows.astype(np.int32),
        "contact_index": contacts.index[rows],
        "intent": ctx.intent[ci],
        "lang": ctx.language[ci],
        "resolved": ctx.resolved[ci],
        "ts_ms": ts,
        "channel": channel,
        "etype": per_step([ET[s.etype] for s in steps]),
        "actor": actor,
        "agent": agent,
        "queue": queue,
        "wait_s": wait_s,
        "text_role": role,
        "id_customer": id_customer,
        "attr_kind": attr_codes,
        "a_i1": a1,
        "a_i2": a2,
        "id_account": per_step([s.account for s in steps]).astype(bool),
        "reauth": per_step([s.reauth for s in steps]).astype(bool)
        & (ctx.reidentifications[ci] > 0),
    }
    # friction grows after the first queue and again after a transfer
    phase = per_step([s.phase for s in steps])
    friction = (
        ctx.friction_before[ci]
        + (phase >= 1)
        * (0.25 * np.minimum(ctx.wait1[ci] / 600.0, 1.5) + 0.15 * ctx.reidentifications[ci])
        + (phase >= 2) * (0.1 + 0.25 * np.minimum(ctx.wait2[ci] / 600.0, 1.5))
    )
    frame["friction"] = friction
    _call_timings(plan, frame, ci, si)
    _contact_identifiers(plan, frame, ci, is_email_step)
    return frame


def _call_timings(plan: ProgramPlan, frame: Frame, ci: np.ndarray, si: np.ndarray) -> None:
    """duration_s, talk_s, hold_s and wrap_s on call_end events."""
    steps = PROGRAMS[plan.kind]
    frame["duration_s"] = np.full(len(ci), np.nan)
    for f in ("a_f1", "a_f2", "a_f3"):
        frame[f] = np.full(len(ci), np.nan)
    ends = [k for k, s in enumerate(steps) if s.etype == "call_end"]
    if not ends:
        return
    answered = [k for k, s in enumerate(steps) if s.etype == "call_start" and s.actor == "agent"]
    end_k, answer_k = ends[0], answered[0]
    hit = si == end_k
    ctx = plan.ctx
    rows = ci[hit]
    duration = (plan.offset_ms[rows, end_k] - plan.offset_ms[rows, answer_k]) / 1000.0
    hold = np.where(
        ctx.transferred[rows],
        ctx.wait2[rows] + 2.0,
        np.where(
            plan.ctx.rng.random(len(rows)) < 0.3, plan.ctx.rng.uniform(10, 90, len(rows)), 0.0
        ),
    )
    hold = np.minimum(hold, duration)
    frame["duration_s"][hit] = np.round(duration, 1)
    frame["a_f1"][hit] = np.round(duration - hold, 1)
    frame["a_f2"][hit] = np.round(hold, 1)
    frame["a_f3"][hit] = np.round(plan.ctx.rng.uniform(20, 150, len(rows)), 1)


def _contact_identifiers(
    plan: ProgramPlan, frame: Frame, ci: np.ndarray, is_email_step: np.ndarray
) -> None:
    """The identifiers each event shows, by contact kind (see the module docstring)."""
    ctx = plan.ctx
    n = len(ci)
    frame["id_email"] = np.full(n, -1, dtype=np.int8)
    frame["id_phone"] = np.full(n, -1, dtype=np.int8)
    frame["id_social"] = np.zeros(n, dtype=bool)
    frame["id_cookie"] = np.zeros(n, dtype=np.uint64)
    frame["id_device"] = np.zeros(n, dtype=np.uint64)
    frame["conv"] = np.asarray(ctx.conv_key)[ci]
    frame["session"] = np.asarray(ctx.session_key)[ci]
    kind = plan.kind
    if kind in (SELF, BOT, CHAT):
        web_like = ctx.sub_channel[ci] != CH["app"]
        frame["id_cookie"] = np.where(web_like, ctx.cookie_key[ci], np.uint64(0))
        frame["id_device"] = np.where(web_like, np.uint64(0), ctx.device_key[ci])
        frame["id_email"] = ctx.email_kind[ci]
    elif kind == VOICE_KIND:
        frame["id_phone"] = np.where(
            ctx.withheld[ci], -1, ctx.phone_slot[ci] * 4 + ctx.phone_form[ci]
        ).astype(np.int8)
    elif kind == EMAIL:
        frame["id_email"] = ctx.email_kind[ci]
    elif kind == MESSAGING:
        sms = ctx.sub_channel[ci] == CH["sms"]
        frame["id_phone"] = np.where(sms, ctx.phone_slot[ci] * 4, -1).astype(np.int8)
        frame["id_social"] = ~sms
    if kind == SELF:
        frame["conv"] = np.zeros(n, dtype=np.uint64)
    if kind not in (SELF, BOT):
        frame["session"] = np.zeros(n, dtype=np.uint64)
    # a follow-up email goes to the address on file, not to the channel's identifiers
    for name, none in (
        ("id_cookie", np.uint64(0)),
        ("id_device", np.uint64(0)),
        ("id_phone", -1),
        ("id_social", False),
    ):
        frame[name] = np.where(is_email_step, none, frame[name])
    frame["id_email"] = np.where(is_email_step, 0, frame["id_email"]).astype(np.int8)
