"""What customers see and do on the portal: their requests' place in the queue, the live
queue status, replies while the desk waits on them, and satisfaction ratings."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from quotas.models import Customer, Level
from staffing.models import Lane

from ..models import Satisfaction, Ticket
from .errors import TicketError
from .intake import lane_for

# Throughput is measured over this window: long enough to be stable, short enough to
# follow today's staffing.
THROUGHPUT_WINDOW = timedelta(hours=24)


def customer_of(user: AbstractBaseUser) -> Customer:
    """The one account a portal user acts for; anything else is not found."""
    customer = Customer.objects.select_related("tier").filter(portal_users__user_id=user.pk).first()
    if customer is None:
        raise Http404
    return customer


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


def estimated_wait(position: int, per_hour: float) -> timedelta | None:
    """Time until `position` requests ahead are taken at the recent rate; None if idle."""
    if per_hour <= 0:
        return None
    return timedelta(hours=position / per_hour)


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
            LevelStatus(level, waiting.get(level, 0), estimated_wait(urgent_ahead, rates[lane]))
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
