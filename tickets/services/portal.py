"""What customers see and do on the portal: their requests' place in the queue, the live
queue status, replies while the desk waits on them, and satisfaction ratings."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Protocol, cast

from django.contrib.auth.models import AbstractBaseUser, User
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from quotas.models import Customer, Level, Source
from quotas.services import (
    URGENT_LEVELS,
    Eligibility,
    OptionFacts,
    balances_of,
    check_eligibility,
    first_day_of_next_month,
    hold_price,
    used_this_month,
)
from staffing.models import Lane

from ..models import Satisfaction, Ticket
from .errors import TicketError
from .intake import lane_for, submit_request

# Throughput is measured over this window: long enough to be stable, short enough to
# follow today's staffing.
THROUGHPUT_WINDOW = timedelta(hours=24)


def customer_of(user: AbstractBaseUser) -> Customer:
    """The one account a portal user acts for; anything else is not found."""
    customer = Customer.objects.select_related("tier").filter(portal_users__user_id=user.pk).first()
    if customer is None:
        raise Http404
    return customer


@dataclass(frozen=True)
class QuotaCard:
    balances: list[tuple[str, int]]
    unlimited: bool
    used: int
    next_reset: date


def quota_card(*, customer: Customer, now: datetime) -> QuotaCard:
    """Remaining credits by source, used this month and the next reset (portal pages)."""
    return QuotaCard(
        balances=[(str(Source(s).label), n) for s, n in balances_of(customer=customer).items()],
        unlimited=customer.tier.has_unlimited_quota,
        used=used_this_month(customer=customer, now=now),
        next_reset=first_day_of_next_month(now=now),
    )


def eligibility_by_level(*, customer: Customer) -> list[tuple[str, Eligibility]]:
    """What filing at each urgent level would mean now; the balances are read once."""
    balances, facts = balances_of(customer=customer), OptionFacts(customer)
    return [
        (
            level,
            check_eligibility(
                customer=customer, requested_level=level, balances=balances, facts=facts
            ),
        )
        for level in URGENT_LEVELS
    ]


@transaction.atomic
def submit_from_portal(
    *,
    customer: Customer,
    submitted_by: User,
    title: str,
    description: str,
    impact_scope: int,
    time_window_hours: Decimal,
    difficulty: int,
    requested_level: str,
    pay_confirmed: bool,
    confirmed_price: Decimal,
) -> Ticket:
    """File the customer's request. A pay-per-use confirmation holds for the price the
    form stated: if it changed meanwhile, NotEligible and nothing is written."""
    if pay_confirmed:
        hold_price(customer=customer, confirmed_price=confirmed_price)
    return submit_request(
        customer=customer,
        submitted_by=submitted_by,
        title=title,
        description=description,
        impact_scope=impact_scope,
        time_window_hours=time_window_hours,
        difficulty=difficulty,
        requested_level=requested_level,
        pay_confirmed=pay_confirmed,
    )


def with_queue_position(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Annotate `ahead`: requests waiting for an agent in the same lane before each one."""
    ahead = (
        Ticket.objects.waiting_for_agent()
        .filter(lane=OuterRef("lane"))
        .filter(
            Q(level__lt=OuterRef("level"))
            | Q(level=OuterRef("level"), handling_due__lt=OuterRef("handling_due"))
        )
        .order_by()
        .values("lane")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return tickets.annotate(ahead=Coalesce(Subquery(ahead, output_field=IntegerField()), Value(0)))


def throughput_per_hour(*, now: datetime) -> dict[str, float]:
    """Requests each lane's agents picked up (first response) per hour, lately."""
    since = now - THROUGHPUT_WINDOW
    hours = THROUGHPUT_WINDOW.total_seconds() / 3600
    counts = dict(
        Ticket.objects.filter(first_response_at__gte=since, first_response_at__lt=now)
        .values_list("lane")
        .annotate(n=Count("pk"))
        .values_list("lane", "n")
    )
    return {lane: counts.get(lane, 0) / hours for lane in Lane.values}


def estimated_wait(*, position: int, per_hour: float) -> timedelta | None:
    """Time until `position` requests ahead are taken at the recent rate; None if idle."""
    if per_hour <= 0:
        return None
    return timedelta(hours=position / per_hour)


class _WithAhead(Protocol):
    """A Ticket annotated by `with_queue_position`."""

    ahead: int


@dataclass(frozen=True)
class QueuedRequest:
    ticket: Ticket
    position: int | None  # None once an agent has it
    eta: timedelta | None  # None once an agent has it, or when the lane was idle lately


def open_requests_in_queue(*, customer: Customer, now: datetime) -> list[QueuedRequest]:
    """The customer's open requests, most urgent first, each with its place among the
    requests waiting for an agent in its lane and the wait at the lane's recent
    throughput (the method /status/ explains)."""
    tickets = with_queue_position(customer.tickets.open().select_related("category")).order_by(
        "level", "handling_due"
    )
    rates = throughput_per_hour(now=now)
    rows = []
    for ticket in tickets:
        position = cast(_WithAhead, ticket).ahead + 1 if ticket.is_waiting_for_agent else None
        eta = (
            estimated_wait(position=position, per_hour=rates[ticket.lane])
            if position is not None
            else None
        )
        rows.append(QueuedRequest(ticket=ticket, position=position, eta=eta))
    return rows


@dataclass(frozen=True)
class LevelStatus:
    level: str
    waiting: int
    estimated_wait: timedelta | None


def queue_status(*, now: datetime) -> list[LevelStatus]:
    """Waiting requests per level and the wait a new one at that level would expect:
    everything at its level or more urgent, at its lane's recent throughput."""
    waiting = dict(
        Ticket.objects.waiting_for_agent()
        .values_list("level")
        .annotate(n=Count("pk"))
        .values_list("level", "n")
    )
    rates = throughput_per_hour(now=now)
    rows, ahead = [], 0
    for level in Level.values:
        ahead += waiting.get(level, 0)
        lane = lane_for(level)
        urgent_ahead = ahead if lane == Lane.URGENT else waiting.get(level, 0)
        rows.append(
            LevelStatus(
                level,
                waiting.get(level, 0),
                estimated_wait(position=urgent_ahead, per_hour=rates[lane]),
            )
        )
    return rows


def rate(*, ticket: Ticket, user: AbstractBaseUser, score: int, comment: str = "") -> Satisfaction:
    if ticket.status not in (Ticket.Status.RESOLVED, Ticket.Status.CLOSED):
        raise TicketError(_("You can rate a request once it is resolved."))
    if not 1 <= score <= 5:
        raise TicketError(_("A rating is from 1 to 5."), field="score")
    satisfaction, created = Satisfaction.objects.get_or_create(
        ticket=ticket,
        defaults={"score": score, "comment": comment.strip(), "at": timezone.now(), "by": user},
    )
    if not created:
        raise TicketError(_("You already rated this request. Thank you!"))
    return satisfaction
