"""Urgency abuse made visible (SPEC 4): how often a customer's urgent requests were not."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from quotas.models import Customer, Level
from quotas.services import URGENT_LEVELS

from ..models import Ticket, TicketEvent

FALSE_URGENT_WINDOW = timedelta(days=90)
# Events that set a request's level; `new_value` holds the level set.
LEVEL_EVENTS = [
    TicketEvent.Kind.LEVEL_CHANGED,
    TicketEvent.Kind.ESCALATED,
    TicketEvent.Kind.OVERRIDDEN,
    TicketEvent.Kind.OVERRIDE_CLEARED,
]


@dataclass(frozen=True)
class FalseUrgent:
    urgent: int
    triaged_to_p3: int

    @property
    def rate(self) -> float | None:
        return self.triaged_to_p3 / self.urgent if self.urgent else None


def _count(tickets: QuerySet[Ticket]) -> Coalesce:
    return Coalesce(
        Subquery(
            tickets.order_by().values("customer").annotate(n=Count("pk")).values("n"),
            output_field=IntegerField(),
        ),
        Value(0),
    )


def with_false_urgent(customers: QuerySet[Customer], *, now: datetime) -> QuerySet[Customer]:
    """Annotate urgent_asked and triaged_to_p3 over the last 90 days (one query).

    Triaged to P3 means the desk judged it regular at some point after the customer asked
    for P0-P2: scored P3 at intake, set to P3 later (re-score or a supervisor's
    override, from the level events), or P3 now. A request raised again afterwards
    still counts: the customer's ask was not borne out when it was looked at.
    """
    asked = Ticket.objects.filter(
        customer=OuterRef("pk"),
        requested_level__in=URGENT_LEVELS,
        created_at__gte=now - FALSE_URGENT_WINDOW,
    )
    set_to_p3 = TicketEvent.objects.filter(
        ticket=OuterRef("pk"), kind__in=LEVEL_EVENTS, new_value=Level.P3
    )
    triaged = asked.filter(Q(initial_level=Level.P3) | Q(level=Level.P3) | Q(Exists(set_to_p3)))
    return customers.annotate(urgent_asked=_count(asked), triaged_to_p3=_count(triaged))
