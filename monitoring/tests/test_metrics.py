"""Metrics against hand-computed values, light boundaries, and the alert lifecycle."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from conftest import make_agent, make_customer, make_ticket, make_user
from monitoring.models import Alert, Snapshot, Thresholds
from monitoring.services import (
    backlog_light,
    evaluate_alerts,
    response_light,
    snapshot_metrics,
    ticket_metrics,
    window,
)
from staffing.models import Lane, Shift
from tickets.models import Satisfaction, Ticket

pytestmark = pytest.mark.django_db
NOW = timezone.now().replace(microsecond=0)
START = NOW - dt.timedelta(hours=10)


def minutes(n):
    return dt.timedelta(minutes=n)


@pytest.fixture
def dataset():
    """Six requests created in the window, four of them urgent at intake."""
    gold, standard = make_customer(tier="GOLD"), make_customer(tier="STANDARD")
    created = START + dt.timedelta(hours=1)
    a = make_ticket(
        customer=gold,
        initial_level="P0",
        level="P0",
        created_at=created,
        first_response_at=created + minutes(10),
        resolved_at=created + minutes(70),
        status="resolved",
        agent_reply_count=1,
        requested_level="P0",
    )
    b = make_ticket(
        customer=gold,
        initial_level="P1",
        level="P1",
        created_at=created,
        first_response_at=created + minutes(30),
        resolved_at=created + minutes(130),
        status="resolved",
        agent_reply_count=3,
        reopen_count=1,
        requested_level="P1",
    )
    make_ticket(
        customer=standard,
        initial_level="P2",
        level="P3",
        lane=Lane.NORMAL,
        created_at=created,
        first_response_at=created + minutes(50),
        requested_level="P1",
        status="in_progress",
    )
    make_ticket(
        customer=standard,
        initial_level="P1",
        level="P1",
        created_at=created,
        breached_at=created + minutes(120),
        sla_state="breached",
    )
    make_ticket(
        customer=standard, initial_level="P3", level="P3", lane=Lane.NORMAL, created_at=created
    )
    make_ticket(
        customer=standard, initial_level="P3", level="P3", lane=Lane.NORMAL, created_at=created
    )
    make_ticket(
        customer=gold, initial_level="P0", level="P0", created_at=START - dt.timedelta(days=2)
    )  # outside the window
    Satisfaction.objects.create(ticket=a, score=5, at=created + minutes(80))
    Satisfaction.objects.create(ticket=b, score=2, at=created + minutes(140))
    return a, b


def test_metrics_match_hand_computed_values(dataset):
    metrics = ticket_metrics(START, NOW)
    assert metrics["created"] == 6
    assert metrics["urgent"] == 4
    assert metrics["urgent_share"] == pytest.approx(4 / 6)
    assert metrics["first_response_mean_min"] == pytest.approx(30)  # (10 + 30 + 50) / 3
    assert metrics["first_response_p90_min"] == pytest.approx(50)
    assert metrics["resolution_mean_min"] == pytest.approx(100)  # (70 + 130) / 2
    assert metrics["first_contact_resolution"] == pytest.approx(0.5)  # a yes, b reopened
    assert metrics["error_rate"] == pytest.approx(0.5)
    assert metrics["overflow_rate"] == pytest.approx(0.25)  # one urgent moved to normal
    assert metrics["false_urgent_rate"] == pytest.approx(1 / 3)  # asked urgent: a, b, c
    assert metrics["csat_mean"] == pytest.approx(3.5)
    assert metrics["csat_good_share"] == pytest.approx(0.5)
    assert metrics["breaches"] == 1


def test_metrics_by_tier_filter(dataset):
    metrics = ticket_metrics(START, NOW, scope={"customer__tier__code": "GOLD"})
    assert (metrics["created"], metrics["urgent"], metrics["csat_mean"]) == (2, 2, 3.5)


def test_an_empty_window_has_no_data_not_a_division_by_zero():
    metrics = ticket_metrics(START, NOW)
    for name in (
        "urgent_share",
        "first_response_mean_min",
        "first_response_p90_min",
        "first_contact_resolution",
        "csat_mean",
        "error_rate",
        "overflow_rate",
    ):
        assert metrics[name] is None, name
    assert metrics["created"] == 0


@pytest.mark.parametrize(
    ("backlog", "agents", "light"),
    [
        (0, 0, "green"),
        (1, 0, "red"),
        (7, 4, "green"),
        (8, 4, "yellow"),
        (15, 4, "yellow"),
        (16, 4, "red"),
    ],
)
def test_backlog_light_boundaries(backlog, agents, light):
    assert backlog_light(backlog, agents, Thresholds.objects.get()) == light


@pytest.mark.parametrize(
    ("hours", "light"),
    [
        (None, "none"),
        (3.9, "normal"),
        (4, "normal"),
        (4.1, "warning"),
        (7.9, "warning"),
        (8, "severe"),
    ],
)
def test_response_light_boundaries_for_a_4_hour_commitment(hours, light):
    assert response_light(hours, 4.0, Thresholds.objects.get()) == light


def test_windows_start_where_they_say():
    moment = dt.datetime(2026, 12, 15, 10, 30, tzinfo=dt.UTC)  # 18:30 in Shanghai
    assert window("today", now=moment).start == dt.datetime(2026, 12, 14, 16, 0, tzinfo=dt.UTC)
    assert window("month", now=moment).start == dt.datetime(2026, 11, 30, 16, 0, tzinfo=dt.UTC)
    with pytest.raises(ValueError, match="Unknown window"):
        window("year", now=moment)


def urgent_backlog(count):
    platinum = make_customer(tier="PLATINUM")
    for _ in range(count):
        make_ticket(customer=platinum, level="P0", status="queued", lane=Lane.URGENT)


def on_duty_urgent_agent():
    agent = make_agent(lane=Lane.URGENT)
    Shift.objects.bulk_create(
        Shift(agent=agent, weekday=d, starts_at=dt.time(0), ends_at=dt.time(0)) for d in range(7)
    )
    return agent


def test_alert_lifecycle(django_capture_on_commit_callbacks):
    make_user(role="supervisor", email="boss@desk.example")
    on_duty_urgent_agent()
    urgent_backlog(3)  # 3 >= 2 x 1 agent: yellow
    with django_capture_on_commit_callbacks(execute=True):
        snapshot_metrics()
    alert = Alert.objects.get(kind="backlog")
    assert (alert.severity, alert.resolved_at) == ("warning", None)
    assert [m.to for m in mail.outbox] == [["boss@desk.example"]]
    urgent_backlog(2)  # 5 >= 4: red, same alert, no second e-mail
    with django_capture_on_commit_callbacks(execute=True):
        snapshot_metrics()
    assert Alert.objects.filter(kind="backlog").count() == 1
    assert Alert.objects.get(kind="backlog").severity == "severe"
    assert len(mail.outbox) == 1
    Ticket.objects.update(status="resolved")
    snapshot_metrics()
    assert Alert.objects.get(kind="backlog").resolved_at is not None
    urgent_backlog(4)
    with django_capture_on_commit_callbacks(execute=True):
        snapshot_metrics()
    assert Alert.objects.filter(kind="backlog").count() == 2  # reopened after recovery
    assert Alert.objects.filter(kind="backlog", resolved_at__isnull=True).count() == 1
    assert len(mail.outbox) == 2
    assert Snapshot.objects.count() == 4


def test_response_time_alerts_are_per_tier():
    gold = make_customer(tier="GOLD")  # 4 h commitment
    created = NOW - dt.timedelta(minutes=50) - dt.timedelta(hours=9)
    make_ticket(
        customer=gold,
        initial_level="P1",
        created_at=created,
        first_response_at=NOW - dt.timedelta(minutes=30),
    )
    metrics = {
        "backlog": 0,
        "urgent_agents": 1,
        "utilisation": None,
        "error_rate": None,
        "response_by_tier": {"GOLD": 9.3, "SILVER": None, "STANDARD": None, "PLATINUM": 1.0},
    }
    from monitoring.services import lights

    thresholds = Thresholds.objects.get()
    metrics["lights"] = lights(metrics, thresholds)
    evaluate_alerts(metrics, thresholds=thresholds, now=NOW)
    alert = Alert.objects.get(kind="response_time")
    assert (alert.scope, alert.severity) == ("tier:GOLD", "severe")


def test_thresholds_are_validated_in_the_database():
    from django.db import IntegrityError, transaction

    thresholds = Thresholds.objects.get()
    thresholds.utilisation_warning = Decimal("1.5")
    with pytest.raises(IntegrityError), transaction.atomic():
        thresholds.save()
