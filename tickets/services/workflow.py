"""The request lifecycle (SPEC 3): claiming, replies, checklist, status changes, merging.

new -> queued/assigned -> in progress -> (waiting on customer) -> resolved -> closed;
reopen within the policy's period; merged and cancelled are terminal. Every action locks
the request, checks who may do it and in which state, writes, audits, and notifies on
commit. A refused action raises TicketError and changes nothing.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from quotas.services import refund_credit
from staffing.models import Agent
from staffing.service_hours import load_service_hours
from staffing.services import release_load, take_load

from ..models import ChecklistItem, Ticket, TicketEvent
from . import notifications
from .audit import build_event
from .errors import TicketError
from .locking import load_for_update, lockable, version_of
from .policy import active_policy
from .sla import PAUSE_FIELDS, pause_clock, resume_clock

__all__ = ["version_of"]  # re-exported: views read it from here with the actions

Status = Ticket.Status
# Statuses in which an assignee works the request, and carries it in their load.
WORKING = [Status.ASSIGNED, Status.IN_PROGRESS, Status.WAITING_ON_CUSTOMER]


def _may_act_on_any(actor: User) -> bool:
    return actor.has_perm("tickets.act_on_any")


def _require_worker(ticket: Ticket, actor: User) -> None:
    """Only the assignee (or a supervisor) works a request."""
    if _may_act_on_any(actor):
        return
    if ticket.assignee is None or ticket.assignee.user_id != actor.pk:
        raise TicketError(_("Only the assignee or a supervisor can do this."))


# The statuses each action starts from: the state machine, used by the services to
# refuse and by the workspace to offer only what is possible.
FROM_STATUSES: dict[str, Sequence[str]] = {
    "start": [Status.ASSIGNED],
    "reply": WORKING,
    "check": WORKING,
    "wait": [Status.ASSIGNED, Status.IN_PROGRESS],
    "resume": [Status.WAITING_ON_CUSTOMER],
    "resolve": WORKING,
    "close": [Status.RESOLVED],
    "reopen": [Status.RESOLVED, Status.CLOSED],
    "cancel": Status.open_values(),
    "reassign": Status.open_values(),
    "merge": Status.open_values(),
    "recategorise": Status.open_values(),
}
ACTION_WORDS = {
    "start": gettext_lazy("start"),
    "reply": gettext_lazy("reply to"),
    "check": gettext_lazy("work on"),
    "wait": gettext_lazy("wait on the customer for"),
    "resume": gettext_lazy("resume"),
    "resolve": gettext_lazy("resolve"),
    "close": gettext_lazy("close"),
    "reopen": gettext_lazy("reopen"),
    "cancel": gettext_lazy("cancel"),
    "reassign": gettext_lazy("reassign"),
    "merge": gettext_lazy("merge"),
    "recategorise": gettext_lazy("re-categorise"),
}


def available_actions(ticket: Ticket) -> set[str]:
    return {action for action, statuses in FROM_STATUSES.items() if ticket.status in statuses}


def _require_status(ticket: Ticket, action: str) -> None:
    if ticket.status not in FROM_STATUSES[action]:
        raise TicketError(
            _("You cannot %(action)s a request that is %(status)s.")
            % {"action": ACTION_WORDS[action], "status": ticket.get_status_display().lower()}
        )


def _event(ticket: Ticket, kind: str, *, actor: User | None, **fields) -> TicketEvent:
    return build_event(ticket_id=ticket.pk, kind=kind, at=timezone.now(), actor=actor, **fields)


def _set_status(
    ticket: Ticket, status: str, *, actor: User | None, reason: str = ""
) -> TicketEvent:
    """Change the status, and with it the SLA clocks: entering waiting-on-customer stops
    them, leaving it (whatever the action) starts them again. Callers save "status";
    _save then writes the clock fields too."""
    old = ticket.status
    ticket.status = status
    now = timezone.now()
    if status == Status.WAITING_ON_CUSTOMER:
        pause_clock(ticket, now=now)
    elif old == Status.WAITING_ON_CUSTOMER:
        _resume_clock(ticket, now)
    notifications.enqueue("status", ticket.pk, old=old, new=status)
    return _event(
        ticket,
        TicketEvent.Kind.STATUS_CHANGED,
        actor=actor,
        old=old,
        new=status,
        reason=reason,
        public=True,
    )


def _resume_clock(ticket: Ticket, now: datetime) -> None:
    # The request's own policy version set its targets; the pause only pushes them out.
    calendar_id = ticket.customer.tier.calendar_id
    hours = load_service_hours([calendar_id])[calendar_id]
    resume_clock(ticket, now=now, hours=hours, policy=ticket.policy)


def _save(ticket: Ticket, fields: Iterable[str], events: Iterable[TicketEvent]) -> Ticket:
    fields = list(fields)
    if "status" in fields:
        fields += [name for name in PAUSE_FIELDS if name not in fields]
    ticket.save(update_fields=[*fields, "updated_at"])
    TicketEvent.objects.bulk_create(events)
    return ticket


@transaction.atomic
def claim_next(*, agent: Agent) -> Ticket | None:
    """Give the agent the top waiting request they are eligible for, or None.

    Eligible: waiting for an agent, in the agent's working lane (borrowed agents work
    the urgent lane), in a category they have the skill for; the agent under their
    maximum load. Order: level, then handling due time, then score. SKIP LOCKED lets many
    agents claim at once without waiting on each other; the conditional UPDATE is the
    guarantee (and the whole mechanism on SQLite, which has no row locks).
    """
    agent = Agent.objects.select_related("user").get(pk=agent.pk)
    if agent.open_load >= agent.max_load:
        raise TicketError(_("You are at your maximum load. Finish a request first."))
    lane = agent.working_lane
    candidates = (
        Ticket.objects.waiting_for_agent()
        .filter(
            lane=lane,
            category__skill__in=agent.skills.all(),
        )
        .order_by("level", "handling_due", "-score", "pk")
        .select_for_update(skip_locked=True, of=("self",))
    )
    now = timezone.now()
    # One row at a time: locking several would hide the others from agents claiming now.
    for _attempt in range(5):
        ticket = candidates.first()
        if ticket is None:
            return None
        claimed = (
            Ticket.objects.waiting_for_agent()
            .filter(pk=ticket.pk)
            .update(assignee=agent, status=Status.ASSIGNED, updated_at=now)
        )
        if not claimed:
            continue
        if not take_load(agent_id=agent.pk, now=now):
            raise TicketError(_("You are at your maximum load. Finish a request first."))
        TicketEvent.objects.bulk_create(
            [
                _event(
                    ticket,
                    TicketEvent.Kind.ASSIGNED,
                    actor=agent.user,
                    new=agent.user.username,
                    reason=_("claimed"),
                ),
                _event(
                    ticket,
                    TicketEvent.Kind.STATUS_CHANGED,
                    actor=agent.user,
                    old=Status.QUEUED,
                    new=Status.ASSIGNED,
                    public=True,
                ),
            ]
        )
        notifications.enqueue("assigned", ticket.pk)
        return Ticket.objects.get(pk=ticket.pk)
    return None


@transaction.atomic
def start_work(*, ticket: Ticket, actor: User, seen_version: str | None = None) -> Ticket:
    ticket = load_for_update(ticket, seen_version=seen_version)
    _require_worker(ticket, actor)
    _require_status(ticket, "start")
    return _save(ticket, ["status"], [_set_status(ticket, Status.IN_PROGRESS, actor=actor)])


@transaction.atomic
def reply(*, ticket: Ticket, actor: User, body: str, seen_version: str | None = None) -> Ticket:
    """A reply to the customer; the first agent reply is the first response."""
    body = (body or "").strip()
    if not body:
        raise TicketError(_("Write a reply first."), field="body")
    ticket = load_for_update(ticket, seen_version=seen_version)
    _require_worker(ticket, actor)
    _require_status(ticket, "reply")
    now = timezone.now()
    fields = ["agent_reply_count"]
    ticket.agent_reply_count += 1
    if ticket.first_response_at is None:
        ticket.first_response_at = now
        fields.append("first_response_at")
    events = [_event(ticket, TicketEvent.Kind.REPLY, actor=actor, body=body, public=True)]
    if ticket.status == Status.ASSIGNED:
        events.append(_set_status(ticket, Status.IN_PROGRESS, actor=actor))
        fields.append("status")
    notifications.enqueue("reply", ticket.pk, body=body)
    return _save(ticket, fields, events)


@transaction.atomic
def add_note(*, ticket: Ticket, actor: User, body: str, seen_version: str | None = None) -> Ticket:
    """An internal note: any agent may add one; the customer never sees it."""
    body = (body or "").strip()
    if not body:
        raise TicketError(_("Write the note first."), field="body")
    ticket = load_for_update(ticket, seen_version=seen_version)
    return _save(ticket, [], [_event(ticket, TicketEvent.Kind.NOTE, actor=actor, body=body)])


@transaction.atomic
def tick_checklist_item(*, ticket: Ticket, item_id: int, done: bool, actor: User) -> ChecklistItem:
    ticket = load_for_update(ticket)
    _require_worker(ticket, actor)
    _require_status(ticket, "check")
    item = ticket.checklist.filter(pk=item_id).first()
    if item is None:
        raise TicketError(_("That checklist item does not belong to this request."))
    if (item.done_at is not None) == done:
        return item
    item.done_at, item.done_by = (timezone.now(), actor) if done else (None, None)
    item.save(update_fields=["done_at", "done_by"])
    _save(
        ticket,
        [],
        [
            _event(
                ticket,
                TicketEvent.Kind.CHECKLIST,
                actor=actor,
                old="" if done else "done",
                new="done" if done else "",
                reason=item.text_en,
            )
        ],
    )
    return item


@transaction.atomic
def wait_on_customer(*, ticket: Ticket, actor: User, seen_version: str | None = None) -> Ticket:
    """Hand the request to the customer: both SLA clocks stop until they answer."""
    ticket = load_for_update(ticket, seen_version=seen_version)
    _require_worker(ticket, actor)
    _require_status(ticket, "wait")
    event = _set_status(ticket, Status.WAITING_ON_CUSTOMER, actor=actor)
    return _save(ticket, ["status"], [event])


@transaction.atomic
def resume_work(*, ticket: Ticket, actor: User, seen_version: str | None = None) -> Ticket:
    """Back from waiting on the customer; the clocks run again, pushed out by the pause."""
    ticket = load_for_update(ticket, seen_version=seen_version)
    _require_worker(ticket, actor)
    _require_status(ticket, "resume")
    event = _set_status(ticket, Status.IN_PROGRESS, actor=actor)
    return _save(ticket, ["status"], [event])


def missing_required_items(ticket: Ticket) -> list[str]:
    return [
        item.text_en for item in ticket.checklist.all() if item.is_required and item.done_at is None
    ]


@transaction.atomic
def resolve(*, ticket: Ticket, actor: User, seen_version: str | None = None) -> Ticket:
    """Resolve once every required checklist item is done; merged children follow."""
    ticket = load_for_update(ticket, seen_version=seen_version)
    _require_worker(ticket, actor)
    _require_status(ticket, "resolve")
    missing = missing_required_items(ticket)
    if missing:
        raise TicketError(
            _("Tick the required checklist items first: %(items)s.") % {"items": "; ".join(missing)}
        )
    now = timezone.now()
    ticket.resolved_at = now
    events = [_event_and_release(ticket, Status.RESOLVED, actor=actor)]
    _resolve_children(ticket, actor=actor, now=now)
    return _save(ticket, ["status", "resolved_at"], events)


def _event_and_release(
    ticket: Ticket, status: str, *, actor: User | None, reason: str = ""
) -> TicketEvent:
    """Move an open request out of the assignee's load."""
    if ticket.assignee_id is not None and ticket.status in WORKING:
        release_load(agent_id=ticket.assignee_id)
    return _set_status(ticket, status, actor=actor, reason=reason)


