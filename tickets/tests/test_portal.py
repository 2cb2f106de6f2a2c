"""The customer portal: own account only, quota, submitting, replies, ratings, status."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import make_customer, make_request
from quotas.models import Balance, LedgerEntry, Tier
from quotas.services import reset_quotas
from tickets.models import Satisfaction, Ticket, TicketEvent
from tickets.services import workflow

pytestmark = pytest.mark.django_db

FORM = {
    "title": "Checkout fails",
    "description": "Every order ends with error 500",
    "impact_scope": "40",
    "time_window_hours": "2",
    "difficulty": "2",
    "requested_level": "P1",
    # The price the page stated; it only counts when pay_confirmed is ticked.
    "confirmed_price": "0",
}


@pytest.fixture
def account_a(customer_a, customer_a_user):
    reset_quotas()  # Gold: 5 included credits this month
    return customer_a


@pytest.fixture
def request_of_a(account_a, customer_a_user):
    """An urgent request of A's, so A's ledger has rows naming it."""
    ticket = make_request(
        customer=account_a,
        submitted_by=customer_a_user,
        title="Secret A issue",
        requested_level="P1",
        impact_scope=40,
        time_window_hours=2,
        difficulty=2,
    )
    assert LedgerEntry.objects.filter(request_reference=ticket.reference).exists()
    return ticket


PORTAL_PAGES = ["/portal/", "/portal/quota/", "/portal/requests/new/", "/portal/guide/"]


def card_figures(page: str) -> tuple[list[str], str]:
    """The quota card's remaining credits and its "used this month" figure."""
    remaining = re.findall(r'class="quota-remaining">(\d+)<', page)
    (used,) = re.findall(r"Used this month: (\d+)", page)
    return remaining, used


@pytest.mark.parametrize("url", PORTAL_PAGES)
def test_customers_reach_their_portal_pages(client, customer_a_user, account_a, url):
    client.force_login(customer_a_user)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", PORTAL_PAGES)
def test_staff_are_refused_the_portal(client, agent, supervisor_user, url):
    for user in (agent.user, supervisor_user):
        client.force_login(user)
        assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", [*PORTAL_PAGES, "/status/"])
def test_anonymous_users_are_sent_to_login(client, url):
    assert client.get(url).status_code == 302


def test_another_account_gets_404_for_every_url_of_a_request(client, request_of_a, customer_b_user):
    client.force_login(customer_b_user)
    base = f"/portal/requests/{request_of_a.reference}/"
    assert client.get(base).status_code == 404
    assert client.post(base + "reply/", {"body": "hi"}).status_code == 404
    assert client.post(base + "rate/", {"score": "5"}).status_code == 404
    assert not request_of_a.events.filter(kind=TicketEvent.Kind.CUSTOMER_REPLY).exists()


@pytest.mark.parametrize("url", [*PORTAL_PAGES, "/status/"])
def test_another_account_sees_none_of_a_data(client, request_of_a, customer_b_user, url):
    client.force_login(customer_b_user)
    page = client.get(url).content.decode()
    assert request_of_a.reference not in page
    assert "Secret A issue" not in page
    assert "Account A" not in page


def test_the_quota_page_shows_the_own_ledger_and_card_only(
    client, request_of_a, customer_a_user, customer_b_user
):
    client.force_login(customer_a_user)
    page_a = client.get("/portal/quota/").content.decode()
    assert request_of_a.reference in page_a  # A's consume entry
    assert card_figures(page_a) == (["4", "0", "0"], "1")
    client.force_login(customer_b_user)
    page_b = client.get("/portal/quota/").content.decode()
    assert request_of_a.reference not in page_b
    assert card_figures(page_b) == (["0", "0", "0"], "0")
    assert "No quota movements yet." in page_b
    assert card_figures(client.get("/portal/").content.decode()) == (["0", "0", "0"], "0")


def test_the_status_page_shows_no_account_data(
    client, request_of_a, customer_a_user, customer_b_user
):
    for user in (customer_a_user, customer_b_user):
        client.force_login(user)
        page = client.get("/status/").content.decode()
        for private in (request_of_a.reference, "Secret A issue", "Account A", "Account B"):
            assert private not in page
        assert 'id="quota-card"' not in page


