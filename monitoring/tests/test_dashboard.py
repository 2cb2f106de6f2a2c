import datetime as dt
import json
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import make_agent, make_customer, make_ticket
from monitoring.models import Alert, Snapshot, Thresholds
from monitoring.services import snapshot_metrics
from monitoring.tests.pages import text_of
from quotas.models import Tier
from staffing import capacity
from staffing.models import Lane, Shift
from tickets.models import Category
from tickets.services.lanes import urgent_history

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 12, 15, 10, 30, tzinfo=dt.UTC)  # 18:30 in Shanghai


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def card(page: str, element_id: str) -> str:
    """The HTML of a light's card, up to the next card."""
    start = page.index(f'id="{element_id}"')
    return page[start : page.index('<div class="col-6', start)]


def states(html: str) -> list[str]:
    return re.findall(r'data-state="(\w+)"', html)


def open_alert(kind="backlog"):
    return Alert.objects.create(
        kind=kind,
        severity="warning",
        message="5 waiting",
        value=5,
        threshold=2,
        opened_at=timezone.now(),
    )


def on_duty(agent):
    Shift.objects.bulk_create(
        Shift(agent=agent, weekday=d, starts_at=dt.time(0), ends_at=dt.time(0)) for d in range(7)
    )
    return agent


@pytest.fixture
def desk():
    """One urgent agent on shift (R = 1), three urgent requests waiting, GOLD answered
    after 9 h in the last hour, and four weeks of resolved urgent requests."""
    on_duty(make_agent(lane=Lane.URGENT, max_load=4, open_load=1))
    platinum, gold = make_customer(tier="PLATINUM"), make_customer(tier="GOLD")
    for _ in range(3):
        make_ticket(
            customer=platinum,
            level="P0",
            lane=Lane.URGENT,
            status="queued",
            created_at=NOW - dt.timedelta(minutes=10),
        )
    answered = NOW - dt.timedelta(minutes=30)
    make_ticket(
        customer=gold,
        initial_level="P1",
        status="in_progress",
        created_at=answered - dt.timedelta(hours=9),
        first_response_at=answered,
    )
    for day in range(1, 8):
        created = NOW - dt.timedelta(days=day)
        make_ticket(
            customer=gold,
            initial_level="P1",
            lane=Lane.URGENT,
            status="resolved",
            created_at=created,
            first_response_at=created + dt.timedelta(minutes=5),
            resolved_at=created + dt.timedelta(minutes=50),
        )


