"""The request lifecycle: who may do what, in which state, and what it changes."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from conftest import (
    make_agent,
    make_customer,
    make_request,
    make_user,
    requires_postgres,
    run_concurrently,
    transactional,
)
from staffing.models import Agent, Lane
from tickets.models import PriorityPolicy, Ticket, TicketEvent
from tickets.services import workflow
from tickets.services.errors import TicketError
from tickets.services.policy import publish_policy

pytestmark = pytest.mark.django_db


def fresh(ticket):
    return Ticket.objects.get(pk=ticket.pk)


def load_of(agent):
    return Agent.objects.get(pk=agent.pk).open_load


@pytest.fixture
def worker():
    return make_agent(lane=Lane.URGENT)


@pytest.fixture
def claimed(worker):
    make_request(customer=make_customer(tier="PLATINUM"), impact_scope=50, time_window_hours=2)
    return workflow.claim_next(agent=worker)


def tick_all(ticket, actor):
    for item in ticket.checklist.all():
        workflow.tick_checklist_item(ticket=ticket, item_id=item.pk, done=True, actor=actor)


# Claiming


def test_claim_next_takes_the_top_eligible_request_in_queue_order(worker):
    platinum = make_customer(tier="PLATINUM")
    p2 = make_request(customer=platinum, impact_scope=5, time_window_hours=20, difficulty=3)
    p0 = make_request(customer=platinum, impact_scope=80, time_window_hours=1, difficulty=1)
    billing = make_request(
        customer=platinum,
        title="Refund",
        description="invoice wrong",
        impact_scope=90,
        time_window_hours=1,
        difficulty=1,
    )
    technical_only = make_agent(lane=Lane.URGENT, skills=["technical"])
    assert (p0.level, p2.level, billing.level) == ("P0", "P2", "P0")
    assert workflow.claim_next(agent=technical_only).pk == p0.pk
    assert workflow.claim_next(agent=technical_only).pk == p2.pk
    assert workflow.claim_next(agent=technical_only) is None  # billing needs a billing skill
    claimed = workflow.claim_next(agent=worker)
    assert claimed.pk == billing.pk
    assert (claimed.status, claimed.assignee_id) == ("assigned", worker.pk)
    assert load_of(worker) == 1
    assert claimed.events.filter(kind=TicketEvent.Kind.ASSIGNED, reason="claimed").exists()


def test_claim_next_respects_lane_and_maximum_load():
    normal = make_agent(lane=Lane.NORMAL)
    make_request(customer=make_customer(tier="PLATINUM"), impact_scope=50, time_window_hours=2)
    assert workflow.claim_next(agent=normal) is None
    Agent.objects.filter(pk=normal.pk).update(borrowed_at=timezone.now())
    assert workflow.claim_next(agent=normal) is not None  # borrowed agents work urgent
    full = make_agent(lane=Lane.URGENT, max_load=1, open_load=1)
    with pytest.raises(TicketError, match="maximum load"):
        workflow.claim_next(agent=full)


# Work on a request


def test_the_first_agent_reply_is_the_first_response(claimed, worker):
    workflow.reply(ticket=claimed, actor=worker.user, body="Looking into it.")
    first = fresh(claimed).first_response_at
    assert first is not None
    assert fresh(claimed).status == "in_progress"
    workflow.reply(ticket=claimed, actor=worker.user, body="Still on it.")
    ticket = fresh(claimed)
    assert (ticket.first_response_at, ticket.agent_reply_count) == (first, 2)


def test_empty_reply_is_refused(claimed, worker):
    with pytest.raises(TicketError, match="Write a reply"):
        workflow.reply(ticket=claimed, actor=worker.user, body="  ")
    assert fresh(claimed).first_response_at is None


def test_any_agent_may_add_a_note_but_only_the_assignee_replies(claimed):
    other = make_agent(lane=Lane.URGENT)
    workflow.add_note(ticket=claimed, actor=other.user, body="Saw this last week too.")
    assert claimed.events.filter(kind=TicketEvent.Kind.NOTE, is_public=False).count() == 1
    with pytest.raises(TicketError, match="assignee or a supervisor"):
        workflow.reply(ticket=claimed, actor=other.user, body="hi")


def test_supervisors_may_act_on_any_request(claimed, supervisor_user):
    workflow.reply(ticket=claimed, actor=supervisor_user, body="Taking a look.")
    assert fresh(claimed).first_response_at is not None


def test_resolve_needs_every_required_checklist_item(claimed, worker):
    with pytest.raises(TicketError) as refused:
        workflow.resolve(ticket=claimed, actor=worker.user)
    assert "Reproduce the problem; Check the logs; Apply a workaround; Verify the solution" in (
        refused.value.message
    )
    assert fresh(claimed).status == "assigned"
    tick_all(claimed, worker.user)
    workflow.resolve(ticket=claimed, actor=worker.user)
    ticket = fresh(claimed)
    assert ticket.status == "resolved"
    assert ticket.resolved_at is not None
    assert load_of(worker) == 0


def test_unticking_an_item_blocks_resolving_again(claimed, worker):
    tick_all(claimed, worker.user)
    item = claimed.checklist.first()
    workflow.tick_checklist_item(ticket=claimed, item_id=item.pk, done=False, actor=worker.user)
    with pytest.raises(TicketError, match="Reproduce the problem"):
        workflow.resolve(ticket=claimed, actor=worker.user)


def test_ticking_an_item_of_another_request_is_refused(claimed, worker):
    other = make_request()
    with pytest.raises(TicketError, match="does not belong"):
        workflow.tick_checklist_item(
            ticket=claimed, item_id=other.checklist.first().pk, done=True, actor=worker.user
        )


def test_waiting_on_the_customer_pauses_and_resuming_pushes_the_clocks_out(claimed, worker):
    workflow.wait_on_customer(ticket=claimed, actor=worker.user)
    paused = fresh(claimed)
    assert (paused.status, paused.paused_at is not None) == ("waiting", True)
    Ticket.objects.filter(pk=claimed.pk).update(paused_at=timezone.now() - dt.timedelta(hours=3))
    workflow.resume_work(ticket=claimed, actor=worker.user)
    resumed = fresh(claimed)
    assert resumed.status == "in_progress"
    assert resumed.paused_at is None
    assert resumed.paused_service >= dt.timedelta(hours=3)
    assert resumed.handling_due - paused.handling_due >= dt.timedelta(hours=3)


def test_close_and_reopen_within_the_period(claimed, worker):
    tick_all(claimed, worker.user)
    workflow.resolve(ticket=claimed, actor=worker.user)
    workflow.close(ticket=claimed, actor=worker.user)
    assert fresh(claimed).status == "closed"
    workflow.reopen(ticket=claimed, actor=worker.user, reason="customer says still broken")
    ticket = fresh(claimed)
    assert (ticket.status, ticket.reopen_count, ticket.resolved_at) == ("in_progress", 1, None)
    assert load_of(worker) == 1


def test_reopen_after_the_period_is_refused(claimed, worker):
    tick_all(claimed, worker.user)
    workflow.resolve(ticket=claimed, actor=worker.user)
    Ticket.objects.filter(pk=claimed.pk).update(resolved_at=timezone.now() - dt.timedelta(days=8))
    with pytest.raises(TicketError, match="more than 7 days"):
        workflow.reopen(ticket=claimed, actor=worker.user)
    assert fresh(claimed).status == "resolved"


def test_reopen_goes_back_to_the_queue_when_the_assignee_is_full(claimed, worker):
    tick_all(claimed, worker.user)
    workflow.resolve(ticket=claimed, actor=worker.user)
    Agent.objects.filter(pk=worker.pk).update(open_load=F_MAX)
    workflow.reopen(ticket=claimed, actor=worker.user)
    ticket = fresh(claimed)
    assert (ticket.status, ticket.assignee) == ("queued", None)


F_MAX = 5  # the default maximum load of make_agent


def test_cancel_is_for_supervisors_with_a_reason(claimed, worker, supervisor_user):
    with pytest.raises(TicketError, match="supervisor"):
        workflow.cancel(ticket=claimed, actor=worker.user, reason="dup")
    with pytest.raises(TicketError, match="reason"):
        workflow.cancel(ticket=claimed, actor=supervisor_user, reason=" ")
    workflow.cancel(ticket=claimed, actor=supervisor_user, reason="sent by mistake")
    assert fresh(claimed).status == "cancelled"
    assert load_of(worker) == 0


def test_reassign_moves_the_load_and_refuses_a_full_agent(claimed, worker):
    colleague = make_agent(lane=Lane.URGENT)
    full = make_agent(lane=Lane.URGENT, max_load=1, open_load=1)
    with pytest.raises(TicketError, match="maximum load"):
        workflow.reassign(ticket=claimed, agent=full, actor=worker.user)
    workflow.reassign(ticket=claimed, agent=colleague, actor=worker.user)
    assert fresh(claimed).assignee_id == colleague.pk
    assert (load_of(worker), load_of(colleague)) == (0, 1)
    with pytest.raises(TicketError, match="assignee or a supervisor"):
        workflow.reassign(ticket=claimed, agent=worker, actor=worker.user)


def test_merge_and_the_parent_resolves_and_notifies_its_children(
    claimed, worker, django_capture_on_commit_callbacks
):
    duplicate_customer = make_customer(tier="GOLD", contact_email="dup@example.com")
    duplicate = make_request(customer=duplicate_customer)
    workflow.reassign(ticket=duplicate, agent=worker, actor=make_user(role="supervisor"))
    assert load_of(worker) == 2
    workflow.merge_into(
        ticket=duplicate, parent_reference=claimed.reference.lower(), actor=worker.user
    )
    child = fresh(duplicate)
    assert (child.status, child.parent_id) == ("merged", claimed.pk)
    assert load_of(worker) == 1
    assert claimed.events.filter(kind=TicketEvent.Kind.MERGED, new_value=child.reference).exists()
    tick_all(claimed, worker.user)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.resolve(ticket=claimed, actor=worker.user)
    assert fresh(duplicate).resolved_at is not None
    assert any(m.to == ["dup@example.com"] and "Resolved" in m.subject for m in mail.outbox)


@pytest.mark.parametrize(
    ("target", "message"),
    [("EX-NOPE", "No request has"), ("SELF", "into itself"), ("CLOSED", "Merge into an open")],
)
def test_bad_merges_are_refused(claimed, worker, target, message):
    closed = make_request()
    Ticket.objects.filter(pk=closed.pk).update(status="closed")
    reference = {"SELF": claimed.reference, "CLOSED": closed.reference}.get(target, target)
    with pytest.raises(TicketError, match=message):
        workflow.merge_into(ticket=claimed, parent_reference=reference, actor=worker.user)
    assert fresh(claimed).status == "assigned"


def test_flag_error_once_with_a_reason(claimed, worker):
    with pytest.raises(TicketError, match="went wrong"):
        workflow.flag_error(ticket=claimed, actor=worker.user, reason="")
    workflow.flag_error(ticket=claimed, actor=worker.user, reason="wrong workaround given")
    assert fresh(claimed).error_flagged_at is not None
    with pytest.raises(TicketError, match="already flagged"):
        workflow.flag_error(ticket=claimed, actor=worker.user, reason="again")


def test_a_stale_form_is_refused(claimed, worker):
    seen = workflow.version_of(claimed)
    workflow.add_note(ticket=claimed, actor=worker.user, body="changes updated_at")
    with pytest.raises(TicketError, match="changed since you opened it"):
        workflow.start_work(ticket=claimed, actor=worker.user, seen_version=seen)
    assert fresh(claimed).status == "assigned"


ACTIONS = {
    "start": lambda t, a: workflow.start_work(ticket=t, actor=a),
    "wait": lambda t, a: workflow.wait_on_customer(ticket=t, actor=a),
    "resume": lambda t, a: workflow.resume_work(ticket=t, actor=a),
    "resolve": lambda t, a: workflow.resolve(ticket=t, actor=a),
    "close": lambda t, a: workflow.close(ticket=t, actor=a),
    "reopen": lambda t, a: workflow.reopen(ticket=t, actor=a),
}
ALLOWED = {
    "assigned": {"start", "wait", "resolve"},
    "in_progress": {"wait", "resolve"},
    "waiting": {"resume", "resolve"},
    "resolved": {"close", "reopen"},
    "closed": {"reopen"},
    "merged": set(),
    "cancelled": set(),
}


@pytest.mark.parametrize("status", ALLOWED)
@pytest.mark.parametrize("action", ACTIONS)
def test_state_machine(claimed, worker, status, action):
    tick_all(claimed, worker.user)
    Ticket.objects.filter(pk=claimed.pk).update(
        status=status,
        resolved_at=timezone.now() if status in ("resolved", "closed") else None,
    )
    if action in ALLOWED[status]:
        ACTIONS[action](claimed, worker.user)
        assert fresh(claimed).status != status
    else:
        with pytest.raises(TicketError, match="You cannot"):
            ACTIONS[action](claimed, worker.user)
        assert fresh(claimed).status == status


@requires_postgres
@transactional
def test_twenty_agents_claiming_ten_requests_get_each_exactly_once():
    platinum = make_customer(tier="PLATINUM")
    for _ in range(10):
        make_request(customer=platinum, impact_scope=50, time_window_hours=2)
    agents = [make_agent(lane=Lane.URGENT) for _ in range(20)]
    outcomes = run_concurrently(
        [lambda agent=agent: workflow.claim_next(agent=agent) for agent in agents]
    )
    assert not [o for o in outcomes if isinstance(o, Exception)]
    results = dict(zip([agent.pk for agent in agents], outcomes, strict=True))
    claimed = [t.pk for t in results.values() if t is not None]
    assert len(claimed) == len(set(claimed)) == 10
    assert sum(1 for t in results.values() if t is None) == 10
    assert Ticket.objects.filter(status="assigned").count() == 10
    assert sorted(Agent.objects.values_list("open_load", flat=True)) == [0] * 10 + [1] * 10


# The clocks follow the status, whatever action changes it


@pytest.fixture
def waiting(worker):
    """A Platinum (7x24) P0 request, claimed at 10:00 and waiting on the customer from
    10:30; escalation would have been due at 12:00."""
    start = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        make_request(customer=make_customer(tier="PLATINUM"), impact_scope=50, time_window_hours=2)
        ticket = workflow.claim_next(agent=worker)
    with time_machine.travel(start + dt.timedelta(minutes=30), tick=False):
        workflow.wait_on_customer(ticket=ticket, actor=worker.user)
    ticket = fresh(ticket)
    assert ticket.next_escalation_at == start + dt.timedelta(hours=2)
    return ticket, start


@pytest.mark.parametrize("action", ["resume", "customer_reply", "resolve", "cancel", "merge"])
def test_leaving_waiting_on_the_customer_restarts_the_clocks_whatever_the_action(
    waiting, worker, supervisor_user, action
):
    ticket, start = waiting
    back = start + dt.timedelta(hours=1, minutes=30)  # an hour after the pause began
    with time_machine.travel(back, tick=False):
        if action == "resume":
            workflow.resume_work(ticket=ticket, actor=worker.user)
        elif action == "customer_reply":
            workflow.customer_reply(ticket=ticket, user=supervisor_user, body="Here you go")
        elif action == "resolve":
            tick_all(ticket, worker.user)
            workflow.resolve(ticket=ticket, actor=worker.user)
        elif action == "cancel":
            workflow.cancel(ticket=ticket, actor=supervisor_user, reason="duplicate")
        else:
            parent = make_request(customer=ticket.customer)
            workflow.merge_into(ticket=ticket, parent_reference=parent.reference, actor=worker.user)
    ticket = fresh(ticket)
    assert ticket.paused_at is None
    assert ticket.paused_service == dt.timedelta(hours=1)
    # P0 handling 1 h and the next escalation move out by the hour spent waiting.
    assert ticket.handling_due == start + dt.timedelta(hours=2)
    assert ticket.next_escalation_at == start + dt.timedelta(hours=3)


def test_resuming_keeps_the_targets_of_the_requests_own_policy_version(waiting, worker):
    ticket, start = waiting
    policy = PriorityPolicy.objects.active()
    policy.target_p0_hours = policy.target_p0_hours * 4
    publish_policy(policy=policy, user=None)  # v2 only applies from the next re-score
    with time_machine.travel(start + dt.timedelta(hours=1, minutes=30), tick=False):
        workflow.resume_work(ticket=ticket, actor=worker.user)
    ticket = fresh(ticket)
    assert ticket.policy.version == 1
    assert ticket.handling_due == start + dt.timedelta(hours=2)  # v1's 1 h, plus the pause
