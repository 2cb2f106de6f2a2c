"""The tickets side of lane rebalancing: the urgent backlog that staffing cannot see."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Value
from django.db.models.functions import Greatest
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

    Arrivals: urgent-lane requests created in the window, per hour of the window.

    Handling time, Erlang C's "handle time" for the planner: for each urgent request
    created in the window and resolved, the time from the first agent response to
    resolution, less the time it spent waiting on the customer (`paused_service`,
    measured in the customer's service hours, so with a 24/7 calendar all of the
    pause and otherwise at least its in-hours part). Waiting before the first response
    is the queue, not work, and waiting on the customer is not the agent's work either.
    A pause taken before the first response would be subtracted from a stretch it was
    not part of, so each request's figure is floored at zero.
    """
    since = now - timedelta(days=days)
    recent = Ticket.objects.filter(lane=Lane.URGENT, created_at__gte=since, created_at__lt=now)
    arrivals = recent.count()
    worked = ExpressionWrapper(
        F("resolved_at") - F("first_response_at") - F("paused_service"),
        output_field=DurationField(),
    )
    handled = recent.filter(first_response_at__isnull=False, resolved_at__isnull=False).aggregate(
        n=Count("pk"),
        mean=Avg(Greatest(worked, Value(timedelta(0)), output_field=DurationField())),
    )
    mean = handled["mean"]
    return UrgentHistory(
        days=days,
        arrivals=arrivals,
        arrivals_per_hour=arrivals / (days * 24),
        handled=handled["n"],
        mean_handle_minutes=mean.total_seconds() / 60 if mean is not None else None,
    )
