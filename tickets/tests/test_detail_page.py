"""The request page: the level's why, both clocks, the timeline; overrides by supervisors."""

import re
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import make_customer, make_request
from quotas.services import reset_quotas
from tickets.models import Ticket, TicketEvent
from tickets.services.audit import build_event
from tickets.services.priority import escalate_waiting_tickets

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket():
    return make_request(
        customer=make_customer(tier="SILVER"),
        title="Checkout error",
        description="error 500 for everyone",
        impact_scope=120,
        time_window_hours=1,
        difficulty=1,
    )


def url(ticket, action=""):
    return f"/tickets/{ticket.reference}/{action}"


def test_agents_see_why_the_level_the_clocks_and_the_timeline(client, agent, ticket):
    client.force_login(agent.user)
    page = client.get(url(ticket)).content.decode()
    assert ticket.reference in page
    for text in ("Impact", "Time window", "Customer", "Difficulty", "policy v1"):
        assert text in page
    assert "The score gives P0." in page
    assert "Capped at P1, the highest level tier Silver may request." in page
    assert "First response" in page
    assert "Handling" in page
    assert "P0 capped at P1 for tier Silver" in page  # the creation event's reason
    assert 'id="override-form"' not in page  # agents cannot override


def test_supervisor_overrides_with_a_reason_and_sees_it_in_the_timeline(
    client, supervisor_user, ticket
):
    client.force_login(supervisor_user)
    response = client.post(url(ticket, "override/"), {"level": "P0", "reason": "Outage"})
    assert response.status_code == 302
    page = client.get(url(ticket)).content.decode()
    assert "Overridden to P0 by a supervisor: “Outage”." in page
    assert Ticket.objects.get(pk=ticket.pk).level == "P0"
    client.post(url(ticket, "clear-override/"))
    assert Ticket.objects.get(pk=ticket.pk).level == "P1"


def test_override_without_a_reason_is_refused_and_changes_nothing(client, supervisor_user, ticket):
    client.force_login(supervisor_user)
    response = client.post(url(ticket, "override/"), {"level": "P0", "reason": "   "})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).level == "P1"
    assert not ticket.events.filter(kind=TicketEvent.Kind.OVERRIDDEN).exists()


def test_agents_cannot_override(client, agent, ticket):
    client.force_login(agent.user)
    response = client.post(url(ticket, "override/"), {"level": "P3", "reason": "no"})
    assert response.status_code == 403
    assert Ticket.objects.get(pk=ticket.pk).level == "P1"


def test_override_is_post_only(client, supervisor_user, ticket):
    client.force_login(supervisor_user)
    assert client.get(url(ticket, "override/")).status_code == 405


def test_customers_and_anonymous_users_cannot_open_the_page(client, customer_a_user, ticket):
    assert client.get(url(ticket)).status_code == 302
    client.force_login(customer_a_user)
    assert client.get(url(ticket)).status_code == 403


def test_unknown_reference_is_404(client, agent):
    client.force_login(agent.user)
    assert client.get("/tickets/EX-NOPE0000/").status_code == 404


def test_page_queries_do_not_grow_with_the_timeline(client, agent, ticket):
    client.force_login(agent.user)
    client.get(url(ticket))  # warm the session and content types
    with CaptureQueriesContext(connection) as short:
        client.get(url(ticket))
    TicketEvent.objects.bulk_create(
        build_event(
            ticket_id=ticket.pk,
            kind=TicketEvent.Kind.NOTE,
            at=ticket.created_at,
            actor=agent.user,
            body=f"note {n}",
        )
        for n in range(40)
    )
    with CaptureQueriesContext(connection) as long:
        client.get(url(ticket))
    assert len(long.captured_queries) == len(short.captured_queries) <= 12


def test_the_workspace_links_its_seldom_used_actions_instead_of_drawing_them(client, agent, ticket):
    client.force_login(agent.user)
    page = client.get(url(ticket)).content.decode()
    assert f'data-src="/tickets/{ticket.reference}/manage/"' in page
    assert 'name="parent_reference"' not in page


def test_the_manage_page_offers_the_actions_on_an_open_request(client, agent, ticket):
    client.force_login(agent.user)
    page = client.get(url(ticket, "manage/")).content.decode()
    assert 'id="manage-forms"' in page
    for action in ("recategorise", "reassign", "merge", "flag"):
        assert f'action="/tickets/{ticket.reference}/act/{action}/"' in page
    assert f'<option value="{agent.pk}">' in page
    assert "/act/cancel/" not in page  # cancelling is for supervisors


