"""SLA clocks (SPEC 1 "Deadlines").

Both clocks count service hours of the customer's tier from the request's creation:
first response against the tier's commitment, handling against the level's target. Time
spent waiting on the customer is added to every target, which is the same as stopping the
clock, and a level change recomputes the targets from creation rather than restarting.

Due and at-risk instants are stored on the request, so keeping the states current is a
few set-based UPDATEs (`refresh_sla_states`) instead of calendar arithmetic per row.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q, QuerySet

from quotas.models import Level
from staffing.service_hours import ServiceHours

from ..models import PriorityPolicy, Ticket, TicketEvent
from .audit import build_event

MICROSECONDS_PER_HOUR = Decimal(3_600_000_000)


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
    handling_due: datetime
    handling_warn_at: datetime

    def apply_to(self, ticket: Ticket) -> None:
        ticket.first_response_due = self.first_response_due
        ticket.first_response_warn_at = self.first_response_warn_at
        ticket.handling_due = self.handling_due
        ticket.handling_warn_at = self.handling_warn_at


def sla_times(
    *,
    hours: ServiceHours,
    created_at: datetime,
    paused: timedelta,
    level: str,
    policy: PriorityPolicy,
    commitment_hours: Decimal,
) -> SlaTimes:
    ratio = policy.warning_ratio
    first_response = hours_to_timedelta(commitment_hours)
    handling = handling_target(level=level, policy=policy, commitment_hours=commitment_hours)
    return SlaTimes(
        first_response_due=hours.add(created_at, first_response + paused),
        first_response_warn_at=hours.add(created_at, share_of(first_response, ratio) + paused),
        handling_due=hours.add(created_at, handling + paused),
        handling_warn_at=hours.add(created_at, share_of(handling, ratio) + paused),
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
    return (
        Q(handling_due__lte=now)
        | Q(first_response_at__isnull=True, first_response_due__lte=now)
        | Q(first_response_at__gt=F("first_response_due"))
    )


def _at_risk(now: datetime) -> Q:
    return Q(handling_warn_at__lte=now) | Q(
        first_response_at__isnull=True, first_response_warn_at__lte=now
    )


@transaction.atomic
def refresh_sla_states(*, now: datetime) -> dict[str, int]:
    """Move running requests between ok, at risk and breached; a breach is permanent.

    A fixed number of queries whatever the number of requests; each change is audited.
    """
    running = _running()
    breached, at_risk = _breached(now), _at_risk(now)
    changes = {
        Ticket.SlaState.BREACHED: running.filter(breached),
        Ticket.SlaState.WARNING: running.filter(at_risk)
        .exclude(breached)
        .exclude(sla_state=Ticket.SlaState.WARNING),
        Ticket.SlaState.OK: running.filter(sla_state=Ticket.SlaState.WARNING).exclude(at_risk),
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
        Ticket.objects.filter(pk__in=[pk for pk, _ in rows]).update(**update)
        events += [
            build_event(ticket_id=pk, kind=TicketEvent.Kind.SLA_CHANGED, at=now, old=old, new=state)
            for pk, old in rows
        ]
    TicketEvent.objects.bulk_create(events)
    return counts


def pause_clock(ticket: Ticket, *, now: datetime) -> None:
    """Stop both clocks (the request now waits on the customer). Caller saves."""
    if ticket.paused_at is None:
        ticket.paused_at = now


def resume_clock(
    ticket: Ticket, *, now: datetime, hours: ServiceHours, policy: PriorityPolicy
) -> None:
    """Restart the clocks: the service time spent waiting pushes every due time out.

    `ticket.customer.tier` must be loaded. Caller saves.
    """
    if ticket.paused_at is None:
        return
    ticket.paused_service += hours.elapsed(ticket.paused_at, now)
    ticket.paused_at = None
    sla_times(
        hours=hours,
        created_at=ticket.created_at,
        paused=ticket.paused_service,
        level=ticket.level,
        policy=policy,
        commitment_hours=ticket.customer.tier.response_commitment_hours,
    ).apply_to(ticket)


PAUSE_FIELDS = [
    "paused_at",
    "paused_service",
    "first_response_due",
    "first_response_warn_at",
    "handling_due",
    "handling_warn_at",
]


@dataclass(frozen=True)
class Clock:
    """One SLA clock as the request page shows it."""

    name: str
    due: datetime
    warn_at: datetime
    done_at: datetime | None
    state: str


def _clock_state(
    *, due: datetime, warn_at: datetime, done_at: datetime | None, paused: bool, now: datetime
) -> str:
    if done_at is not None:
        return "met" if done_at <= due else "missed"
    if paused:
        return "paused"
    if now >= due:
        return Ticket.SlaState.BREACHED
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
            ticket.first_response_at,
        ),
        ("handling", ticket.handling_due, ticket.handling_warn_at, ticket.resolved_at),
    ]
    return [
        Clock(
            name=name,
            due=due,
            warn_at=warn_at,
            done_at=done_at,
            state=_clock_state(due=due, warn_at=warn_at, done_at=done_at, paused=paused, now=now),
        )
        for name, due, warn_at, done_at in spans
    ]
