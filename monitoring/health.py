"""The health probe behind /healthz: is the database reachable, is the scheduler running."""

from datetime import timedelta
from typing import Any

from django.db import DatabaseError, connection
from django.utils import timezone
from django_q.models import Schedule

# The django-q2 scheduler looks at schedules every 30 s; a due run this late means
# no qcluster is running.
SCHEDULER_GRACE = timedelta(minutes=5)


def check() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        return {
            "status": "error",
            "database": {"ok": False, "error": error.__class__.__name__},
            "scheduler": {"ok": False, "status": "unknown"},
        }
    scheduler = _scheduler_status()
    return {
        "status": "ok" if scheduler["ok"] else "degraded",
        "database": {"ok": True},
        "scheduler": scheduler,
    }


def _scheduler_status() -> dict[str, Any]:
    schedules = Schedule.objects.count()
    if not schedules:
        return {"ok": False, "status": "no schedules", "schedules": 0, "overdue": 0}
    overdue = Schedule.objects.filter(next_run__lt=timezone.now() - SCHEDULER_GRACE).count()
    return {
        "ok": overdue == 0,
        "status": "ok" if overdue == 0 else "overdue",
        "schedules": schedules,
        "overdue": overdue,
    }
