"""Shifts, routing capacity, lane borrowing and coverage (SPEC 2 and 3)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from conftest import (
    make_agent,
    make_agents_in_bulk,
    requires_postgres,
    run_concurrently,
    transactional,
)
from staffing.models import Agent, Lane, LaneChange, LaneSettings, Shift, Skill
from staffing.services import (
    borrow_count,
    coverage_gaps,
    lane_sizes,
    on_shift,
    rebalance_lanes,
    reserve_agent,
)

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_10 = dt.datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI)
ALL_WEEK = range(7)


def shift(agent, days=ALL_WEEK, start=dt.time(0), end=dt.time(0)):
    Shift.objects.bulk_create(
        Shift(agent=agent, weekday=day, starts_at=start, ends_at=end) for day in days
    )
    return agent


def staffed(lane=Lane.URGENT, **kwargs):
    return shift(make_agent(lane=lane, **kwargs))


def technical():
    return Skill.objects.get(code="technical").pk


def on_shift_names(moment):
    return set(Agent.objects.filter(on_shift(moment)).values_list("user__username", flat=True))


@pytest.mark.parametrize(
    ("start", "end", "moment", "expected"),
    [
        (dt.time(9), dt.time(17), MONDAY_10, True),
        (dt.time(9), dt.time(17), MONDAY_10.replace(hour=17), False),  # end is exclusive
        (dt.time(9), dt.time(17), MONDAY_10.replace(hour=9), True),
        (dt.time(22), dt.time(6), MONDAY_10.replace(hour=23), True),  # overnight, evening part
        (dt.time(22), dt.time(6), MONDAY_10 + dt.timedelta(hours=-6), False),  # Monday 04:00
        (dt.time(22), dt.time(6), MONDAY_10 + dt.timedelta(hours=18), True),  # Tuesday 04:00
        (dt.time(8), dt.time(8), MONDAY_10 + dt.timedelta(hours=21), True),  # 24 h shift
        (dt.time(8), dt.time(8), MONDAY_10 + dt.timedelta(hours=22), False),  # Tuesday 08:00
    ],
)
def test_on_shift_follows_weekly_shifts_in_the_project_time_zone(start, end, moment, expected):
    agent = shift(make_agent(), days=[0], start=start, end=end)  # Mondays only
    assert (agent.user.username in on_shift_names(moment)) is expected


def test_coverage_gaps_find_hours_without_an_urgent_agent():
    shift(make_agent(lane=Lane.URGENT), start=dt.time(8), end=dt.time(20))
    shift(make_agent(lane=Lane.URGENT), days=range(5), start=dt.time(20), end=dt.time(8))
    shift(make_agent(lane=Lane.NORMAL), start=dt.time(0), end=dt.time(0))  # not urgent
    gaps = coverage_gaps(start=MONDAY_10, days=7)
    # Weekday nights are covered; Saturday and Sunday nights are not.
    assert gaps == [
        (
            dt.datetime(2026, 11, 7, 20, tzinfo=SHANGHAI),
            dt.datetime(2026, 11, 8, 8, tzinfo=SHANGHAI),
        ),
        (
            dt.datetime(2026, 11, 8, 20, tzinfo=SHANGHAI),
            dt.datetime(2026, 11, 9, 8, tzinfo=SHANGHAI),
        ),
    ]


def test_full_coverage_has_no_gaps():
    staffed()
    assert coverage_gaps(start=MONDAY_10) == []


def test_no_urgent_agents_is_one_long_gap():
    assert coverage_gaps(start=MONDAY_10, days=7) == [(MONDAY_10, MONDAY_10 + dt.timedelta(days=7))]


def test_routing_picks_the_lowest_load_ratio_then_the_longest_idle():
    staffed(max_load=4, open_load=2)  # 0.5
    light = staffed(max_load=10, open_load=1)  # 0.1
    idle = staffed(max_load=5, open_load=1, last_assigned_at=MONDAY_10 - dt.timedelta(hours=3))
    recent = staffed(max_load=5, open_load=1, last_assigned_at=MONDAY_10 - dt.timedelta(hours=1))
    picks = [reserve_agent(lane=Lane.URGENT, skill_id=technical(), now=MONDAY_10) for _ in range(4)]
    # light 0.1 goes first and reaches 0.2; it now ties with idle and recent, and having
    # just been given work it is the least idle of the three.
    assert [p.pk for p in picks] == [light.pk, idle.pk, recent.pk, light.pk]
    light.refresh_from_db()
    assert (light.open_load, light.last_assigned_at) == (3, MONDAY_10)


def test_round_robin_mode_takes_the_longest_idle_regardless_of_load():
    LaneSettings.objects.filter(lane=Lane.URGENT).update(routing_mode="round_robin")
    loaded = staffed(max_load=10, open_load=8, last_assigned_at=MONDAY_10 - dt.timedelta(hours=5))
    staffed(max_load=10, open_load=0, last_assigned_at=MONDAY_10 - dt.timedelta(hours=1))
    assert reserve_agent(lane=Lane.URGENT, skill_id=technical(), now=MONDAY_10).pk == loaded.pk


def test_routing_respects_lane_skill_status_shift_and_maximum_load():
    normal = staffed(lane=Lane.NORMAL)  # wrong lane
    staffed(skills=["billing"])  # wrong skill
    staffed(status=Agent.Status.AWAY)
    make_agent()  # no shift
    staffed(max_load=2, open_load=2)  # full
    assert reserve_agent(lane=Lane.URGENT, skill_id=technical(), now=MONDAY_10) is None
    borrowed = staffed(lane=Lane.NORMAL, borrowed_at=MONDAY_10)
    assert reserve_agent(lane=Lane.URGENT, skill_id=technical(), now=MONDAY_10).pk == borrowed.pk
    # A borrowed agent no longer takes normal-lane work.
    assert reserve_agent(lane=Lane.NORMAL, skill_id=technical(), now=MONDAY_10).pk == normal.pk
    assert Agent.objects.get(pk=borrowed.pk).open_load == 1


def test_an_agent_is_never_given_more_than_the_maximum_load():
    agent = staffed(max_load=2)
    results = [
        reserve_agent(lane=Lane.URGENT, skill_id=technical(), now=MONDAY_10) for _ in range(4)
    ]
    assert [r is not None for r in results] == [True, True, False, False]
    agent.refresh_from_db()
    assert agent.open_load == 2


def test_borrow_count_follows_the_spec():
    assert borrow_count(backlog=15, urgent_agents=5, normal_agents=15) == 3
    assert borrow_count(backlog=40, urgent_agents=5, normal_agents=15) == 4  # 30 % cap
    assert borrow_count(backlog=8, urgent_agents=5, normal_agents=15) == 0


def spec_team():
    """20 on shift: the seed formula's 5 urgent and 15 normal."""
    urgent = [staffed(Lane.URGENT) for _ in range(5)]
    normal = [staffed(Lane.NORMAL, open_load=n % 4, max_load=5) for n in range(15)]
    return urgent, normal


