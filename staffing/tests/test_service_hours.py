from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import NamedTuple
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from staffing.models import ServiceCalendar
from staffing.service_hours import ServiceHours, load_service_hours

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
WEEKDAYS = range(5)

ALL_DAY = {day: [(0, 1440)] for day in range(7)}
NINE_TO_FIVE = {day: [(540, 1020)] for day in WEEKDAYS}
WITH_LUNCH = {day: [(540, 720), (780, 1080)] for day in WEEKDAYS}
EIGHT_TO_EIGHT = {day: [(480, 1200)] for day in WEEKDAYS}

ALWAYS = ServiceHours(windows=ALL_DAY, holidays=set(), tz=SHANGHAI)
ALWAYS_BERLIN = ServiceHours(windows=ALL_DAY, holidays=set(), tz=BERLIN)
OFFICE = ServiceHours(windows=NINE_TO_FIVE, holidays=set(), tz=SHANGHAI)
LUNCH_BREAK = ServiceHours(windows=WITH_LUNCH, holidays=set(), tz=SHANGHAI)
BERLIN_12H = ServiceHours(windows=EIGHT_TO_EIGHT, holidays=set(), tz=BERLIN)


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def real_time(start: datetime, end: datetime) -> timedelta:
    # Subtracting two datetimes of the same zone gives wall-clock time, wrong across DST.
    return end.astimezone(UTC) - start.astimezone(UTC)


# 2026-03-02 is a Monday.


def test_add_a_full_day_ends_at_closing_not_next_morning():
    assert OFFICE.add(sh(2026, 3, 2, 9), timedelta(hours=8)) == sh(2026, 3, 2, 17)


def test_add_carries_over_the_weekend():
    assert OFFICE.add(sh(2026, 3, 6, 16), timedelta(hours=2)) == sh(2026, 3, 9, 10)


def test_add_from_saturday_counts_from_monday_opening():
    assert OFFICE.add(sh(2026, 3, 7, 11, 30), timedelta(hours=1)) == sh(2026, 3, 9, 10)


def test_add_before_opening_counts_from_opening():
    assert OFFICE.add(sh(2026, 3, 2, 3), timedelta(minutes=90)) == sh(2026, 3, 2, 10, 30)


def test_add_skips_a_holiday():
    hours = ServiceHours(
        windows={day: [(540, 1020)] for day in WEEKDAYS},
        holidays={date(2026, 3, 4)},
        tz=SHANGHAI,
    )
    assert hours.add(sh(2026, 3, 3, 16), timedelta(hours=2)) == sh(2026, 3, 5, 10)
    assert not hours.is_open(sh(2026, 3, 4, 12))


def test_add_skips_the_lunch_break():
    assert LUNCH_BREAK.add(sh(2026, 3, 2, 10), timedelta(hours=4)) == sh(2026, 3, 2, 15)


def test_add_is_exact_to_the_microsecond():
    duration = timedelta(hours=7, minutes=59, seconds=59, microseconds=999_999)
    assert OFFICE.add(sh(2026, 3, 2, 9), duration) == datetime(
        2026, 3, 2, 16, 59, 59, 999_999, tzinfo=SHANGHAI
    )


def test_add_zero_returns_start_unchanged_even_when_closed():
    start = sh(2026, 3, 7, 11)
    assert OFFICE.add(start, timedelta(0)) is start


def test_add_answers_in_the_time_zone_of_start():
    result = OFFICE.add(datetime(2026, 3, 2, 1, tzinfo=UTC), timedelta(hours=1))
    assert result.tzinfo is UTC
    assert result == sh(2026, 3, 2, 10)


def test_overlapping_and_adjacent_windows_are_merged():
    hours = ServiceHours(
        windows={0: [(600, 780), (540, 720), (780, 900)]}, holidays=set(), tz=SHANGHAI
    )
    assert hours.elapsed(sh(2026, 3, 2), sh(2026, 3, 3)) == timedelta(hours=6)
    assert hours.add(sh(2026, 3, 2, 12, 30), timedelta(hours=1)) == sh(2026, 3, 2, 13, 30)


def test_is_open_is_half_open():
    assert OFFICE.is_open(sh(2026, 3, 2, 9))
    assert OFFICE.is_open(datetime(2026, 3, 2, 16, 59, 59, 999_999, tzinfo=SHANGHAI))
    assert not OFFICE.is_open(sh(2026, 3, 2, 17))
    assert not OFFICE.is_open(sh(2026, 3, 7, 12))


