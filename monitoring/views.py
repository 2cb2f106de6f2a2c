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

from . import health, services
from .forms import WINDOW_CHOICES, DashboardForm, PlannerForm
from .models import Alert


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
    form = DashboardForm(request.GET or None)
    choice = form.cleaned_data if form.is_valid() else {}
    data = services.dashboard_data(
        now=timezone.now(),
        window=choice.get("window") or "today",
        tier=choice.get("tier"),
        category=choice.get("category"),
        lane=choice.get("lane") or None,
    )
    return render(
        request,
        "monitoring/dashboard.html",
        {"form": form, "data": data, "window_label": dict(WINDOW_CHOICES)[data.window.name]},
    )


@permission_required("monitoring.view_dashboard", raise_exception=True)
def review(request: HttpRequest, period: str) -> HttpResponse:
    """The monthly review: the month's metrics per tier, category and lane, also as CSV."""
    try:
        period = validate_period(period)
    except ValueError:
        raise Http404 from None
    if request.GET.get("format") == "csv":
        csv = services.monthly_review_csv(period=period)
        response = HttpResponse(csv, content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="review-{period}.csv"'
        return response
    return render(
        request,
        "monitoring/review.html",
        {
            "period": period,
            "rows": services.monthly_review(period=period),
            "columns": [services.COLUMN_LABELS[column] for column in services.REVIEW_COLUMNS],
        },
    )


@require_POST
@permission_required("monitoring.view_dashboard", raise_exception=True)
def acknowledge(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = get_object_or_404(Alert, pk=alert_id, resolved_at__isnull=True)
    services.acknowledge_alert(alert=alert, user=request.user)
    messages.success(request, _("Alert acknowledged."))
    return redirect("monitoring:dashboard")


@permission_required("staffing.manage_staffing", raise_exception=True)
def staffing(request: HttpRequest) -> HttpResponse:
    form = PlannerForm(request.GET or None, max_occupancy=services.planner_occupancy_cap())
    overview = services.staffing_overview(now=timezone.now(), targets=form.targets())
    return render(request, "monitoring/staffing.html", {"form": form, "data": overview})
