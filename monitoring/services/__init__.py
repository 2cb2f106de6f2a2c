"""Monitoring's services (SPEC 5): metrics and lights, the snapshot job and its alerts,
the monthly review, and the supervisors' pages. Monitoring reads every app and writes
only its snapshots and alerts.

The public functions are re-exported here, so callers import `monitoring.services`
whatever module holds them."""

from .alerts import (
    SnapshotRun,
    acknowledge_alert,
    email_supervisors,
    erlang_recommendation,
    evaluate_alerts,
    snapshot_metrics,
)
from .metrics import (
    SNAPSHOT_WINDOW,
    WINDOWS,
    Window,
    backlog_light,
    commitments,
    desk_metrics,
    erred_in,
    lights,
    live_metrics,
    rate_light,
    response_by_tier,
    response_light,
    ticket_metrics,
    window,
)
from .pages import (
    Dashboard,
    StaffingOverview,
    dashboard_data,
    planner_occupancy_cap,
    staffing_overview,
)
from .review import (
    COLUMN_LABELS,
    REVIEW_COLUMNS,
    ReviewRow,
    month_bounds,
    monthly_review,
    monthly_review_csv,
)

__all__ = [
    "COLUMN_LABELS",
    "REVIEW_COLUMNS",
    "SNAPSHOT_WINDOW",
    "WINDOWS",
    "Dashboard",
    "ReviewRow",
    "SnapshotRun",
    "StaffingOverview",
    "Window",
    "acknowledge_alert",
    "backlog_light",
    "commitments",
    "dashboard_data",
    "desk_metrics",
    "email_supervisors",
    "erlang_recommendation",
    "erred_in",
    "evaluate_alerts",
    "lights",
    "live_metrics",
    "month_bounds",
    "monthly_review",
    "monthly_review_csv",
    "planner_occupancy_cap",
    "rate_light",
    "response_by_tier",
    "response_light",
    "snapshot_metrics",
    "staffing_overview",
    "ticket_metrics",
    "window",
]
