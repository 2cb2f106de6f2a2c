"""Priority policies are versioned: publishing a change adds a version, history stays."""

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max
from django_q.models import Schedule

from ..models import PriorityPolicy

RESCORE_TASK = "tickets.tasks.rescore_tickets"


def active_policy() -> PriorityPolicy:
    policy = PriorityPolicy.objects.active()
    if policy is None:
        raise PriorityPolicy.DoesNotExist("No priority policy exists; run the migrations.")
    return policy


@transaction.atomic
def publish_policy(*, policy: PriorityPolicy, user: User | None) -> PriorityPolicy:
    """Save `policy`'s values as the next version. Raises ValidationError on bad values."""
    policy.pk = None
    policy._state.adding = True
    policy.full_clean(exclude=["version"])
    # Serialise publishers on the newest row so two saves cannot take the same number.
    list(PriorityPolicy.objects.select_for_update().order_by("-version")[:1])
    latest = PriorityPolicy.objects.aggregate(latest=Max("version"))["latest"] or 0
    policy.version = latest + 1
    policy.created_by = user if user is not None and user.is_authenticated else None
    policy.save(force_insert=True)
    # The re-score interval is a policy setting (SPEC 1): the schedule follows it.
    transaction.on_commit(sync_rescore_schedule)
    return policy


def rescore_minutes() -> int:
    """Minutes between re-score runs, from the active policy; expedite_site/schedules.py
    declares the job with it, so a later sync_schedules agrees with the policy."""
    return active_policy().rescore_interval_minutes


def sync_rescore_schedule() -> int:
    """Set every schedule of the re-score task to the active policy's interval; returns
    how many schedules changed. A schedule not yet created is left to sync_schedules."""
    minutes = rescore_minutes()
    return (
        Schedule.objects.filter(func=RESCORE_TASK, schedule_type=Schedule.MINUTES)
        .exclude(minutes=minutes)
        .update(minutes=minutes)
    )
