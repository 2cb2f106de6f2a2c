"""Intake routes to an agent, acknowledges the customer and notifies by e-mail."""

import datetime as dt
import json
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.module_loading import import_string
from django_q.models import Schedule

from conftest import (
    make_agent,
    make_agents_in_bulk,
    make_customer,
    make_portal_user,
    make_request,
    make_ticket,
    requires_postgres,
    run_concurrently,
    transactional,
)
from expedite_site.schedules import JOBS, sync_schedules
from staffing.models import Agent, Lane, LaneChange, Shift
from tickets.models import Category, Ticket, TicketEvent
from tickets.services import workflow
from tickets.services.errors import TicketError
from tickets.services.intake import submit_request
from tickets.services.lanes import urgent_history
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
    assert {m.subject for m in acks} == {f"[{ticket.reference}] Technical request received"}


def test_chinese_customers_are_written_to_in_chinese(frozen, django_capture_on_commit_callbacks):
    customer = make_customer(tier="PLATINUM", language="zh-hans", contact_email="it@cn.example")
    with django_capture_on_commit_callbacks(execute=True):
        ticket = urgent_request(customer=customer, title="系统崩溃无法登录")
    assert "预计解决时间：1小时" in ticket.events.get(kind=TicketEvent.Kind.ACKNOWLEDGED).body
    (message,) = mail.outbox
    assert message.subject == f"[{ticket.reference}] 已收到您的技术问题"
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
    acknowledgement = f"[{ticket.reference}] Technical request received"
    assigned = {m.to[0]: m for m in mail.outbox if m.subject != acknowledgement}
    assert set(assigned) == {"agent@desk.example", "ops@acme.example"}
    assert "分配给" in assigned["agent@desk.example"].subject
    assert "assigned to" in assigned["ops@acme.example"].subject
    assert all(ticket.reference in m.subject for m in assigned.values())


class CallerFailed(Exception):
    pass


def intake_in_a_failing_transaction() -> None:
    with transaction.atomic():
        queued = len(connection.run_on_commit)
        urgent_request()
        # Intake got as far as enqueuing the assignment and acknowledgement e-mails...
        assert len(connection.run_on_commit) == queued + 2
        # ...then the caller's transaction failed and rolled everything back.
        raise CallerFailed


def test_a_rolled_back_intake_sends_nothing(frozen, django_capture_on_commit_callbacks):
    agent = on_duty(make_agent(lane=Lane.URGENT))
    with django_capture_on_commit_callbacks(execute=True) as sent, pytest.raises(CallerFailed):
        intake_in_a_failing_transaction()
    assert sent == []
    assert mail.outbox == []
    assert Ticket.objects.count() == 0
    assert Agent.objects.get(pk=agent.pk).open_load == 0


def test_refused_intake_sends_nothing(django_capture_on_commit_callbacks):
    on_duty(make_agent(lane=Lane.URGENT))
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(TicketError):
        make_request(title="")
    assert mail.outbox == []
    assert Agent.objects.get().open_load == 0


def test_status_changes_reach_the_customer_and_the_assignee_each_in_their_language(
    frozen, django_capture_on_commit_callbacks
):
    agent = on_duty(make_agent(lane=Lane.URGENT, language="zh-hans"))
    agent.user.email = "agent@desk.example"
    agent.user.save()
    ticket = urgent_request(
        customer=make_customer(tier="PLATINUM", contact_email="ops@acme.example")
    )
    for item in ticket.checklist.all():
        workflow.tick_checklist_item(ticket=ticket, item_id=item.pk, done=True, actor=agent.user)
    steps = [
        (workflow.start_work, ("Assigned", "In progress"), ("已分配", "处理中")),
        (
            workflow.wait_on_customer,
            ("In progress", "Waiting on customer"),
            ("处理中", "等待客户回复"),
        ),
        (workflow.resolve, ("Waiting on customer", "Resolved"), ("等待客户回复", "已解决")),
    ]
    for action, (old_en, new_en), (old_zh, new_zh) in steps:
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            action(ticket=Ticket.objects.get(pk=ticket.pk), actor=agent.user)
        sent = {m.to[0]: m for m in mail.outbox}
        assert set(sent) == {"ops@acme.example", "agent@desk.example"}, action.__name__
        customer, assignee = sent["ops@acme.example"], sent["agent@desk.example"]
        assert customer.subject == f"[{ticket.reference}] {new_en}"
        assert f"changed from {old_en} to {new_en}." in customer.body
        assert assignee.subject == f"[{ticket.reference}] {new_zh}"
        assert f"的状态已从{old_zh}变为{new_zh}。" in assignee.body


@pytest.mark.parametrize(
    ("difficulty", "en", "zh"),
    [(1, "30 minutes", "30分钟"), (3, "2 hours", "2小时"), (5, "8 hours", "8小时")],
)
def test_eta_follows_difficulty(difficulty, en, zh):
    assert (eta_text(difficulty, "en"), eta_text(difficulty, "zh-hans")) == (en, zh)


def outage_submitter(customer):
    """What each thread runs: one urgent (P0) request of `customer`."""

    def submit():
        return submit_request(
            customer=customer,
            title="Outage",
            description="error everywhere",
            impact_scope=50,
            time_window_hours=2,
            difficulty=2,
        )

    return submit


@requires_postgres
@transactional
def test_concurrent_intake_never_overloads_an_agent():
    agents = [on_duty(make_agent(lane=Lane.URGENT, max_load=2)) for _ in range(3)]
    submit = outage_submitter(make_customer(tier="PLATINUM"))
    outcomes = run_concurrently([submit] * 15)
    assert not [o for o in outcomes if isinstance(o, Exception)]
    assert Ticket.objects.count() == 15
    assert Ticket.objects.filter(status="assigned").count() == 6
    for agent in agents:
        agent.refresh_from_db()
        assert agent.open_load == agent.tickets.count() == 2


