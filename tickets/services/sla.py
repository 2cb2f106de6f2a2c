"""SLA clocks (SPEC 1 "Deadlines").

Both clocks count service hours of the customer's tier from the request's creation:
first response against the tier's commitment, handling against the level's target. Time
spent waiting on the customer is added to every target, which is the same as stopping the
clock, and a level change recomputes the targets from creation rather than restarting.

Each clock has three stored instants: at risk (the policy's warning share of the target,
75 % by default), due (its due share, 100 % by default) and the due time itself. A clock
is on track before the first, at risk from it, due from the second, and breached only
once the due time has passed: at exactly 100 % it is "due now", one moment later it is
breached. Storing the instants makes keeping the states current a few set-based UPDATEs
(`refresh_sla_states`) instead of calendar arithmetic per row.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q, QuerySet

from quotas.models import Level
from staffing.service_hours import ServiceHours

from ..models import PriorityPolicy, Ticket, TicketEvent
from . import sla_notifications
from .audit import build_event

MICROSECONDS_PER_HOUR = Decimal(3_600_000_000)
# Ids per UPDATE ... WHERE id IN (...): far below PostgreSQL's 65,535 bound parameters
# and SQLite's 32,766, and small enough to keep each statement's plan cheap.
ID_BATCH = 5_000


def hours_to_timedelta(hours: Decimal) -> timedelta:
    return timedelta(microseconds=int(Decimal(hours) * MICROSECONDS_PER_HOUR))


def share_of(duration: timedelta, ratio: Decimal) -> timedelta:
    return timedelta(microseconds=int(duration // timedelta(microseconds=1) * ratio))


def handling_target(*, level: str, policy: PriorityPolicy, commitment_hours: Decimal) -> timedelta:
    targets: dict[str, Decimal] = {
        Level.P0: policy.target_p0_hours,
        Level.P1: policy.target_p1_hours,
        Level.P2: policy.target_p2_hours,
    }
    hours = targets.get(level, commitment_hours)  # P3 goes through the regular process.
    return hours_to_timedelta(hours)


@dataclass(frozen=True)
class SlaTimes:
    first_response_due: datetime
    first_response_warn_at: datetime
    first_response_due_warn_at: datetime
    handling_due: datetime
    handling_warn_at: datetime
    handling_due_warn_at: datetime

    def apply_to(self, ticket: Ticket) -> None:
        ticket.first_response_due = self.first_response_due
        ticket.first_response_warn_at = self.first_response_warn_at
        ticket.first_response_due_warn_at = self.first_response_due_warn_at
        ticket.handling_due = self.handling_due
        ticket.handling_warn_at = self.handling_warn_at
        ticket.handling_due_warn_at = self.handling_due_warn_at


# What a level change rewrites (the first-response clock does not depend on the level).
FIRST_RESPONSE_FIELDS = [
    "first_response_due",
    "first_response_warn_at",
    "first_response_due_warn_at",
]
HANDLING_FIELDS = ["handling_due", "handling_warn_at", "handling_due_warn_at"]


def sla_times(
    *,
    hours: ServiceHours,
    created_at: datetime,
    paused: timedelta,
    level: str,
    policy: PriorityPolicy,
    commitment_hours: Decimal,
) -> SlaTimes:
    warning, due = policy.warning_ratio, policy.due_ratio
    first_response = hours_to_timedelta(commitment_hours)
    handling = handling_target(level=level, policy=policy, commitment_hours=commitment_hours)
    return SlaTimes(
        first_response_due=hours.add(created_at, first_response + paused),
        first_response_warn_at=hours.add(created_at, share_of(first_response, warning) + paused),
        first_response_due_warn_at=hours.add(created_at, share_of(first_response, due) + paused),
        handling_due=hours.add(created_at, handling + paused),
        handling_warn_at=hours.add(created_at, share_of(handling, warning) + paused),
        handling_due_warn_at=hours.add(created_at, share_of(handling, due) + paused),
    )


def ticket_sla_times(ticket: Ticket, *, hours: ServiceHours, policy: PriorityPolicy) -> SlaTimes:
    """A request's targets at its level, counted from its creation, less its pauses, in
    its tier's service hours (`ticket.customer.tier` loaded)."""
    return sla_times(
        hours=hours,
        created_at=ticket.created_at,
        paused=ticket.paused_service,
        level=ticket.level,
        policy=policy,
        commitment_hours=ticket.customer.tier.response_commitment_hours,
    )


def _running() -> QuerySet[Ticket]:
    """Open requests whose clocks run: not waiting on the customer, not yet breached.

    Rows are locked, skipping those another transaction holds: a concurrent copy of a job
    then neither moves nor audits the same request twice.
    """
    return (
        Ticket.objects.open()
        .exclude(status=Ticket.Status.WAITING_ON_CUSTOMER)
        .exclude(sla_state=Ticket.SlaState.BREACHED)
        .select_for_update(skip_locked=True, of=("self",))
    )


def _breached(now: datetime) -> Q:
    # Strictly after the due time: at the due time itself the clock is "due now".
    return (
        Q(handling_due__lt=now)
        | Q(first_response_at__isnull=True, first_response_due__lt=now)
        | Q(first_response_at__gt=F("first_response_due"))
    )


def _due(now: datetime) -> Q:
    return Q(handling_due_warn_at__lte=now) | Q(
        first_response_at__isnull=True, first_response_due_warn_at__lte=now
    )


def _at_risk(now: datetime) -> Q:
    return Q(handling_warn_at__lte=now) | Q(
        first_response_at__isnull=True, first_response_warn_at__lte=now
    )