def test_spec_borrowing_example():
    _, _normal = spec_team()
    result = rebalance_lanes(urgent_backlog=15, needed_skill_ids={technical()}, now=MONDAY_10)
    assert (result.urgent_agents, result.normal_agents) == (5, 15)
    assert len(result.borrowed) == 3
    assert (result.urgent_after, result.normal_after) == (8, 12)
    assert lane_sizes(now=MONDAY_10) == {
        "urgent": 8,
        "urgent_own": 5,
        "borrowed": 3,
        "normal": 12,
        "on_shift": 20,
    }
    # The least loaded were chosen (loads cycle 0,1,2,3: four agents carry none).
    chosen = Agent.objects.filter(borrowed_at__isnull=False)
    assert set(chosen.values_list("open_load", flat=True)) == {0}
    records = LaneChange.objects.filter(action="borrow")
    assert records.count() == 3
    assert {(r.backlog, r.urgent_agents, r.normal_agents) for r in records} == {(15, 5, 15)}


def test_borrowing_never_takes_the_normal_lane_below_70_percent():
    spec_team()
    result = rebalance_lanes(urgent_backlog=100, needed_skill_ids=set(), now=MONDAY_10)
    assert len(result.borrowed) == 4
    assert result.normal_after == 11  # 11 / 15 >= 70 %
    again = rebalance_lanes(urgent_backlog=100, needed_skill_ids=set(), now=MONDAY_10)
    assert again.borrowed == []