def test_dashboard_shows_lights_kpis_alerts_and_trends(client, supervisor_user, desk):
    for hours in (3, 2, 1):
        snapshot_metrics(now=NOW - dt.timedelta(hours=hours))
    latest = snapshot_metrics(now=NOW - dt.timedelta(minutes=2)).snapshot
    client.force_login(supervisor_user)
    page = client.get("/monitoring/").content.decode()

    assert states(card(page, "light-backlog")) == ["yellow"]  # 3 >= 2 x 1, < 4 x 1
    assert "1 urgent agents on shift: yellow from 2×, red from 4×" in page
    response_lights = re.findall(r'data-tier="(\w+)">.*?data-state="(\w+)"', page)
    assert dict(response_lights) == {
        "PLATINUM": "none",
        "GOLD": "severe",
        "SILVER": "none",
        "STANDARD": "none",
    }
    assert "GOLD (4 h)" in text_of(page, "response-lights")
    assert states(card(page, "light-utilisation")) == ["normal"]  # 1 / 4
    assert text_of(page, "light-utilisation").startswith("Urgent lane utilisation 25%")
    assert "warning from 85%" in text_of(page, "light-utilisation")
    assert states(card(page, "light-error-rate")) == ["none"]  # nothing resolved this hour
    assert states(card(page, "light-breaches")) == ["normal"]

    # Today, from 00:00 in Shanghai (16:00 UTC): the three waiting and GOLD's, created at
    # 01:00; the request resolved yesterday at 18:30 is not today's.
    assert text_of(page, "kpi-urgent-share") == "Urgent share 100% 4 / 4"
    assert text_of(page, "kpi-first-response") == "First response (mean / p90, min) 540 / 540"
    assert text_of(page, "kpi-resolution") == "Resolution (mean, min) no data"
    assert text_of(page, "kpi-heading") == "Today: all requests"

    assert re.search(r'data-kind="backlog"', page)
    assert re.search(r'data-kind="response_time"', page)
    assert page.count("<polyline") == 2  # backlog and utilisation; no mean response yet

    history = urgent_history(now=latest.taken_at)
    plan = capacity.erlang_c_plan(
        arrivals_per_hour=history.arrivals_per_hour, handle_minutes=history.mean_handle_minutes
    )
    assert text_of(page, "recommendation") == (
        f"Erlang C recommends {plan.agents} urgent agents on the queue "
        f"({plan.scheduled_agents} scheduled) for 90% answered within 120 minutes at the "
        "measured demand."
    )
    computed = timezone.localtime(latest.taken_at).strftime("%m-%d %H:%M")
    assert text_of(page, "recommendation-detail") == (
        f"Urgent lane today: 1. Computed at {computed}."
    )
    links = re.findall(r'href="(/monitoring/review/[^"]+)"', page)
    assert links == ["/monitoring/review/2026-12/", "/monitoring/review/2026-11/"]


def test_dashboard_threshold_text_and_lights_follow_the_thresholds_row(
    client, supervisor_user, desk
):
    Thresholds.objects.update(
        backlog_yellow_multiple="3.5",
        backlog_red_multiple=5,
        utilisation_warning="0.25",
        response_severe_multiple=3,
    )
    client.force_login(supervisor_user)
    page = client.get("/monitoring/").content.decode()
    assert "yellow from 3.5×, red from 5×" in page
    assert "warning above 1×, severe from 3× the tier's commitment" in page
    assert states(card(page, "light-backlog")) == ["green"]  # 3 < 3.5
    assert states(card(page, "light-utilisation")) == ["warning"]  # 0.25 >= 0.25
    assert "GOLD (4 h) warning" in text_of(page, "response-lights")  # 9 h < 3 x 4 h


def test_filters_by_window_tier_and_category(client, supervisor_user):
    gold, standard = make_customer(tier="GOLD"), make_customer(tier="STANDARD")
    technical, billing = (
        Category.objects.get(code="technical"),
        Category.objects.get(code="billing"),
    )
    for customer, category, age in [
        (gold, technical, dt.timedelta(minutes=30)),
        (gold, billing, dt.timedelta(hours=2)),
        (gold, technical, dt.timedelta(days=3)),
        (standard, technical, dt.timedelta(minutes=90)),
    ]:
        make_ticket(customer=customer, category=category, initial_level="P1", created_at=NOW - age)
    gold_pk = Tier.objects.get(code="GOLD").pk
    client.force_login(supervisor_user)

    def created(**choice) -> int:
        return client.get("/monitoring/", choice).context["data"].metrics["created"]

    assert created(window="today", tier=gold_pk, category=technical.pk) == 1
    assert created(window="7d", tier=gold_pk, category=technical.pk) == 2
    assert created(window="today", tier=gold_pk) == 2
    assert created(window="today", category=technical.pk) == 2
    assert created(window="today") == 3
    assert created(window="hour") == 1
    page = client.get("/monitoring/", {"window": "7d", "category": billing.pk}).content.decode()
    assert text_of(page, "kpi-heading") == "7 days: requests matching the filter"
    # The whole-desk cards ignore the filter: the four waiting requests are all counted.
    assert text_of(page, "light-backlog").startswith("Urgent backlog 4")
    assert "do not change them" in text_of(page, "desk-note")


