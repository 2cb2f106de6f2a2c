"""Intake: the one way a request enters the desk (portal, agent form, later an API)."""

import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from quotas.models import Customer, Level
from quotas.services import URGENT_LEVELS, NotEligible, check_eligibility, consume_credit
from staffing.models import Lane
from staffing.service_hours import ServiceHours
from staffing.services import reserve_agent

from ..models import Category, ChecklistItem, ResponseTemplate, Ticket, TicketEvent
from . import notifications
from .audit import build_event
from .categorise import categorise, instantiate_checklist
from .errors import TicketError
from .notifications import response_template
from .policy import active_policy
from .scoring import compute_score, customer_score_for, level_cap, resolve_level
from .sla import hours_to_timedelta, ticket_sla_times

TITLE_MAX = 200
DESCRIPTION_MAX = 10_000
IMPACT_MAX = 1_000_000_000
WINDOW_MAX_HOURS = Decimal(720)
DIFFICULTY_RANGE = range(1, 6)
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


@dataclass(frozen=True)
class RequestInput:
    title: str
    description: str
    impact_scope: int
    time_window_hours: Decimal
    difficulty: int
    requested_level: str


def _integer(value: object, *, field: str, message: str) -> int:
    if isinstance(value, bool):
        raise TicketError(message, field=field)
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise TicketError(message, field=field) from None
    if not number.is_finite() or number != number.to_integral_value():
        raise TicketError(message, field=field)
    return int(number)


def validate_request(
    *,
    title: object,
    description: object,
    impact_scope: object,
    time_window_hours: object,
    difficulty: object,
    requested_level: object = "",
) -> RequestInput:
    """Check every input and return clean values; raise TicketError naming the field."""
    title_text = str(title or "").strip()
    if not title_text:
        raise TicketError(_("Please give the request a title."), field="title")
    if len(title_text) > TITLE_MAX:
        raise TicketError(
            _("The title can be at most %(max)d characters.") % {"max": TITLE_MAX}, field="title"
        )
    description_text = str(description or "").strip()
    if not description_text:
        raise TicketError(_("Please describe the problem."), field="description")
    if len(description_text) > DESCRIPTION_MAX:
        raise TicketError(
            _("The description can be at most %(max)d characters.") % {"max": DESCRIPTION_MAX},
            field="description",
        )
    impact_message = _("The number of affected customers must be a whole number, 0 or more.")
    impact = _integer(impact_scope, field="impact_scope", message=impact_message)
    if not 0 <= impact <= IMPACT_MAX:
        raise TicketError(impact_message, field="impact_scope")
    window_message = _("The time window must be more than 0 and at most %(max)s hours.") % {
        "max": WINDOW_MAX_HOURS
    }
    try:
        window = Decimal(str(time_window_hours).strip())
    except (InvalidOperation, ValueError):
        raise TicketError(window_message, field="time_window_hours") from None
    if isinstance(time_window_hours, bool) or not window.is_finite():
        raise TicketError(window_message, field="time_window_hours")
    if not Decimal(0) < window <= WINDOW_MAX_HOURS:
        raise TicketError(window_message, field="time_window_hours")
    window = window.quantize(Decimal("0.01"))  # what the database keeps
    if window <= 0:
        raise TicketError(window_message, field="time_window_hours")
    difficulty_message = _("Difficulty must be a whole number from 1 to 5.")
    level_of_difficulty = _integer(difficulty, field="difficulty", message=difficulty_message)
    if level_of_difficulty not in DIFFICULTY_RANGE:
        raise TicketError(difficulty_message, field="difficulty")
    level = str(requested_level or "")
    if level and level not in Level.values:
        raise TicketError(_("Choose a level from P0 to P3."), field="requested_level")
    return RequestInput(
        title=title_text,
        description=description_text,
        impact_scope=impact,
        time_window_hours=window,
        difficulty=level_of_difficulty,
        requested_level=level,
    )


def new_reference() -> str:
    return "EX-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


def _insert_with_unique_reference(ticket: Ticket) -> None:
    # References are random so they reveal nothing about volumes; a clash is
    # astronomically rare but must not lose the request.
    for _attempt in range(5):
        ticket.reference = new_reference()
        try:
            with transaction.atomic():
                ticket.save(force_insert=True)
            return
        except IntegrityError:
            if not Ticket.objects.filter(reference=ticket.reference).exists():
                raise
    raise IntegrityError("Could not find a free request reference.")


def lane_for(level: str) -> str:
    return Lane.NORMAL if level == Level.P3 else Lane.URGENT