def test_always_open_add_is_plain_addition():
    start = sh(2026, 3, 6, 23, 30)
    for duration in (timedelta(minutes=1), timedelta(hours=24), timedelta(hours=720, seconds=7)):
        assert ALWAYS.add(start, duration) == start + duration
    assert ALWAYS.is_open(sh(2026, 3, 7))


@pytest.mark.parametrize(
    ("start", "local_result"),
    [
        # Spring forward: the local day has 23 hours.
        (berlin(2026, 3, 28, 12), berlin(2026, 3, 29, 13)),
        # Fall back: the local day has 25 hours.
        (berlin(2026, 10, 24, 12), berlin(2026, 10, 25, 11)),
    ],
)
def test_always_open_counts_real_hours_across_dst(start: datetime, local_result: datetime):
    result = ALWAYS_BERLIN.add(start, timedelta(hours=24))
    assert result == local_result
    assert real_time(start, result) == timedelta(hours=24)
    assert ALWAYS_BERLIN.elapsed(start, result) == timedelta(hours=24)


def test_always_open_elapsed_over_dst_days_is_their_real_length():
    assert ALWAYS_BERLIN.elapsed(berlin(2026, 3, 29), berlin(2026, 3, 30)) == timedelta(hours=23)
    assert ALWAYS_BERLIN.elapsed(berlin(2026, 10, 25), berlin(2026, 10, 26)) == timedelta(hours=25)


def test_weekday_calendar_across_dst_weekends_keeps_local_opening_hours():
    friday_evening = berlin(2026, 3, 27, 19)
    result = BERLIN_12H.add(friday_evening, timedelta(hours=2))
    assert result == berlin(2026, 3, 30, 9)
    assert BERLIN_12H.elapsed(friday_evening, result) == timedelta(hours=2)
    # The clock moved forward on Sunday: an hour less real time than on the wall.
    assert real_time(friday_evening, result) == timedelta(hours=61)

    friday_evening = berlin(2026, 10, 23, 19)
    result = BERLIN_12H.add(friday_evening, timedelta(hours=2))
    assert result == berlin(2026, 10, 26, 9)
    assert real_time(friday_evening, result) == timedelta(hours=63)


def test_a_window_spanning_a_dst_change_counts_real_time():
    night = ServiceHours(windows={6: [(60, 240)]}, holidays=set(), tz=BERLIN)
    assert night.elapsed(berlin(2026, 3, 29), berlin(2026, 3, 30)) == timedelta(hours=2)
    assert night.elapsed(berlin(2026, 10, 25), berlin(2026, 10, 26)) == timedelta(hours=4)
    assert night.add(berlin(2026, 3, 29), timedelta(hours=2)) == berlin(2026, 3, 29, 4)


def test_windows_in_a_dst_gap_are_merged_or_skipped_after_conversion():
    # 02:30 does not exist on 2026-03-29 and resolves to 01:30 UTC, past the 01:00 UTC
    # start of the 03:00 window; the 02:30-03:00 window vanishes entirely.
    hours = ServiceHours(windows={6: [(60, 150), (180, 240)]}, holidays=set(), tz=BERLIN)
    assert hours.elapsed(berlin(2026, 3, 29), berlin(2026, 3, 30)) == timedelta(hours=2)
    gap_only = ServiceHours(windows={6: [(150, 180)]}, holidays=set(), tz=BERLIN)
    assert gap_only.elapsed(berlin(2026, 3, 29), berlin(2026, 3, 30)) == timedelta(0)
    assert gap_only.elapsed(berlin(2026, 4, 5), berlin(2026, 4, 6)) == timedelta(minutes=30)
    assert gap_only.add(berlin(2026, 3, 29), timedelta(minutes=30)) == berlin(2026, 4, 5, 3)


def test_elapsed_is_zero_when_end_is_not_after_start():
    assert OFFICE.elapsed(sh(2026, 3, 2, 12), sh(2026, 3, 2, 12)) == timedelta(0)
    assert OFFICE.elapsed(sh(2026, 3, 2, 12), sh(2026, 3, 2, 10)) == timedelta(0)