def test_filter_by_lane(client, supervisor_user):
    gold, earlier = make_customer(tier="GOLD"), NOW - dt.timedelta(minutes=5)
    make_ticket(customer=gold, initial_level="P1", lane=Lane.URGENT, created_at=earlier)
    answered = NOW - dt.timedelta(minutes=40)
    make_ticket(
        customer=gold,
        initial_level="P1",
        level="P3",
        lane=Lane.NORMAL,
        created_at=answered - dt.timedelta(minutes=20),
        first_response_at=answered,
    )
    make_ticket(customer=gold, initial_level="P3", lane=Lane.NORMAL, created_at=earlier)
    client.force_login(supervisor_user)
    metrics = (
        client.get("/monitoring/", {"window": "today", "lane": "normal"}).context["data"].metrics
    )
    assert (metrics["created"], metrics["urgent"], metrics["overflow_rate"]) == (2, 1, 1.0)
    assert metrics["urgent_share"] == 0.5
    assert metrics["first_response_mean_min"] == pytest.approx(20)


def test_an_empty_desk_shows_no_data(client, supervisor_user):
    client.force_login(supervisor_user)
    page = client.get("/monitoring/").content.decode()
    for card_id in ("kpi-urgent-share", "kpi-resolution", "kpi-first-contact", "kpi-error-rate"):
        assert "no data" in text_of(page, card_id), card_id
    assert text_of(page, "kpi-csat").endswith("no data / no data")
    assert states(card(page, "light-utilisation")) == ["none"]  # nobody on shift
    assert states(card(page, "light-error-rate")) == ["none"]
    assert page.count("no data yet") == 3  # no snapshot: no trend
    assert text_of(page, "recommendation").startswith("No recommendation yet")
    assert "No open alerts." in page


def test_supervisor_acknowledges_an_alert(client, supervisor_user):
    alert = open_alert()
    client.force_login(supervisor_user)
    assert client.get(f"/monitoring/alerts/{alert.pk}/acknowledge/").status_code == 405
    client.post(f"/monitoring/alerts/{alert.pk}/acknowledge/")
    alert.refresh_from_db()
    assert (alert.acknowledged_by, alert.acknowledged_at) == (supervisor_user, NOW)


@pytest.mark.parametrize("role", ["agent", "customer"])
def test_only_supervisors_see_monitoring(client, agent, customer_a_user, role):
    alert = open_alert()
    client.force_login(agent.user if role == "agent" else customer_a_user)
    assert client.get("/monitoring/").status_code == 403
    assert client.post(f"/monitoring/alerts/{alert.pk}/acknowledge/").status_code == 403
    assert Alert.objects.get(pk=alert.pk).acknowledged_at is None


@pytest.mark.parametrize("choice", [{}, {"window": "month", "lane": "urgent"}])
def test_dashboard_queries_do_not_grow_with_requests_or_snapshots(client, supervisor_user, choice):
    client.force_login(supervisor_user)
    gold = make_customer(tier="GOLD")
    answered = NOW - dt.timedelta(minutes=1)
    make_ticket(customer=gold, initial_level="P1", created_at=answered, first_response_at=answered)
    snapshot_metrics()
    client.get("/monitoring/", choice)
    with CaptureQueriesContext(connection) as few:
        client.get("/monitoring/", choice)
    on_duty(make_agent(lane=Lane.URGENT))
    for n in range(30):
        created = NOW - dt.timedelta(minutes=n + 1)
        make_ticket(
            customer=gold,
            initial_level="P1",
            created_at=created,
            first_response_at=created,
            resolved_at=created,
            status="resolved",
        )
        Snapshot.objects.create(
            taken_at=NOW - dt.timedelta(minutes=5 * n + 1),
            window_start=NOW,
            metrics={"backlog": n},
        )
    open_alert(kind="error_rate")
    with CaptureQueriesContext(connection) as many:
        client.get("/monitoring/", choice)
    assert len(many.captured_queries) == len(few.captured_queries)
    assert len(many.captured_queries) <= 18


