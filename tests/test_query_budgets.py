"""Query budgets of the pages without one of their own: each page's query count is the
same with a few rows as with many of what it lists (requests, timeline events, ledger
entries). The board, workspace, request page, dashboard and staffing page have theirs
next to their other tests."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import make_ticket
from quotas.models import LedgerEntry, Source
from tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def add_rows(customer, count: int, start: int) -> Ticket:
    """`count` more requests of `customer` across statuses, each with timeline events and
    a ledger entry with money, as intake and billing would leave them."""
    now = timezone.now()
    statuses = [Ticket.Status.QUEUED, Ticket.Status.IN_PROGRESS, Ticket.Status.RESOLVED]
    tickets = [
        make_ticket(customer=customer, status=statuses[n % 3], reference=f"Q-{start + n:05d}")
        for n in range(count)
    ]
    TicketEvent.objects.bulk_create(
        TicketEvent(ticket=ticket, at=now, kind=TicketEvent.Kind.STATUS_CHANGED, is_public=True)
        for ticket in tickets
        for _ in range(3)
    )
    LedgerEntry.objects.bulk_create(
        LedgerEntry(
            customer=customer,
            at=now,
            period=now.strftime("%Y-%m"),
            kind=LedgerEntry.Kind.CHARGE,
            source=Source.PAY_PER_USE,
            amount=Decimal(300),
            request_reference=ticket.reference,
        )
        for ticket in tickets
    )
    return tickets[0]


CUSTOMER_PAGES = ["/portal/", "/portal/quota/", "/portal/requests/{ref}/", "/status/"]
SUPERVISOR_PAGES = ["/billing/", "/monitoring/review/{period}/", "/admin/tickets/ticket/"]


@pytest.mark.parametrize("address", CUSTOMER_PAGES + SUPERVISOR_PAGES)
def test_page_queries_do_not_grow_with_rows(
    client, customer_a, customer_a_user, supervisor_user, address
):
    client.force_login(customer_a_user if address in CUSTOMER_PAGES else supervisor_user)
    first = add_rows(customer_a, 2, start=0)
    url = address.format(ref=first.reference, period=timezone.now().strftime("%Y-%m"))
    few = queries(client, url)
    TicketEvent.objects.bulk_create(
        TicketEvent(
            ticket=first, at=timezone.now(), kind=TicketEvent.Kind.STATUS_CHANGED, is_public=True
        )
        for _ in range(30)
    )
    add_rows(customer_a, 40, start=100)
    assert queries(client, url) == few
