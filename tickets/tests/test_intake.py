"""submit_request: every entry point's intake. Bad input writes nothing."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from conftest import make_customer, make_request
from tickets.models import ChecklistItem, Ticket, TicketEvent
from tickets.services.errors import TicketError
from tickets.services.intake import submit_request

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Monday morning in the project time zone.
MONDAY_10 = datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI)


@time_machine.travel(MONDAY_10, tick=False)
def test_intake_scores_categorises_and_sets_lane_and_clocks():
    platinum = make_customer(tier="PLATINUM")
    ticket = make_request(
        customer=platinum,
        title="系统崩溃无法登录",
        description="影响50个用户",
        impact_scope=50,
        time_window_hours=2,
        difficulty=2,
    )
    assert ticket.reference.startswith("EX-")
    assert len(ticket.reference) == 11
    assert (ticket.score, ticket.level, ticket.lane, ticket.status) == (
        Decimal("0.745"),
        "P0",
        "urgent",
        "queued",
    )
    assert ticket.category.code == "technical"
    assert ticket.policy.version == 1
    assert (ticket.impact_score, ticket.time_score) == (Decimal("0.5"), Decimal("0.916667"))
    # Platinum is 7x24: first response 2 h, P0 handling 1 h, warnings at 75 %.
    assert ticket.first_response_due == MONDAY_10 + timedelta(hours=2)
    assert ticket.first_response_warn_at == MONDAY_10 + timedelta(minutes=90)
    assert ticket.handling_due == MONDAY_10 + timedelta(hours=1)
    assert ticket.handling_warn_at == MONDAY_10 + timedelta(minutes=45)
    assert ticket.next_escalation_at == MONDAY_10 + timedelta(hours=2)
    assert ticket.checklist.count() == 4
    kinds = list(ticket.events.values_list("kind", "new_value"))
    assert kinds == [
        ("created", "P0"),
        ("status", "queued"),  # nobody on shift in this test
        ("acknowledged", "Technical request received"),
    ]
    assert ticket.first_response_at is None  # the acknowledgement is not a response


@time_machine.travel(datetime(2026, 11, 6, 17, 30, tzinfo=SHANGHAI), tick=False)
def test_clocks_count_the_tiers_service_hours():
    standard = make_customer(tier="STANDARD")  # business hours 09-12, 13-18, weekdays
    ticket = make_request(customer=standard, impact_scope=2, time_window_hours=24, difficulty=5)
    assert ticket.level == "P3"
    # Friday 17:30: half an hour today, then Monday from 09:00.
    monday = datetime(2026, 11, 9, tzinfo=SHANGHAI)
    # 24 service hours: 0.5 Fri + 8 Mon + 8 Tue + 7.5 Wed -> Wed 09:00 + 3 h + 1 h lunch + 4.5 h
    assert ticket.first_response_due == monday + timedelta(days=2, hours=17, minutes=30)
    assert ticket.handling_due == ticket.first_response_due  # P3 uses the commitment


def test_level_is_capped_at_the_tiers_highest_requestable_level():
    silver = make_customer(tier="SILVER")  # may request at most P1
    ticket = make_request(customer=silver, impact_scope=100, time_window_hours=1, difficulty=1)
    assert ticket.score >= Decimal("0.7")
    assert ticket.level == "P1"
    created = ticket.events.get(kind=TicketEvent.Kind.CREATED)
    assert "P0 capped at P1 for tier Silver" in created.reason


def test_strategic_partner_scores_as_one():
    partner = make_customer(tier="STANDARD", is_strategic_partner=True)
    ticket = make_request(customer=partner)
    assert ticket.customer_score == Decimal(1)


def test_p3_goes_to_the_normal_lane():
    ticket = make_request(
        customer=make_customer(tier="STANDARD"), impact_scope=0, time_window_hours=48, difficulty=5
    )
    assert (ticket.level, ticket.lane) == ("P3", "normal")


GOOD = {
    "title": "Checkout fails",
    "description": "error 500",
    "impact_scope": 10,
    "time_window_hours": 4,
    "difficulty": 3,
}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": ""}, "title", "title"),
        ({"title": "   "}, "title", "title"),
        ({"title": "x" * 201}, "title", "at most 200"),
        ({"description": ""}, "description", "describe"),
        ({"description": "x" * 10_001}, "description", "at most 10000"),
        ({"impact_scope": -1}, "impact_scope", "0 or more"),
        ({"impact_scope": 2.5}, "impact_scope", "whole number"),
        ({"impact_scope": "many"}, "impact_scope", "whole number"),
        ({"impact_scope": True}, "impact_scope", "whole number"),
        ({"time_window_hours": 0}, "time_window_hours", "more than 0"),
        ({"time_window_hours": -2}, "time_window_hours", "more than 0"),
        ({"time_window_hours": 721}, "time_window_hours", "at most 720"),
        ({"time_window_hours": "0.001"}, "time_window_hours", "more than 0"),
        ({"time_window_hours": "NaN"}, "time_window_hours", "more than 0"),
        ({"time_window_hours": "soon"}, "time_window_hours", "more than 0"),
        ({"difficulty": 0}, "difficulty", "1 to 5"),
        ({"difficulty": 6}, "difficulty", "1 to 5"),
        ({"difficulty": "3.5"}, "difficulty", "1 to 5"),
        ({"requested_level": "P9"}, "requested_level", "P0 to P3"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_writes_nothing(changes, field, message):
    customer = make_customer()
    with pytest.raises(TicketError) as refused:
        submit_request(customer=customer, **{**GOOD, **changes})
    assert refused.value.field == field
    assert message in refused.value.message
    assert (Ticket.objects.count(), TicketEvent.objects.count(), ChecklistItem.objects.count()) == (
        0,
        0,
        0,
    )


def test_inputs_from_text_fields_are_accepted():
    ticket = submit_request(
        customer=make_customer(),
        **{**GOOD, "impact_scope": " 12 ", "time_window_hours": "1.5", "difficulty": "2"},
    )
    assert (ticket.impact_scope, ticket.time_window_hours, ticket.difficulty) == (
        12,
        Decimal("1.5"),
        2,
    )


def test_a_policy_change_applies_to_new_requests_only():
    from tickets.models import PriorityPolicy
    from tickets.services.policy import publish_policy

    before = make_request()
    policy = PriorityPolicy.objects.active()
    policy.weight_impact, policy.weight_difficulty = Decimal("0.5"), Decimal("0")
    publish_policy(policy=policy, user=None)
    after = make_request()
    before.refresh_from_db()
    assert (before.policy.version, after.policy.version) == (1, 2)
    assert before.score != after.score
