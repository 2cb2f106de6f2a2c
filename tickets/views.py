from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from quotas.models import Level, Tier
from quotas.services import NotEligible
from staffing.models import Agent

from .filters import QueueFilter
from .forms import (
    ActionForm,
    CategoryForm,
    ChecklistForm,
    MergeForm,
    MessageForm,
    OverrideForm,
    ReasonForm,
    ReassignForm,
    StaffRequestForm,
)
from .models import Category, ResponseTemplate, Ticket
from .services import workflow
from .services.categorise import recategorise
from .services.errors import TicketError
from .services.intake import submit_request
from .services.notifications import response_template
from .services.priority import clear_override, override_level
from .services.scoring import explain_level
from .services.sla import clocks
from .services.workflow import claim_next
from .tables import QueueTable

BOARD_PAGE_SIZE = 50


class CountedPaginator(Paginator):
    """A paginator given the count its caller has already read, instead of asking again."""

    def __init__(self, object_list: Any, per_page: int, *, count: int, **kwargs: Any) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.count = count


# What a board row shows (tickets_tags.board_rows), read as plain values: the rest of a
# request, its long description first, stays in the database, and no model is built.
BOARD_COLUMNS = (
    "reference",
    "level",
    "title",
    "score",
    "created_at",
    "handling_due",
    "sla_state",
    "status",
    "lane",
    "customer__name",
    "customer__tier",
    "category",
    "assignee__user__username",
)


def _board(request: HttpRequest) -> dict[str, object]:
    """The board's table, filters and level counts: a fixed number of queries."""
    # A handful of rows each, read once for the filters and the rows alike: two joins
    # fewer in the row query saved PostgreSQL's planner 1.5 ms of its 2.5.
    categories = {category.pk: category.display_name for category in Category.objects.all()}
    tiers = {pk: str(Tier.Code(code).label) for pk, code in Tier.objects.values_list("pk", "code")}
    board_filter = QueueFilter(
        request.GET or None,
        queryset=Ticket.objects.open(),
        request=request,
        categories=categories,
        tiers=tiers,
    )
    # COUNT(*), not COUNT(id): the board's index alone answers it.
    counts = dict(
        Ticket.objects.open().values_list("level").annotate(n=Count("*")).values_list("level", "n")
    )
    paginate: dict[str, object] = {"per_page": BOARD_PAGE_SIZE}
    if not board_filter.narrows():
        # Every open request is listed: the level counts already add up to the total.
        paginate.update(paginator_class=CountedPaginator, count=sum(counts.values()))
    table = QueueTable(board_filter.qs)
    RequestConfig(request, paginate=paginate).configure(table)
    return {
        "filter": board_filter,
        "table": table,
        # The page's rows as values; the paginator counted the filtered requests alone,
        # without the joins the columns need (7 ms more over 5,000 open requests).
        "rows": table.paginated_rows.data.values(*BOARD_COLUMNS),
        "categories": categories,
        "tiers": tiers,
        "level_counts": [(level, counts.get(level, 0)) for level in Level.values],
        "mine": request.GET.get("mine") == "true",
    }


@permission_required("tickets.work_queue", raise_exception=True)
def queue(request: HttpRequest) -> HttpResponse:
    return render(request, "tickets/queue.html", _board(request))


@permission_required("tickets.work_queue", raise_exception=True)
def queue_rows(request: HttpRequest) -> HttpResponse:
    """The board without the page around it, for the 15-second refresh."""
    return render(request, "tickets/_queue_board.html", _board(request))


@require_POST
@permission_required("tickets.work_queue", raise_exception=True)
def claim(request: HttpRequest) -> HttpResponse:
    agent = Agent.objects.filter(user=request.user).first()
    if agent is None:
        messages.error(request, _("Only agents can claim requests."))
        return redirect("tickets:queue")
    try:
        ticket = claim_next(agent=agent)
    except TicketError as error:
        messages.error(request, error.message)
        return redirect("tickets:queue")
    if ticket is None:
        messages.info(
            request, _("Nothing to claim: no waiting request matches your lane and skills.")
        )
        return redirect("tickets:queue")
    messages.success(request, _("You claimed %(reference)s.") % {"reference": ticket.reference})
    return redirect("tickets:detail", reference=ticket.reference)


@permission_required("tickets.work_queue", raise_exception=True)
def new_request(request: HttpRequest) -> HttpResponse:
    """File a request for a customer, through the same intake as the portal."""
    form = StaffRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = submit_request(submitted_by=request.user, **form.cleaned_data)
        except TicketError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        except NotEligible as error:
            form.add_error("requested_level", error.eligibility.reason)
        else:
            messages.success(
                request, _("Request %(reference)s filed.") % {"reference": ticket.reference}
            )
            return redirect("tickets:detail", reference=ticket.reference)
    return render(request, "tickets/new_request.html", {"form": form})


def _ticket_for_staff(reference: str) -> Ticket:
    # Two more joins (policy, parent) took PostgreSQL's planner 4 ms instead of 1 for
    # this query; a parent exists only for merged requests.
    return get_object_or_404(
        Ticket.objects.select_related("customer__tier", "category", "assignee__user"),
        reference=reference,
    )