def test_elapsed_counts_only_service_time():
    assert OFFICE.elapsed(sh(2026, 3, 6, 16), sh(2026, 3, 9, 10)) == timedelta(hours=2)
    assert OFFICE.elapsed(sh(2026, 3, 2), sh(2026, 3, 9)) == timedelta(hours=40)
    assert LUNCH_BREAK.elapsed(sh(2026, 3, 2, 11), sh(2026, 3, 2, 14)) == timedelta(hours=2)
    assert OFFICE.elapsed(sh(2026, 3, 7, 1), sh(2026, 3, 8, 23)) == timedelta(0)


def test_elapsed_with_a_window_spanning_the_weekend():
    # Friday 18:00 until midnight, Saturday and Sunday all day, Monday until 06:00.
    hours = ServiceHours(
        windows={4: [(1080, 1440)], 5: [(0, 1440)], 6: [(0, 1440)], 0: [(0, 360)]},
        holidays=set(),
        tz=SHANGHAI,
    )
    assert hours.elapsed(sh(2026, 3, 6, 12), sh(2026, 3, 9, 12)) == timedelta(hours=60)
    assert hours.add(sh(2026, 3, 6, 20), timedelta(hours=58)) == sh(2026, 3, 9, 6)


@pytest.mark.parametrize(
    "call",
    [
        lambda: OFFICE.add(datetime(2026, 3, 2, 9), timedelta(hours=1)),
        lambda: OFFICE.elapsed(datetime(2026, 3, 2, 9), sh(2026, 3, 2, 10)),
        lambda: OFFICE.elapsed(sh(2026, 3, 2, 9), datetime(2026, 3, 2, 10)),
        lambda: OFFICE.is_open(datetime(2026, 3, 2, 9)),
    ],
)
def test_naive_datetimes_are_refused(call):
    with pytest.raises(ValueError, match="aware"):
        call()


def test_negative_duration_is_refused():
    with pytest.raises(ValueError, match="negative"):
        OFFICE.add(sh(2026, 3, 2, 9), timedelta(microseconds=-1))


@pytest.mark.parametrize("windows", [{}, {0: [], 3: []}])
def test_calendar_without_windows_is_refused(windows: dict[int, list[tuple[int, int]]]):
    with pytest.raises(ValueError, match="at least one service window"):
        ServiceHours(windows=windows, holidays=set(), tz=SHANGHAI)


@pytest.mark.parametrize(
    ("windows", "message"),
    [
        ({0: [(600, 600)]}, "Bad service window"),
        ({0: [(0, 1441)]}, "Bad service window"),
        ({7: [(0, 60)]}, "Weekday must be"),
    ],
)
def test_malformed_windows_are_refused(windows: dict[int, list[tuple[int, int]]], message: str):
    with pytest.raises(ValueError, match=message):
        ServiceHours(windows=windows, holidays=set(), tz=SHANGHAI)


def test_add_gives_up_when_every_service_day_is_a_holiday():
    first_monday = date(2026, 3, 2)
    mondays = {first_monday + timedelta(weeks=week) for week in range(52 * 5)}
    hours = ServiceHours(windows={0: [(540, 1020)]}, holidays=mondays, tz=SHANGHAI)
    with pytest.raises(ValueError, match="No service time"):
        hours.add(sh(2026, 3, 1), timedelta(minutes=1))
    assert hours.elapsed(sh(2026, 3, 1), sh(2027, 3, 1)) == timedelta(0)


# Property tests. Fixtures stay out of them: hypothesis refuses function-scoped fixtures.

# Chile changes its clocks at midnight: on the first Sunday of September local midnight
# does not exist, and in April the last hour of Saturday happens twice.
SANTIAGO = ZoneInfo("America/Santiago")
ZONES = st.sampled_from([UTC, SHANGHAI, BERLIN, SANTIAGO])
# Weekly windows and the zone they are read in. Each example builds its own ServiceHours
# with holidays drawn around its start.
SHAPES = [
    (ALL_DAY, SHANGHAI),
    (ALL_DAY, BERLIN),
    (ALL_DAY, SANTIAGO),
    (NINE_TO_FIVE, SHANGHAI),
    (WITH_LUNCH, SHANGHAI),
    (EIGHT_TO_EIGHT, BERLIN),
    # Friday evening to Monday morning: windows meet at the midnights Santiago skips.
    ({4: [(1080, 1440)], 5: [(0, 1440)], 6: [(0, 1440)], 0: [(0, 360)]}, SANTIAGO),
]
FIRST, LAST = datetime(2025, 1, 1), datetime(2028, 12, 31)
STARTS = st.datetimes(min_value=FIRST, max_value=LAST, timezones=ZONES)
MAX_HOURS = 720
DURATIONS = st.one_of(
    st.integers(1, MAX_HOURS * 60).map(lambda minutes: timedelta(minutes=minutes)),
    st.integers(1, MAX_HOURS * 3600).map(lambda seconds: timedelta(seconds=seconds)),
)


