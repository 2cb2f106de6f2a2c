"""django-q2 jobs of the monitoring app; each is also a management command."""

from typing import Any

from .models import Alert
from .services import email_supervisors
from .services import snapshot_metrics as _snapshot


def snapshot_metrics() -> dict[str, Any]:
    snapshot = _snapshot()
    return {"taken_at": snapshot.taken_at.isoformat(), **snapshot.metrics}


def email_alert(alert_id: int) -> None:
    alert = Alert.objects.filter(pk=alert_id).first()
    if alert is not None:
        email_supervisors(alert)
