import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import make_customer, make_ticket
from monitoring.models import Alert, Snapshot
from monitoring.services import snapshot_metrics
from staffing.models import Lane

pytestmark = pytest.mark.django_db


def open_alert():
    return Alert.objects.create(
        kind="backlog",
        severity="warning",
        message="5 waiting",
        value=5,
        threshold=2,
        opened_at=timezone.now(),
    )


def test_dashboard_shows_lights_kpis_alerts_and_trends(client, supervisor_user):
    make_ticket(customer=make_customer(tier="PLATINUM"), level="P0", lane=Lane.URGENT)
    for hours in (3, 2, 1):
        snapshot_metrics(now=timezone.now() - dt.timedelta(hours=hours))
    client.force_login(supervisor_user)
    page = client.get("/monitoring/").content.decode()
    assert 'id="lights"' in page
    assert page.count("<polyline") == 1  # the backlog; no responses nor agents yet
    assert page.count("no data yet") == 2
    assert 'data-kind="backlog"' in page  # 1 waiting, nobody on shift: red


def test_filters_by_window_tier_and_category(client, supervisor_user):
    gold = make_customer(tier="GOLD")
    make_ticket(customer=gold, initial_level="P1")
    make_ticket(customer=make_customer(tier="STANDARD"), initial_level="P1")
    client.force_login(supervisor_user)
    from quotas.models import Tier

    response = client.get(
        "/monitoring/", {"window": "today", "tier": Tier.objects.get(code="GOLD").pk}
    )
    assert response.context["metrics"]["created"] == 1
    assert client.get("/monitoring/", {"window": "7d"}).context["metrics"]["created"] == 2


def test_supervisor_acknowledges_an_alert(client, supervisor_user):
    alert = open_alert()
    client.force_login(supervisor_user)
    assert client.get(f"/monitoring/alerts/{alert.pk}/acknowledge/").status_code == 405
    client.post(f"/monitoring/alerts/{alert.pk}/acknowledge/")
    alert.refresh_from_db()
    assert (alert.acknowledged_by, alert.acknowledged_at is not None) == (supervisor_user, True)


@pytest.mark.parametrize("role", ["agent", "customer"])
def test_only_supervisors_see_monitoring(client, agent, customer_a_user, role):
    alert = open_alert()
    client.force_login(agent.user if role == "agent" else customer_a_user)
    assert client.get("/monitoring/").status_code == 403
    assert client.post(f"/monitoring/alerts/{alert.pk}/acknowledge/").status_code == 403
    assert Alert.objects.get(pk=alert.pk).acknowledged_at is None


def test_dashboard_queries_do_not_grow_with_requests_or_snapshots(client, supervisor_user):
    client.force_login(supervisor_user)
    gold = make_customer(tier="GOLD")
    make_ticket(customer=gold, initial_level="P1")
    snapshot_metrics()
    client.get("/monitoring/")
    with CaptureQueriesContext(connection) as few:
        client.get("/monitoring/")
    for n in range(30):
        make_ticket(customer=gold, initial_level="P1")
        Snapshot.objects.create(
            taken_at=timezone.now() - dt.timedelta(minutes=5 * n + 1),
            window_start=timezone.now(),
            metrics={"backlog": n},
        )
    with CaptureQueriesContext(connection) as many:
        client.get("/monitoring/")
    assert len(many.captured_queries) == len(few.captured_queries)


def test_snapshot_command_prints_json(capsys):
    import json

    from django.core.management import call_command

    call_command("snapshot_metrics", "--json")
    summary = json.loads(capsys.readouterr().out)
    assert {"backlog", "urgent_share", "lights", "taken_at"} <= set(summary)


def test_monthly_review_page_and_csv(client, supervisor_user):
    now = timezone.now()
    make_ticket(customer=make_customer(tier="GOLD"), initial_level="P1", created_at=now)
    client.force_login(supervisor_user)
    period = timezone.localtime(now).strftime("%Y-%m")
    page = client.get(f"/monitoring/review/{period}/").content.decode()
    assert 'id="review"' in page
    csv_lines = client.get(f"/monitoring/review/{period}/", {"format": "csv"}).content.decode()
    lines = csv_lines.strip().splitlines()
    assert lines[0].startswith("period,group,name,created,urgent")
    assert len(lines) == 1 + 1 + 4 + 3  # overall, four tiers, three categories
    assert lines[1].startswith(f"{period},overall,all,1,1,1.0")
    assert any(line.startswith(f"{period},tier,GOLD,1,1") for line in lines)


def test_monthly_review_rejects_a_bad_month(client, supervisor_user):
    client.force_login(supervisor_user)
    assert client.get("/monitoring/review/2026-13/").status_code == 404


def test_filter_by_lane(client, supervisor_user):
    gold = make_customer(tier="GOLD")
    make_ticket(customer=gold, initial_level="P1", lane=Lane.URGENT)
    make_ticket(customer=gold, initial_level="P3", lane=Lane.NORMAL)
    client.force_login(supervisor_user)
    response = client.get("/monitoring/", {"window": "today", "lane": "normal"})
    assert response.context["metrics"]["created"] == 1


@pytest.mark.parametrize("url", ["/admin/monitoring/alert/", "/admin/monitoring/snapshot/"])
def test_alert_history_and_snapshots_in_admin(admin_client, url):
    open_alert()
    snapshot_metrics()
    assert admin_client.get(url).status_code == 200
