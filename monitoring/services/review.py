"""The monthly review: a month's metrics overall and per tier, category and lane."""

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext_lazy as _

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


COLUMN_LABELS = {
    "created": _("Requests"),
    "urgent": _("Urgent"),
    "urgent_share": _("Urgent share"),
    "first_response_mean_min": _("First response, mean (min)"),
    "first_response_p90_min": _("First response, p90 (min)"),
    "resolution_mean_min": _("Resolution, mean (min)"),
    "first_contact_resolution": _("First-contact resolution"),
    "csat_mean": _("CSAT, mean"),
    "csat_good_share": _("CSAT 4-5 share"),
    "overflow_rate": _("Overflow rate"),
    "error_rate": _("Error rate"),
    "false_urgent_rate": _("False-urgent rate"),
    "breaches": _("Breaches"),
}
COUNT_COLUMNS = {"created", "urgent", "breaches"}
GROUP_LABELS = {
    "overall": _("Overall"),
    "tier": _("Tier"),
    "category": _("Category"),
    "lane": _("Lane"),
}


def month_bounds(period: str) -> tuple[datetime, datetime]:
    """The month YYYY-MM in the project's time zone, as [start, end)."""
    zone = project_zone()
    start, end = (
        datetime.strptime(month, "%Y-%m").replace(tzinfo=zone)
        for month in (period, next_period(period))
    )
    return start, end


@dataclass(frozen=True)
class ReviewRow:
    group: str  # overall, tier, category or lane: the CSV's codes
    name: str
    group_label: str  # the page's words
    name_label: str
    metrics: dict[str, Any]

    def cells(self) -> list[tuple[Any, bool]]:
        """Each column's value, and whether it is a count (shown without decimals)."""
        return [(self.metrics[column], column in COUNT_COLUMNS) for column in REVIEW_COLUMNS]


def monthly_review(*, period: str) -> list[ReviewRow]:
    """The month's metrics overall, per tier, per category and per lane (the request's
    lane now). Four aggregates a row, whatever the volume."""
    start, end = month_bounds(period)
    groups: list[tuple[str, str, str, dict[str, Any]]] = [
        ("overall", "all", str(_("All requests")), {})
    ]
    groups += [
        ("tier", code, str(Tier.Code(code).label), {"customer__tier__code": code})
        for code in Tier.objects.order_by("-rank").values_list("code", flat=True)
    ]
    groups += [
        ("category", category.code, category.display_name, {"category__code": category.code})
        for category in Category.objects.all()
    ]
    groups += [("lane", code, str(Lane(code).label), {"lane": code}) for code in Lane.values]
    return [
        ReviewRow(
            group=group,
            name=name,
            group_label=str(GROUP_LABELS[group]),
            name_label=name_label,
            metrics=ticket_metrics(start=start, end=end, scope=scope),
        )
        for group, name, name_label, scope in groups
    ]


def monthly_review_csv(*, period: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["period", "group", "name", *REVIEW_COLUMNS])
    for row in monthly_review(period=period):
        writer.writerow(
            [period, row.group, row.name]
            + ["" if row.metrics[c] is None else round(row.metrics[c], 4) for c in REVIEW_COLUMNS]
        )
    return out.getvalue()
