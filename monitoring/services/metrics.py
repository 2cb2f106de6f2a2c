"""Urgent-service metrics over a time window, and the traffic lights (SPEC 5).

Metrics are database aggregates: a handful of queries whatever the number of requests,
never a Python loop over rows.
"""

import math
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet

from quotas.models import Level, Tier
from quotas.services import URGENT_LEVELS
from staffing.models import Lane
from staffing.services import lane_sizes, project_zone, urgent_utilisation
from tickets.models import Satisfaction, Ticket, TicketEvent

from ..models import Thresholds

WINDOWS = ("hour", "today", "7d", "month")
# The snapshot job's window: alerts and the dashboard's lights judge the last hour.
SNAPSHOT_WINDOW = timedelta(hours=1)
URGENT = Q(initial_level__in=URGENT_LEVELS)
RESPONSE_WAIT = ExpressionWrapper(
    F("first_response_at") - F("created_at"), output_field=DurationField()
)


@dataclass(frozen=True)
class Window:
    name: str
    start: datetime
    end: datetime


def window(name: str, *, now: datetime) -> Window:
    local = now.astimezone(project_zone())
    midnight = datetime.combine(local.date(), time(), tzinfo=local.tzinfo)
    starts = {
        "hour": now - SNAPSHOT_WINDOW,
        "today": midnight,
        "7d": now - timedelta(days=7),
        "month": midnight.replace(day=1),
    }
    if name not in starts:
        raise ValueError(f"Unknown window {name!r}; use one of {', '.join(WINDOWS)}.")
    return Window(name, starts[name], now)


def _ratio(part: int, whole: int) -> float | None:
    """None rather than a division by zero: pages show "no data"."""
    return part / whole if whole else None


def _minutes(value: timedelta | None) -> float | None:
    return value.total_seconds() / 60 if value is not None else None


def _between(field: str, start: datetime, end: datetime) -> Q:
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


def _first_response_p90(tickets: QuerySet[Ticket], count: int) -> float | None:
    """The 90th percentile (nearest rank) by ordering in the database (SQLite has no
    percentile aggregate): one query reading one row."""
    if not count:
        return None
    position = math.ceil(0.9 * count) - 1
    value = (
        tickets.annotate(waited=RESPONSE_WAIT)
        .order_by("waited")
        .values_list("waited", flat=True)[position : position + 1]
    )
    return _minutes(next(iter(value), None))


# The events tickets.services.workflow writes for a handling error: flag_error's, and
# reopen's status change from resolved or closed back to an open status.
ERRED_EVENT = Q(kind=TicketEvent.Kind.ERROR_FLAGGED) | Q(
    kind=TicketEvent.Kind.STATUS_CHANGED,
    old_value__in=[Ticket.Status.RESOLVED, Ticket.Status.CLOSED],
    new_value__in=Ticket.Status.open_values(),
)


def erred_in(start: datetime, end: datetime) -> QuerySet[TicketEvent, int]:
    """Ids of requests flagged or reopened in the window, by their events: a ticket keeps
    only a reopen counter, and one scan of the events beats a scan of the wider tickets
    table (Ticket.error_flagged_at has no index)."""
    events = TicketEvent.objects.filter(ERRED_EVENT, _between("at", start, end))
    return events.values_list("ticket_id", flat=True)


def _quality(tickets: QuerySet[Ticket], start: datetime, end: datetime) -> dict[str, int]:
    """Urgent requests resolved, and flagged or reopened, in the window, and SLA breaches:
    one query. An error counts when it happens, so the rate does not wait for the
    reopened request to be resolved again."""
    resolved = _between("resolved_at", start, end)
    breached = _between("breached_at", start, end)
    erred = Q(pk__in=erred_in(start, end))
    return tickets.filter(resolved | breached | erred).aggregate(
        resolved=Count("pk", filter=URGENT & resolved),
        errors=Count("pk", filter=URGENT & erred),
        breaches=Count("pk", filter=breached),
    )