def test_borrowed_agents_need_a_skill_the_backlog_needs():
    spec_team()
    Agent.objects.filter(lane=Lane.NORMAL).update(open_load=2)
    # The idlest normal-lane agents cannot do billing: a pick by load alone takes them.
    unskilled = [staffed(Lane.NORMAL, skills=["technical", "account"]) for _ in range(4)]
    billing = Skill.objects.get(code="billing").pk
    result = rebalance_lanes(urgent_backlog=15, needed_skill_ids={billing}, now=MONDAY_10)
    assert len(result.borrowed) == 3
    assert not set(result.borrowed) & {a.user.username for a in unskilled}
    assert Agent.objects.filter(borrowed_at__isnull=False, skills=billing).count() == 3


def test_hysteresis_keeps_borrowed_agents_until_the_backlog_is_back_down():
    spec_team()
    rebalance_lanes(urgent_backlog=15, needed_skill_ids=set(), now=MONDAY_10)
    # 8 agents work the lane now, but release compares with its own 5.
    for backlog in (9, 8, 6):
        kept = rebalance_lanes(urgent_backlog=backlog, needed_skill_ids=set(), now=MONDAY_10)
        assert (kept.borrowed, kept.released) == ([], [])
    assert Agent.objects.filter(borrowed_at__isnull=False).count() == 3
    release = rebalance_lanes(urgent_backlog=5, needed_skill_ids=set(), now=MONDAY_10)
    assert len(release.released) == 3
    assert (release.urgent_after, release.normal_after) == (5, 15)
    records = LaneChange.objects.filter(action="release")
    assert records.count() == 3
    assert {(r.backlog, r.urgent_agents, r.normal_agents) for r in records} == {(5, 8, 12)}
    # Not above 2 per urgent agent (10 <= 2 x 5): nothing is borrowed again.
    assert rebalance_lanes(urgent_backlog=10, needed_skill_ids=set(), now=MONDAY_10).borrowed == []


def test_a_lane_without_agents_of_its_own_does_not_flap():
    # The urgent lane's own agent is off shift; one urgent request waits.
    shift(make_agent(lane=Lane.URGENT), days=[3])
    for _ in range(10):
        staffed(Lane.NORMAL)
    first = rebalance_lanes(urgent_backlog=1, needed_skill_ids=set(), now=MONDAY_10)
    assert (len(first.borrowed), first.released) == (1, [])
    lent = set(Agent.objects.filter(borrowed_at__isnull=False).values_list("pk", flat=True))
    for _run in range(3):
        later = rebalance_lanes(urgent_backlog=1, needed_skill_ids=set(), now=MONDAY_10)
        assert (later.borrowed, later.released) == ([], [])
    assert set(Agent.objects.filter(borrowed_at__isnull=False).values_list("pk", flat=True)) == lent
    assert LaneChange.objects.count() == 1
    # With the backlog cleared the borrowed agent goes home.
    assert (
        len(rebalance_lanes(urgent_backlog=0, needed_skill_ids=set(), now=MONDAY_10).released) == 1
    )