def _resolve_children(parent: Ticket, *, actor: User, now: datetime) -> None:
    children = list(parent.children.filter(resolved_at__isnull=True))
    if not children:
        return
    Ticket.objects.filter(pk__in=[c.pk for c in children]).update(resolved_at=now, updated_at=now)
    reason = _("resolved with %(reference)s") % {"reference": parent.reference}
    TicketEvent.objects.bulk_create(
        _event(
            child,
            TicketEvent.Kind.STATUS_CHANGED,
            actor=actor,
            old=Status.MERGED,
            new=Status.RESOLVED,
            reason=reason,
            public=True,
        )
        for child in children
    )
    for child in children:
        notifications.enqueue("status", child.pk, old=Status.MERGED, new=Status.RESOLVED)


@transaction.atomic
def close(*, ticket: Ticket, actor: User, seen_version: str | None = None) -> Ticket:
    ticket = load_for_update(ticket, seen_version=seen_version)
    _require_worker(ticket, actor)
    _require_status(ticket, "close")
    ticket.closed_at = timezone.now()
    event = _set_status(ticket, Status.CLOSED, actor=actor)
    return _save(ticket, ["status", "closed_at"], [event])


@transaction.atomic
def reopen(
    *, ticket: Ticket, actor: User, reason: str = "", seen_version: str | None = None
) -> Ticket:
    """Reopen within the policy's period; it counts as an error for monitoring."""
    ticket = load_for_update(ticket, seen_version=seen_version)
    _require_worker(ticket, actor)
    _require_status(ticket, "reopen")
    period = timedelta(days=active_policy().reopen_period_days)
    now = timezone.now()
    if ticket.resolved_at is None or now - ticket.resolved_at > period:
        raise TicketError(
            _("This request was resolved more than %(days)d days ago; open a new one instead.")
            % {"days": period.days}
        )
    fields = ["status", "reopen_count", "resolved_at", "closed_at"]
    ticket.reopen_count += 1
    ticket.resolved_at = ticket.closed_at = None
    status = Status.IN_PROGRESS
    if ticket.assignee_id is None or not take_load(agent_id=ticket.assignee_id, now=now):
        # The assignee is full or gone: back to the queue for the next claim.
        ticket.assignee = None
        fields.append("assignee")
        status = Status.QUEUED
    event = _set_status(ticket, status, actor=actor, reason=(reason or "").strip()[:300])
    return _save(ticket, fields, [event])


