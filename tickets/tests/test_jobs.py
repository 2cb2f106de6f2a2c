"""Re-scoring and escalation jobs: correct, sticky, idempotent, set-based."""

import json
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import (
    make_customer,
    make_request,
    requires_postgres,
    run_concurrently,
    transactional,
)
from tickets.models import PriorityPolicy, Ticket, TicketEvent
from tickets.services.errors import TicketError
from tickets.services.policy import publish_policy
from tickets.services.priority import (
    clear_override,
    escalate_waiting_tickets,
    override_level,
    rescore_open_tickets,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI)  # Monday


def at(hours: float) -> datetime:
    return START + timedelta(hours=hours)


def request(**kwargs) -> Ticket:
    kwargs.setdefault("customer", make_customer(tier="PLATINUM"))
    with time_machine.travel(START, tick=False):
        return make_request(**kwargs)


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


@pytest.mark.django_db
def test_rescoring_raises_urgency_as_the_window_closes():
    # Platinum, impact 10, window 24 h, difficulty 3: 0.03 + 0 + 0.2 + 0.08 = 0.31 -> P2
    ticket = request(impact_scope=10, time_window_hours=24, difficulty=3)
    assert (ticket.score, ticket.level) == (Decimal("0.31"), "P2")
    summary = rescore_open_tickets(now=at(20))  # 4 h left: time 1 - 4/24
    ticket = fresh(ticket)
    assert ticket.score == Decimal("0.56")
    assert (ticket.level, ticket.lane) == ("P1", "urgent")
    assert summary.examined == 1
    assert summary.changed == 1
    assert summary.level_changes == 1
    # P1 handling counts 2 h from creation, not from the change.
    assert ticket.handling_due == at(2)
    kinds = list(ticket.events.filter(at=at(20)).values_list("kind", "old_value", "new_value"))
    assert ("scored", "0.31", "0.56") in kinds
    assert ("level", "P2", "P1") in kinds


@pytest.mark.django_db
def test_rescoring_twice_changes_nothing_the_second_time():
    for _ in range(3):
        request(impact_scope=5, time_window_hours=12)
    rescore_open_tickets(now=at(6))
    events = TicketEvent.objects.count()
    scores = list(Ticket.objects.values_list("score", "level", "scored_at"))
    again = rescore_open_tickets(now=at(6))
    assert again.changed == 0
    assert again.events == 0
    assert TicketEvent.objects.count() == events
    assert list(Ticket.objects.values_list("score", "level", "scored_at")) == scores


@pytest.mark.django_db
def test_rescoring_never_lowers_below_an_escalation():
    # Standard, impact 0, window 30 h, difficulty 5: 0.1 -> P3, and 10 h later
    # 0.1 + 0.3 * (1 - 20/24) = 0.15: a new score, still P3 by itself.
    ticket = request(
        customer=make_customer(tier="STANDARD"), impact_scope=0, time_window_hours=30, difficulty=5
    )
    assert (ticket.score, ticket.level) == (Decimal("0.1"), "P3")
    Ticket.objects.filter(pk=ticket.pk).update(escalated_level="P1", level="P1")
    summary = rescore_open_tickets(now=at(10))
    ticket = fresh(ticket)
    assert ticket.score == Decimal("0.15")
    assert ticket.level == "P1"
    assert (summary.changed, summary.level_changes) == (1, 0)


@pytest.mark.django_db
def test_rescoring_keeps_an_override(supervisor_user):
    ticket = request(impact_scope=200, time_window_hours=1, difficulty=1)
    override_level(
        ticket=ticket, level="P3", reason="duplicate of an incident", actor=supervisor_user
    )
    rescore_open_tickets(now=at(3))
    assert fresh(ticket).level == "P3"


