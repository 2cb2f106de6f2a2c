"""The tickets side of lane rebalancing: the urgent backlog that staffing cannot see."""

from datetime import datetime

from django.db.models import Count
from django.utils import timezone

from staffing.models import Lane
from staffing.services import Rebalance, rebalance_lanes

from ..models import Ticket


def urgent_waiting() -> tuple[int, set[int]]:
    """Urgent requests waiting for an agent, and the skills they need."""
    waiting = Ticket.objects.open().filter(lane=Lane.URGENT, assignee__isnull=True)
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