@transaction.atomic
def submit_request(
    *,
    customer: Customer,
    title: object,
    description: object,
    impact_scope: object,
    time_window_hours: object,
    difficulty: object,
    requested_level: object = "",
    pay_confirmed: bool = False,
    submitted_by: User | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Validate, check the urgent quota, categorise, score, cap, route, set the clocks,
    consume the credit, audit and acknowledge; all or nothing.

    The score's level is capped at the least urgent of the tier's highest requestable
    level and `requested_level` (an empty one, the desk filing without a customer's ask,
    is capped by the tier alone). A credit is spent only when the customer asked for an
    urgent level and the request comes out urgent: one asked urgent that scores P3 costs
    nothing (it still counts as false-urgent).

    Raises TicketError for bad input and quotas' NotEligible (with the customer's
    options) when an urgent request has no credit and no confirmed payment.
    """
    data = validate_request(
        title=title,
        description=description,
        impact_scope=impact_scope,
        time_window_hours=time_window_hours,
        difficulty=difficulty,
        requested_level=requested_level,
    )
    now = now or timezone.now()
    customer = Customer.objects.select_related("tier__calendar").get(pk=customer.pk)
    tier = customer.tier
    eligibility = check_eligibility(
        customer=customer, requested_level=data.requested_level, pay_confirmed=pay_confirmed
    )
    if not eligibility.eligible:
        raise NotEligible(eligibility)
    policy = active_policy()
    categories = Category.objects.prefetch_related("checklist_templates")
    category = categorise(f"{data.title}\n{data.description}", categories)
    score = compute_score(
        policy=policy,
        impact_scope=data.impact_scope,
        remaining_window_hours=data.time_window_hours,
        customer_score=customer_score_for(customer=customer, policy=policy),
        difficulty=data.difficulty,
    )
    cap = level_cap(tier_cap=tier.max_requestable_level, requested_level=data.requested_level)
    level = resolve_level(score_level=score.level, cap=cap, escalated_level="", override_level="")
    hours = ServiceHours.for_calendar(tier.calendar)
    lane = lane_for(level)
    assignee = reserve_agent(lane=lane, skill_id=category.skill_id, now=now)
    ticket = Ticket(
        customer=customer,
        category=category,
        created_by=submitted_by if submitted_by and submitted_by.is_authenticated else None,
        title=data.title,
        description=data.description,
        impact_scope=data.impact_scope,
        time_window_hours=data.time_window_hours,
        difficulty=data.difficulty,
        requested_level=data.requested_level,
        status=Ticket.Status.ASSIGNED if assignee else Ticket.Status.QUEUED,
        assignee=assignee,
        level=level,
        initial_level=level,
        score=score.total,
        impact_score=score.impact,
        time_score=score.time,
        customer_score=score.customer,
        difficulty_score=score.difficulty,
        policy=policy,
        scored_at=now,
        lane=lane,
        created_at=now,
        next_escalation_at=hours.add(
            now, hours_to_timedelta(Decimal(policy.escalation_interval_minutes) / 60)
        ),
    )
    ticket_sla_times(ticket, hours=hours, policy=policy).apply_to(ticket)
    _insert_with_unique_reference(ticket)
    if data.requested_level in URGENT_LEVELS and level in URGENT_LEVELS:
        ticket.quota_source = consume_credit(
            customer=customer,
            requested_level=data.requested_level,
            reference=ticket.reference,
            pay_confirmed=pay_confirmed,
            now=now,
        )
    if ticket.quota_source:
        ticket.save(update_fields=["quota_source"])
    ChecklistItem.objects.bulk_create(instantiate_checklist(ticket, category))
    reason = _("score %(score)s by policy v%(version)s") % {
        "score": score.total.normalize(),
        "version": policy.version,
    }
    if level != score.level and cap == tier.max_requestable_level:
        reason += "; " + _("%(level)s capped at %(cap)s for tier %(tier)s") % {
            "level": score.level,
            "cap": level,
            "tier": tier.get_code_display(),
        }
    elif level != score.level:
        reason += "; " + _("%(level)s capped at %(cap)s, the level asked for") % {
            "level": score.level,
            "cap": level,
        }
    acknowledgement = response_template(
        ticket, kind=ResponseTemplate.Kind.ACKNOWLEDGEMENT, language=customer.language
    )
    events = [
        build_event(
            ticket_id=ticket.pk,
            kind=TicketEvent.Kind.CREATED,
            at=now,
            actor=submitted_by,
            new=level,
            reason=reason,
            public=True,
        ),
        build_event(
            ticket_id=ticket.pk,
            kind=TicketEvent.Kind.STATUS_CHANGED,
            at=now,
            old=Ticket.Status.NEW,
            new=ticket.status,
            reason="" if assignee else _("no agent available"),
            public=True,
        ),
        # The acknowledgement is automatic: it is not the first response.
        build_event(
            ticket_id=ticket.pk,
            kind=TicketEvent.Kind.ACKNOWLEDGED,
            at=now,
            new=acknowledgement.subject,
            body=acknowledgement.body,
            public=True,
        ),
    ]
    if assignee:
        events.append(
            build_event(
                ticket_id=ticket.pk,
                kind=TicketEvent.Kind.ASSIGNED,
                at=now,
                new=assignee.user.username,
                reason=_("routed automatically"),
            )
        )
        notifications.enqueue("assigned", ticket.pk)
    TicketEvent.objects.bulk_create(events)
    notifications.enqueue("acknowledgement", ticket.pk)
    return ticket
