from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .forms import OverrideForm
from .models import Ticket
from .services.errors import TicketError
from .services.priority import clear_override, override_level
from .services.scoring import explain_level
from .services.sla import clocks


@permission_required("tickets.work_queue", raise_exception=True)
def queue(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "placeholder.html",
        {"heading": _("Queue"), "explanation": _("The agents' queue board will appear here.")},
    )


def _ticket_for_staff(reference: str) -> Ticket:
    return get_object_or_404(
        Ticket.objects.select_related(
            "customer__tier", "category", "policy", "assignee__user", "parent"
        ),
        reference=reference,
    )


def _render_detail(
    request: HttpRequest, ticket: Ticket, override_form: OverrideForm | None = None
) -> HttpResponse:
    return render(
        request,
        "tickets/detail.html",
        {
            "ticket": ticket,
            "why": explain_level(ticket),
            "clocks": clocks(ticket, now=timezone.now()),
            "events": ticket.events.select_related("actor").order_by("at", "pk"),
            "checklist": ticket.checklist.all(),
            "override_form": override_form or OverrideForm(initial={"level": ticket.level}),
        },
    )


@permission_required("tickets.work_queue", raise_exception=True)
def detail(request: HttpRequest, reference: str) -> HttpResponse:
    return _render_detail(request, _ticket_for_staff(reference))


@require_POST
@permission_required("tickets.override_level", raise_exception=True)
def override(request: HttpRequest, reference: str) -> HttpResponse:
    ticket = _ticket_for_staff(reference)
    form = OverrideForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, ticket, override_form=form)
    try:
        override_level(
            ticket=ticket,
            level=form.cleaned_data["level"],
            reason=form.cleaned_data["reason"],
            actor=request.user,
        )
    except TicketError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Level overridden."))
    return redirect("tickets:detail", reference=reference)


@require_POST
@permission_required("tickets.override_level", raise_exception=True)
def clear(request: HttpRequest, reference: str) -> HttpResponse:
    try:
        clear_override(ticket=_ticket_for_staff(reference), actor=request.user)
    except TicketError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Override cleared; the level follows the score again."))
    return redirect("tickets:detail", reference=reference)