@requires_postgres
@transactional
def test_ten_concurrent_intakes_fill_ten_agents_of_load_one():
    # Each intake holds its agent until it commits; the others must pass over that agent
    # to the next one rather than give up with "no agent available".
    agents = [on_duty(make_agent(lane=Lane.URGENT, max_load=1)) for _ in range(10)]
    submit = outage_submitter(make_customer(tier="PLATINUM"))
    outcomes = run_concurrently([submit] * 10)
    assert not [o for o in outcomes if isinstance(o, Exception)]
    assert Ticket.objects.filter(status="assigned").count() == 10
    for agent in agents:
        agent.refresh_from_db()
        assert agent.open_load == agent.tickets.count() == 1


# The routing step's cost


def intake_queries(customer):
    with CaptureQueriesContext(connection) as queries:
        ticket = urgent_request(customer=customer)
    assert ticket.assignee_id is not None
    return len(queries)


def test_intake_routes_with_the_same_queries_for_10_or_200_agents_and_more_open_work(frozen):
    customer = make_customer(tier="PLATINUM")
    make_agents_in_bulk(10, prefix="few")
    intake_queries(customer)  # the first intake reads and caches what later ones reuse
    few = intake_queries(customer)
    make_agents_in_bulk(190, prefix="many")
    for _ in range(60):
        make_ticket(customer=customer, lane=Lane.URGENT)
    assert intake_queries(customer) == few


# Measured demand for the planner


def handled(created, *, first_response_minutes, resolved_minutes, paused_minutes=0):
    first = created + dt.timedelta(minutes=first_response_minutes)
    return make_ticket(
        created_at=created,
        first_response_at=first,
        resolved_at=first + dt.timedelta(minutes=resolved_minutes),
        paused_service=dt.timedelta(minutes=paused_minutes),
        status="resolved",
        lane=Lane.URGENT,
    )


def test_urgent_handling_time_leaves_out_waiting_on_the_customer():
    now = timezone.now()
    handled(
        now - dt.timedelta(days=1),
        first_response_minutes=10,
        resolved_minutes=90,
        paused_minutes=30,
    )
    handled(now - dt.timedelta(days=2), first_response_minutes=5, resolved_minutes=30)
    # Paused before the first reply, longer than reply-to-resolution: counts as no work.
    handled(
        now - dt.timedelta(days=3),
        first_response_minutes=60,
        resolved_minutes=20,
        paused_minutes=50,
    )
    history = urgent_history(now=now, days=28)
    assert (history.arrivals, history.handled) == (3, 3)
    assert history.mean_handle_minutes == pytest.approx((60 + 30 + 0) / 3)


# The rebalancing job end to end


def test_rebalance_lanes_command_reads_the_backlog_and_skills_from_the_tickets():
    for _ in range(5):
        on_duty(make_agent(lane=Lane.URGENT))
    normal = [on_duty(make_agent(lane=Lane.NORMAL, open_load=2)) for _ in range(12)]
    # The idlest normal agents cannot do billing, the only work waiting.
    idle = [on_duty(make_agent(lane=Lane.NORMAL, skills=["technical"])) for _ in range(3)]
    billing = Category.objects.get(code="billing")
    for _ in range(15):
        make_ticket(category=billing, lane=Lane.URGENT, status=Ticket.Status.QUEUED)
    # Not the urgent backlog: taken by an agent, or in the normal lane.
    make_ticket(category=billing, lane=Lane.URGENT, status="assigned", assignee=normal[0])
    make_ticket(category=billing, lane=Lane.NORMAL, status=Ticket.Status.QUEUED)

    out = StringIO()
    call_command("rebalance_lanes", "--json", stdout=out)
    summary = json.loads(out.getvalue())

    assert {k: summary[k] for k in summary if k not in ("borrowed", "released")} == {
        "backlog": 15,
        "urgent_agents": 5,
        "normal_agents": 15,
        "urgent_after": 8,
        "normal_after": 12,
    }
    assert summary["released"] == []
    assert len(summary["borrowed"]) == 3
    assert not set(summary["borrowed"]) & {a.user.username for a in idle}
    assert LaneChange.objects.filter(action="borrow", backlog=15).count() == 3
    # The scheduled job is the same one: run again, it changes nothing.
    job = next(job for job in JOBS if job.name == "rebalance_lanes")
    again = import_string(job.func)()
    assert (again["borrowed"], again["released"], again["urgent_after"]) == ([], [], 8)


def test_rebalancing_is_scheduled_every_5_minutes():
    sync_schedules()
    schedule = Schedule.objects.get(name="expedite:rebalance_lanes")
    assert (schedule.func, schedule.schedule_type, schedule.minutes) == (
        "tickets.tasks.rebalance_lanes",
        Schedule.MINUTES,
        5,
    )
    assert callable(import_string(schedule.func))


def test_default_acknowledgements_promise_no_priority_to_a_regular_request():
    """Every request gets the acknowledgement, P3 too: the defaults must not say
    "expedited" or "with priority" (加急, 优先)."""
    from tickets.models import ResponseTemplate

    bodies = list(
        ResponseTemplate.objects.filter(kind=ResponseTemplate.Kind.ACKNOWLEDGEMENT).values_list(
            "body", flat=True
        )
    )
    assert len(bodies) == 6
    for body in bodies:
        assert not any(word in body.lower() for word in ("expedit", "priority", "加急", "优先"))
