import pytest
from django.utils import timezone

from conftest import make_customer, make_ticket
from tickets.services.demand import false_urgent

pytestmark = pytest.mark.django_db


def test_false_urgent_rate_counts_urgent_requests_triaged_to_p3_in_90_days(admin_client):
    customer = make_customer(tier="STANDARD", name="Cries Wolf")
    now = timezone.now()
    for level in ("P3", "P3", "P1", "P2"):
        make_ticket(customer=customer, requested_level="P1", level=level)
    make_ticket(customer=customer, requested_level="", level="P3")  # never asked urgent
    make_ticket(
        customer=customer,
        requested_level="P0",
        level="P3",
        created_at=now - timezone.timedelta(days=120),
    )  # too old
    result = false_urgent(customer, now=now)
    assert (result.urgent, result.triaged_to_p3, result.rate) == (4, 2, 0.5)
    page = admin_client.get("/admin/quotas/customer/").content.decode()
    assert "50% (2/4)" in page
    page = admin_client.get(f"/admin/quotas/customer/{customer.pk}/change/").content.decode()
    assert "50% (2/4)" in page


def test_no_urgent_requests_means_no_rate():
    assert false_urgent(make_customer(), now=timezone.now()).rate is None
