"""Agents and supervisors file requests for customers through the same intake."""

import pytest

from conftest import make_customer
from quotas.models import LedgerEntry
from quotas.services import reset_quotas
from tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db
URL = "/tickets/new/"


def form(account, **changes):
    data = {
        "customer": account.pk,
        "title": "Payment page down",
        "description": "Customer phoned: error 500 when paying.",
        "impact_scope": "120",
        "time_window_hours": "1",
        "difficulty": "1",
        "requested_level": "P1",
    }
    data.update(changes)
    return data


def nothing_written() -> bool:
    return (Ticket.objects.count(), TicketEvent.objects.count(), LedgerEntry.objects.count()) == (
        0,
        0,
        0,
    )


@pytest.mark.parametrize("role", ["agent", "supervisor"])
def test_staff_file_a_request_that_goes_through_intake(client, agent, supervisor_user, role):
    user = agent.user if role == "agent" else supervisor_user
    gold = make_customer(tier="GOLD")
    reset_quotas()
    client.force_login(user)
    assert client.get(URL).status_code == 200
    response = client.post(URL, form(gold))
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/tickets/{ticket.reference}/"
    # Scored P0, capped at the P1 the customer asked for, paid from their credit.
    assert (ticket.customer, ticket.level, ticket.created_by) == (gold, "P1", user)
    assert ticket.quota_source == "included"
    assert ticket.events.get(kind=TicketEvent.Kind.CREATED).actor == user


def test_customers_cannot_file_for_anyone(client, customer_a_user, customer_b):
    client.force_login(customer_a_user)
    assert client.get(URL).status_code == 403
    assert client.post(URL, form(customer_b)).status_code == 403
    assert nothing_written()


def test_anonymous_users_are_sent_to_log_in(client, customer_b):
    response = client.post(URL, form(customer_b))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert nothing_written()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": "  "}, "title", "This field is required."),
        ({"description": ""}, "description", "This field is required."),
        ({"impact_scope": "-1"}, "impact_scope", "greater than or equal to 0"),
        ({"time_window_hours": "0"}, "time_window_hours", "greater than or equal to 0.01"),
        ({"time_window_hours": "721"}, "time_window_hours", "less than or equal to 720"),
        ({"difficulty": "6"}, "difficulty", "Select a valid choice"),
        ({"requested_level": "P9"}, "requested_level", "Select a valid choice"),
        ({"customer": "999999"}, "customer", "Select a valid choice"),
    ],
)
def test_bad_input_is_shown_on_its_field_and_writes_nothing(client, agent, changes, field, message):
    client.force_login(agent.user)
    response = client.post(URL, form(make_customer(tier="GOLD"), **changes))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert any(message in error for error in errors[field])
    assert nothing_written()


def test_an_urgent_ask_without_credit_is_refused_with_the_reason(client, agent):
    client.force_login(agent.user)
    standard = make_customer(tier="STANDARD")
    response = client.post(URL, form(standard, requested_level="P1"))
    assert response.status_code == 200
    assert "no urgent credits left" in response.content.decode()
    assert nothing_written()


def test_a_level_above_the_tier_is_refused_with_the_reason(client, agent):
    client.force_login(agent.user)
    response = client.post(URL, form(make_customer(tier="SILVER"), requested_level="P0"))
    assert response.status_code == 200
    assert "can request at most P1" in response.content.decode()
    assert nothing_written()


def test_a_regular_request_for_a_customer_without_credit_is_filed(client, agent):
    client.force_login(agent.user)
    standard = make_customer(tier="STANDARD")
    client.post(URL, form(standard, requested_level="P3"))
    ticket = Ticket.objects.get()
    assert (ticket.level, ticket.lane, ticket.quota_source) == ("P3", "normal", "")
    assert not LedgerEntry.objects.exists()