def ticket_metrics(
    *, start: datetime, end: datetime, scope: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Window metrics of the requests matching `scope`, lookups on Ticket such as
    {"customer__tier__code": "GOLD"} (None: all requests). Four queries at most."""
    scope = scope or {}
    tickets = Ticket.objects.filter(**scope)
    created = _between("created_at", start, end)
    responded = _between("first_response_at", start, end)
    resolved = _between("resolved_at", start, end)
    asked_urgent = Q(requested_level__in=URGENT_LEVELS)
    resolution = ExpressionWrapper(F("resolved_at") - F("created_at"), output_field=DurationField())
    # Only rows with something in the window, so the aggregate reads the window's requests
    # through the timestamp indexes instead of scanning every request ever filed.
    row = tickets.filter(created | responded | resolved).aggregate(
        created=Count("pk", filter=created),
        urgent=Count("pk", filter=created & URGENT),
        overflow=Count("pk", filter=created & URGENT & Q(lane=Lane.NORMAL)),
        asked_urgent=Count("pk", filter=created & asked_urgent),
        false_urgent=Count("pk", filter=created & asked_urgent & Q(level=Level.P3)),
        responded=Count("pk", filter=responded & URGENT),
        response_mean=Avg(RESPONSE_WAIT, filter=responded & URGENT),
        resolution_mean=Avg(resolution, filter=resolved & URGENT),
        first_contact=Count(
            "pk", filter=resolved & URGENT & Q(agent_reply_count__lte=1, reopen_count=0)
        ),
    )
    quality = _quality(tickets, start, end)
    ratings = Satisfaction.objects.filter(
        _between("at", start, end), **{f"ticket__{key}": value for key, value in scope.items()}
    ).aggregate(n=Count("pk"), mean=Avg("score"), good=Count("pk", filter=Q(score__gte=4)))
    return {
        "created": row["created"],
        "urgent": row["urgent"],
        "urgent_share": _ratio(row["urgent"], row["created"]),
        "first_response_mean_min": _minutes(row["response_mean"]),
        "first_response_p90_min": _first_response_p90(
            tickets.filter(responded & URGENT), row["responded"]
        ),
        "resolution_mean_min": _minutes(row["resolution_mean"]),
        "first_contact_resolution": _ratio(row["first_contact"], quality["resolved"]),
        "csat_mean": ratings["mean"],
        "csat_good_share": _ratio(ratings["good"], ratings["n"]),
        "overflow_rate": _ratio(row["overflow"], row["urgent"]),
        "error_rate": _ratio(quality["errors"], quality["resolved"]),
        "false_urgent_rate": _ratio(row["false_urgent"], row["asked_urgent"]),
        "breaches": quality["breaches"],
        "resolved": quality["resolved"],
    }


def live_metrics(*, now: datetime, sizes: dict[str, int] | None = None) -> dict[str, Any]:
    """What is true now rather than over a window, for the whole desk: the backlog and the
    urgent lane. `sizes`: staffing.services.lane_sizes(now=now), if already read."""
    backlog = Ticket.objects.waiting_for_agent().filter(lane=Lane.URGENT).count()
    return {
        "backlog": backlog,
        "urgent_agents": (sizes if sizes is not None else lane_sizes(now=now))["urgent"],
        "utilisation": urgent_utilisation(now=now),
    }


def response_by_tier(
    *, start: datetime, end: datetime, tiers: list[str] | None = None
) -> dict[str, float | None]:
    """Mean first response of urgent requests per tier, in hours (one query; `tiers`: the
    codes, best first, if the caller has read them)."""
    rows = (
        Ticket.objects.filter(URGENT, _between("first_response_at", start, end))
        .values("customer__tier__code")
        .annotate(mean=Avg(RESPONSE_WAIT))
    )
    found = {row["customer__tier__code"]: row["mean"] for row in rows}
    codes = tiers if tiers is not None else Tier.objects.values_list("code", flat=True)
    return {
        code: found[code].total_seconds() / 3600 if found.get(code) is not None else None
        for code in codes
    }


def backlog_light(*, backlog: int, urgent_agents: int, thresholds: Thresholds) -> str:
    """green below 2R, yellow from 2R, red from 4R (R: urgent agents on shift); with
    nobody on shift any waiting request is red."""
    if backlog and backlog >= float(thresholds.backlog_red_multiple) * urgent_agents:
        return "red"
    if backlog and backlog >= float(thresholds.backlog_yellow_multiple) * urgent_agents:
        return "yellow"
    return "green"


def response_light(
    *, mean_hours: float | None, commitment_hours: float, thresholds: Thresholds
) -> str:
    """normal up to 1x the commitment, warning above it, severe from 2x."""
    if mean_hours is None:
        return "none"
    if mean_hours >= float(thresholds.response_severe_multiple) * commitment_hours:
        return "severe"
    if mean_hours > float(thresholds.response_warning_multiple) * commitment_hours:
        return "warning"
    return "normal"


def rate_light(*, value: float | None, warning: float) -> str:
    """Utilisation, error rate and breaches: a warning from the threshold on."""
    if value is None:
        return "none"
    return "warning" if value >= warning else "normal"


def lights(
    *, metrics: dict[str, Any], thresholds: Thresholds, commitments: dict[str, float]
) -> dict[str, Any]:
    """Every light from whole-desk figures; `commitments`: hours per tier code."""
    return {
        "backlog": backlog_light(
            backlog=metrics["backlog"],
            urgent_agents=metrics["urgent_agents"],
            thresholds=thresholds,
        ),
        "response": {
            code: response_light(
                mean_hours=hours, commitment_hours=commitments[code], thresholds=thresholds
            )
            for code, hours in metrics["response_by_tier"].items()
        },
        "utilisation": rate_light(
            value=metrics["utilisation"], warning=float(thresholds.utilisation_warning)
        ),
        "error_rate": rate_light(
            value=metrics["error_rate"], warning=float(thresholds.error_rate_warning)
        ),
        "breaches": rate_light(value=metrics["breaches"], warning=thresholds.breaches_warning),
    }


def commitments() -> dict[str, float]:
    """First-response commitment hours per tier code, best tier first."""
    return {
        code: float(hours)
        for code, hours in Tier.objects.order_by("-rank").values_list(
            "code", "response_commitment_hours"
        )
    }


def desk_metrics(
    *, now: datetime, sizes: dict[str, int] | None = None, hours: dict[str, float]
) -> dict[str, Any]:
    """What the lights and alerts judge, for the whole desk: the live figures, and the
    snapshot window's response times, error rate and breaches. Four queries, plus one
    for lane sizes unless given; `hours`: commitments()."""
    start = now - SNAPSHOT_WINDOW
    quality = _quality(Ticket.objects.all(), start, now)
    return {
        **live_metrics(now=now, sizes=sizes),
        "response_by_tier": response_by_tier(start=start, end=now, tiers=list(hours)),
        "error_rate": _ratio(quality["errors"], quality["resolved"]),
        "breaches": quality["breaches"],
    }
