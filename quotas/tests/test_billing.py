import pytest

from conftest import make_customer
from quotas.models import Balance, LedgerEntry, Product
from quotas.services import period_of

pytestmark = pytest.mark.django_db


def test_supervisor_records_a_purchase(client, supervisor_user):
    customer = make_customer(tier="SILVER")
    client.force_login(supervisor_user)
    response = client.post(
        "/billing/", {"customer": customer.pk, "product": Product.objects.get(code="bundle-10").pk}
    )
    assert response.status_code == 302
    assert Balance.objects.get(customer=customer, source="bundle").remaining == 10
    assert LedgerEntry.objects.get(kind="purchase").recorded_by == supervisor_user


def test_second_subscription_is_refused_with_a_message(client, supervisor_user):
    customer = make_customer(tier="SILVER")
    client.force_login(supervisor_user)
    data = {"customer": customer.pk, "product": Product.objects.get(code="subscription-3").pk}
    client.post("/billing/", data)
    response = client.post("/billing/", data, follow=True)
    assert "already has a running subscription" in response.content.decode()
    assert LedgerEntry.objects.filter(kind="purchase").count() == 1


def test_charges_export_downloads_csv(client, supervisor_user):
    from django.utils import timezone

    customer = make_customer(tier="SILVER", name="Initech")
    client.force_login(supervisor_user)
    client.post(
        "/billing/", {"customer": customer.pk, "product": Product.objects.get(code="bundle-10").pk}
    )
    response = client.get("/billing/", {"period": period_of(timezone.now())})
    assert response["Content-Type"].startswith("text/csv")
    assert "Initech,SILVER,purchase,bundle,bundle-10,,2000.00" in response.content.decode()


def test_bad_export_month_is_a_form_error(client, supervisor_user):
    client.force_login(supervisor_user)
    response = client.get("/billing/", {"period": "13/2026"})
    assert response.status_code == 200
    assert "YYYY-MM" in response.content.decode()


@pytest.mark.parametrize("role", ["agent", "customer"])
def test_only_supervisors_bill(client, agent, customer_a_user, role):
    client.force_login(agent.user if role == "agent" else customer_a_user)
    assert client.get("/billing/").status_code == 403
