"""The staffing admin: skills show how many agents hold them, calendars their holidays,
and both filter on it without listing a row twice."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from staffing.models import Agent, Holiday, ServiceCalendar, Skill

pytestmark = pytest.mark.django_db


def listed(response) -> list:
    return list(response.context["cl"].result_list)


def test_calendar_list_filters_by_holidays_and_shows_the_last_one(admin_client):
    everything = listed(admin_client.get("/admin/staffing/servicecalendar/"))
    without = listed(admin_client.get("/admin/staffing/servicecalendar/?holidays=no"))
    with_holidays = listed(admin_client.get("/admin/staffing/servicecalendar/?holidays=yes"))
    assert [c.code for c in without] == ["24x7"]
    # Each calendar once, however many holidays it has.
    assert sorted(c.code for c in with_holidays + without) == sorted(c.code for c in everything)
    for calendar in with_holidays:
        dates = list(calendar.holidays.values_list("date", flat=True))
        assert calendar.holiday_count == len(dates) > 1
        assert calendar.last_holiday == max(dates)


def test_calendar_list_queries_do_not_grow_with_holidays(admin_client):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get("/admin/staffing/servicecalendar/").status_code == 200
        return len(queries)

    before = count()
    calendar = ServiceCalendar.objects.get(code="weekdays-8h")
    Holiday.objects.bulk_create(
        Holiday(calendar=calendar, date=dt.date(2030, 1, 1) + dt.timedelta(days=n), name="x")
        for n in range(20)
    )
    ServiceCalendar.objects.create(code="extra", name="Extra")
    assert count() == before


def test_skill_list_filters_skills_no_agent_has(admin_client):
    lonely = Skill.objects.create(code="lonely", name="Lonely")
    user = get_user_model().objects.create_user("a1")
    busy = Skill.objects.create(code="busy", name="Busy")
    Agent.objects.create(user=user).skills.add(busy)
    Agent.objects.create(user=get_user_model().objects.create_user("a2")).skills.add(busy)
    without = listed(admin_client.get("/admin/staffing/skill/?agents=no"))
    with_agents = listed(admin_client.get("/admin/staffing/skill/?agents=yes"))
    assert lonely in without
    assert busy not in without
    assert [s for s in with_agents if s == busy] == [busy]
    assert next(s for s in with_agents if s == busy).agent_count == 2
    found = listed(admin_client.get("/admin/staffing/skill/?q=lone"))
    assert found == [lonely]
