"""The priority score of SPEC 1, computed in Decimal so that 0.7 is P0, not 0.6999999."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from quotas.models import LEVEL_ORDER, Customer, Level
from quotas.services import URGENT_LEVELS

from ..models import PriorityPolicy, Ticket

SIX_PLACES = Decimal("0.000001")
ZERO = Decimal(0)
ONE = Decimal(1)


def _round(value: Decimal) -> Decimal:
    return value.quantize(SIX_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Score:
    impact: Decimal
    time: Decimal
    customer: Decimal
    difficulty: Decimal
    total: Decimal
    level: str
    policy_version: int


def customer_score_for(*, customer: Customer, policy: PriorityPolicy) -> Decimal:
    """The customer component; `customer.tier` should be loaded by the caller."""
    if customer.is_strategic_partner:
        return policy.strategic_partner_score
    return customer.tier.customer_score


def level_for(*, score: Decimal, policy: PriorityPolicy) -> str:
    if score >= policy.threshold_p0:
        return Level.P0
    if score >= policy.threshold_p1:
        return Level.P1
    if score >= policy.threshold_p2:
        return Level.P2
    return Level.P3


def compute_score(
    *,
    policy: PriorityPolicy,
    impact_scope: int,
    remaining_window_hours: Decimal,
    customer_score: Decimal,
    difficulty: int,
) -> Score:
    impact = min(Decimal(impact_scope) / policy.impact_full_scale, ONE)
    remaining = max(Decimal(remaining_window_hours), ZERO)
    time = max(ZERO, ONE - remaining / policy.time_horizon_hours)
    difficulty_component = ONE - Decimal(difficulty) / Decimal(policy.difficulty_max)
    # The weighted sum uses the unrounded components; only what is stored is rounded.
    total = _round(
        policy.weight_impact * impact
        + policy.weight_time * time
        + policy.weight_customer * customer_score
        + policy.weight_difficulty * difficulty_component
    )
    return Score(
        impact=_round(impact),
        time=_round(time),
        customer=_round(customer_score),
        difficulty=_round(difficulty_component),
        total=total,
        level=level_for(score=total, policy=policy),
        policy_version=policy.version,
    )


def most_urgent(*levels: str) -> str:
    return min((level for level in levels if level), key=LEVEL_ORDER.index)


def least_urgent(*levels: str) -> str:
    return max((level for level in levels if level), key=LEVEL_ORDER.index)


def one_level_up(level: str) -> str:
    return LEVEL_ORDER[max(LEVEL_ORDER.index(level) - 1, 0)]


def unpaid_urgent_ask(ticket: Ticket) -> bool:
    return ticket.requested_level in URGENT_LEVELS and not ticket.quota_source


def level_cap(*, tier_cap: str, requested_level: str) -> str:
    """The most urgent level a score may give: the tier's highest requestable level, and
    no more than the customer asked for. An empty request (the desk's own filing, no
    level asked) is capped by the tier alone."""
    return least_urgent(tier_cap, requested_level)


def cap_for(ticket: Ticket) -> str:
    """The cap a re-score applies. An urgent ask with no credit held for it (none spent,
    because intake judged it P3, or refunded when it was triaged to P3) is capped at P3:
    the customer has not paid for urgency, so only escalation or an override raises it.
    `ticket.customer.tier` should be loaded by the caller."""
    if unpaid_urgent_ask(ticket):
        return Level.P3
    return level_cap(
        tier_cap=ticket.customer.tier.max_requestable_level,
        requested_level=ticket.requested_level,
    )


def resolve_level(*, score_level: str, cap: str, escalated_level: str, override_level: str) -> str:
    """The level a request works at: an override wins; otherwise the score's level, capped
    (level_cap), and never below an escalation."""
    if override_level:
        return override_level
    level = least_urgent(score_level, cap)
    if escalated_level:
        level = most_urgent(level, escalated_level)
    return level


@dataclass(frozen=True)
class Component:
    name: str
    value: Decimal
    weight: Decimal

    @property
    def contribution(self) -> Decimal:
        return _round(self.value * self.weight)


@dataclass(frozen=True)
class LevelExplanation:
    """Why a request has its level: what the request page shows."""

    components: list[Component]
    score: Decimal
    policy_version: int
    score_level: str
    cap: str
    tier_cap: str
    requested_level: str
    unpaid: bool
    capped: bool
    escalated_level: str
    override_level: str
    override_reason: str
    level: str


def explain_level(ticket: Ticket) -> LevelExplanation:
    """Needs `policy` and `customer__tier` loaded with the ticket."""
    policy = ticket.policy
    score_level = level_for(score=ticket.score, policy=policy)
    cap = cap_for(ticket)
    return LevelExplanation(
        components=[
            Component("impact", ticket.impact_score, policy.weight_impact),
            Component("time", ticket.time_score, policy.weight_time),
            Component("customer", ticket.customer_score, policy.weight_customer),
            Component("difficulty", ticket.difficulty_score, policy.weight_difficulty),
        ],
        score=ticket.score,
        policy_version=policy.version,
        score_level=score_level,
        cap=cap,
        tier_cap=ticket.customer.tier.max_requestable_level,
        requested_level=ticket.requested_level,
        unpaid=unpaid_urgent_ask(ticket),
        capped=LEVEL_ORDER.index(score_level) < LEVEL_ORDER.index(cap),
        escalated_level=ticket.escalated_level,
        override_level=ticket.override_level,
        override_reason=ticket.override_reason,
        level=ticket.level,
    )
