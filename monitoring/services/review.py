"""The monthly review: a month's metrics overall and per tier, category and lane."""

import csv
import io
from datetime import datetime
from typing import Any

from quotas.models import Tier
from quotas.services import next_period
from staffing.models import Lane
from staffing.services import project_zone
from tickets.models import Category

from .metrics import ticket_metrics

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
    """The month YYYY-MM in the project's time zone, as [start, end)."""
    zone = project_zone()
    start, end = (
        datetime.strptime(month, "%Y-%m").replace(tzinfo=zone)
        for month in (period, next_period(period))
    )
    return start, end


def previous_period(period: str) -> str:
    year, month = map(int, period.split("-"))
    return f"{year - (month == 1):04d}-{(month - 2) % 12 + 1:02d}"


def monthly_review(*, period: str) -> list[tuple[str, str, dict[str, Any]]]:
    """The month's metrics overall, per tier, per category and per lane (the request's
    lane now): (group, name, metrics). Four aggregates a row, whatever the volume."""
    start, end = month_bounds(period)
    groups: list[tuple[str, str, dict[str, Any]]] = [("overall", "all", {})]
    groups += [
        ("tier", code, {"customer__tier__code": code})
        for code in Tier.objects.order_by("-rank").values_list("code", flat=True)
    ]
    groups += [
        ("category", code, {"category__code": code})
        for code in Category.objects.values_list("code", flat=True)
    ]
    groups += [("lane", code, {"lane": code}) for code in Lane.values]
    return [
        (group, name, ticket_metrics(start=start, end=end, scope=scope))
        for group, name, scope in groups
    ]


def monthly_review_csv(*, period: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["period", "group", "name", *REVIEW_COLUMNS])
    for group, name, metrics in monthly_review(period=period):
        writer.writerow(
            [period, group, name]
            + ["" if metrics[c] is None else round(metrics[c], 4) for c in REVIEW_COLUMNS]
        )
    return out.getvalue()
