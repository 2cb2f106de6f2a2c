"""Urgency abuse made visible (SPEC 4): how often a customer's urgent requests were not."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, cast

from django.db.models import Count, Q, QuerySet

from quotas.models import Customer, Level
from quotas.services import URGENT_LEVELS

FALSE_URGENT_WINDOW = timedelta(days=90)
URGENT_ASKED = Q(tickets__requested_level__in=URGENT_LEVELS)


class _FalseUrgentCounts(Protocol):
    """A Customer annotated by `with_false_urgent`."""

    urgent_asked: int
    triaged_to_p3: int


@dataclass(frozen=True)
class FalseUrgent:
    urgent: int
    triaged_to_p3: int

    @property
    def rate(self) -> float | None:
        return self.triaged_to_p3 / self.urgent if self.urgent else None


def with_false_urgent(customers: QuerySet[Customer], *, now: datetime) -> QuerySet[Customer]:
    """Annotate urgent_asked and triaged_to_p3 over the last 90 days (one query)."""
    recent = Q(tickets__created_at__gte=now - FALSE_URGENT_WINDOW)
    return customers.annotate(
        urgent_asked=Count("tickets", filter=URGENT_ASKED & recent),
        triaged_to_p3=Count("tickets", filter=URGENT_ASKED & recent & Q(tickets__level=Level.P3)),
    )


def false_urgent(customer: Customer, *, now: datetime) -> FalseUrgent:
    row = cast(
        _FalseUrgentCounts,
        with_false_urgent(Customer.objects.filter(pk=customer.pk), now=now).get(),
    )
    return FalseUrgent(urgent=row.urgent_asked, triaged_to_p3=row.triaged_to_p3)
