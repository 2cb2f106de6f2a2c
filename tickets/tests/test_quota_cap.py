"""The level a request gets is capped by what the customer asked for and may ask for, at
intake and at every re-score; a credit is spent only on a request that comes out urgent;
bad input moves no quota and no agent load."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from conftest import make_agent, make_customer, make_request
from quotas.models import Balance, LedgerEntry, Source, Tier
from quotas.services import NotEligible, reset_quotas
from staffing.models import Agent, Lane, Shift
from tickets.models import Ticket, TicketEvent
from tickets.services.errors import TicketError
from tickets.services.intake import submit_request
from tickets.services.priority import escalate_waiting_tickets, rescore_open_tickets

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_10 = dt.datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI)
# Scores P0 for every tier: impact 100 %, window 1 h, difficulty 1.
URGENT = {"impact_scope": 120, "time_window_hours": 1, "difficulty": 1}
# Scores P3 for Gold (0 + 0 + 0.16 + 0 = 0.16) with two days of window.
CALM = {"impact_scope": 0, "time_window_hours": 48, "difficulty": 5}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(MONDAY_10, tick=False):
        yield


def included(customer) -> int:
    balance = Balance.objects.filter(customer=customer, source=Source.INCLUDED).first()
    return balance.remaining if balance else 0


@pytest.fixture
def gold():
    customer = make_customer(tier="GOLD")
    reset_quotas(now=MONDAY_10)
    assert included(customer) == 5
    return customer


def test_a_standard_customer_without_credit_asking_p3_is_not_scored_into_the_urgent_lane():
    standard = make_customer(tier="STANDARD")
    ticket = make_request(customer=standard, requested_level="P3", **URGENT)
    assert ticket.score >= Decimal("0.7")  # the score alone would say P0
    assert (ticket.level, ticket.lane, ticket.quota_source) == ("P3", "normal", "")
    assert not LedgerEntry.objects.filter(customer=standard).exists()
    created = ticket.events.get(kind=TicketEvent.Kind.CREATED)
    assert "capped at P3, the level asked for" in created.reason


def test_the_level_asked_for_caps_the_score_and_spends_one_credit(gold):
    ticket = make_request(customer=gold, requested_level="P2", **URGENT)
    assert (ticket.level, ticket.initial_level, ticket.lane) == ("P2", "P2", "urgent")
    assert ticket.quota_source == Source.INCLUDED
    assert included(gold) == 4
    assert LedgerEntry.objects.filter(customer=gold, kind=LedgerEntry.Kind.CONSUME).count() == 1


def test_the_tier_caps_below_the_level_asked_for():
    silver = make_customer(tier="SILVER")
    reset_quotas(now=MONDAY_10)
    ticket = make_request(customer=silver, requested_level="P1", **URGENT)
    assert ticket.level == "P1"
    assert ticket.quota_source == Source.INCLUDED


def test_an_urgent_ask_that_scores_p3_spends_nothing_and_counts_as_false_urgent(gold):
    ticket = make_request(customer=gold, requested_level="P1", **CALM)
    assert (ticket.level, ticket.lane, ticket.quota_source) == ("P3", "normal", "")
    assert included(gold) == 5
    assert not LedgerEntry.objects.filter(
        customer=gold, kind__in=[LedgerEntry.Kind.CONSUME, LedgerEntry.Kind.CHARGE]
    ).exists()
    # What the false-urgent rate counts: asked urgent, came out P3.
    assert (
        Ticket.objects.filter(
            customer=gold, requested_level__in=["P0", "P1", "P2"], level="P3"
        ).count()
        == 1
    )


def test_an_urgent_ask_that_scored_p3_does_not_turn_urgent_unpaid_as_its_window_closes(gold):
    """Nothing was spent at intake, so a re-score keeps it regular even when its score
    becomes urgent; only escalation or an override raises it."""
    ticket = make_request(customer=gold, requested_level="P1", **CALM)
    assert (ticket.level, ticket.quota_source) == ("P3", "")
    # 47 h 50 min on: 0 + 0.2965 + 0.16 + 0 = 0.4565 would be P2 by score.
    rescore_open_tickets(now=MONDAY_10 + dt.timedelta(hours=47, minutes=50))
    ticket.refresh_from_db()
    assert ticket.score >= Decimal("0.3")
    assert (ticket.level, ticket.lane) == ("P3", "normal")
    assert included(gold) == 5


def test_an_urgent_ask_without_credit_is_still_refused_and_writes_nothing():
    standard = make_customer(tier="STANDARD")
    with pytest.raises(NotEligible):
        make_request(customer=standard, requested_level="P1", **URGENT)
    assert (Ticket.objects.count(), LedgerEntry.objects.count()) == (0, 0)


def test_rescoring_keeps_the_cap_of_the_level_asked_for(gold):
    ticket = make_request(
        customer=gold, requested_level="P2", impact_scope=50, time_window_hours=24, difficulty=2
    )
    # 0.15 + 0 + 0.16 + 0.12 = 0.43 -> P2 at intake.
    assert (ticket.score, ticket.level) == (Decimal("0.43"), "P2")
    # 23.5 h later the window is nearly closed: 0.15 + 0.29375 + 0.16 + 0.12 -> P0 by score.
    summary = rescore_open_tickets(now=MONDAY_10 + dt.timedelta(hours=23, minutes=30))
    ticket.refresh_from_db()
    assert ticket.score >= Decimal("0.7")
    assert ticket.level == "P2"
    assert summary.level_changes == 0


def test_escalation_can_still_raise_above_the_cap(gold):
    ticket = make_request(customer=gold, requested_level="P2", **CALM)
    assert ticket.level == "P3"
    for hours in (4, 8):  # Gold's weekday service hours: the interval is 2 service hours
        escalate_waiting_tickets(now=MONDAY_10 + dt.timedelta(hours=hours))
    ticket.refresh_from_db()
    assert ticket.level == "P1"
    # ... and a re-score never lowers it back to the cap.
    rescore_open_tickets(now=MONDAY_10 + dt.timedelta(hours=9))
    ticket.refresh_from_db()
    assert ticket.level == "P1"


def test_rescoring_rechecks_the_level_when_only_the_cap_changed():
    silver = make_customer(tier="SILVER")
    reset_quotas(now=MONDAY_10)
    ticket = make_request(customer=silver, requested_level="P1", **URGENT)
    assert ticket.level == "P1"
    rescore_open_tickets(now=MONDAY_10)
    score = Ticket.objects.get(pk=ticket.pk).score
    # Supervisors lower what Silver may request: the score stays, the level follows.
    Tier.objects.filter(code="SILVER").update(max_requestable_level="P2")
    summary = rescore_open_tickets(now=MONDAY_10)
    ticket.refresh_from_db()
    assert ticket.score == score
    assert (ticket.level, summary.changed, summary.level_changes) == ("P2", 1, 1)
    assert ticket.events.filter(kind=TicketEvent.Kind.LEVEL_CHANGED, new_value="P2").exists()


def on_duty(agent: Agent) -> Agent:
    Shift.objects.bulk_create(
        Shift(agent=agent, weekday=day, starts_at=dt.time(0), ends_at=dt.time(0))
        for day in range(7)
    )
    return agent


GOOD = {
    "title": "Checkout fails",
    "description": "Error 500 at payment",
    "requested_level": "P1",
    **URGENT,
}


@pytest.mark.parametrize(
    "changes",
    [
        {"title": ""},
        {"description": "x" * 10_001},
        {"impact_scope": -1},
        {"impact_scope": "many"},
        {"time_window_hours": 0},
        {"time_window_hours": 721},
        {"difficulty": 6},
        {"requested_level": "P9"},
    ],
)
def test_bad_input_moves_no_quota_and_no_agent_load(gold, changes):
    agent = on_duty(make_agent(lane=Lane.URGENT))
    # The same request, well formed, would take a credit and the agent.
    before = (LedgerEntry.objects.count(), included(gold), agent.open_load)
    with pytest.raises(TicketError):
        submit_request(customer=gold, **{**GOOD, **changes})
    agent.refresh_from_db()
    assert (LedgerEntry.objects.count(), included(gold), agent.open_load) == before
    assert Ticket.objects.count() == 0
    submit_request(customer=gold, **GOOD)
    agent.refresh_from_db()
    assert (included(gold), agent.open_load) == (4, 1)
