"""The quota admin: supervisors can open every page; credits move only via services."""

import pytest

from conftest import make_customer
from quotas.models import Balance, LedgerEntry, Product, QuotaReset, Subscription, Tier
from quotas.services import record_purchase, reset_quotas

pytestmark = pytest.mark.django_db


@pytest.fixture
def quota_rows(supervisor_user):
    customer = make_customer(tier="SILVER", name="Initech")
    reset_quotas()
    record_purchase(
        customer=customer,
        product=Product.objects.get(code="subscription-3"),
        recorded_by=supervisor_user,
    )
    return customer


@pytest.mark.parametrize(
    "model", [Product, Balance, LedgerEntry, Subscription, QuotaReset], ids=lambda m: m.__name__
)
def test_a_supervisor_can_open_the_list_and_an_entry(client, supervisor_user, quota_rows, model):
    client.force_login(supervisor_user)
    base = f"/admin/quotas/{model._meta.model_name}/"
    assert client.get(base).status_code == 200
    assert client.get(f"{base}{model.objects.first().pk}/change/").status_code == 200


@pytest.mark.parametrize("model", [Balance, LedgerEntry, Subscription], ids=lambda m: m.__name__)
def test_credits_cannot_be_added_or_deleted_in_the_admin(
    client, supervisor_user, quota_rows, model
):
    client.force_login(supervisor_user)
    base = f"/admin/quotas/{model._meta.model_name}/"
    assert client.get(f"{base}add/").status_code == 403
    row = model.objects.first()
    assert client.post(f"{base}{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=row.pk).exists()


def test_balances_cannot_be_edited_in_the_admin(client, supervisor_user, quota_rows):
    client.force_login(supervisor_user)
    balance = Balance.objects.get(customer=quota_rows, source="included")
    response = client.post(f"/admin/quotas/balance/{balance.pk}/change/", {"remaining": "99"})
    assert response.status_code == 403
    assert Balance.objects.get(pk=balance.pk).remaining == 2


def test_a_subscription_only_gets_its_last_month_in_the_admin(client, supervisor_user, quota_rows):
    client.force_login(supervisor_user)
    subscription = Subscription.objects.get(customer=quota_rows)
    other = make_customer(tier="GOLD")
    client.post(
        f"/admin/quotas/subscription/{subscription.pk}/change/",
        {"ends": "2099-12", "customer": other.pk, "starts": "2000-01"},
    )
    subscription.refresh_from_db()
    assert (subscription.customer, subscription.starts, subscription.ends) == (
        quota_rows,
        subscription.starts,
        "2099-12",
    )
    assert subscription.starts != "2000-01"


@pytest.mark.parametrize(
    ("ends", "message"),
    [("2027-3x", "YYYY-MM"), ("2000-01", "cannot be before")],
)
def test_a_subscription_end_month_is_validated(client, supervisor_user, quota_rows, ends, message):
    client.force_login(supervisor_user)
    subscription = Subscription.objects.get(customer=quota_rows)
    response = client.post(f"/admin/quotas/subscription/{subscription.pk}/change/", {"ends": ends})
    assert response.status_code == 200
    assert message in response.content.decode()
    subscription.refresh_from_db()
    assert subscription.ends == ""


def test_a_subscription_end_month_is_stored_normalised(client, supervisor_user, quota_rows):
    """Months compare as text: "2099-3" would sort after "2099-12" and bill on."""
    client.force_login(supervisor_user)
    subscription = Subscription.objects.get(customer=quota_rows)
    client.post(f"/admin/quotas/subscription/{subscription.pk}/change/", {"ends": "2099-3"})
    subscription.refresh_from_db()
    assert subscription.ends == "2099-03"


def customer_form(**fields):
    return {
        "name": "Newco",
        "tier": Tier.objects.get(code="GOLD").pk,
        "contact_email": "it@newco.example",
        "language": "en",
        "portal_users-TOTAL_FORMS": "0",
        "portal_users-INITIAL_FORMS": "0",
        **fields,
    }


def test_a_customer_created_in_the_admin_gets_this_months_quota(client, supervisor_user):
    reset_quotas()
    client.force_login(supervisor_user)
    response = client.post("/admin/quotas/customer/add/", customer_form())
    assert response.status_code == 302
    customer = Tier.objects.get(code="GOLD").customers.get(name="Newco")
    assert Balance.objects.get(customer=customer, source="included").remaining == 5


def test_an_upgrade_in_the_admin_tops_up_this_months_quota(client, supervisor_user):
    reset_quotas()
    customer = make_customer(tier="STANDARD", name="Newco")
    client.force_login(supervisor_user)
    url = f"/admin/quotas/customer/{customer.pk}/change/"
    client.post(url, customer_form(tier=Tier.objects.get(code="SILVER").pk))
    assert Balance.objects.get(customer=customer, source="included").remaining == 2
    client.post(url, customer_form(tier=Tier.objects.get(code="SILVER").pk, language="zh-hans"))
    client.post(url, customer_form())
    assert Balance.objects.get(customer=customer, source="included").remaining == 5
    assert list(
        LedgerEntry.objects.filter(customer=customer, kind="grant").values_list(
            "credits", flat=True
        )
    ) == [3, 2]
