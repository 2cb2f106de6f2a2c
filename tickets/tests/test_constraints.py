"""The database itself refuses rows that break the model's rules."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from conftest import make_customer, make_ticket
from monitoring.models import Thresholds
from quotas.models import Tier
from staffing.models import Agent, ServiceCalendar, ServiceWindow
from tickets.models import Category, PriorityPolicy

pytestmark = pytest.mark.django_db


def rejected(action) -> bool:
    try:
        with transaction.atomic():
            action()
    except IntegrityError:
        return True
    return False


@pytest.mark.parametrize(
    "changes",
    [
        {"difficulty": 0},
        {"difficulty": 6},
        {"time_window_hours": Decimal(0)},
        {"time_window_hours": Decimal(721)},
        {"override_level": "P0"},  # an override without a reason
    ],
)
def test_ticket_constraints(changes):
    assert rejected(lambda: make_ticket(**changes))


def test_ticket_score_must_be_in_unit_range():
    ticket = make_ticket()
    ticket.score = Decimal("1.5")
    assert rejected(ticket.save)


def test_only_merged_tickets_have_a_parent():
    parent = make_ticket()
    assert rejected(lambda: make_ticket(parent=parent))
    assert not rejected(lambda: make_ticket(parent=parent, status="merged"))


def test_reference_is_unique():
    make_ticket(reference="X-1")
    assert rejected(lambda: make_ticket(reference="X-1"))


@pytest.mark.parametrize(
    "changes",
    [
        {"customer_score": Decimal("1.1")},
        {"extra_request_price": Decimal("-1")},
        {"response_commitment_hours": Decimal(0)},
        {"rank": 3},  # Gold's rank
    ],
)
def test_tier_constraints(changes):
    tier = Tier.objects.get(code="SILVER")
    for field, value in changes.items():
        setattr(tier, field, value)
    assert rejected(tier.save)


def test_policy_thresholds_must_descend_in_the_database():
    policy = PriorityPolicy.objects.active()
    policy.pk = None
    policy.version = 99
    policy.threshold_p1 = policy.threshold_p0
    assert rejected(policy.save)


def test_only_one_fallback_category():
    technical = Category.objects.get(code="technical")
    technical.is_fallback = True
    assert rejected(technical.save)


def test_service_window_must_end_after_it_starts():
    import datetime as dt

    calendar = ServiceCalendar.objects.get(code="weekdays-8h")
    window = ServiceWindow(calendar=calendar, weekday=0, starts_at=dt.time(10), ends_at=dt.time(9))
    assert rejected(window.save)
    window.ends_at = dt.time(0, 0)  # midnight: end of day
    assert not rejected(window.save)


def test_agent_max_load_must_be_positive(agent):
    agent.max_load = 0
    assert rejected(agent.save)
    assert Agent.objects.get(pk=agent.pk).max_load == 5


def test_thresholds_are_a_single_ordered_row():
    assert rejected(lambda: Thresholds.objects.create(singleton=False))
    thresholds = Thresholds.objects.get()
    thresholds.backlog_red_multiple = Decimal(1)
    assert rejected(thresholds.save)


def test_customer_names_are_unique():
    make_customer(name="Same")
    assert rejected(lambda: make_customer(name="Same"))


def test_defaults_from_migrations_match_the_spec():
    tiers = {
        t.code: (
            str(t.customer_score),
            t.monthly_urgent_quota,
            int(t.extra_request_price),
            int(t.response_commitment_hours),
            t.calendar.code,
            t.max_requestable_level,
        )
        for t in Tier.objects.select_related("calendar")
    }
    assert tiers == {
        "PLATINUM": ("1.000", None, 0, 2, "24x7", "P0"),
        "GOLD": ("0.800", 5, 300, 4, "weekdays-16h", "P0"),
        "SILVER": ("0.600", 2, 500, 8, "weekdays-8h", "P1"),
        "STANDARD": ("0.500", 0, 800, 24, "business-hours", "P1"),
    }
    assert [c.checklist_templates.count() for c in Category.objects.all()] == [4, 4, 4]
    assert Category.objects.get(is_fallback=True).code == "account"
