"""Pre-breach warnings by e-mail (SPEC 1 "Deadlines"): when requests enter "at risk" or
"due", their assignees and the supervisors are told.

refresh_sla_states enqueues one django-q2 task per state and run, on commit (a rolled-back
job warns nobody). The task sends one e-mail per assignee, listing their requests, and one
to the supervisors listing them all, so thousands of requests turning at once cost a few
e-mails rather than thousands.
"""

from collections import defaultdict
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_q.tasks import async_task

from staffing.models import Agent
from staffing.services import project_zone

from ..models import Ticket
from .notifications import supervisor_addresses

TASK = "tickets.tasks.send_sla_warnings"
# Requests per task: keeps each task's arguments and e-mails a sensible size.
IDS_PER_TASK = 1_000


def enqueue(*, state: str, ticket_ids: list[int]) -> None:
    for start in range(0, len(ticket_ids), IDS_PER_TASK):
        transaction.on_commit(
            partial(async_task, TASK, state, ticket_ids[start : start + IDS_PER_TASK])
        )


def _line(ticket: Ticket) -> str:
    """The request and the deadline that is nearest: the first response's while nobody
    has answered and it falls first, otherwise the handling deadline."""
    if ticket.first_response_at is None and ticket.first_response_due < ticket.handling_due:
        text, due = (
            _("%(reference)s %(level)s “%(title)s”: first response due %(due)s"),
            (ticket.first_response_due),
        )
    else:
        text, due = (
            _("%(reference)s %(level)s “%(title)s”: handling due %(due)s"),
            (ticket.handling_due),
        )
    return text % {
        "reference": ticket.reference,
        "level": ticket.level,
        "title": ticket.title,
        # The desk's own clock, as every page shows it, not the stored UTC.
        "due": due.astimezone(project_zone()).strftime("%Y-%m-%d %H:%M"),
    }


def _message(state: str, tickets: list[Ticket], language: str, to: list[str]) -> EmailMessage:
    with translation.override(language):
        label = Ticket.SlaState(state).label
        subject = ngettext(
            "[Expedite Desk] %(count)d request %(state)s",
            "[Expedite Desk] %(count)d requests %(state)s",
            len(tickets),
        ) % {"count": len(tickets), "state": str(label).lower()}
        lines = [_line(ticket) for ticket in tickets]
    return EmailMessage(
        subject=subject, body="\n".join(lines), from_email=settings.DEFAULT_FROM_EMAIL, to=to
    )


def send_sla_warnings(state: str, ticket_ids: list[int]) -> int:
    """Tell the assignees and supervisors which requests entered `state`; returns the
    number of e-mails sent. Requests that left the state since are skipped."""
    tickets = list(
        Ticket.objects.filter(pk__in=ticket_ids, sla_state=state)
        .select_related("assignee__user")
        .order_by("handling_due", "pk")
    )
    if not tickets:
        return 0
    agents: dict[int, Agent] = {}
    by_agent: dict[int, list[Ticket]] = defaultdict(list)
    for ticket in tickets:
        if ticket.assignee is not None and ticket.assignee.user.email:
            agents[ticket.assignee.pk] = ticket.assignee
            by_agent[ticket.assignee.pk].append(ticket)
    messages = [
        _message(state, mine, agents[pk].language, [agents[pk].user.email])
        for pk, mine in by_agent.items()
    ]
    supervisors = supervisor_addresses()
    if supervisors:
        messages.append(_message(state, tickets, settings.LANGUAGE_CODE, supervisors))
    return get_connection().send_messages(messages) or 0