def _batched(ids: list[int]) -> list[list[int]]:
    return [ids[start : start + ID_BATCH] for start in range(0, len(ids), ID_BATCH)]


# Entering these states e-mails the assignee and supervisors (SPEC 1 "Deadlines").
# Breached too: at the default due share of 100 % "due" lasts an instant, so a job run
# every few minutes takes a request from at risk straight to breached, and the 100 %
# warning must still reach the assignee and the supervisors.
NOTIFIED_STATES = (Ticket.SlaState.WARNING, Ticket.SlaState.DUE, Ticket.SlaState.BREACHED)


@transaction.atomic
def refresh_sla_states(*, now: datetime) -> dict[str, int]:
    """Move running requests between on track, at risk, due and breached; a breach is
    permanent. Entering at risk, due or breached notifies the assignee and supervisors.

    A fixed number of queries per 5,000 changed requests; each change is audited.
    """
    running = _running()
    breached, due, at_risk = _breached(now), _due(now), _at_risk(now)
    warned = [Ticket.SlaState.WARNING, Ticket.SlaState.DUE]
    changes = {
        Ticket.SlaState.BREACHED: running.filter(breached),
        Ticket.SlaState.DUE: running.filter(due)
        .exclude(breached)
        .exclude(sla_state=Ticket.SlaState.DUE),
        Ticket.SlaState.WARNING: running.filter(at_risk)
        .exclude(due)
        .exclude(breached)
        .exclude(sla_state=Ticket.SlaState.WARNING),
        # A pause pushes the due times out, which can take a request back to on track.
        Ticket.SlaState.OK: running.filter(sla_state__in=warned).exclude(at_risk),
    }
    counts: dict[str, int] = {}
    events: list[TicketEvent] = []
    for state, queryset in changes.items():
        rows = list(queryset.values_list("pk", "sla_state"))
        counts[state] = len(rows)
        if not rows:
            continue
        update: dict[str, object] = {"sla_state": state}
        if state == Ticket.SlaState.BREACHED:
            update["breached_at"] = now
        ids = [pk for pk, _ in rows]
        for chunk in _batched(ids):
            Ticket.objects.filter(pk__in=chunk).update(**update)
        events += [
            build_event(ticket_id=pk, kind=TicketEvent.Kind.SLA_CHANGED, at=now, old=old, new=state)
            for pk, old in rows
        ]
        if state in NOTIFIED_STATES:
            sla_notifications.enqueue(state=state, ticket_ids=ids)
    TicketEvent.objects.bulk_create(events, batch_size=ID_BATCH)
    return counts


def pause_clock(ticket: Ticket, *, now: datetime) -> None:
    """Stop both clocks (the request now waits on the customer). Caller saves."""
    if ticket.paused_at is None:
        ticket.paused_at = now


def resume_clock(
    ticket: Ticket, *, now: datetime, hours: ServiceHours, policy: PriorityPolicy
) -> None:
    """Restart the clocks: the service time spent waiting pushes every due time out, and
    the next aging escalation by as much (waiting on the customer is not waiting on us).

    `ticket.customer.tier` must be loaded; `policy` is the one that set the request's
    targets (its own version). Caller saves PAUSE_FIELDS.
    """
    if ticket.paused_at is None:
        return
    paused = hours.elapsed(ticket.paused_at, now)
    ticket.paused_service += paused
    ticket.paused_at = None
    if ticket.next_escalation_at is not None:
        ticket.next_escalation_at = hours.add(ticket.next_escalation_at, paused)
    ticket_sla_times(ticket, hours=hours, policy=policy).apply_to(ticket)


PAUSE_FIELDS = [
    "paused_at",
    "paused_service",
    *FIRST_RESPONSE_FIELDS,
    *HANDLING_FIELDS,
    "next_escalation_at",
]


@dataclass(frozen=True)
class Clock:
    """One SLA clock as the request page shows it."""

    name: str
    due: datetime
    warn_at: datetime
    due_warn_at: datetime
    done_at: datetime | None
    state: str


def _clock_state(
    *,
    due: datetime,
    warn_at: datetime,
    due_warn_at: datetime,
    done_at: datetime | None,
    paused: bool,
    now: datetime,
) -> str:
    # The same boundaries as refresh_sla_states.
    if done_at is not None:
        return "met" if done_at <= due else "missed"
    if paused:
        return "paused"
    if now > due:
        return Ticket.SlaState.BREACHED
    if now >= due_warn_at:
        return Ticket.SlaState.DUE
    if now >= warn_at:
        return Ticket.SlaState.WARNING
    return Ticket.SlaState.OK


def clocks(ticket: Ticket, *, now: datetime) -> list[Clock]:
    paused = ticket.paused_at is not None
    spans = [
        (
            "first_response",
            ticket.first_response_due,
            ticket.first_response_warn_at,
            ticket.first_response_due_warn_at,
            ticket.first_response_at,
        ),
        (
            "handling",
            ticket.handling_due,
            ticket.handling_warn_at,
            ticket.handling_due_warn_at,
            ticket.resolved_at,
        ),
    ]
    return [
        Clock(
            name=name,
            due=due,
            warn_at=warn_at,
            due_warn_at=due_warn_at,
            done_at=done_at,
            state=_clock_state(
                due=due,
                warn_at=warn_at,
                due_warn_at=due_warn_at,
                done_at=done_at,
                paused=paused,
                now=now,
            ),
        )
        for name, due, warn_at, due_warn_at, done_at in spans
    ]