def test_another_account_cannot_reply_to_or_rate_a_request_of_a(
    client, request_of_a, customer_b_user, supervisor_user
):
    Ticket.objects.filter(pk=request_of_a.pk).update(status="in_progress")
    workflow.wait_on_customer(ticket=request_of_a, actor=supervisor_user)
    client.force_login(customer_b_user)
    base = f"/portal/requests/{request_of_a.reference}/"
    assert client.post(base + "reply/", {"body": "not mine"}).status_code == 404
    Ticket.objects.filter(pk=request_of_a.pk).update(status="resolved")
    assert client.post(base + "rate/", {"score": "1"}).status_code == 404
    assert not request_of_a.events.filter(kind=TicketEvent.Kind.CUSTOMER_REPLY).exists()
    assert not Satisfaction.objects.exists()


def test_home_shows_quota_and_open_requests_with_position_and_eta(
    client, account_a, customer_a_user
):
    other = make_customer(tier="PLATINUM")
    ahead = make_request(customer=other, impact_scope=90, time_window_hours=1, difficulty=1)
    mine = make_request(customer=account_a, requested_level="P1")
    assert ahead.level == "P0"
    # Throughput: two urgent requests picked up in the last 24 h -> 1 per 12 h.
    for _ in range(2):
        done = make_request(customer=other)
        Ticket.objects.filter(pk=done.pk).update(
            first_response_at=timezone.now() - dt.timedelta(hours=1), status="in_progress"
        )
    client.force_login(customer_a_user)
    response = client.get("/portal/")
    page = response.content.decode()
    assert mine.reference in page
    (row,) = [r for r in response.context["requests"] if r.ticket.pk == mine.pk]
    assert row.position == 2
    assert row.eta == dt.timedelta(hours=24)
    assert "Used this month: 1" in page
    assert [n for _, n in response.context["card"].balances] == [4, 0, 0]


def test_submitting_an_urgent_request_spends_a_credit(client, account_a, customer_a_user):
    client.force_login(customer_a_user)
    response = client.post("/portal/requests/new/", FORM)
    ticket = Ticket.objects.get()
    assert response["Location"] == f"/portal/requests/{ticket.reference}/"
    assert (ticket.quota_source, ticket.created_by) == ("included", customer_a_user)
    assert Balance.objects.get(customer=account_a, source="included").remaining == 4


def test_bad_input_is_shown_on_the_form_and_nothing_is_written(client, account_a, customer_a_user):
    client.force_login(customer_a_user)
    response = client.post("/portal/requests/new/", {**FORM, "time_window_hours": "900"})
    assert response.status_code == 200
    assert "time_window_hours" in response.context["form"].errors
    assert not Ticket.objects.exists()


def test_a_customer_without_credit_sees_the_options(client, customer_b, customer_b_user):
    client.force_login(customer_b_user)
    page = client.post("/portal/requests/new/", FORM).content.decode()
    assert 'id="refusal"' in page
    assert "You have no urgent credits left this month." in page
    assert "Pay ¥800" in page
    assert "Upgrade to Silver" in page
    assert not Ticket.objects.exists()
    client.post(
        "/portal/requests/new/", {**FORM, "pay_confirmed": "on", "confirmed_price": "800.00"}
    )
    assert Ticket.objects.get().quota_source == "pay_per_use"


def test_the_pay_checkbox_states_the_price_and_posts_it(client, customer_b, customer_b_user):
    client.force_login(customer_b_user)
    response = client.get("/portal/requests/new/")
    page = response.content.decode()
    assert "Pay ¥800.00 for this request if I have no urgent credit left" in page
    assert re.search(r'name="confirmed_price" value="800.00"', page)


def test_a_price_changed_since_the_page_was_shown_is_refused(client, customer_b, customer_b_user):
    client.force_login(customer_b_user)
    Tier.objects.filter(code="STANDARD").update(extra_request_price=Decimal("900"))
    confirmed = {**FORM, "pay_confirmed": "on", "confirmed_price": "800.00"}
    response = client.post("/portal/requests/new/", confirmed)
    page = response.content.decode()
    assert "now ¥900.00, not the ¥800.00 you confirmed" in page
    assert 'data-option="pay"' in page
    assert (Ticket.objects.count(), LedgerEntry.objects.count()) == (0, 0)
    # Shown again, the form states today's price, so the customer can confirm it.
    assert re.search(r'name="confirmed_price" value="900.00"', page)
    assert "Pay ¥900.00 for this request" in page
    client.post("/portal/requests/new/", {**confirmed, "confirmed_price": "900.00"})
    ticket = Ticket.objects.get()
    charge = LedgerEntry.objects.get(kind="charge", request_reference=ticket.reference)
    assert charge.amount == Decimal("900")


