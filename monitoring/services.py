"""Urgent-service metrics, traffic lights and alerts (SPEC 5).

Metrics are database aggregates over a time window: a handful of queries whatever the
number of requests, never a Python loop over rows. Monitoring reads every app and writes
only its snapshots and alerts.
"""

import csv
import dataclasses
import io
import math
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
)
from django.utils import timezone
from django.utils.translation import gettext as _
from django_q.tasks import async_task

from quotas.models import Level, Tier
from quotas.services import URGENT_LEVELS, next_period
from staffing import capacity
from staffing.models import Lane
from staffing.services import lane_sizes, project_zone, urgent_utilisation
from tickets.models import Category, Satisfaction, Ticket
from tickets.services.lanes import urgent_history

from .models import Alert, Snapshot, Thresholds

WINDOWS = ("hour", "today", "7d", "month")
SNAPSHOT_WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class Window:
    name: str
    start: datetime
    end: datetime


def window(name: str, *, now: datetime) -> Window:
    local = now.astimezone(project_zone())
    midnight = datetime.combine(local.date(), time(), tzinfo=local.tzinfo)
    starts = {
        "hour": now - timedelta(hours=1),
        "today": midnight,
        "7d": now - timedelta(days=7),
        "month": midnight.replace(day=1),
    }
    if name not in starts:
        raise ValueError(f"Unknown window {name!r}; use one of {', '.join(WINDOWS)}.")
    return Window(name, starts[name], now)


def _ratio(part: int | None, whole: int | None) -> float | None:
    """None rather than a division by zero: the dashboard shows "no data"."""
    return part / whole if whole else None


def _minutes(value: timedelta | None) -> float | None:
    return value.total_seconds() / 60 if value is not None else None


def _first_response_p90(tickets: QuerySet[Ticket], count: int) -> float | None:
    """The 90th percentile by ordering in the database (no percentile aggregate in
    SQLite): one query reading one row."""
    if not count:
        return None
    position = math.ceil(0.9 * count) - 1
    waited = ExpressionWrapper(
        F("first_response_at") - F("created_at"), output_field=DurationField()
    )
    value = (tickets.annotate(waited=waited).order_by("waited").values_list("waited", flat=True))[
        position : position + 1
    ]
    return _minutes(next(iter(value), None))


