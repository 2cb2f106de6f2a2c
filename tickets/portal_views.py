"""The customer portal. Every view is scoped to the user's own account: another account's
request is "not found", never "forbidden", so references reveal nothing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from quotas.models import Level
from quotas.services import NotEligible

from .forms import CustomerReplyForm, RatingForm, UrgentRequestForm
from .models import Ticket
from .services import workflow
from .services.errors import TicketError
from .services.portal import (
    THROUGHPUT_WINDOW,
    customer_of,
    eligibility_by_level,
    open_requests_in_queue,
    queue_status,
    quota_card,
    rate,
    submit_from_portal,
)

portal_only = permission_required("quotas.use_portal", raise_exception=True)
HISTORY_PAGE_SIZE = 50


@portal_only
def home(request: HttpRequest) -> HttpResponse:
    customer = customer_of(request.user)
    now = timezone.now()
    return render(
        request,
        "tickets/portal/home.html",
        {
            "customer": customer,
            "requests": open_requests_in_queue(customer=customer, now=now),
            "card": quota_card(customer=customer, now=now),
        },
    )


@portal_only
def quota(request: HttpRequest) -> HttpResponse:
    customer = customer_of(request.user)
    entries = customer.ledger.order_by("-at", "-pk")
    page = Paginator(entries, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "tickets/portal/quota.html",
        {
            "customer": customer,
            "page": page,
            "card": quota_card(customer=customer, now=timezone.now()),
        },
    )


@portal_only
def new_request(request: HttpRequest) -> HttpResponse:
    customer = customer_of(request.user)
    form = UrgentRequestForm(
        request.POST or None,
        price=customer.tier.extra_request_price,
        initial={"requested_level": Level.P1},
    )
    refusal = None
    if request.method == "POST" and form.is_valid():
        try:
            ticket = submit_from_portal(
                customer=customer, submitted_by=request.user, **form.cleaned_data
            )
        except TicketError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        except NotEligible as error:
            refusal = error.eligibility
        else:
            messages.success(
                request, _("Request %(reference)s received.") % {"reference": ticket.reference}
            )
            return redirect("portal:request", reference=ticket.reference)
    return render(
        request,
        "tickets/portal/new_request.html",
        {
            "customer": customer,
            "form": form,
            "eligibility": eligibility_by_level(customer=customer),
            "refusal": refusal,
        },
    )


def _own_request(request: HttpRequest, reference: str) -> Ticket:
    customer = customer_of(request.user)
    return get_object_or_404(
        Ticket.objects.select_related("category", "customer__tier"),
        reference=reference,
        customer=customer,
    )


@portal_only
def request_detail(request: HttpRequest, reference: str) -> HttpResponse:
    ticket = _own_request(request, reference)
    return render(
        request,
        "tickets/portal/request.html",
        {
            "ticket": ticket,
            "events": ticket.events.filter(is_public=True).order_by("at", "pk"),
            "reply_form": CustomerReplyForm(),
            "rating_form": RatingForm(),
            "rating": getattr(ticket, "satisfaction", None),
        },
    )


@require_POST
@portal_only
def reply(request: HttpRequest, reference: str) -> HttpResponse:
    ticket = _own_request(request, reference)
    form = CustomerReplyForm(request.POST)
    try:
        if not form.is_valid():
            raise TicketError(_("Write your answer first."))
        workflow.customer_reply(ticket=ticket, user=request.user, body=form.cleaned_data["body"])
    except TicketError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Thank you, your answer was sent."))
    return redirect("portal:request", reference=reference)


@require_POST
@portal_only
def rate_request(request: HttpRequest, reference: str) -> HttpResponse:
    ticket = _own_request(request, reference)
    form = RatingForm(request.POST)
    try:
        if not form.is_valid():
            raise TicketError(_("Choose a rating from 1 to 5."))
        rate(ticket=ticket, user=request.user, **form.cleaned_data)
    except TicketError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Thank you for your rating."))
    return redirect("portal:request", reference=reference)


@portal_only
def guide(request: HttpRequest) -> HttpResponse:
    return render(request, "tickets/portal/guide.html")


@login_required
def status(request: HttpRequest) -> HttpResponse:
    """Live queue status for everyone signed in; no account's data is shown."""
    return render(
        request,
        "tickets/portal/status.html",
        {
            "levels": queue_status(now=timezone.now()),
            "window_hours": int(THROUGHPUT_WINDOW.total_seconds() // 3600),
        },
    )
