"""The snapshot job and the alerts it opens, updates and resolves (SPEC 5)."""

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_q.tasks import async_task

from staffing import capacity
from tickets.services.lanes import urgent_history
from tickets.services.notifications import supervisor_addresses

from ..models import Alert, Snapshot, Thresholds
from .metrics import (
    SNAPSHOT_WINDOW,
    commitments,
    lights,
    live_metrics,
    response_by_tier,
    ticket_metrics,
)


def erlang_recommendation(*, now: datetime) -> dict[str, Any] | None:
    """Erlang C for the urgent lane at its measured demand (4 weeks), with the planner's
    default target; stored in each snapshot so the dashboard need not scan four weeks."""
    history = urgent_history(now=now)
    if not (history.arrivals and history.mean_handle_minutes):
        return None
    plan = capacity.erlang_c_plan(
        arrivals_per_hour=history.arrivals_per_hour,
        handle_minutes=history.mean_handle_minutes,
        target_level=capacity.DEFAULT_TARGET_LEVEL,
        target_minutes=capacity.DEFAULT_TARGET_MINUTES,
    )
    return dataclasses.asdict(plan)


@dataclass(frozen=True)
class SnapshotRun:
    snapshot: Snapshot
    alerts: dict[str, int]  # opened and resolved by this run

    def summary(self) -> dict[str, Any]:
        """The `snapshot_metrics --json` object."""
        return {
            "taken_at": self.snapshot.taken_at.isoformat(),
            **self.snapshot.metrics,
            "alerts": self.alerts,
        }


def snapshot_metrics(*, now: datetime | None = None) -> SnapshotRun:
    """Store the last hour's metrics and the live figures, then evaluate the alerts."""
    now = now or timezone.now()
    start = now - SNAPSHOT_WINDOW
    hours = commitments()
    metrics = {
        **ticket_metrics(start=start, end=now),
        **live_metrics(now=now),
        "response_by_tier": response_by_tier(start=start, end=now, tiers=list(hours)),
    }
    thresholds = Thresholds.objects.get()
    metrics["lights"] = lights(metrics=metrics, thresholds=thresholds, commitments=hours)
    metrics["erlang_c"] = erlang_recommendation(now=now)
    snapshot, _created = Snapshot.objects.update_or_create(
        taken_at=now, defaults={"window_start": start, "metrics": metrics}
    )
    counts = evaluate_alerts(metrics=metrics, thresholds=thresholds, commitments=hours, now=now)
    return SnapshotRun(snapshot=snapshot, alerts=counts)


@dataclass(frozen=True)
class Condition:
    kind: str
    scope: str
    severity: str | None  # None: fine, resolve any open alert
    value: float
    threshold: float  # in the value's unit
    message: str


def _warning(state: str) -> str | None:
    return Alert.Severity.WARNING if state == "warning" else None


def _conditions(
    metrics: dict[str, Any], thresholds: Thresholds, hours: dict[str, float]
) -> list[Condition]:
    light = metrics["lights"]
    r = metrics["urgent_agents"]
    utilisation, errors = metrics["utilisation"] or 0, metrics["error_rate"] or 0
    breaches = metrics["breaches"]
    # Each alert records the threshold its severity crossed: red's for a red backlog.
    backlog_multiple = (
        thresholds.backlog_red_multiple
        if light["backlog"] == "red"
        else thresholds.backlog_yellow_multiple
    )
    conditions = [
        Condition(
            Alert.Kind.BACKLOG,
            "overall",
            {"red": Alert.Severity.SEVERE, "yellow": Alert.Severity.WARNING}.get(light["backlog"]),
            metrics["backlog"],
            float(backlog_multiple) * r,
            _("%(backlog)d urgent requests wait for %(agents)d urgent agents.")
            % {"backlog": metrics["backlog"], "agents": r},
        ),
        Condition(
            Alert.Kind.UTILISATION,
            "overall",
            _warning(light["utilisation"]),
            utilisation,
            float(thresholds.utilisation_warning),
            _("The urgent lane is %(value).0f%% busy.") % {"value": 100 * utilisation},
        ),
        Condition(
            Alert.Kind.ERROR_RATE,
            "overall",
            _warning(light["error_rate"]),
            errors,
            float(thresholds.error_rate_warning),
            _("%(value).0f%% of resolved urgent requests were reopened or flagged.")
            % {"value": 100 * errors},
        ),
        Condition(
            Alert.Kind.BREACHES,
            "overall",
            _warning(light["breaches"]),
            breaches,
            thresholds.breaches_warning,
            ngettext(
                "%(count)d request breached its SLA in the last hour.",
                "%(count)d requests breached their SLA in the last hour.",
                breaches,
            )
            % {"count": breaches},
        ),
    ]
    severity = {"severe": Alert.Severity.SEVERE, "warning": Alert.Severity.WARNING}
    for code, state in light["response"].items():
        mean = metrics["response_by_tier"][code] or 0
        multiple = (
            thresholds.response_severe_multiple
            if state == "severe"
            else thresholds.response_warning_multiple
        )
        conditions.append(
            Condition(
                Alert.Kind.RESPONSE_TIME,
                f"tier:{code}",
                severity.get(state),
                mean,
                float(multiple) * hours[code],
                _("Urgent %(tier)s requests wait %(hours).1f h for a first response.")
                % {"tier": code, "hours": mean},
            )
        )
    return conditions


def evaluate_alerts(
    *,
    metrics: dict[str, Any],
    thresholds: Thresholds,
    commitments: dict[str, float],
    now: datetime,
) -> dict[str, int]:
    """Open one alert per kind and scope while its metric is bad, update it while it stays
    bad, resolve it when the metric recovers. Supervisors are e-mailed when one opens.
    `metrics` carries its "lights"; `commitments`: hours per tier code."""
    counts = {"opened": 0, "resolved": 0}
    open_alerts = {(a.kind, a.scope): a for a in Alert.objects.filter(resolved_at__isnull=True)}
    for condition in _conditions(metrics, thresholds, commitments):
        current = open_alerts.get((condition.kind, condition.scope))
        if condition.severity is None:
            if current is not None:
                Alert.objects.filter(pk=current.pk).update(resolved_at=now)
                counts["resolved"] += 1
            continue
        if current is not None:
            Alert.objects.filter(pk=current.pk).update(
                severity=condition.severity,
                value=condition.value,
                threshold=condition.threshold,
                message=condition.message,
            )
            continue
        try:
            with transaction.atomic():
                alert = Alert.objects.create(
                    kind=condition.kind,
                    scope=condition.scope,
                    severity=condition.severity,
                    value=condition.value,
                    threshold=condition.threshold,
                    message=condition.message,
                    opened_at=now,
                )
        except IntegrityError:
            continue  # a concurrent snapshot opened it first
        counts["opened"] += 1
        transaction.on_commit(partial(async_task, "monitoring.tasks.email_alert", alert.pk))
    return counts


def email_supervisors(*, alert: Alert) -> None:
    addresses = supervisor_addresses()
    if addresses:
        send_mail(
            subject=f"[Expedite Desk] {alert.get_severity_display()}: {alert.get_kind_display()}",
            message=alert.message,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=addresses,
        )


def acknowledge_alert(*, alert: Alert, user: User) -> Alert:
    Alert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=timezone.now(), acknowledged_by=user
    )
    alert.refresh_from_db()
    return alert