@transaction.atomic
def cancel(*, ticket: Ticket, actor: User, reason: str, seen_version: str | None = None) -> Ticket:
    reason = (reason or "").strip()
    if not reason:
        raise TicketError(_("Cancelling needs a reason."), field="reason")
    ticket = load_for_update(ticket, seen_version=seen_version)
    if not _may_act_on_any(actor):
        raise TicketError(_("Only a supervisor can cancel a request."))
    _require_status(ticket, "cancel")
    event = _event_and_release(ticket, Status.CANCELLED, actor=actor, reason=reason)
    return _save(ticket, ["status"], [event])


@transaction.atomic
def reassign(
    *, ticket: Ticket, agent: Agent, actor: User, seen_version: str | None = None
) -> Ticket:
    """Hand the request to another agent, who must have room under their maximum load."""
    ticket = load_for_update(ticket, seen_version=seen_version)
    _require_worker(ticket, actor)
    _require_status(ticket, "reassign")
    if ticket.assignee_id == agent.pk:
        raise TicketError(_("The request is already assigned to %(agent)s.") % {"agent": agent})
    now = timezone.now()
    if not take_load(agent_id=agent.pk, now=now):
        raise TicketError(_("%(agent)s is at their maximum load.") % {"agent": agent})
    old = ticket.assignee
    if old is not None and ticket.status in WORKING:
        release_load(agent_id=old.pk)
    ticket.assignee = agent
    events = [
        _event(
            ticket,
            TicketEvent.Kind.ASSIGNED,
            actor=actor,
            old=old.user.username if old else "",
            new=agent.user.username,
        )
    ]
    fields = ["assignee"]
    if ticket.status in (Status.NEW, Status.QUEUED):
        events.append(_set_status(ticket, Status.ASSIGNED, actor=actor))
        fields.append("status")
    notifications.enqueue("assigned", ticket.pk)
    return _save(ticket, fields, events)