@pytest.mark.django_db
def test_policy_changes_apply_from_the_next_rescore():
    ticket = request(impact_scope=50, time_window_hours=2, difficulty=2)
    assert (ticket.policy.version, ticket.score) == (1, Decimal("0.745"))
    policy = PriorityPolicy.objects.active()
    policy.weight_impact, policy.weight_customer = Decimal("0.4"), Decimal("0.1")
    publish_policy(policy=policy, user=None)
    assert fresh(ticket).policy.version == 1  # untouched until re-scored
    rescore_open_tickets(now=START)
    ticket = fresh(ticket)
    assert ticket.policy.version == 2
    assert ticket.score == Decimal("0.695")  # 0.4*0.5 + 0.3*(11/12) + 0.1*1 + 0.2*0.6
    assert ticket.level == "P1"


@pytest.mark.django_db
def test_the_next_rescore_moves_both_clocks_to_the_new_policy_version():
    """Platinum (7x24) P0: handling due in 1 h, first response in 2 h, at risk at 75 %.
    A policy with a 2 h P0 target and warnings at 50 % moves both clocks at the next
    re-score, counted from creation."""
    ticket = request(impact_scope=50, time_window_hours=2, difficulty=2)
    assert (ticket.level, ticket.handling_due) == ("P0", at(1))
    assert ticket.first_response_warn_at == at(1.5)
    policy = PriorityPolicy.objects.active()
    policy.target_p0_hours, policy.warning_ratio = Decimal(2), Decimal("0.5")
    publish_policy(policy=policy, user=None)
    assert fresh(ticket).handling_due == at(1)  # untouched until re-scored
    rescore_open_tickets(now=at(0.25))
    ticket = fresh(ticket)
    assert (ticket.policy.version, ticket.level) == (2, "P0")
    assert (ticket.handling_due, ticket.handling_warn_at) == (at(2), at(1))
    assert (ticket.first_response_due, ticket.first_response_warn_at) == (at(2), at(1))


@pytest.mark.django_db
def test_closed_requests_are_not_rescored():
    ticket = request()
    Ticket.objects.filter(pk=ticket.pk).update(status="closed")
    assert rescore_open_tickets(now=at(5)).examined == 0


@pytest.mark.django_db
def test_rescore_query_count_does_not_grow_with_the_number_of_requests(
    django_assert_num_queries,
):
    for _ in range(5):
        request(impact_scope=5, time_window_hours=10)
    with CaptureQueriesContext(connection) as few:
        rescore_open_tickets(now=at(3))
    assert len(few.captured_queries) <= 25
    # Same situation, five times the requests: the same queries. (Kept below SQLite's
    # 999 parameters per statement, past which Django splits bulk writes into chunks.)
    for _ in range(25):
        request(impact_scope=5, time_window_hours=10)
    with django_assert_num_queries(len(few.captured_queries)):
        rescore_open_tickets(now=at(3))


