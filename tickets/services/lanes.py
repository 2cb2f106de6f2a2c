"""The tickets side of lane rebalancing: the urgent backlog that staffing cannot see."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F
from django.utils import timezone

from staffing.models import Lane
from staffing.services import Rebalance, rebalance_lanes

from ..models import Ticket


def urgent_waiting() -> tuple[int, set[int]]:
    """Urgent requests waiting for an agent, and the skills they need."""
    waiting = Ticket.objects.waiting_for_agent().filter(lane=Lane.URGENT)
    per_skill = dict(
        waiting.values("category__skill_id")
        .annotate(n=Count("pk"))
        .values_list("category__skill_id", "n")
    )
    return sum(per_skill.values()), set(per_skill)


def rebalance(*, now: datetime | None = None) -> Rebalance:
    backlog, skills = urgent_waiting()
    return rebalance_lanes(
        urgent_backlog=backlog, needed_skill_ids=skills, now=now or timezone.now()
    )


@dataclass(frozen=True)
class UrgentHistory:
    """The urgent lane's measured demand, the planner's input."""

    days: int
    arrivals: int
    arrivals_per_hour: float
    handled: int
    mean_handle_minutes: float | None


def urgent_history(*, now: datetime, days: int = 28) -> UrgentHistory:
    """Arrivals per hour and mean handling time over the last `days`, in two aggregates.

    Handling time is first response to resolution: the stretch an agent works on a
    request, which is what Erlang C's handling time means; waiting before the first
    response is the queue, not work.
    """
    since = now - timedelta(days=days)
    recent = Ticket.objects.filter(lane=Lane.URGENT, created_at__gte=since, created_at__lt=now)
    arrivals = recent.count()
    handled = recent.filter(first_response_at__isnull=False, resolved_at__isnull=False).aggregate(
        n=Count("pk"),
        mean=Avg(
            ExpressionWrapper(
                F("resolved_at") - F("first_response_at"), output_field=DurationField()
            )
        ),
    )
    mean = handled["mean"]
    return UrgentHistory(
        days=days,
        arrivals=arrivals,
        arrivals_per_hour=arrivals / (days * 24),
        handled=handled["n"],
        mean_handle_minutes=mean.total_seconds() / 60 if mean else None,
    )