def _render_detail(
    request: HttpRequest, ticket: Ticket, override_form: OverrideForm | None = None
) -> HttpResponse:
    version = {"version": workflow.version_of(ticket)}
    reply_draft = ""
    if ticket.first_response_at is None:
        reply_draft = response_template(
            ticket, kind=ResponseTemplate.Kind.FIRST_REPLY, language=ticket.customer.language
        ).body
    checklist = list(ticket.checklist.all())
    return render(
        request,
        "tickets/detail.html",
        {
            "ticket": ticket,
            "why": explain_level(ticket),
            "clocks": clocks(ticket, now=timezone.now()),
            "events": ticket.events.select_related("actor").order_by("at", "pk"),
            "checklist": checklist,
            "missing": [item.text for item in checklist if item.is_required and not item.done_at],
            "actions": workflow.available_actions(ticket),
            "is_assignee": ticket.assignee is not None
            and ticket.assignee.user_id == request.user.pk,
            "version": version["version"],
            # auto_id keeps element ids unique where one form class appears twice.
            "reply_form": MessageForm(initial={**version, "body": reply_draft}, auto_id="reply_%s"),
            "note_form": MessageForm(initial=version, auto_id="note_%s"),
            "reopen_form": ReasonForm(initial=version, auto_id="reopen_%s"),
            "override_form": override_form or OverrideForm(initial={"level": ticket.level}),
        },
    )


@permission_required("tickets.work_queue", raise_exception=True)
def detail(request: HttpRequest, reference: str) -> HttpResponse:
    return _render_detail(request, _ticket_for_staff(reference))


@permission_required("tickets.work_queue", raise_exception=True)
def manage(request: HttpRequest, reference: str) -> HttpResponse:
    """The seldom-used actions on a request, which its workspace loads when opened."""
    ticket = _ticket_for_staff(reference)
    version = {"version": workflow.version_of(ticket)}
    return render(
        request,
        "tickets/manage.html",
        {
            "ticket": ticket,
            "category_form": CategoryForm(
                initial={**version, "category": ticket.category_id}, auto_id="category_%s"
            ),
            "reassign_form": ReassignForm(initial=version, auto_id="reassign_%s"),
            "merge_form": MergeForm(initial=version, auto_id="merge_%s"),
            "flag_form": ReasonForm(initial=version, auto_id="flag_%s"),
            "cancel_form": ReasonForm(initial=version, auto_id="cancel_%s"),
        },
    )


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


Perform = Callable[[Ticket, Any, dict[str, Any], str | None], object]


@dataclass(frozen=True)
class Action:
    form: type[ActionForm]
    perform: Perform
    done: str


ACTIONS: dict[str, Action] = {
    "start": Action(
        ActionForm,
        lambda t, u, d, v: workflow.start_work(ticket=t, actor=u, seen_version=v),
        gettext_lazy("Work started."),
    ),
    "reply": Action(
        MessageForm,
        lambda t, u, d, v: workflow.reply(ticket=t, actor=u, body=d["body"], seen_version=v),
        gettext_lazy("Reply sent to the customer."),
    ),
    "note": Action(
        MessageForm,
        lambda t, u, d, v: workflow.add_note(ticket=t, actor=u, body=d["body"], seen_version=v),
        gettext_lazy("Note added."),
    ),
    "check": Action(
        ChecklistForm,
        lambda t, u, d, v: workflow.tick_checklist_item(
            ticket=t, item_id=d["item"], done=d["done"], actor=u
        ),
        gettext_lazy("Checklist updated."),
    ),
    "wait": Action(
        ActionForm,
        lambda t, u, d, v: workflow.wait_on_customer(ticket=t, actor=u, seen_version=v),
        gettext_lazy("Waiting on the customer; the SLA clocks are paused."),
    ),
    "resume": Action(
        ActionForm,
        lambda t, u, d, v: workflow.resume_work(ticket=t, actor=u, seen_version=v),
        gettext_lazy("Work resumed; the SLA clocks run again."),
    ),
    "resolve": Action(
        ActionForm,
        lambda t, u, d, v: workflow.resolve(ticket=t, actor=u, seen_version=v),
        gettext_lazy("Request resolved."),
    ),
    "close": Action(
        ActionForm,
        lambda t, u, d, v: workflow.close(ticket=t, actor=u, seen_version=v),
        gettext_lazy("Request closed."),
    ),
    "reopen": Action(
        ReasonForm,
        lambda t, u, d, v: workflow.reopen(ticket=t, actor=u, reason=d["reason"], seen_version=v),
        gettext_lazy("Request reopened."),
    ),
    "cancel": Action(
        ReasonForm,
        lambda t, u, d, v: workflow.cancel(ticket=t, actor=u, reason=d["reason"], seen_version=v),
        gettext_lazy("Request cancelled."),
    ),
    "flag": Action(
        ReasonForm,
        lambda t, u, d, v: workflow.flag_error(ticket=t, actor=u, reason=d["reason"]),
        gettext_lazy("Handling error recorded."),
    ),
    "recategorise": Action(
        CategoryForm,
        lambda t, u, d, v: recategorise(ticket=t, category=d["category"], actor=u),
        gettext_lazy("Category changed."),
    ),
    "reassign": Action(
        ReassignForm,
        lambda t, u, d, v: workflow.reassign(ticket=t, agent=d["agent"], actor=u, seen_version=v),
        gettext_lazy("Request reassigned."),
    ),
    "merge": Action(
        MergeForm,
        lambda t, u, d, v: workflow.merge_into(
            ticket=t, parent_reference=d["parent_reference"], actor=u, seen_version=v
        ),
        gettext_lazy("Request merged."),
    ),
}


@require_POST
@permission_required("tickets.work_queue", raise_exception=True)
def act(request: HttpRequest, reference: str, action: str) -> HttpResponse:
    """Every workspace action: bind its form, call its service, report the outcome."""
    if action not in ACTIONS:
        raise Http404
    ticket = _ticket_for_staff(reference)
    spec = ACTIONS[action]
    form = spec.form(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
        return redirect("tickets:detail", reference=reference)
    try:
        spec.perform(ticket, request.user, form.cleaned_data, form.cleaned_data["version"] or None)
    except TicketError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, spec.done)
    return redirect("tickets:detail", reference=reference)