@pytest.mark.django_db
def test_rescore_queries_are_a_fixed_number_per_batch():
    for _ in range(8):
        request(impact_scope=5, time_window_hours=10)
    rescore_open_tickets(now=at(3))  # past every due time: the SLA states settle
    counts = {}
    # Each run finds every score changed (the window keeps closing).
    for hours, batch_size in ((4, 8), (5, 4), (6, 2)):
        with CaptureQueriesContext(connection) as run:
            summary = rescore_open_tickets(now=at(hours), batch_size=batch_size)
        assert (summary.changed, summary.batches) == (8, 8 // batch_size)
        assert summary.statements == summary.batches  # one UPDATE per batch
        counts[summary.batches] = len(run.captured_queries)
    per_batch = counts[2] - counts[1]
    assert counts[4] - counts[2] == 2 * per_batch
    # A locked read, one UPDATE, one INSERT of events and the savepoint pair.
    assert per_batch == 5


@pytest.mark.django_db
def test_escalation_query_count_does_not_grow_with_the_number_of_requests(
    django_assert_num_queries,
):
    calm = {"impact_scope": 0, "time_window_hours": 48, "difficulty": 5}
    for _ in range(3):
        request(**calm)
    with CaptureQueriesContext(connection) as few:
        assert escalate_waiting_tickets(now=at(2)).changed == 3
    Ticket.objects.all().delete()
    for _ in range(30):
        request(**calm)
    with django_assert_num_queries(len(few.captured_queries)):
        assert escalate_waiting_tickets(now=at(2)).changed == 30


@pytest.mark.django_db
def test_a_failing_batch_rolls_back_and_leaves_no_transaction_open(monkeypatch):
    from django.db import transaction

    from tickets.services import priority

    request(impact_scope=5, time_window_hours=10)
    request(impact_scope=5, time_window_hours=10)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(priority, "update_rows", broken)
    depth = len(connection.savepoint_ids)
    with pytest.raises(RuntimeError):
        rescore_open_tickets(now=at(3), batch_size=1)
    assert len(connection.savepoint_ids) == depth
    assert not transaction.get_connection().needs_rollback
    assert not TicketEvent.objects.filter(kind=TicketEvent.Kind.SCORED).exists()


@pytest.mark.django_db
def test_escalation_raises_one_level_per_interval_without_a_first_response():
    ticket = request(
        customer=make_customer(tier="PLATINUM"), impact_scope=0, time_window_hours=48, difficulty=5
    )
    assert ticket.level == "P3"
    assert escalate_waiting_tickets(now=at(1.9)).changed == 0
    assert escalate_waiting_tickets(now=at(2)).changed == 1
    ticket = fresh(ticket)
    assert (ticket.level, ticket.escalated_level, ticket.lane) == ("P2", "P2", "urgent")
    assert ticket.next_escalation_at == at(4)
    # At most once per interval, however often the job runs.
    assert escalate_waiting_tickets(now=at(3)).changed == 0
    assert escalate_waiting_tickets(now=at(4)).changed == 1
    assert fresh(ticket).level == "P1"
    event = ticket.events.filter(kind=TicketEvent.Kind.ESCALATED).first()
    assert (event.old_value, event.new_value) == ("P3", "P2")
    assert "no first response" in event.reason


@pytest.mark.django_db
def test_escalation_waits_in_service_hours():
    silver = make_customer(tier="SILVER")  # weekdays 09:00-17:00
    friday_16 = datetime(2026, 11, 6, 16, 0, tzinfo=SHANGHAI)
    with time_machine.travel(friday_16, tick=False):
        ticket = make_request(customer=silver, impact_scope=0, time_window_hours=48, difficulty=5)
    assert ticket.next_escalation_at == datetime(2026, 11, 9, 10, 0, tzinfo=SHANGHAI)
    assert escalate_waiting_tickets(now=datetime(2026, 11, 8, 12, tzinfo=SHANGHAI)).changed == 0


@pytest.mark.django_db
def test_answered_overridden_waiting_and_p0_requests_do_not_escalate(supervisor_user):
    answered = request(impact_scope=0, time_window_hours=48, difficulty=5)
    Ticket.objects.filter(pk=answered.pk).update(first_response_at=at(0.5))
    overridden = request(impact_scope=0, time_window_hours=48, difficulty=5)
    override_level(ticket=overridden, level="P3", reason="not urgent", actor=supervisor_user)
    waiting = request(impact_scope=0, time_window_hours=48, difficulty=5)
    Ticket.objects.filter(pk=waiting.pk).update(status="waiting")
    top = request(impact_scope=100, time_window_hours=1, difficulty=1)
    assert top.level == "P0"
    assert escalate_waiting_tickets(now=at(10)).changed == 0


@pytest.mark.django_db
def test_override_needs_a_reason_and_is_audited(supervisor_user):
    ticket = request(impact_scope=0, time_window_hours=48, difficulty=5)
    with pytest.raises(TicketError, match="reason"):
        override_level(ticket=ticket, level="P0", reason="  ", actor=supervisor_user)
    assert fresh(ticket).level == "P3"
    override_level(ticket=ticket, level="P0", reason="CEO's launch", actor=supervisor_user)
    ticket = fresh(ticket)
    assert (ticket.level, ticket.override_level, ticket.override_reason) == (
        "P0",
        "P0",
        "CEO's launch",
    )
    assert ticket.handling_due == START + timedelta(hours=1)
    event = ticket.events.get(kind=TicketEvent.Kind.OVERRIDDEN)
    assert (event.old_value, event.new_value, event.actor, event.reason) == (
        "P3",
        "P0",
        supervisor_user,
        "CEO's launch",
    )


@pytest.mark.django_db
def test_clearing_an_override_returns_to_the_scored_level(supervisor_user):
    ticket = request(impact_scope=0, time_window_hours=48, difficulty=5)
    override_level(ticket=ticket, level="P0", reason="launch", actor=supervisor_user)
    clear_override(ticket=ticket, actor=supervisor_user)
    ticket = fresh(ticket)
    assert (ticket.level, ticket.override_level, ticket.override_reason) == ("P3", "", "")
    assert ticket.events.filter(kind=TicketEvent.Kind.OVERRIDE_CLEARED).count() == 1
    with pytest.raises(TicketError, match="no override"):
        clear_override(ticket=ticket, actor=supervisor_user)


@pytest.mark.django_db
def test_override_can_exceed_the_tier_cap(supervisor_user):
    ticket = request(customer=make_customer(tier="SILVER"), impact_scope=100, time_window_hours=1)
    assert ticket.level == "P1"
    override_level(ticket=ticket, level="P0", reason="outage", actor=supervisor_user)
    assert fresh(ticket).level == "P0"


@pytest.mark.django_db
def test_job_commands_print_json(capsys):
    request()
    call_command("rescore_tickets", "--json")
    rescore = json.loads(capsys.readouterr().out)
    assert rescore["examined"] == 1
    call_command("escalate_tickets", "--json")
    assert set(json.loads(capsys.readouterr().out)) >= {"examined", "changed", "sla"}


@requires_postgres
@transactional
def test_two_concurrent_rescores_give_the_result_of_one():
    customer = make_customer(tier="PLATINUM")
    with time_machine.travel(START, tick=False):
        for _ in range(150):
            make_request(customer=customer, impact_scope=10, time_window_hours=24, difficulty=3)
    before = TicketEvent.objects.count()
    outcomes = run_concurrently([lambda: rescore_open_tickets(now=at(20), batch_size=20)] * 2)
    assert not [o for o in outcomes if isinstance(o, Exception)]
    # SKIP LOCKED shares the work: each copy re-scored some requests, none twice.
    assert all(o.changed > 0 for o in outcomes)
    assert sum(o.changed for o in outcomes) == 150
    assert sum(o.level_changes for o in outcomes) == 150
    scored = TicketEvent.objects.filter(kind=TicketEvent.Kind.SCORED).count()
    levels = TicketEvent.objects.filter(kind=TicketEvent.Kind.LEVEL_CHANGED).count()
    assert (scored, levels) == (150, 150)
    assert set(Ticket.objects.values_list("score", "level")) == {(Decimal("0.56"), "P1")}
    # Each request once: its score, its level (P2 -> P1) and its SLA state (now breached).
    assert TicketEvent.objects.count() - before == 150 * 3


@requires_postgres
@transactional
def test_two_concurrent_escalations_raise_each_request_once():
    customer = make_customer(tier="PLATINUM")
    with time_machine.travel(START, tick=False):
        for _ in range(120):
            make_request(customer=customer, impact_scope=0, time_window_hours=48, difficulty=5)
    outcomes = run_concurrently([lambda: escalate_waiting_tickets(now=at(2), batch_size=15)] * 2)
    assert not [o for o in outcomes if isinstance(o, Exception)]
    assert all(o.changed > 0 for o in outcomes)
    assert sum(o.changed for o in outcomes) == 120
    assert set(Ticket.objects.values_list("level", flat=True)) == {"P2"}
    assert TicketEvent.objects.filter(kind=TicketEvent.Kind.ESCALATED).count() == 120