def test_a_level_above_the_tier_is_refused_with_upgrade_and_regular(
    client, customer_b, customer_b_user
):
    client.force_login(customer_b_user)
    page = client.post(
        "/portal/requests/new/",
        {**FORM, "requested_level": "P0", "pay_confirmed": "on", "confirmed_price": "800.00"},
    ).content.decode()
    assert "can request at most P1" in page
    assert 'data-option="upgrade"' in page
    assert 'data-option="pay"' not in page


def test_the_form_shows_eligibility_before_submitting(client, account_a, customer_a_user):
    client.force_login(customer_a_user)
    page = client.get("/portal/requests/new/").content.decode()
    assert "This uses one credit from: Included in the tier." in page


def test_customer_reply_resumes_a_waiting_request(
    client, request_of_a, customer_a_user, supervisor_user
):
    Ticket.objects.filter(pk=request_of_a.pk).update(status="in_progress")
    workflow.wait_on_customer(ticket=request_of_a, actor=supervisor_user)
    client.force_login(customer_a_user)
    client.post(f"/portal/requests/{request_of_a.reference}/reply/", {"body": "Here is the log"})
    ticket = Ticket.objects.get(pk=request_of_a.pk)
    assert (ticket.status, ticket.paused_at) == ("in_progress", None)
    reply = ticket.events.get(kind=TicketEvent.Kind.CUSTOMER_REPLY)
    assert (reply.body, reply.is_public) == ("Here is the log", True)


def test_the_timeline_shows_only_public_events(
    client, request_of_a, customer_a_user, supervisor_user
):
    workflow.add_note(ticket=request_of_a, actor=supervisor_user, body="internal: VIP grumpy")
    client.force_login(customer_a_user)
    page = client.get(f"/portal/requests/{request_of_a.reference}/").content.decode()
    assert "VIP grumpy" not in page
    assert "Acknowledgement sent" in page


def test_rating_after_resolution_once(client, request_of_a, customer_a_user):
    url = f"/portal/requests/{request_of_a.reference}/rate/"
    client.force_login(customer_a_user)
    response = client.post(url, {"score": "5"}, follow=True)
    assert "once it is resolved" in response.content.decode()
    Ticket.objects.filter(pk=request_of_a.pk).update(status="resolved")
    client.post(url, {"score": "4", "comment": "Quick, thanks"})
    response = client.post(url, {"score": "1"}, follow=True)
    assert "already rated" in response.content.decode()
    assert Satisfaction.objects.get().score == 4


def test_status_page_shows_waiting_per_level_and_explains_the_method(client, customer_b_user):
    make_request(customer=make_customer(tier="PLATINUM"), impact_scope=90, time_window_hours=1)
    client.force_login(customer_b_user)
    response = client.get("/status/")
    waiting = {row.level: row.waiting for row in response.context["levels"]}
    assert waiting == {"P0": 1, "P1": 0, "P2": 0, "P3": 0}
    assert "How the wait is estimated" in response.content.decode()


def test_staff_can_see_the_status_page(client, agent):
    client.force_login(agent.user)
    assert client.get("/status/").status_code == 200


def test_portal_user_without_an_account_gets_404(client, db):
    from conftest import make_user

    client.force_login(make_user(role="customer"))
    assert client.get("/portal/").status_code == 404


def test_guide_in_both_languages(client, customer_a_user, account_a):
    client.force_login(customer_a_user)
    assert "Good urgent requests" in client.get("/portal/guide/").content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/portal/guide/"})
    assert "Good urgent requests" not in client.get("/portal/guide/").content.decode()


@pytest.mark.parametrize("url", ["/portal/", "/portal/quota/", "/portal/requests/new/"])
def test_portal_pages_cost_the_same_queries_whatever_the_requests(
    client, account_a, customer_a_user, url
):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    client.force_login(customer_a_user)
    make_request(customer=account_a, requested_level="P1", impact_scope=40)
    one = queries()
    for _ in range(3):
        make_request(customer=account_a, requested_level="P1", impact_scope=40)
    assert queries() == one


def test_eligibility_for_the_three_levels_reads_the_options_once(django_assert_num_queries):
    """A customer without credit: balances, then products, a running subscription and a
    better tier, each read once for all three levels, not once per level."""
    from quotas.models import Customer
    from tickets.services.portal import eligibility_by_level

    customer = Customer.objects.select_related("tier").get(pk=make_customer(tier="STANDARD").pk)
    with django_assert_num_queries(4):
        levels = eligibility_by_level(customer=customer)
    assert [eligibility.eligible for _level, eligibility in levels] == [False, False, False]
    assert all(eligibility.options for _level, eligibility in levels)
