import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import make_agent, make_ticket
from monitoring.forms import PlannerForm
from monitoring.models import Thresholds
from monitoring.tests.pages import text_of
from staffing import capacity
from staffing.models import Lane, Shift
from tickets.services.lanes import urgent_history

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 12, 15, 10, 30, tzinfo=dt.UTC)  # Tuesday 18:30 in Shanghai


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


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
    now = NOW
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
    history = urgent_history(now=NOW)
    assert (history.arrivals, history.arrivals_per_hour, history.mean_handle_minutes) == (
        0,
        0,
        None,
    )


def test_supervisor_sees_lanes_coverage_and_the_planner(client, supervisor_user):
    on_duty(make_agent(lane=Lane.URGENT), start=dt.time(8), end=dt.time(20))
    normal = [on_duty(make_agent(lane=Lane.NORMAL)) for _ in range(3)]
    normal[0].borrowed_at = NOW - dt.timedelta(minutes=20)
    normal[0].save()
    for day in range(1, 8):
        for hour in range(0, 24, 3):  # 56 requests, enough load for two agents
            resolved(NOW - dt.timedelta(days=day, hours=hour), 5, 45)
    client.force_login(supervisor_user)
    page = client.get("/staffing/").content.decode()
    assert 'id="coverage-gaps"' in page  # 20:00-08:00 has nobody urgent
    assert "Measured over the last 28 days: 56 urgent requests" in page
    plan = capacity.erlang_c_plan(
        arrivals_per_hour=56 / (28 * 24),
        handle_minutes=45,
        target_level=capacity.DEFAULT_TARGET_LEVEL,
        target_minutes=capacity.DEFAULT_TARGET_MINUTES,
        shrinkage=capacity.DEFAULT_SHRINKAGE,
        max_occupancy=capacity.DEFAULT_MAX_OCCUPANCY,
    )
    assert text_of(page, "plan-agents") == str(plan.agents)
    assert text_of(page, "plan-scheduled") == str(plan.scheduled_agents)
    assert text_of(page, "plan-load") == f"{plan.offered_load:.2f} Erlang"
    assert text_of(page, "plan-handle") == "45.0 min"
    assert text_of(page, "plan-service-level") == f"{round(plan.service_level * 100)} %"
    assert text_of(page, "plan-mean-wait") == f"{plan.mean_wait_minutes:.1f} min"
    # Beside the plan: the urgent lane today, the own agent and the borrowed one.
    assert text_of(page, "plan-urgent-today") == "2"
    assert text_of(page, "urgent-size") == "2"
    borrowed_row = page[page.index(f'data-agent="{normal[0].user.username}"') :]
    assert 'class="badge text-bg-warning borrowed"' in borrowed_row[: borrowed_row.index("</tr>")]
    assert page.count('class="badge text-bg-warning borrowed"') == 1


def test_the_planner_defaults_to_the_desks_utilisation_warning(client, supervisor_user):
    """The capacity module's targets, capped at the utilisation the desk warns at, so a
    lane staffed as planned does not trip the utilisation alert."""
    form = PlannerForm(max_occupancy=0.85)
    assert form.targets() == {
        "target_level": capacity.DEFAULT_TARGET_LEVEL,
        "target_minutes": capacity.DEFAULT_TARGET_MINUTES,
        "shrinkage": capacity.DEFAULT_SHRINKAGE,
        "max_occupancy": 0.85,
    }
    Thresholds.objects.update(utilisation_warning=Decimal("0.8"))
    client.force_login(supervisor_user)
    page = client.get("/staffing/").content.decode()
    assert 'name="max_occupancy" value="0.8"' in page


def test_a_short_urgent_lane_is_marked_beside_the_plan(client, supervisor_user):
    for day in range(1, 8):
        for hour in range(24):  # 168 requests of 90 minutes: a load of 0.56
            resolved(NOW - dt.timedelta(days=day, hours=hour), 5, 90)
    client.force_login(supervisor_user)
    page = client.get("/staffing/").content.decode()
    assert text_of(page, "plan-urgent-today") == "0 short"


def test_bad_planner_targets_show_field_errors(client, supervisor_user):
    resolved(NOW - dt.timedelta(days=1), 5, 45)
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


def test_the_seed_formula_card_shows_its_own_figures(client, supervisor_user):
    for _ in range(20):
        on_duty(make_agent(lane=Lane.NORMAL))
    client.force_login(supervisor_user)
    page = client.get("/staffing/").content.decode()
    assert text_of(page, "seed-team") == "5"  # 20 x 0.15 x 1.5 = 4.5 -> 5
    assert "urgent of 20 on shift (15% × 1.5, rounded up)" in page
