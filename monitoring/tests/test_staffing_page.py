import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import make_agent, make_ticket
from staffing.models import Lane, Shift
from tickets.services.lanes import urgent_history

pytestmark = pytest.mark.django_db


def on_duty(agent, start=dt.time(0), end=dt.time(0)):
    Shift.objects.bulk_create(
        Shift(agent=agent, weekday=day, starts_at=start, ends_at=end) for day in range(7)
    )
    return agent


def resolved(created, first_response_minutes, handle_minutes, lane=Lane.URGENT):
    first = created + dt.timedelta(minutes=first_response_minutes)
    return make_ticket(
        created_at=created,
        first_response_at=first,
        resolved_at=first + dt.timedelta(minutes=handle_minutes),
        status="resolved",
        lane=lane,
    )


def test_urgent_history_measures_arrivals_and_handling_time():
    now = timezone.now()
    resolved(now - dt.timedelta(days=1), 10, 30)
    resolved(now - dt.timedelta(days=2), 5, 90)
    make_ticket(created_at=now - dt.timedelta(hours=3), lane=Lane.URGENT)  # still open
    resolved(now - dt.timedelta(days=3), 5, 500, lane=Lane.NORMAL)  # other lane
    resolved(now - dt.timedelta(days=40), 5, 500)  # too old
    history = urgent_history(now=now, days=28)
    assert (history.arrivals, history.handled) == (3, 2)
    assert history.arrivals_per_hour == pytest.approx(3 / (28 * 24))
    assert history.mean_handle_minutes == pytest.approx(60)


def test_urgent_history_without_data_has_no_handling_time():
    history = urgent_history(now=timezone.now())
    assert (history.arrivals, history.arrivals_per_hour, history.mean_handle_minutes) == (
        0,
        0,
        None,
    )


def test_supervisor_sees_lanes_coverage_and_the_planner(client, supervisor_user):
    on_duty(make_agent(lane=Lane.URGENT), start=dt.time(8), end=dt.time(20))
    for _ in range(3):
        on_duty(make_agent(lane=Lane.NORMAL))
    now = timezone.now()
    for day in range(1, 8):
        resolved(now - dt.timedelta(days=day), 5, 45)
    client.force_login(supervisor_user)
    page = client.get("/staffing/").content.decode()
    assert 'id="coverage-gaps"' in page  # 20:00-08:00 has nobody urgent
    assert 'id="plan-agents"' in page
    assert "Measured over the last 28 days: 7 urgent requests" in page


def test_bad_planner_targets_show_field_errors(client, supervisor_user):
    resolved(timezone.now() - dt.timedelta(days=1), 5, 45)
    client.force_login(supervisor_user)
    response = client.get(
        "/staffing/",
        {"target_level": "2", "target_minutes": "-1", "shrinkage": "0", "max_occupancy": "0.85"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"target_level", "target_minutes"}


@pytest.mark.parametrize("role", ["agent", "customer"])
def test_only_supervisors_open_the_staffing_page(client, agent, customer_a_user, role):
    client.force_login(agent.user if role == "agent" else customer_a_user)
    assert client.get("/staffing/").status_code == 403


def test_anonymous_users_are_sent_to_login(client):
    assert client.get("/staffing/").status_code == 302


def test_staffing_page_queries_do_not_grow_with_the_staff(client, supervisor_user):
    client.force_login(supervisor_user)
    on_duty(make_agent(lane=Lane.URGENT))
    client.get("/staffing/")
    with CaptureQueriesContext(connection) as few:
        client.get("/staffing/")
    for _ in range(15):
        on_duty(make_agent(lane=Lane.NORMAL))
    with CaptureQueriesContext(connection) as many:
        client.get("/staffing/")
    assert len(many.captured_queries) == len(few.captured_queries)