def clock_changes(tz: ZoneInfo) -> list[datetime]:
    """The instants (UTC) at which `tz` changes its offset, found hour by hour: the zones
    used here change on the hour."""
    instants = (
        datetime(FIRST.year, 1, 1, tzinfo=UTC) + timedelta(hours=n)
        for n in range((LAST - FIRST).days * 24 + 48)
    )
    return [
        after
        for before, after in pairwise(instants)
        if before.astimezone(tz).utcoffset() != after.astimezone(tz).utcoffset()
    ]


CLOCK_CHANGES = {tz: clock_changes(tz) for tz in {tz for _, tz in SHAPES}}


class Scenario(NamedTuple):
    hours: ServiceHours
    # The same windows and zone without the holidays.
    plain: ServiceHours
    holidays: frozenset[date]
    start: datetime


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    windows, tz = draw(st.sampled_from(SHAPES))
    changes = CLOCK_CHANGES[tz]
    change = draw(st.sampled_from(changes)) if changes and draw(st.booleans()) else None
    if change is None:
        start = draw(STARTS)
    else:
        # Days either side of a clock change, where calendar and real time part.
        shift = draw(st.integers(-4 * 86_400_000_000, 4 * 86_400_000_000))
        start = (change + timedelta(microseconds=shift)).astimezone(draw(ZONES))
    first_day = start.astimezone(tz).date()
    holidays: set[date] = set()
    # Runs of consecutive holidays, a national week off among them.
    runs = st.lists(st.tuples(st.integers(-3, 60), st.integers(1, 7)), max_size=4)
    for offset, length in draw(runs):
        holidays.update(first_day + timedelta(days=offset + n) for n in range(length))
    if draw(st.booleans()):
        # A Friday off: the weekday calendars close from Thursday's closing to Monday's opening.
        holidays.add(first_day + timedelta(days=(4 - first_day.weekday()) % 7))
    if change is not None and draw(st.booleans()):
        # The 23- or 25-hour day itself.
        holidays.add(change.astimezone(tz).date())
    return Scenario(
        hours=ServiceHours(windows=windows, holidays=holidays, tz=tz),
        plain=ServiceHours(windows=windows, holidays=set(), tz=tz),
        holidays=frozenset(holidays),
        start=start,
    )


@settings(max_examples=300, deadline=None)
@given(scenario=scenarios(), first=DURATIONS, second=DURATIONS)
def test_adding_twice_equals_adding_the_sum(
    scenario: Scenario, first: timedelta, second: timedelta
):
    hours, start = scenario.hours, scenario.start
    assert hours.add(hours.add(start, first), second) == hours.add(start, first + second)


@settings(max_examples=300, deadline=None)
@given(scenario=scenarios(), duration=DURATIONS)
def test_add_lands_inside_service_hours_or_at_their_end(scenario: Scenario, duration: timedelta):
    # In UTC: subtracting from a local time is wall-clock arithmetic, which loses the
    # fold of a repeated hour.
    result = scenario.hours.add(scenario.start, duration).astimezone(UTC)
    assert scenario.hours.is_open(result) or scenario.hours.is_open(
        result - timedelta(microseconds=1)
    )


@settings(max_examples=300, deadline=None)
@given(scenario=scenarios(), duration=DURATIONS)
def test_elapsed_undoes_add(scenario: Scenario, duration: timedelta):
    hours, start = scenario.hours, scenario.start
    assert hours.elapsed(start, hours.add(start, duration)) == duration


