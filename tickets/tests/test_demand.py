"""The false-urgent rate: urgent asks the desk judged regular, per customer, 90 days."""

import pytest
from django.utils import timezone

from conftest import make_customer, make_request, make_ticket
from quotas.models import Customer
from tickets.services.demand import with_false_urgent
from tickets.services.priority import override_level

pytestmark = pytest.mark.django_db


def counts(customer, now=None):
    row = with_false_urgent(Customer.objects.filter(pk=customer.pk), now=now or timezone.now())
    return row.values_list("urgent_asked", "triaged_to_p3").get()


def test_false_urgent_counts_urgent_asks_scored_or_triaged_to_p3_in_90_days(supervisor_user):
    customer = make_customer(tier="STANDARD", name="Cries Wolf")
    now = timezone.now()
    make_ticket(customer=customer, requested_level="P1", level="P3")  # P3 now
    make_ticket(customer=customer, requested_level="P1", level="P2", initial_level="P3")
    make_ticket(customer=customer, requested_level="P1", level="P1")  # really urgent
    make_ticket(customer=customer, requested_level="P2", level="P2")  # really urgent
    overridden = make_ticket(customer=customer, requested_level="P1", level="P1")
    override_level(ticket=overridden, level="P3", reason="not urgent", actor=supervisor_user)
    # Raised again after the triage: the ask was still not borne out when looked at.
    override_level(
        ticket=overridden, level="P2", reason="escalated by phone", actor=supervisor_user
    )
    make_ticket(customer=customer, requested_level="", level="P3")  # never asked urgent
    make_ticket(
        customer=customer,
        requested_level="P0",
        level="P3",
        created_at=now - timezone.timedelta(days=120),
    )  # too old
    assert counts(customer, now) == (5, 3)


def test_the_rate_is_shown_on_the_customer_list_and_change_page(admin_client):
    customer = make_customer(tier="STANDARD", name="Cries Wolf")
    for level in ("P3", "P3", "P1", "P2"):
        make_ticket(customer=customer, requested_level="P1", level=level)
    page = admin_client.get("/admin/quotas/customer/").content.decode()
    assert "50% (2/4)" in page
    page = admin_client.get(f"/admin/quotas/customer/{customer.pk}/change/").content.decode()
    assert "50% (2/4)" in page


def test_the_rate_counts_each_request_once_whatever_its_events(supervisor_user):
    customer = make_customer(tier="PLATINUM")
    ticket = make_request(customer=customer, requested_level="P1")
    for level in ("P3", "P2", "P3"):
        override_level(ticket=ticket, level=level, reason="triage", actor=supervisor_user)
    assert counts(customer) == (1, 1)


def test_no_urgent_requests_means_no_rate(admin_client):
    customer = make_customer(name="Quiet One")
    assert counts(customer) == (0, 0)
    page = admin_client.get(f"/admin/quotas/customer/{customer.pk}/change/").content.decode()
    assert "no urgent requests" in page
