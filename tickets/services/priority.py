"""Keeping levels right over time: re-scoring, aging escalation and supervisor overrides.

The jobs are set-based: each batch of requests costs a fixed number of queries (one locked
read, one UPDATE statement, one bulk insert of events) whatever its size. Rows are locked
with SKIP LOCKED, so two copies of a job running at once never process the same request,
and a second run finds nothing left to change: running a job twice gives the result of
once.

A level change recomputes the handling clock with the request's own policy version: the
version that produced its score. Re-scoring moves a request to the active version and
then recomputes both clocks with it (from creation, less any pause), so targets change
with a policy only from the next re-score, like scores do, and a later pause or resume
computes with the same version the clocks show.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from quotas.models import Level
from quotas.services import refund_credit
from staffing.service_hours import ServiceHours, load_service_hours

from ..models import Ticket, TicketEvent
from .audit import build_event
from .bulk import update_rows
from .errors import TicketError
from .intake import lane_for
from .locking import load_for_update
from .policy import active_policy
from .scoring import (
    cap_for,
    compute_score,
    customer_score_for,
    level_for,
    one_level_up,
    resolve_level,
)
from .sla import (
    FIRST_RESPONSE_FIELDS,
    HANDLING_FIELDS,
    hours_to_timedelta,
    refresh_sla_states,
    ticket_sla_times,
)

BATCH_SIZE = 1000
LEVEL_FIELDS = ["level", "lane", *HANDLING_FIELDS]
SCORE_FIELDS = [
    "score",
    "impact_score",
    "time_score",
    "customer_score",
    "difficulty_score",
    "policy",
    "scored_at",
]


@dataclass
class JobSummary:
    examined: int = 0
    changed: int = 0
    level_changes: int = 0
    events: int = 0
    batches: int = 0
    # UPDATE statements the batches ran (the bench divides it by the requests).
    statements: int = 0
    sla: dict[str, int] = field(default_factory=dict)


class LevelKeeper:
    """Applies a new level to loaded requests: lane, handling clock and audit events.

    Each request's handling target comes from its own policy version (`ticket.policy`).
    """

    def __init__(self, *, now: datetime, hours: dict[int, ServiceHours] | None = None) -> None:
        self.now = now
        self.events: list[TicketEvent] = []
        # Calendars by id, shared by a job's batches so each is read once per run.
        self._hours: dict[int, ServiceHours] = {} if hours is None else hours

    def hours_for(self, ticket: Ticket) -> ServiceHours:
        calendar_id = ticket.customer.tier.calendar_id
        if calendar_id not in self._hours:
            self._hours.update(load_service_hours([calendar_id]))
        return self._hours[calendar_id]

    def preload(self, tickets: list[Ticket]) -> None:
        missing = {t.customer.tier.calendar_id for t in tickets} - self._hours.keys()
        if missing:
            self._hours.update(load_service_hours(missing))

    def set_level(
        self,
        ticket: Ticket,
        level: str,
        *,
        kind: str,
        reason: str,
        actor: User | None = None,
        record_unchanged: bool = False,
    ) -> bool:
        """Apply `level`; audit it, and also when unchanged if `record_unchanged`."""
        changed = level != ticket.level
        if not changed and not record_unchanged:
            return False
        old_level, old_lane = ticket.level, ticket.lane
        if changed:
            ticket.level = level
            ticket.lane = lane_for(level)
            times = ticket_sla_times(ticket, hours=self.hours_for(ticket), policy=ticket.policy)
            # A new level recomputes the handling target from creation: the clock
            # never restarts.
            ticket.handling_due = times.handling_due
            ticket.handling_warn_at = times.handling_warn_at
            ticket.handling_due_warn_at = times.handling_due_warn_at
        self.events.append(
            build_event(
                ticket_id=ticket.pk,
                kind=kind,
                at=self.now,
                actor=actor,
                old=old_level,
                new=level,
                reason=reason,
                public=True,
            )
        )
        if ticket.lane != old_lane:
            self.events.append(
                build_event(
                    ticket_id=ticket.pk,
                    kind=TicketEvent.Kind.LANE_CHANGED,
                    at=self.now,
                    actor=actor,
                    old=old_lane,
                    new=ticket.lane,
                    reason=reason,
                )
            )
        return changed


def _each_locked_batch(
    queryset: QuerySet[Ticket],
    batch_size: int,
    process: Callable[[list[Ticket]], int],
    summary: JobSummary,
) -> None:
    """Run `process` on batches of locked rows by ascending id, each batch read, processed
    and written in its own transaction. `process` returns the UPDATE statements it ran.

    A callback rather than a generator: a generator suspended inside atomic() would leave
    the transaction open if its consumer stopped or failed between batches.
    """
    last_id = 0
    while True:
        with transaction.atomic():
            batch = list(
                queryset.filter(pk__gt=last_id)
                .select_related("customer__tier", "policy")
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("pk")[:batch_size]
            )
            if not batch:
                return
            summary.statements += process(batch)
        summary.batches += 1
        summary.examined += len(batch)
        last_id = batch[-1].pk


def _write(tickets: list[Ticket], fields: list[str], keeper: LevelKeeper) -> int:
    # updated_at moves too: an agent's open form on a request changed here is stale.
    for ticket in tickets:
        ticket.updated_at = keeper.now
    statements = update_rows(Ticket, tickets, [*fields, "updated_at"])
    TicketEvent.objects.bulk_create(keeper.events)
    return statements


def rescore_open_tickets(
    *, now: datetime | None = None, batch_size: int = BATCH_SIZE
) -> JobSummary:
    """Re-score every open request with the active policy and its remaining window, and
    re-check its level (capped by tier and request, never below an escalation or
    override) even when the score did not move: a cap can change on its own."""
    now = now or timezone.now()
    policy = active_policy()
    summary = JobSummary()
    calendars: dict[int, ServiceHours] = {}

    def process(batch: list[Ticket]) -> int:
        keeper = LevelKeeper(now=now, hours=calendars)
        keeper.preload(batch)
        changed = []
        for ticket in batch:
            elapsed_hours = Decimal((now - ticket.created_at).total_seconds()) / 3600
            score = compute_score(
                policy=policy,
                impact_scope=ticket.impact_scope,
                remaining_window_hours=ticket.time_window_hours - elapsed_hours,
                customer_score=customer_score_for(customer=ticket.customer, policy=policy),
                difficulty=ticket.difficulty,
            )
            new_version = ticket.policy_id != policy.pk
            rescored = score.total != ticket.score or new_version
            if rescored:
                keeper.events.append(
                    build_event(
                        ticket_id=ticket.pk,
                        kind=TicketEvent.Kind.SCORED,
                        at=now,
                        old=ticket.score.normalize(),
                        new=score.total.normalize(),
                        reason=_("re-score with policy v%(version)s") % {"version": policy.version},
                    )
                )
                ticket.score, ticket.policy, ticket.scored_at = score.total, policy, now
                ticket.impact_score, ticket.time_score = score.impact, score.time
                ticket.customer_score, ticket.difficulty_score = score.customer, score.difficulty
            level = resolve_level(
                score_level=score.level,
                cap=cap_for(ticket),
                escalated_level=ticket.escalated_level,
                override_level=ticket.override_level,
            )
            reason = _("re-scored %(score)s") % {"score": score.total.normalize()}
            level_changed = keeper.set_level(
                ticket, level, kind=TicketEvent.Kind.LEVEL_CHANGED, reason=reason
            )
            summary.level_changes += level_changed
            if new_version:
                ticket_sla_times(ticket, hours=keeper.hours_for(ticket), policy=policy).apply_to(
                    ticket
                )
            if rescored or level_changed:
                changed.append(ticket)
        summary.changed += len(changed)
        summary.events += len(keeper.events)
        return _write(changed, SCORE_FIELDS + LEVEL_FIELDS + FIRST_RESPONSE_FIELDS, keeper)

    _each_locked_batch(Ticket.objects.open(), batch_size, process, summary)
    summary.sla = refresh_sla_states(now=now)
    return summary


def escalate_waiting_tickets(
    *, now: datetime | None = None, batch_size: int = BATCH_SIZE
) -> JobSummary:
    """Raise by one level every request still without a first response when its next
    escalation is due (counted in service hours, at most once per interval)."""
    now = now or timezone.now()
    policy = active_policy()
    interval = hours_to_timedelta(Decimal(policy.escalation_interval_minutes) / 60)
    due = (
        Ticket.objects.open()
        .exclude(status=Ticket.Status.WAITING_ON_CUSTOMER)
        .exclude(level=Level.P0)
        .filter(first_response_at__isnull=True, override_level="", next_escalation_at__lte=now)
    )
    summary = JobSummary()
    calendars: dict[int, ServiceHours] = {}

    def process(batch: list[Ticket]) -> int:
        keeper = LevelKeeper(now=now, hours=calendars)
        keeper.preload(batch)
        for ticket in batch:
            ticket.escalated_level = one_level_up(ticket.level)
            ticket.escalated_at = now
            ticket.next_escalation_at = keeper.hours_for(ticket).add(now, interval)
            waited = timedelta(seconds=int((now - ticket.created_at).total_seconds()))
            reason = _("no first response after %(waited)s") % {"waited": waited}
            keeper.set_level(
                ticket, ticket.escalated_level, kind=TicketEvent.Kind.ESCALATED, reason=reason
            )
        summary.changed += len(batch)
        summary.level_changes += len(batch)
        summary.events += len(keeper.events)
        return _write(
            batch, [*LEVEL_FIELDS, "escalated_level", "escalated_at", "next_escalation_at"], keeper
        )

    _each_locked_batch(due, batch_size, process, summary)
    summary.sla = refresh_sla_states(now=now)
    return summary


@transaction.atomic
def override_level(*, ticket: Ticket, level: str, reason: str, actor: User) -> Ticket:
    """A supervisor sets the level; it stays until cleared, whatever the score says."""
    reason = (reason or "").strip()
    if level not in Level.values:
        raise TicketError(_("Choose a level from P0 to P3."), field="level")
    if not reason:
        raise TicketError(_("An override needs a reason."), field="reason")
    ticket = load_for_update(ticket)
    if not ticket.is_open:
        raise TicketError(_("Only open requests can have their level overridden."))
    keeper = LevelKeeper(now=timezone.now())
    ticket.override_level, ticket.override_reason = level, reason[:300]
    keeper.set_level(
        ticket,
        level,
        kind=TicketEvent.Kind.OVERRIDDEN,
        reason=reason,
        actor=actor,
        record_unchanged=True,
    )
    fields = [*LEVEL_FIELDS, "override_level", "override_reason"]
    if level == Level.P3 and ticket.quota_source:
        # Triaged down: it was not really urgent, so the customer gets the credit back,
        # and without one the request cannot turn urgent again by itself (cap_for).
        refund_credit(customer=ticket.customer, reference=ticket.reference, reason=reason)
        ticket.quota_source = ""
        fields.append("quota_source")
    _write([ticket], fields, keeper)
    return ticket


@transaction.atomic
def clear_override(*, ticket: Ticket, actor: User) -> Ticket:
    """Back to the score's level (capped, and never below an escalation)."""
    ticket = load_for_update(ticket)
    if not ticket.override_level:
        raise TicketError(_("This request has no override to clear."))
    keeper = LevelKeeper(now=timezone.now())
    ticket.override_level, ticket.override_reason = "", ""
    level = resolve_level(
        score_level=level_for(score=ticket.score, policy=ticket.policy),
        cap=cap_for(ticket),
        escalated_level=ticket.escalated_level,
        override_level="",
    )
    keeper.set_level(
        ticket,
        level,
        kind=TicketEvent.Kind.OVERRIDE_CLEARED,
        reason=_("override cleared"),
        actor=actor,
        record_unchanged=True,
    )
    _write([ticket], [*LEVEL_FIELDS, "override_level", "override_reason"], keeper)
    return ticket