@settings(max_examples=300, deadline=None)
@given(
    scenario=scenarios(),
    # Whole days drawn apart from the rest: hypothesis favours small integers, and a
    # span of seconds would seldom reach past the first holiday.
    length=st.builds(
        lambda days, microseconds: timedelta(days=days, microseconds=microseconds),
        st.integers(0, 60),
        st.integers(0, 86_400_000_000 - 1),
    ),
)
def test_a_holiday_removes_exactly_the_service_time_of_its_day(
    scenario: Scenario, length: timedelta
):
    # The three properties above hold as well for a calendar that ignores its holidays;
    # this one compares with the same calendar without them. All in UTC, since comparing
    # two times of one zone ignores the fold.
    tz = scenario.hours.tz
    start = scenario.start.astimezone(UTC)
    end = start + length
    expected = scenario.plain.elapsed(start, end)
    for day in scenario.holidays:
        opens = datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)
        closes = datetime.combine(day + timedelta(days=1), time(), tzinfo=tz).astimezone(UTC)
        expected -= scenario.plain.elapsed(max(start, opens), min(end, closes))
        assert not scenario.hours.is_open(opens + (closes - opens) / 2)
    assert scenario.hours.elapsed(start, end) == expected


@settings(max_examples=200, deadline=None)
@given(start=STARTS, duration=DURATIONS)
def test_always_open_service_time_is_real_time(start: datetime, duration: timedelta):
    assert real_time(start, ALWAYS_BERLIN.add(start, duration)) == duration


# Against the default calendars the migrations create.


def default_hours(code: str) -> ServiceHours:
    return ServiceHours.for_calendar(ServiceCalendar.objects.get(code=code))


@pytest.mark.django_db
def test_default_always_open_calendar_ignores_holidays():
    hours = default_hours("24x7")
    assert hours.is_open(sh(2027, 1, 1, 3))
    assert hours.elapsed(sh(2026, 12, 28), sh(2027, 1, 4)) == timedelta(days=7)


@pytest.mark.django_db
def test_default_sixteen_hour_calendar():
    hours = default_hours("weekdays-16h")
    assert hours.add(sh(2026, 3, 2, 5), timedelta(hours=16)) == sh(2026, 3, 2, 22)
    assert hours.add(sh(2026, 3, 6, 21), timedelta(hours=2)) == sh(2026, 3, 9, 7)


@pytest.mark.django_db
def test_default_eight_hour_calendar_skips_new_year():
    hours = default_hours("weekdays-8h")
    # 2027-01-01 is a Friday and a holiday.
    assert hours.add(sh(2026, 12, 31, 16), timedelta(hours=2)) == sh(2027, 1, 4, 10)


@pytest.mark.django_db
def test_default_business_hours_skip_lunch_and_national_day():
    hours = default_hours("business-hours")
    assert hours.add(sh(2027, 9, 30, 17), timedelta(hours=3)) == sh(2027, 10, 4, 11)
    assert hours.elapsed(sh(2027, 9, 27), sh(2027, 10, 4)) == timedelta(hours=32)


@pytest.mark.django_db
def test_for_calendar_defaults_to_the_project_time_zone():
    hours = default_hours("weekdays-8h")
    assert hours.tz == ZoneInfo(django_settings.TIME_ZONE)
    calendar = ServiceCalendar.objects.get(code="weekdays-8h")
    assert ServiceHours.for_calendar(calendar, tz=BERLIN).tz is BERLIN


@pytest.mark.django_db
def test_for_calendar_runs_no_query_on_a_prefetched_calendar(django_assert_num_queries):
    calendar = ServiceCalendar.objects.prefetch_related("windows", "holidays").get(
        code="business-hours"
    )
    with django_assert_num_queries(0):
        hours = ServiceHours.for_calendar(calendar)
    assert hours.add(sh(2026, 3, 2, 10), timedelta(hours=4)) == sh(2026, 3, 2, 15)


@pytest.mark.django_db
def test_load_service_hours_takes_the_same_queries_for_one_or_many(django_assert_num_queries):
    ids = dict(ServiceCalendar.objects.values_list("code", "pk"))
    with django_assert_num_queries(3):
        one = load_service_hours([ids["weekdays-8h"]])
    with django_assert_num_queries(3):
        many = load_service_hours(ids.values())
    assert set(one) == {ids["weekdays-8h"]}
    assert set(many) == set(ids.values())
    monday_nine = sh(2026, 3, 2, 9)
    assert many[ids["24x7"]].add(monday_nine, timedelta(hours=24)) == sh(2026, 3, 3, 9)
    assert many[ids["weekdays-8h"]].add(monday_nine, timedelta(hours=24)) == sh(2026, 3, 4, 17)


@pytest.mark.django_db
def test_load_service_hours_leaves_out_unknown_ids():
    assert load_service_hours([0]) == {}
