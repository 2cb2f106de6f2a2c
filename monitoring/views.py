from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from quotas.services import validate_period
from staffing import capacity
from staffing.models import Agent, LaneChange
from staffing.services import coverage_gaps, lane_sizes, on_shift
from tickets.services.lanes import urgent_history, urgent_waiting

from . import health, services
from .forms import DashboardForm, PlannerForm
from .models import Alert, Snapshot, Thresholds

TREND_SPAN = timedelta(hours=24)


def home(request: HttpRequest) -> HttpResponse:
    """Send each role to its own home page."""
    user = request.user
    if user.has_perm("monitoring.view_dashboard"):
        return redirect("monitoring:dashboard")
    if user.has_perm("tickets.work_queue"):
        return redirect("tickets:queue")
    if user.has_perm("quotas.use_portal"):
        return redirect("portal:home")
    raise PermissionDenied


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    report = health.check()
    return JsonResponse(report, status=200 if report["database"]["ok"] else 503)


@permission_required("monitoring.view_dashboard", raise_exception=True)
def dashboard(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    form = DashboardForm(request.GET or None)
    choice = form.cleaned_data if form.is_valid() else {"window": "today"}
    span = services.window(choice.get("window") or "today", now=now)
    scope = {}
    if choice.get("tier"):
        scope["customer__tier"] = choice["tier"]
    if choice.get("category"):
        scope["category"] = choice["category"]
    if choice.get("lane"):
        scope["lane"] = choice["lane"]
    sizes = lane_sizes(now=now)
    metrics = {
        **services.ticket_metrics(span.start, span.end, scope=scope),
        **services.live_metrics(now=now, sizes=sizes),
        "response_by_tier": services.response_by_tier(span.start, span.end),
    }
    thresholds = Thresholds.objects.get()
    latest = (
        Snapshot.objects.order_by("-taken_at").values_list("metrics__erlang_c", flat=True).first()
    )
    # Only the charted figures, not each snapshot's whole document.
    trend = list(
        Snapshot.objects.filter(taken_at__gte=now - TREND_SPAN)
        .order_by("taken_at")
        .values_list("metrics__backlog", "metrics__first_response_mean_min", "metrics__utilisation")
    )
    return render(
        request,
        "monitoring/dashboard.html",
        {
            "form": form,
            "window": span,
            "metrics": metrics,
            "lights": services.lights(metrics, thresholds),
            "sizes": sizes,
            "plan": latest,
            "alerts": Alert.objects.filter(resolved_at__isnull=True).select_related(
                "acknowledged_by"
            ),
            "charts": [
                (_("Urgent backlog"), [row[0] for row in trend]),
                (_("First response, mean minutes"), [row[1] for row in trend]),
                (_("Urgent lane utilisation"), [row[2] for row in trend]),
            ],
        },
    )


@permission_required("monitoring.view_dashboard", raise_exception=True)
def review(request: HttpRequest, period: str) -> HttpResponse:
    """The monthly review: the month's metrics per tier and category, also as CSV."""
    try:
        period = validate_period(period)
    except ValueError:
        raise Http404 from None
    if request.GET.get("format") == "csv":
        response = HttpResponse(services.monthly_review_csv(period), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="review-{period}.csv"'
        return response
    return render(
        request,
        "monitoring/review.html",
        {
            "period": period,
            "rows": services.monthly_review(period),
            "columns": services.REVIEW_COLUMNS,
        },
    )


@require_POST
@permission_required("monitoring.view_dashboard", raise_exception=True)
def acknowledge(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = get_object_or_404(Alert, pk=alert_id, resolved_at__isnull=True)
    services.acknowledge(alert=alert, user=request.user)
    messages.success(request, _("Alert acknowledged."))
    return redirect("monitoring:dashboard")


@permission_required("staffing.manage_staffing", raise_exception=True)
def staffing(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    form = PlannerForm(request.GET or None)
    sizes = lane_sizes(now=now)
    history = urgent_history(now=now)
    plan, plan_error = None, ""
    if history.arrivals and history.mean_handle_minutes:
        try:
            plan = capacity.erlang_c_plan(
                arrivals_per_hour=history.arrivals_per_hour,
                handle_minutes=history.mean_handle_minutes,
                **form.targets(),
            )
        except ValueError as error:
            plan_error = str(error)
    backlog, _skills = urgent_waiting()
    return render(
        request,
        "monitoring/staffing.html",
        {
            "sizes": sizes,
            "backlog": backlog,
            "agents": Agent.objects.filter(on_shift(now))
            .select_related("user")
            .prefetch_related("skills")
            .order_by("lane", "user__username"),
            "changes": LaneChange.objects.select_related("agent__user")[:10],
            "gaps": coverage_gaps(start=now),
            "seed": capacity.seed_urgent_team(total_on_shift=sizes["on_shift"]),
            "history": history,
            "plan": plan,
            "plan_error": plan_error,
            "form": form,
        },
    )
