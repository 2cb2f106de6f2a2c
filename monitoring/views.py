from django.contrib.auth.decorators import login_not_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from staffing import capacity
from staffing.models import Agent, LaneChange
from staffing.services import coverage_gaps, lane_sizes, on_shift
from tickets.services.lanes import urgent_history, urgent_waiting

from . import health
from .forms import PlannerForm


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
    return render(
        request,
        "placeholder.html",
        {
            "heading": _("Monitoring"),
            "explanation": _("Urgent-service metrics, traffic lights and alerts will appear here."),
        },
    )


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