@transaction.atomic
def merge_into(
    *,
    ticket: Ticket,
    parent_reference: str,
    actor: User,
    seen_version: str | None = None,
) -> Ticket:
    """Merge a duplicate into the request that handles the same incident."""
    child = load_for_update(ticket, seen_version=seen_version)
    _require_worker(child, actor)
    _require_status(child, "merge")
    reference = (parent_reference or "").strip().upper()
    parent = lockable().filter(reference=reference).first()
    if parent is None:
        raise TicketError(
            _("No request has the reference %(reference)s.") % {"reference": reference},
            field="parent_reference",
        )
    if parent.pk == child.pk:
        raise TicketError(_("A request cannot be merged into itself."), field="parent_reference")
    if not parent.is_open:
        raise TicketError(
            _("Merge into an open request; %(reference)s is %(status)s.")
            % {"reference": parent.reference, "status": parent.get_status_display().lower()},
            field="parent_reference",
        )
    now = timezone.now()
    event = _event_and_release(
        child,
        Status.MERGED,
        actor=actor,
        reason=_("merged into %(reference)s") % {"reference": parent.reference},
    )
    child.parent = parent
    # Requests merged earlier into this one follow it to the new parent.
    Ticket.objects.filter(parent=child).update(parent=parent, updated_at=now)
    merged = _event(
        parent,
        TicketEvent.Kind.MERGED,
        actor=actor,
        new=child.reference,
        reason=_("%(reference)s merged into this request") % {"reference": child.reference},
    )
    fields = ["status", "parent"]
    if child.quota_source:
        refund_credit(
            customer=child.customer,
            reference=child.reference,
            reason=_("merged into %(reference)s") % {"reference": parent.reference},
        )
        child.quota_source = ""
        fields.append("quota_source")
    return _save(child, fields, [event, merged])


