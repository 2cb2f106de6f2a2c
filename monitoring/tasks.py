"""django-q2 jobs of the monitoring app; each is also a management command."""

from typing import Any

from . import services
from .models import Alert


def snapshot_metrics() -> dict[str, Any]:
    """The snapshot and its alert counts, as `snapshot_metrics --json` prints them."""
    return services.snapshot_metrics().summary()


def email_alert(alert_id: int) -> None:
    alert = Alert.objects.filter(pk=alert_id).first()
    if alert is not None:
        services.email_supervisors(alert=alert)
