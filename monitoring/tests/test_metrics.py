"""Metrics against hand-computed values, light boundaries, and the alert lifecycle."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail

from conftest import make_agent, make_customer, make_ticket, make_user
from monitoring.models import Alert, Snapshot, Thresholds
from monitoring.services import (
    backlog_light,
    response_by_tier,
    response_light,
    snapshot_metrics,
    ticket_metrics,
    window,
)
from staffing.models import Lane, Shift
from tickets.models import Category, Satisfaction, Ticket, TicketEvent
from tickets.services import workflow

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 12, 15, 10, 30, tzinfo=dt.UTC)  # 18:30 in Shanghai
START = NOW - dt.timedelta(hours=10)


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


def minutes(n):
    return dt.timedelta(minutes=n)


def category(code):
    return Category.objects.get(code=code)


@pytest.fixture
def dataset():
    """Seven requests created in the window, five of them urgent at intake."""
    gold, standard = make_customer(tier="GOLD"), make_customer(tier="STANDARD")
    created = START + dt.timedelta(hours=1)
    a = make_ticket(
        customer=gold,
        initial_level="P0",
        level="P0",
        created_at=created,
        first_response_at=created + minutes(10),
        resolved_at=created + minutes(70),
        status="closed",
        agent_reply_count=1,
        requested_level="P0",
    )
    # Closing a resolved request is not a reopen.
    TicketEvent.objects.create(
        ticket=a, kind="status", old_value="resolved", new_value="closed", at=created + minutes(75)
    )
    b = make_ticket(
        customer=gold,
        category=category("billing"),
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
    TicketEvent.objects.create(
        ticket=b,
        kind="status",
        old_value="resolved",
        new_value="in_progress",
        at=created + minutes(100),
    )
    c = make_ticket(  # urgent at intake, moved to the normal lane, flagged
        customer=standard,
        category=category("account"),
        initial_level="P2",
        level="P3",
        lane=Lane.NORMAL,
        created_at=created,
        first_response_at=created + minutes(50),
        error_flagged_at=created + minutes(60),
        requested_level="P1",
        status="in_progress",
    )
    TicketEvent.objects.create(ticket=c, kind="error", at=created + minutes(60))
    make_ticket(  # d: breached
        customer=standard,
        initial_level="P1",
        level="P1",
        created_at=created,
        breached_at=created + minutes(120),
        sla_state="breached",
    )
    for _ in range(2):  # e, f: regular requests
        make_ticket(
            customer=standard, initial_level="P3", level="P3", lane=Lane.NORMAL, created_at=created
        )
    make_ticket(  # h: answered and resolved at once
        customer=standard,
        initial_level="P1",
        level="P1",
        created_at=created,
        first_response_at=created + minutes(20),
        resolved_at=created + minutes(40),
        status="resolved",
        agent_reply_count=1,
        requested_level="P1",
    )
    make_ticket(  # outside the window
        customer=gold, initial_level="P0", level="P0", created_at=START - dt.timedelta(days=2)
    )
    Satisfaction.objects.create(ticket=a, score=5, at=created + minutes(80))
    Satisfaction.objects.create(ticket=b, score=2, at=created + minutes(140))
    return a, b


def test_metrics_match_hand_computed_values(dataset):
    metrics = ticket_metrics(start=START, end=NOW)
    assert metrics["created"] == 7
    assert metrics["urgent"] == 5  # a, b, c, d, h
    assert metrics["urgent_share"] == pytest.approx(5 / 7)
    assert metrics["first_response_mean_min"] == pytest.approx(27.5)  # (10 + 30 + 50 + 20) / 4
    assert metrics["first_response_p90_min"] == pytest.approx(50)
    assert metrics["resolution_mean_min"] == pytest.approx(80)  # (70 + 130 + 40) / 3
    assert metrics["resolved"] == 3
    assert metrics["first_contact_resolution"] == pytest.approx(2 / 3)  # a and h; b reopened
    assert metrics["error_rate"] == pytest.approx(2 / 3)  # b reopened, c flagged
    assert metrics["overflow_rate"] == pytest.approx(1 / 5)  # c moved to normal
    assert metrics["false_urgent_rate"] == pytest.approx(1 / 4)  # asked: a, b, c, h; c is P3
    assert metrics["csat_mean"] == pytest.approx(3.5)
    assert metrics["csat_good_share"] == pytest.approx(0.5)
    assert metrics["breaches"] == 1


def test_metrics_per_tier(dataset):
    metrics = ticket_metrics(start=START, end=NOW, scope={"customer__tier__code": "GOLD"})
    assert (metrics["created"], metrics["urgent"], metrics["csat_mean"]) == (2, 2, 3.5)
    assert (metrics["error_rate"], metrics["first_response_mean_min"]) == (0.5, 20)


def test_metrics_per_category(dataset):
    metrics = ticket_metrics(start=START, end=NOW, scope={"category__code": "billing"})
    assert (metrics["created"], metrics["resolved"], metrics["error_rate"]) == (1, 1, 1.0)
    assert (metrics["csat_mean"], metrics["resolution_mean_min"]) == (2, 130)


def test_metrics_per_lane(dataset):
    metrics = ticket_metrics(start=START, end=NOW, scope={"lane": Lane.NORMAL})
    assert (metrics["created"], metrics["urgent"], metrics["overflow_rate"]) == (3, 1, 1.0)
    assert metrics["first_response_mean_min"] == pytest.approx(50)
    assert (metrics["resolved"], metrics["error_rate"], metrics["breaches"]) == (0, None, 0)


def test_an_empty_window_has_no_data_not_a_division_by_zero():
    metrics = ticket_metrics(start=START, end=NOW)
    counts = {"created", "urgent", "breaches", "resolved"}
    assert {name: metrics[name] for name in counts} == dict.fromkeys(counts, 0)
    ratios = set(metrics) - counts
    assert ratios == {
        "urgent_share",
        "first_response_mean_min",
        "first_response_p90_min",
        "resolution_mean_min",
        "first_contact_resolution",
        "csat_mean",
        "csat_good_share",
        "overflow_rate",
        "error_rate",
        "false_urgent_rate",
    }
    assert {name: metrics[name] for name in ratios} == dict.fromkeys(ratios, None)


def test_p90_is_the_nearest_rank_not_the_maximum():
    created = NOW - dt.timedelta(hours=5)
    for wait in range(1, 21):  # 1 to 20 minutes
        make_ticket(
            initial_level="P1", created_at=created, first_response_at=created + minutes(wait)
        )
    metrics = ticket_metrics(start=START, end=NOW)
    assert metrics["first_response_p90_min"] == pytest.approx(18)  # 18th of 20
    assert metrics["first_response_mean_min"] == pytest.approx(10.5)


def test_a_reopen_or_a_flag_counts_as_an_error_when_it_happens(frozen):
    """A request resolved days ago (outside the window) is reopened now, another flagged:
    the error rate rises at once, from the events the workflow services write."""
    supervisor = make_user(role="supervisor")
    old = NOW - dt.timedelta(days=3)
    reopened = make_ticket(
        initial_level="P1",
        created_at=old,
        first_response_at=old + minutes(5),
        resolved_at=NOW - dt.timedelta(days=1),
        status="resolved",
    )
    just_now = NOW - minutes(50)
    make_ticket(  # resolved in the window, without error
        initial_level="P1",
        created_at=just_now,
        first_response_at=just_now,
        resolved_at=just_now,
        status="resolved",
    )
    closed = make_ticket(initial_level="P1", created_at=old, resolved_at=old, status="resolved")
    earlier = NOW - minutes(90)
    make_ticket(  # resolved in the hour before, without error
        initial_level="P1",
        created_at=earlier,
        first_response_at=earlier,
        resolved_at=earlier,
        status="resolved",
    )
    flagged = make_ticket(initial_level="P2", created_at=old, status="in_progress")
    frozen.move_to(NOW - minutes(30), tick=False)
    workflow.reopen(ticket=reopened, actor=supervisor)
    workflow.close(ticket=closed, actor=supervisor)
    workflow.flag_error(ticket=flagged, actor=supervisor, reason="Wrong answer")
    frozen.move_to(NOW, tick=False)
    hour = ticket_metrics(start=NOW - dt.timedelta(hours=1), end=NOW)
    assert (hour["resolved"], hour["error_rate"]) == (1, 2.0)  # errors can outrun resolutions
    before = ticket_metrics(start=NOW - dt.timedelta(hours=2), end=NOW - dt.timedelta(hours=1))
    assert (before["resolved"], before["error_rate"]) == (1, 0.0)


def test_response_by_tier_in_hours_and_a_zero_mean_is_data():
    platinum, gold = make_customer(tier="PLATINUM"), make_customer(tier="GOLD")
    answered = NOW - minutes(20)
    make_ticket(
        customer=platinum, initial_level="P0", created_at=answered, first_response_at=answered
    )
    make_ticket(
        customer=gold,
        initial_level="P1",
        created_at=answered - dt.timedelta(hours=3),
        first_response_at=answered,
    )
    hours = response_by_tier(start=NOW - dt.timedelta(hours=1), end=NOW)
    assert hours == {"PLATINUM": 0.0, "GOLD": pytest.approx(3), "SILVER": None, "STANDARD": None}


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
    thresholds = Thresholds.objects.get()
    assert backlog_light(backlog=backlog, urgent_agents=agents, thresholds=thresholds) == light


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
    thresholds = Thresholds.objects.get()
    assert response_light(mean_hours=hours, commitment_hours=4.0, thresholds=thresholds) == light


def test_windows_start_where_they_say():
    assert window("today", now=NOW).start == dt.datetime(2026, 12, 14, 16, 0, tzinfo=dt.UTC)
    assert window("month", now=NOW).start == dt.datetime(2026, 11, 30, 16, 0, tzinfo=dt.UTC)
    assert window("hour", now=NOW).start == NOW - dt.timedelta(hours=1)
    with pytest.raises(ValueError, match="Unknown window"):
        window("year", now=NOW)


def urgent_backlog(count):
    platinum = make_customer(tier="PLATINUM")
    for _ in range(count):
        make_ticket(customer=platinum, level="P0", status="queued", lane=Lane.URGENT)


def on_duty_urgent_agent(**kwargs):
    agent = make_agent(lane=Lane.URGENT, **kwargs)
    Shift.objects.bulk_create(
        Shift(agent=agent, weekday=d, starts_at=dt.time(0), ends_at=dt.time(0)) for d in range(7)
    )
    return agent


def test_alert_lifecycle(django_capture_on_commit_callbacks):
    make_user(role="supervisor", email="boss@desk.example")
    on_duty_urgent_agent()
    urgent_backlog(3)  # 3 >= 2 x 1 agent: yellow
    with django_capture_on_commit_callbacks(execute=True):
        run = snapshot_metrics(now=NOW)
    assert run.alerts == {"opened": 1, "resolved": 0}
    alert = Alert.objects.get(kind="backlog")
    assert (alert.severity, alert.resolved_at, alert.value, alert.threshold) == (
        "warning",
        None,
        3,
        2,
    )
    assert [m.to for m in mail.outbox] == [["boss@desk.example"]]
    urgent_backlog(2)  # 5 >= 4: red, same alert, no second e-mail
    with django_capture_on_commit_callbacks(execute=True):
        snapshot_metrics(now=NOW + minutes(5))
    assert Alert.objects.filter(kind="backlog").count() == 1
    red = Alert.objects.get(kind="backlog")
    assert (red.severity, red.value, red.threshold) == ("severe", 5, 4)  # red's threshold
    assert len(mail.outbox) == 1
    Ticket.objects.update(status="resolved")
    run = snapshot_metrics(now=NOW + minutes(10))
    assert run.alerts == {"opened": 0, "resolved": 1}
    assert Alert.objects.get(kind="backlog").resolved_at == NOW + minutes(10)
    urgent_backlog(4)
    with django_capture_on_commit_callbacks(execute=True):
        snapshot_metrics(now=NOW + minutes(15))
    assert Alert.objects.filter(kind="backlog").count() == 2  # reopened after recovery
    assert Alert.objects.filter(kind="backlog", resolved_at__isnull=True).count() == 1
    assert len(mail.outbox) == 2
    assert Snapshot.objects.count() == 4


def test_response_time_alerts_are_per_tier_in_hours():
    """Through the snapshot job on real requests: GOLD (4 h commitment) answered after
    9 h is severe; PLATINUM answered at once is normal, not "no data"."""
    answered = NOW - minutes(30)
    make_ticket(
        customer=make_customer(tier="GOLD"),
        initial_level="P1",
        created_at=answered - dt.timedelta(hours=9),
        first_response_at=answered,
    )
    make_ticket(
        customer=make_customer(tier="PLATINUM"),
        initial_level="P0",
        created_at=answered,
        first_response_at=answered,
    )
    metrics = snapshot_metrics(now=NOW).snapshot.metrics
    assert metrics["lights"]["response"] == {
        "PLATINUM": "normal",
        "GOLD": "severe",
        "SILVER": "none",
        "STANDARD": "none",
    }
    alert = Alert.objects.get(kind="response_time")
    assert (alert.scope, alert.severity) == ("tier:GOLD", "severe")
    # In hours: a severe alert records the severe threshold, 2x the 4 h commitment.
    assert (alert.value, alert.threshold) == (pytest.approx(9), 8)


@pytest.mark.parametrize(("open_load", "light"), [(16, "normal"), (17, "warning")])
def test_utilisation_warns_from_085(open_load, light):
    on_duty_urgent_agent(max_load=20, open_load=open_load)  # 16/20 = 0.8, 17/20 = 0.85
    metrics = snapshot_metrics(now=NOW).snapshot.metrics
    assert metrics["lights"]["utilisation"] == light
    alerts = Alert.objects.filter(kind="utilisation", resolved_at__isnull=True)
    assert [(a.severity, a.value, a.threshold) for a in alerts] == (
        [("warning", 0.85, 0.85)] if light == "warning" else []
    )


@pytest.mark.parametrize(("resolved", "light"), [(21, "normal"), (20, "warning")])
def test_error_rate_warns_from_005(resolved, light):
    """One flagged request over 20 resolved is 0.05 exactly; over 21 it is below."""
    done = NOW - minutes(30)
    tickets = [
        make_ticket(initial_level="P1", created_at=done, first_response_at=done, resolved_at=done)
        for _ in range(resolved)
    ]
    TicketEvent.objects.create(ticket=tickets[0], kind="error", at=done)
    metrics = snapshot_metrics(now=NOW).snapshot.metrics
    assert metrics["error_rate"] == pytest.approx(1 / resolved)
    assert metrics["lights"]["error_rate"] == light
    assert Alert.objects.filter(kind="error_rate").exists() is (light == "warning")


def test_breaches_open_and_resolve_an_alert_at_the_admin_threshold():
    Thresholds.objects.update(breaches_warning=2)
    breached = [
        make_ticket(initial_level="P1", breached_at=NOW - minutes(minute)) for minute in (10, 20)
    ]
    Ticket.objects.filter(pk=breached[0].pk).update(breached_at=NOW - dt.timedelta(hours=2))
    run = snapshot_metrics(now=NOW)  # one breach in the last hour: below 2
    assert (run.snapshot.metrics["breaches"], run.snapshot.metrics["lights"]["breaches"]) == (
        1,
        "normal",
    )
    assert not Alert.objects.filter(kind="breaches").exists()
    Ticket.objects.filter(pk=breached[0].pk).update(breached_at=NOW - minutes(5))
    snapshot_metrics(now=NOW + minutes(1))
    alert = Alert.objects.get(kind="breaches")
    assert (alert.severity, alert.value, alert.threshold) == ("warning", 2, 2)
    snapshot_metrics(now=NOW + dt.timedelta(hours=2))  # both out of the window
    assert Alert.objects.get(kind="breaches").resolved_at is not None


def test_thresholds_are_validated_in_the_database():
    from django.db import IntegrityError, transaction

    thresholds = Thresholds.objects.get()
    thresholds.breaches_warning = 0
    with pytest.raises(IntegrityError), transaction.atomic():
        thresholds.save()


ADMIN_URL = "/admin/monitoring/thresholds/{}/change/"
VALID = {
    "backlog_yellow_multiple": "2",
    "backlog_red_multiple": "4",
    "response_warning_multiple": "1",
    "response_severe_multiple": "2",
    "utilisation_warning": "0.85",
    "error_rate_warning": "0.05",
    "breaches_warning": "1",
}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("backlog_red_multiple", "1.5"),  # below yellow
        ("backlog_yellow_multiple", "0"),
        ("response_severe_multiple", "1"),  # not above warning
        ("utilisation_warning", "1.5"),
        ("utilisation_warning", "0"),
        ("error_rate_warning", "2"),
        ("breaches_warning", "0"),
    ],
)
def test_the_thresholds_admin_shows_a_field_error_and_changes_nothing(
    client, supervisor_user, field, value
):
    before = Thresholds.objects.values().get()
    client.force_login(supervisor_user)
    response = client.post(ADMIN_URL.format(before["id"]), {**VALID, field: value})
    assert response.status_code == 200  # the form again, not a redirect
    assert field in response.context["adminform"].form.errors
    assert Thresholds.objects.values().get() == before


def test_the_thresholds_admin_saves_valid_values(client, supervisor_user):
    thresholds = Thresholds.objects.get()
    client.force_login(supervisor_user)
    response = client.post(ADMIN_URL.format(thresholds.pk), {**VALID, "breaches_warning": "3"})
    assert response.status_code == 302
    assert Thresholds.objects.get().breaches_warning == 3
    assert Thresholds.objects.get().utilisation_warning == Decimal("0.85")