@transaction.atomic
def flag_error(*, ticket: Ticket, actor: User, reason: str) -> Ticket:
    """Record a handling error (wrong answer, wrong routing...) for the error rate."""
    reason = (reason or "").strip()
    if not reason:
        raise TicketError(_("Say what went wrong."), field="reason")
    ticket = load_for_update(ticket)
    if ticket.error_flagged_at is not None:
        raise TicketError(_("A handling error is already flagged on this request."))
    ticket.error_flagged_at = timezone.now()
    return _save(
        ticket,
        ["error_flagged_at"],
        [_event(ticket, TicketEvent.Kind.ERROR_FLAGGED, actor=actor, reason=reason[:300])],
    )


@transaction.atomic
def customer_reply(*, ticket: Ticket, user: User, body: str) -> Ticket:
    """The customer answers; if the desk was waiting on them, the clocks run again."""
    body = (body or "").strip()
    if not body:
        raise TicketError(_("Write your answer first."), field="body")
    ticket = load_for_update(ticket)
    if not ticket.is_open:
        raise TicketError(_("This request is no longer open."))
    events = [_event(ticket, TicketEvent.Kind.CUSTOMER_REPLY, actor=user, body=body, public=True)]
    fields = []
    if ticket.status == Ticket.Status.WAITING_ON_CUSTOMER:
        events.append(_set_status(ticket, Ticket.Status.IN_PROGRESS, actor=user))
        fields = ["status"]
    notifications.enqueue("customer_reply", ticket.pk, body=body)
    return _save(ticket, fields, events)