def test_supervisors_may_also_cancel_from_the_manage_page(client, supervisor_user, ticket):
    client.force_login(supervisor_user)
    page = client.get(url(ticket, "manage/")).content.decode()
    assert f'action="/tickets/{ticket.reference}/act/cancel/"' in page


def test_a_closed_request_has_nothing_to_manage(client, agent, ticket):
    Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.CLOSED)
    client.force_login(agent.user)
    page = client.get(url(ticket, "manage/")).content.decode()
    assert "there is nothing to manage" in page
    assert "/act/" not in page


def test_customers_and_strangers_cannot_open_the_manage_page(client, customer_a_user, ticket):
    assert client.get(url(ticket, "manage/")).status_code == 302  # to the login page
    client.force_login(customer_a_user)
    assert client.get(url(ticket, "manage/")).status_code == 403


SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI)


def section(page: str, element_id: str) -> str:
    """The text of the element with `element_id`, up to its closing tag."""
    start = page.index(f'id="{element_id}"')
    tag = page[page.rindex("<", 0, start) + 1 :].split()[0]
    return page[start : page.index(f"</{tag}>", start)]


def cells(html: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r"<t[dh][^>]*>.*?</t[dh]>", html)
    ]


def test_the_why_shows_each_component_weight_and_contribution_to_six_places(client, agent):
    with time_machine.travel(START, tick=False):
        ticket = make_request(
            customer=make_customer(tier="PLATINUM"),
            impact_scope=120,
            time_window_hours=1,
            difficulty=1,
        )
    client.force_login(agent.user)
    with time_machine.travel(START + timedelta(minutes=50), tick=False):
        page = client.get(url(ticket)).content.decode()
    breakdown = cells(section(page, "score-breakdown"))
    # impact 1, time 1 - 1/24, customer 1.0 (Platinum), difficulty 1 - 1/5; default weights.
    assert breakdown[4:] == [
        "Impact", "1.000000", "0.300000", "0.300000",
        "Time window", "0.958333", "0.300000", "0.287500",
        "Customer", "1.000000", "0.200000", "0.200000",
        "Difficulty", "0.800000", "0.200000", "0.160000",
        "Score (policy v1)", "0.947500",
    ]  # fmt: skip
    clocks = section(page, "clocks")
    # 50 min in: handling (P0, 1 h) is past 75 %, first response (2 h) is not.
    first, handling = clocks.split("Handling")
    assert "On track" in first
    assert "At risk" in handling
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        page = client.get(url(ticket)).content.decode()
    assert "Due now" in section(page, "clocks").split("Handling")[1]


def test_a_score_just_below_a_threshold_is_never_shown_as_the_threshold(client, agent):
    ticket = make_request(customer=make_customer(tier="GOLD"))
    Ticket.objects.filter(pk=ticket.pk).update(score=Decimal("0.699999"), level="P1")
    client.force_login(agent.user)
    page = client.get(url(ticket)).content.decode()
    assert section(page, "score-total").endswith(">0.699999")
    assert "0.700" not in section(page, "score-breakdown")


def test_an_escalation_is_explained_and_in_the_timeline(client, agent):
    with time_machine.travel(START, tick=False):
        ticket = make_request(
            customer=make_customer(tier="PLATINUM"),
            impact_scope=0,
            time_window_hours=48,
            difficulty=5,
        )
    assert ticket.level == "P3"
    escalate_waiting_tickets(now=START + timedelta(hours=2))
    client.force_login(agent.user)
    page = client.get(url(ticket)).content.decode()
    reasons = section(page, "level-reasons")
    assert "The score gives P3." in reasons
    assert "Escalated to P2 for waiting without a first response" in reasons
    assert "Works at P2." in reasons
    timeline = section(page, "timeline")
    assert "Escalated" in timeline
    assert "P3 → P2" in timeline
    assert "no first response after 2:00:00" in timeline


def test_a_cap_from_the_level_asked_for_is_explained(client, agent):
    gold = make_customer(tier="GOLD")
    reset_quotas()
    ticket = make_request(
        customer=gold, requested_level="P2", impact_scope=120, time_window_hours=1, difficulty=1
    )
    client.force_login(agent.user)
    reasons = section(client.get(url(ticket)).content.decode(), "level-reasons")
    assert "The score gives P0." in reasons
    assert "Capped at P2, the level the customer asked for." in reasons