def ticket_metrics(
    start: datetime, end: datetime, *, scope: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Window metrics of the requests matching `scope`, lookups on Ticket such as
    {"customer__tier__code": "GOLD"} (None: all requests)."""
    scope = scope or {}
    tickets = Ticket.objects.filter(**scope)
    created = Q(created_at__gte=start, created_at__lt=end)
    urgent = Q(initial_level__in=URGENT_LEVELS)
    responded = Q(first_response_at__gte=start, first_response_at__lt=end)
    resolved = Q(resolved_at__gte=start, resolved_at__lt=end)
    asked_urgent = Q(requested_level__in=URGENT_LEVELS)
    durations = {
        "response": ExpressionWrapper(
            F("first_response_at") - F("created_at"), output_field=DurationField()
        ),
        "resolution": ExpressionWrapper(
            F("resolved_at") - F("created_at"), output_field=DurationField()
        ),
    }
    # Only rows with something in the window, so the aggregate reads a day's requests
    # through the timestamp indexes instead of scanning every request ever filed.
    touched = tickets.filter(
        created | responded | resolved | Q(breached_at__gte=start, breached_at__lt=end)
    )
    row = touched.aggregate(
        created=Count("pk", filter=created),
        urgent=Count("pk", filter=created & urgent),
        overflow=Count("pk", filter=created & urgent & Q(lane="normal")),
        asked_urgent=Count("pk", filter=created & asked_urgent),
        false_urgent=Count("pk", filter=created & asked_urgent & Q(level=Level.P3)),
        responded=Count("pk", filter=responded & urgent),
        response_mean=Avg(durations["response"], filter=responded & urgent),
        resolved=Count("pk", filter=resolved & urgent),
        resolution_mean=Avg(durations["resolution"], filter=resolved & urgent),
        first_contact=Count(
            "pk", filter=resolved & urgent & Q(agent_reply_count__lte=1, reopen_count=0)
        ),
        errors=Count(
            "pk",
            filter=resolved & urgent & (Q(reopen_count__gt=0) | Q(error_flagged_at__isnull=False)),
        ),
        breaches=Count("pk", filter=Q(breached_at__gte=start, breached_at__lt=end)),
    )
    ratings = Satisfaction.objects.filter(
        at__gte=start, at__lt=end, **{f"ticket__{key}": value for key, value in scope.items()}
    )
    ratings = ratings.aggregate(
        n=Count("pk"), mean=Avg("score"), good=Count("pk", filter=Q(score__gte=4))
    )
    return {
        "created": row["created"],
        "urgent": row["urgent"],
        "urgent_share": _ratio(row["urgent"], row["created"]),
        "first_response_mean_min": _minutes(row["response_mean"]),
        "first_response_p90_min": _first_response_p90(
            tickets.filter(responded & urgent), row["responded"]
        ),
        "resolution_mean_min": _minutes(row["resolution_mean"]),
        "first_contact_resolution": _ratio(row["first_contact"], row["resolved"]),
        "csat_mean": ratings["mean"],
        "csat_good_share": _ratio(ratings["good"], ratings["n"]),
        "overflow_rate": _ratio(row["overflow"], row["urgent"]),
        "error_rate": _ratio(row["errors"], row["resolved"]),
        "false_urgent_rate": _ratio(row["false_urgent"], row["asked_urgent"]),
        "breaches": row["breaches"],
        "resolved": row["resolved"],
    }


def live_metrics(*, now: datetime, sizes: dict[str, int] | None = None) -> dict[str, Any]:
    """What is true now rather than over a window: backlog and the urgent lane. `sizes`:
    staffing.services.lane_sizes(now=now), when the caller has already read them."""
    backlog = Ticket.objects.waiting_for_agent().filter(lane=Lane.URGENT).count()
    return {
        "backlog": backlog,
        "urgent_agents": (sizes if sizes is not None else lane_sizes(now=now))["urgent"],
        "utilisation": urgent_utilisation(now=now),
    }


def response_by_tier(start: datetime, end: datetime) -> dict[str, float | None]:
    """Mean first response of urgent requests per tier, in hours (one query)."""
    waited = ExpressionWrapper(
        F("first_response_at") - F("created_at"), output_field=DurationField()
    )
    rows = (
        Ticket.objects.filter(
            initial_level__in=URGENT_LEVELS, first_response_at__gte=start, first_response_at__lt=end
        )
        .values("customer__tier__code")
        .annotate(mean=Avg(waited))
    )
    found = {row["customer__tier__code"]: row["mean"] for row in rows}
    return {
        code: (found[code].total_seconds() / 3600 if found.get(code) else None)
        for code in Tier.objects.values_list("code", flat=True)
    }


def backlog_light(backlog: int, urgent_agents: int, thresholds: Thresholds) -> str:
    """green below 2R, yellow from 2R, red from 4R (R: urgent agents on shift)."""
    if backlog >= float(thresholds.backlog_red_multiple) * urgent_agents and backlog:
        return "red"
    if backlog >= float(thresholds.backlog_yellow_multiple) * urgent_agents and backlog:
        return "yellow"
    return "green"


def response_light(
    mean_hours: float | None, commitment_hours: float, thresholds: Thresholds
) -> str:
    """normal up to 1x the commitment, warning above it, severe from 2x."""
    if mean_hours is None:
        return "none"
    if mean_hours >= float(thresholds.response_severe_multiple) * commitment_hours:
        return "severe"
    if mean_hours > float(thresholds.response_warning_multiple) * commitment_hours:
        return "warning"
    return "normal"


def lights(metrics: dict[str, Any], thresholds: Thresholds) -> dict[str, Any]:
    commitments = dict(Tier.objects.values_list("code", "response_commitment_hours"))
    utilisation, errors = metrics["utilisation"], metrics["error_rate"]
    return {
        "backlog": backlog_light(metrics["backlog"], metrics["urgent_agents"], thresholds),
        "response": {
            code: response_light(hours, float(commitments[code]), thresholds)
            for code, hours in metrics["response_by_tier"].items()
        },
        "utilisation": "none"
        if utilisation is None
        else "warning"
        if utilisation >= float(thresholds.utilisation_warning)
        else "normal",
        "error_rate": "none"
        if errors is None
        else "warning"
        if errors >= float(thresholds.error_rate_warning)
        else "normal",
    }


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


def snapshot_metrics(*, now: datetime | None = None) -> Snapshot:
    """Store the last hour's metrics and the live figures, then evaluate the alerts."""
    now = now or timezone.now()
    start = now - SNAPSHOT_WINDOW
    metrics = {
        **ticket_metrics(start, now),
        **live_metrics(now=now),
        "response_by_tier": response_by_tier(start, now),
    }
    thresholds = Thresholds.objects.get()
    metrics["lights"] = lights(metrics, thresholds)
    metrics["erlang_c"] = erlang_recommendation(now=now)
    snapshot, _created = Snapshot.objects.update_or_create(
        taken_at=now, defaults={"window_start": start, "metrics": metrics}
    )
    evaluate_alerts(metrics, thresholds=thresholds, now=now)
    return snapshot


@dataclass(frozen=True)
class Condition:
    kind: str
    scope: str
    severity: str | None  # None: fine, resolve any open alert
    value: float
    threshold: float
    message: str


def _conditions(metrics: dict[str, Any], thresholds: Thresholds) -> list[Condition]:
    light = metrics["lights"]
    r = metrics["urgent_agents"]
    backlog_severity = {"red": Alert.Severity.SEVERE, "yellow": Alert.Severity.WARNING}
    conditions = [
        Condition(
            Alert.Kind.BACKLOG,
            "overall",
            backlog_severity.get(light["backlog"]),
            metrics["backlog"],
            float(thresholds.backlog_yellow_multiple) * r,
            _("%(backlog)d urgent requests wait for %(agents)d urgent agents.")
            % {"backlog": metrics["backlog"], "agents": r},
        ),
        Condition(
            Alert.Kind.UTILISATION,
            "overall",
            Alert.Severity.WARNING if light["utilisation"] == "warning" else None,
            metrics["utilisation"] or 0,
            float(thresholds.utilisation_warning),
            _("The urgent lane is %(value).0f%% busy.")
            % {"value": 100 * (metrics["utilisation"] or 0)},
        ),
        Condition(
            Alert.Kind.ERROR_RATE,
            "overall",
            Alert.Severity.WARNING if light["error_rate"] == "warning" else None,
            metrics["error_rate"] or 0,
            float(thresholds.error_rate_warning),
            _("%(value).0f%% of resolved urgent requests were reopened or flagged.")
            % {"value": 100 * (metrics["error_rate"] or 0)},
        ),
    ]
    response_severity = {"severe": Alert.Severity.SEVERE, "warning": Alert.Severity.WARNING}
    for code, state in light["response"].items():
        hours = metrics["response_by_tier"][code] or 0
        conditions.append(
            Condition(
                Alert.Kind.RESPONSE_TIME,
                f"tier:{code}",
                response_severity.get(state),
                hours,
                float(thresholds.response_warning_multiple),
                _("Urgent %(tier)s requests wait %(hours).1f h for a first response.")
                % {"tier": code, "hours": hours},
            )
        )
    return conditions


def evaluate_alerts(
    metrics: dict[str, Any], *, thresholds: Thresholds, now: datetime
) -> dict[str, int]:
    """Open one alert per kind and scope while its metric is bad, update it while it stays
    bad, resolve it when the metric recovers. Supervisors are e-mailed when one opens."""
    counts = {"opened": 0, "resolved": 0}
    open_alerts = {(a.kind, a.scope): a for a in Alert.objects.filter(resolved_at__isnull=True)}
    for condition in _conditions(metrics, thresholds):
        current = open_alerts.get((condition.kind, condition.scope))
        if condition.severity is None:
            if current is not None:
                Alert.objects.filter(pk=current.pk).update(resolved_at=now)
                counts["resolved"] += 1
            continue
        if current is not None:
            Alert.objects.filter(pk=current.pk).update(
                severity=condition.severity, value=condition.value, message=condition.message
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
        transaction.on_commit(lambda pk=alert.pk: async_task("monitoring.tasks.email_alert", pk))
    return counts


def email_supervisors(alert: Alert) -> None:
    addresses = list(
        User.objects.filter(groups__name="supervisor", is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if addresses:
        send_mail(
            subject=f"[Expedite Desk] {alert.get_severity_display()}: {alert.get_kind_display()}",
            message=alert.message,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=addresses,
        )


def acknowledge(*, alert: Alert, user: User) -> Alert:
    Alert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=timezone.now(), acknowledged_by=user
    )
    alert.refresh_from_db()
    return alert


REVIEW_COLUMNS = [
    "created",
    "urgent",
    "urgent_share",
    "first_response_mean_min",
    "first_response_p90_min",
    "resolution_mean_min",
    "first_contact_resolution",
    "csat_mean",
    "csat_good_share",
    "overflow_rate",
    "error_rate",
    "false_urgent_rate",
    "breaches",
]


def month_bounds(period: str) -> tuple[datetime, datetime]:
    zone = project_zone()
    start, end = (
        datetime.strptime(month, "%Y-%m").replace(tzinfo=zone)
        for month in (period, next_period(period))
    )
    return start, end


def monthly_review(period: str) -> list[tuple[str, str, dict[str, Any]]]:
    """The month's metrics overall, per tier and per category: (group, name, metrics).

    A fixed number of aggregates per tier and category, whatever the month's volume."""
    start, end = month_bounds(period)
    rows = [("overall", "all", ticket_metrics(start, end))]
    for code in Tier.objects.order_by("-rank").values_list("code", flat=True):
        rows.append(
            ("tier", code, ticket_metrics(start, end, scope={"customer__tier__code": code}))
        )
    for code in Category.objects.values_list("code", flat=True):
        rows.append(("category", code, ticket_metrics(start, end, scope={"category__code": code})))
    return rows


def monthly_review_csv(period: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["period", "group", "name", *REVIEW_COLUMNS])
    for group, name, metrics in monthly_review(period):
        writer.writerow(
            [period, group, name]
            + ["" if metrics[c] is None else round(metrics[c], 4) for c in REVIEW_COLUMNS]
        )
    return out.getvalue()
