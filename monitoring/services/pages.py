"""What the supervisors' pages show, each assembled by one service call: the dashboard
(/monitoring/) and the staffing page (/staffing/)."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils.translation import gettext as _

from quotas.models import Tier
from quotas.services import period_of, previous_period
from staffing import capacity
from staffing.models import Agent, LaneChange
from staffing.services import coverage_gaps, lane_sizes, on_shift
from tickets.models import Category
from tickets.services.lanes import UrgentHistory, urgent_history, urgent_waiting

from ..models import Alert, Snapshot, Thresholds
from .metrics import Window, commitments, desk_metrics, lights, ticket_metrics
from .metrics import window as window_of

TREND_SPAN = timedelta(hours=24)


@dataclass(frozen=True)
class Recommendation:
    """The Erlang C lane size stored by the latest snapshot, beside today's lane."""

    agents: int
    scheduled_agents: int
    computed_at: datetime
    target_level: float
    target_minutes: float
    urgent_today: int


@dataclass(frozen=True)
class Dashboard:
    window: Window
    filtered: bool  # tier, category or lane chosen: only the KPI cards follow them
    metrics: dict[str, Any]  # the window's KPIs for the filter
    desk: dict[str, Any]  # whole desk: live backlog and lane, the last hour's quality
    lights: dict[str, Any]
    thresholds: Thresholds
    commitments: dict[str, float]
    sizes: dict[str, int]
    recommendation: Recommendation | None
    alerts: list[Alert]
    charts: list[tuple[str, list[float | None]]]
    periods: tuple[str, str]  # this month and the previous one, for the review links


def dashboard_data(
    *,
    now: datetime,
    window: str = "today",
    tier: Tier | None = None,
    category: Category | None = None,
    lane: str | None = None,
) -> Dashboard:
    """A bounded number of queries whatever the number of requests and snapshots: the
    trends and the recommendation come from stored snapshots, the rest are aggregates."""
    span = window_of(window, now=now)
    scope: dict[str, Any] = {}
    if tier is not None:
        scope["customer__tier"] = tier
    if category is not None:
        scope["category"] = category
    if lane:
        scope["lane"] = lane
    sizes = lane_sizes(now=now)
    hours = commitments()
    thresholds = Thresholds.objects.get()
    desk = desk_metrics(now=now, sizes=sizes, hours=hours)
    # Only the charted figures and the latest recommendation, not each whole document.
    trend = list(
        Snapshot.objects.filter(taken_at__gte=now - TREND_SPAN)
        .order_by("taken_at")
        .values_list(
            "taken_at",
            "metrics__backlog",
            "metrics__first_response_mean_min",
            "metrics__utilisation",
            "metrics__erlang_c",
        )
    )
    plan = trend[-1][4] if trend else None
    current = period_of(now)
    return Dashboard(
        window=span,
        filtered=bool(scope),
        metrics=ticket_metrics(start=span.start, end=span.end, scope=scope),
        desk=desk,
        lights=lights(metrics=desk, thresholds=thresholds, commitments=hours),
        thresholds=thresholds,
        commitments=hours,
        sizes=sizes,
        recommendation=Recommendation(
            agents=plan["agents"],
            scheduled_agents=plan["scheduled_agents"],
            computed_at=trend[-1][0],
            # erlang_recommendation plans with the planner's default target.
            target_level=capacity.DEFAULT_TARGET_LEVEL,
            target_minutes=capacity.DEFAULT_TARGET_MINUTES,
            urgent_today=sizes["urgent"],
        )
        if plan
        else None,
        alerts=list(
            Alert.objects.filter(resolved_at__isnull=True).select_related("acknowledged_by")
        ),
        charts=[
            (_("Urgent backlog"), [row[1] for row in trend]),
            (_("First response, mean minutes"), [row[2] for row in trend]),
            (_("Urgent lane utilisation"), [row[3] for row in trend]),
        ],
        periods=(current, previous_period(current)),
    )


@dataclass(frozen=True)
class StaffingOverview:
    sizes: dict[str, int]
    backlog: int
    agents: list[Agent]
    changes: list[LaneChange]
    gaps: list[tuple[datetime, datetime]]
    seed: capacity.SeedPlan
    history: UrgentHistory
    plan: capacity.ErlangPlan | None
    plan_error: str


def planner_occupancy_cap() -> float:
    """The staffing planner's default occupancy cap: the desk's own utilisation warning."""
    return float(Thresholds.objects.values_list("utilisation_warning", flat=True).get())


def staffing_overview(*, now: datetime, targets: dict[str, float]) -> StaffingOverview:
    """Lanes now, coverage, recent borrowing, and the Erlang C plan for the urgent lane at
    its measured demand with the supervisor's `targets` (erlang_c_plan's keywords)."""
    sizes = lane_sizes(now=now)
    history = urgent_history(now=now)
    plan, plan_error = None, ""
    if history.arrivals and history.mean_handle_minutes:
        try:
            plan = capacity.erlang_c_plan(
                arrivals_per_hour=history.arrivals_per_hour,
                handle_minutes=history.mean_handle_minutes,
                **targets,
            )
        except ValueError as error:
            plan_error = str(error)
    backlog, _skills = urgent_waiting()
    return StaffingOverview(
        sizes=sizes,
        backlog=backlog,
        agents=list(
            Agent.objects.filter(on_shift(now))
            .select_related("user")
            .prefetch_related("skills")
            .order_by("lane", "user__username")
        ),
        changes=list(LaneChange.objects.select_related("agent__user")[:10]),
        gaps=coverage_gaps(start=now),
        seed=capacity.seed_urgent_team(total_on_shift=sizes["on_shift"]),
        history=history,
        plan=plan,
        plan_error=plan_error,
    )
