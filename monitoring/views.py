from django.contrib.auth.decorators import login_not_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import health


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
