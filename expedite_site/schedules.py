"""Every scheduled job of the project, declared in code and synced by `sync_schedules`.

Each job is a function in an app's tasks.py and also a management command (SPEC 6).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django_q.models import Schedule

from tickets.services.policy import rescore_minutes

# Our schedules carry this prefix so a sync can remove the ones dropped from the list
# without touching schedules someone added by hand in the admin.
NAME_PREFIX = "expedite:"


@dataclass(frozen=True)
class Job:
    name: str
    func: str
    # A callable is read at sync time: the re-score interval is a policy setting.
    minutes: int | Callable[[], int] | None = None
    cron: str | None = None
    kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def schedule_name(self) -> str:
        return NAME_PREFIX + self.name

    def defaults(self) -> dict[str, Any]:
        if self.cron:
            timing = {"schedule_type": Schedule.CRON, "cron": self.cron, "minutes": None}
        else:
            minutes = self.minutes() if callable(self.minutes) else self.minutes
            timing = {"schedule_type": Schedule.MINUTES, "minutes": minutes, "cron": None}
        return {"func": self.func, "kwargs": self.kwargs, "repeats": -1, **timing}


JOBS: list[Job] = [
    Job(name="rescore_tickets", func="tickets.tasks.rescore_tickets", minutes=rescore_minutes),
    Job(name="escalate_tickets", func="tickets.tasks.escalate_tickets", minutes=5),
    Job(name="rebalance_lanes", func="tickets.tasks.rebalance_lanes", minutes=5),
    Job(name="snapshot_metrics", func="monitoring.tasks.snapshot_metrics", minutes=5),
    # 00:00 on the 1st; django-q2 evaluates cron in the project's TIME_ZONE.
    Job(name="reset_quotas", func="quotas.tasks.reset_quotas", cron="0 0 1 * *"),
]


@transaction.atomic
def sync_schedules(jobs: list[Job] | None = None) -> dict[str, list[str]]:
    """Create or update one Schedule row per job and delete our rows no longer listed."""
    jobs = JOBS if jobs is None else jobs
    created, updated = [], []
    for job in jobs:
        _, was_created = Schedule.objects.update_or_create(
            name=job.schedule_name, defaults=job.defaults()
        )
        (created if was_created else updated).append(job.name)
    stale = Schedule.objects.filter(name__startswith=NAME_PREFIX).exclude(
        name__in=[job.schedule_name for job in jobs]
    )
    removed = [name.removeprefix(NAME_PREFIX) for name in stale.values_list("name", flat=True)]
    stale.delete()
    return {"created": created, "updated": updated, "removed": removed}