def test_normal_agents_going_off_shift_bring_lent_agents_back_to_the_30_percent_cap():
    spec_team()
    rebalance_lanes(urgent_backlog=100, needed_skill_ids=set(), now=MONDAY_10)
    lent = list(Agent.objects.filter(borrowed_at__isnull=False).order_by("pk"))
    assert len(lent) == 4  # floor(0.3 x 15)
    # Of the four, one cannot do the technical work waiting and one is the busiest.
    lent[0].skills.set(Skill.objects.filter(code="billing"))
    Agent.objects.filter(pk=lent[3].pk).update(open_load=4)
    at_home = Agent.objects.filter(lane=Lane.NORMAL, borrowed_at__isnull=True)
    Agent.objects.filter(pk__in=list(at_home.values_list("pk", flat=True)[:6])).update(
        status=Agent.Status.OFFLINE
    )
    # 9 normal-lane agents on shift now: at most floor(2.7) = 2 may be lent.
    result = rebalance_lanes(urgent_backlog=100, needed_skill_ids={technical()}, now=MONDAY_10)
    assert result.released == [lent[0].user.username, lent[3].user.username]
    assert result.borrowed == []
    assert (result.urgent_after, result.normal_after) == (7, 7)  # 7 of 9 normal: 78 %
    records = LaneChange.objects.filter(action="release")
    assert {(r.agent_id, r.backlog, r.urgent_agents, r.normal_agents) for r in records} == {
        (lent[0].pk, 100, 9, 5),
        (lent[3].pk, 100, 9, 5),
    }
    assert all(r.reason.startswith("30 % cap") for r in records)
    again = rebalance_lanes(urgent_backlog=100, needed_skill_ids={technical()}, now=MONDAY_10)
    assert (again.borrowed, again.released) == ([], [])


def test_borrowed_agents_going_off_shift_are_released():
    spec_team()
    rebalance_lanes(urgent_backlog=15, needed_skill_ids=set(), now=MONDAY_10)
    lent = Agent.objects.filter(borrowed_at__isnull=False).first()
    lent.status = Agent.Status.OFFLINE
    lent.save()
    result = rebalance_lanes(urgent_backlog=15, needed_skill_ids=set(), now=MONDAY_10)
    assert lent.user.username in result.released
    assert len(result.borrowed) == 1  # replaced by another normal-lane agent
    assert Agent.objects.filter(borrowed_at__isnull=False).count() == 3


def test_rebalancing_twice_gives_the_result_of_once():
    spec_team()
    rebalance_lanes(urgent_backlog=15, needed_skill_ids=set(), now=MONDAY_10)
    second = rebalance_lanes(urgent_backlog=15, needed_skill_ids=set(), now=MONDAY_10)
    assert (second.borrowed, second.released) == ([], [])
    assert LaneChange.objects.count() == 3


def in_threads(target, count):
    outcomes = run_concurrently([target] * count)
    assert not [o for o in outcomes if isinstance(o, Exception)]
    return outcomes


@requires_postgres
@transactional
def test_concurrent_rebalancing_borrows_once():
    spec_team()
    in_threads(lambda: rebalance_lanes(urgent_backlog=15, needed_skill_ids=set(), now=MONDAY_10), 4)
    assert Agent.objects.filter(borrowed_at__isnull=False).count() == 3
    assert LaneChange.objects.count() == 3


@requires_postgres
@transactional
def test_concurrent_routing_never_overloads_an_agent():
    agents = [staffed(max_load=3) for _ in range(4)]
    results = in_threads(
        lambda: reserve_agent(lane=Lane.URGENT, skill_id=technical(), now=MONDAY_10), 20
    )
    assigned = [r for r in results if r is not None]
    assert len(assigned) == 12
    loads = dict(Agent.objects.filter(pk__in=[a.pk for a in agents]).values_list("pk", "open_load"))
    assert set(loads.values()) == {3}


def test_routing_costs_the_same_queries_for_any_number_of_agents(django_assert_num_queries):
    for n in range(10):
        staffed(max_load=3, open_load=3 if n % 2 else 0)
    skill_id = technical()
    # Routing mode, the pick (with the user), the conditional update.
    with django_assert_num_queries(3):
        assert reserve_agent(lane=Lane.URGENT, skill_id=skill_id, now=MONDAY_10)
    make_agents_in_bulk(190, prefix="bulk")
    with django_assert_num_queries(3):
        assert reserve_agent(lane=Lane.URGENT, skill_id=skill_id, now=MONDAY_10)
    # Nobody fits: PostgreSQL reads again without SKIP LOCKED to tell "nobody" from
    # "everyone held by another intake".
    nobody = 3 if connection.features.has_select_for_update_skip_locked else 2
    with django_assert_num_queries(nobody):
        assert reserve_agent(lane=Lane.URGENT, skill_id=999_999, now=MONDAY_10) is None
