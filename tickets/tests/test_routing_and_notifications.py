"""Intake routes to an agent, acknowledges the customer and notifies by e-mail."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from conftest import (
    make_agent,
    make_customer,
    make_portal_user,
    make_request,
    requires_postgres,
    run_concurrently,
    transactional,
)
from staffing.models import Agent, Lane, Shift
from tickets.models import Ticket, TicketEvent
from tickets.services.errors import TicketError
from tickets.services.intake import submit_request
from tickets.services.notifications import eta_text

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_10 = dt.datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI)


def on_duty(agent):
    Shift.objects.bulk_create(
        Shift(agent=agent, weekday=day, starts_at=dt.time(0), ends_at=dt.time(0))
        for day in range(7)
    )
    return agent


@pytest.fixture
def frozen():
    with time_machine.travel(MONDAY_10, tick=False):
        yield


pytestmark = pytest.mark.django_db


def urgent_request(**kwargs):
    kwargs.setdefault("customer", make_customer(tier="PLATINUM"))
    return make_request(impact_scope=50, time_window_hours=2, difficulty=2, **kwargs)


def test_intake_routes_to_an_available_agent_of_the_lane(frozen):
    agent = on_duty(make_agent(lane=Lane.URGENT))
    on_duty(make_agent(lane=Lane.NORMAL))
    ticket = urgent_request()
    assert (ticket.status, ticket.assignee_id) == ("assigned", agent.pk)
    agent.refresh_from_db()
    assert agent.open_load == 1
    assigned = ticket.events.get(kind=TicketEvent.Kind.ASSIGNED)
    assert assigned.new_value == agent.user.username


def test_without_an_agent_the_request_waits_in_the_queue(frozen):
    make_agent(lane=Lane.URGENT)  # not on shift
    ticket = urgent_request()
    assert (ticket.status, ticket.assignee) == ("queued", None)
    status = ticket.events.get(kind=TicketEvent.Kind.STATUS_CHANGED)
    assert status.reason == "no agent available"


def test_p3_requests_go_to_the_normal_lane_agents(frozen):
    on_duty(make_agent(lane=Lane.URGENT))
    normal = on_duty(make_agent(lane=Lane.NORMAL))
    ticket = make_request(
        customer=make_customer(tier="STANDARD"), impact_scope=0, time_window_hours=48, difficulty=5
    )
    assert (ticket.lane, ticket.assignee_id) == ("normal", normal.pk)


def test_acknowledgement_goes_to_the_customer_with_the_eta_and_is_not_a_first_response(
    frozen, django_capture_on_commit_callbacks
):
    customer = make_customer(tier="PLATINUM", contact_email="ops@acme.example")
    make_portal_user(customer=customer, email="lead@acme.example")
    with django_capture_on_commit_callbacks(execute=True):
        ticket = urgent_request(customer=customer)  # difficulty 2: one hour
    assert ticket.first_response_at is None
    ack = ticket.events.get(kind=TicketEvent.Kind.ACKNOWLEDGED)
    assert "Estimated resolution time: 1 hour." in ack.body
    assert ack.is_public
    acks = [m for m in mail.outbox if "received" in m.subject]
    assert sorted(m.to[0] for m in acks) == ["lead@acme.example", "ops@acme.example"]
    assert all("1 hour" in m.body for m in acks)


def test_chinese_customers_are_written_to_in_chinese(frozen, django_capture_on_commit_callbacks):
    customer = make_customer(tier="PLATINUM", language="zh-hans", contact_email="it@cn.example")
    with django_capture_on_commit_callbacks(execute=True):
        ticket = urgent_request(customer=customer, title="系统崩溃无法登录")
    assert "预计解决时间:1小时" in ticket.events.get(kind=TicketEvent.Kind.ACKNOWLEDGED).body
    (message,) = mail.outbox
    assert message.subject == "已收到您的技术问题"
    assert "1小时" in message.body


def test_assignment_notifies_the_assignee_and_the_customer_each_in_their_language(
    frozen, django_capture_on_commit_callbacks
):
    agent = on_duty(make_agent(lane=Lane.URGENT, language="zh-hans"))
    agent.user.email = "agent@desk.example"
    agent.user.save()
    customer = make_customer(tier="PLATINUM", contact_email="ops@acme.example")
    with django_capture_on_commit_callbacks(execute=True):
        ticket = urgent_request(customer=customer)
    assigned = {m.to[0]: m for m in mail.outbox if ticket.reference in m.subject}
    assert set(assigned) == {"agent@desk.example", "ops@acme.example"}
    assert "分配给" in assigned["agent@desk.example"].subject
    assert "assigned to" in assigned["ops@acme.example"].subject


def test_refused_intake_sends_nothing(django_capture_on_commit_callbacks):
    on_duty(make_agent(lane=Lane.URGENT))
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(TicketError):
        make_request(title="")
    assert mail.outbox == []
    assert Agent.objects.get().open_load == 0


@pytest.mark.parametrize(
    ("difficulty", "en", "zh"),
    [(1, "30 minutes", "30分钟"), (3, "2 hours", "2小时"), (5, "8 hours", "8小时")],
)
def test_eta_follows_difficulty(difficulty, en, zh):
    assert (eta_text(difficulty, "en"), eta_text(difficulty, "zh-hans")) == (en, zh)


@requires_postgres
@transactional
def test_concurrent_intake_never_overloads_an_agent():
    agents = [on_duty(make_agent(lane=Lane.URGENT, max_load=2)) for _ in range(3)]
    customer = make_customer(tier="PLATINUM")

    def submit():
        return submit_request(
            customer=customer,
            title="Outage",
            description="error everywhere",
            impact_scope=50,
            time_window_hours=2,
            difficulty=2,
        )

    outcomes = run_concurrently([submit] * 15)
    assert not [o for o in outcomes if isinstance(o, Exception)]
    assert Ticket.objects.count() == 15
    assert Ticket.objects.filter(status="assigned").count() == 6
    for agent in agents:
        agent.refresh_from_db()
        assert agent.open_load == agent.tickets.count() == 2