def test_snapshot_command_prints_json_with_the_alert_counts(capsys):
    on_duty(make_agent(lane=Lane.URGENT))
    for _ in range(2):
        make_ticket(customer=make_customer(tier="PLATINUM"), level="P0", lane=Lane.URGENT)
    call_command("snapshot_metrics", "--json")
    summary = json.loads(capsys.readouterr().out)
    assert {"backlog", "urgent_share", "lights", "taken_at", "erlang_c"} <= set(summary)
    assert (summary["backlog"], summary["lights"]["backlog"]) == (2, "yellow")
    assert summary["alerts"] == {"opened": 1, "resolved": 0}
    Alert.objects.update(opened_at=NOW - dt.timedelta(minutes=5))
    from tickets.models import Ticket

    Ticket.objects.update(status="resolved")
    call_command("snapshot_metrics", "--json")
    assert json.loads(capsys.readouterr().out)["alerts"] == {"opened": 0, "resolved": 1}


def test_monthly_review_page_and_csv_per_tier_category_and_lane(client, supervisor_user):
    gold = make_customer(tier="GOLD")
    make_ticket(customer=gold, initial_level="P1", lane=Lane.URGENT, created_at=NOW)
    make_ticket(customer=gold, initial_level="P3", lane=Lane.NORMAL, created_at=NOW)
    client.force_login(supervisor_user)
    page = client.get("/monitoring/review/2026-12/").content.decode()
    assert re.search(r'data-group="lane" data-name="urgent"', page)
    csv_lines = client.get("/monitoring/review/2026-12/", {"format": "csv"}).content.decode()
    lines = csv_lines.strip().splitlines()
    assert lines[0].startswith("period,group,name,created,urgent,urgent_share")
    assert len(lines) == 1 + 1 + 4 + 3 + 2  # overall, four tiers, three categories, two lanes
    assert lines[1].startswith("2026-12,overall,all,2,1,0.5,")
    assert any(line.startswith("2026-12,tier,GOLD,2,1,0.5,") for line in lines)
    assert any(line.startswith("2026-12,lane,urgent,1,1,1.0,") for line in lines)
    assert any(line.startswith("2026-12,lane,normal,1,0,0.0,") for line in lines)


def test_monthly_review_of_an_empty_month_shows_no_data(client, supervisor_user):
    client.force_login(supervisor_user)
    page = client.get("/monitoring/review/2025-01/").content.decode()
    overall = re.search(r'data-group="overall".*?</tr>', page, flags=re.DOTALL).group(0)
    cells = re.findall(r'<td class="text-end">(.*?)</td>', overall)
    # created, urgent and breaches are counts (0); every other column has no data.
    assert cells.count("no data") == 10
    assert cells.count("0") == 3
    # Headings and group names are words, not the CSV's codes.
    assert "First response, p90 (min)" in page
    assert "first_response_p90_min" not in page
    assert "<td>Overall</td><td>All requests</td>" in overall
    assert "<td>Lane</td><td>Urgent lane</td>" in page


def test_monthly_review_rejects_a_bad_month(client, supervisor_user):
    client.force_login(supervisor_user)
    assert client.get("/monitoring/review/2026-13/").status_code == 404


@pytest.mark.parametrize("url", ["/admin/monitoring/alert/", "/admin/monitoring/snapshot/"])
def test_alert_history_and_snapshots_in_admin(admin_client, url):
    open_alert()
    snapshot_metrics()
    assert admin_client.get(url).status_code == 200


def test_snapshot_command_summary_line(capsys):
    call_command("snapshot_metrics")
    line = capsys.readouterr().out
    assert line.startswith("Snapshot at 2026-12-15T10:30:00+00:00: backlog 0 (green)")
    assert "alerts opened 0, resolved 0." in line
