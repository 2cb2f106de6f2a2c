import json
import math
import time
from decimal import Decimal
from fractions import Fraction
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from hypothesis import given
from hypothesis import strategies as st

from staffing.capacity import (
    capacity_plan,
    erlang_c,
    erlang_c_plan,
    scheduled_agents,
    seed_urgent_team,
    service_level,
)

TWENTY_SECONDS = 20 / 60


def exact_erlang_c(agents: int, load: Fraction) -> Fraction:
    """Textbook closed form in exact rationals, independent of the Erlang B recurrence."""
    terms = [load**k / math.factorial(k) for k in range(agents)]
    top = load**agents / math.factorial(agents) * agents / (agents - load)
    return top / (sum(terms) + top)


def run_plan_capacity(*args: str) -> dict:
    out = StringIO()
    call_command("plan_capacity", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


# Seed formula


def test_seed_rounds_the_spec_example_up_to_whole_people():
    plan = seed_urgent_team(total_on_shift=20)

    assert (plan.urgent_team, plan.normal_team) == (5, 15)
    assert plan.urgent_share == Decimal("0.15")
    assert plan.buffer == Decimal("1.5")


@pytest.mark.parametrize(
    ("total", "urgent"),
    [(40, 9), (80, 18), (200, 45), (0, 0), (1, 1), (7, 2)],
)
def test_seed_does_not_round_exact_products_up(total: int, urgent: int):
    # 40 x 0.15 x 1.5 is 9.000000000000002 in binary floats; the team must be 9.
    assert seed_urgent_team(total_on_shift=total).urgent_team == urgent


def test_seed_accepts_decimal_share_and_custom_buffer():
    plan = seed_urgent_team(total_on_shift=30, urgent_share=Decimal("0.2"), buffer=1.25)

    assert plan.urgent_team == 8  # 7.5 -> 8


def test_seed_never_exceeds_the_people_on_shift():
    plan = seed_urgent_team(total_on_shift=10, urgent_share=1, buffer=1.5)

    assert (plan.urgent_team, plan.normal_team) == (10, 0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"total_on_shift": -1}, "Total on shift cannot be negative"),
        ({"total_on_shift": 2.5}, "whole number"),
        ({"total_on_shift": True}, "whole number"),
        ({"total_on_shift": 20, "urgent_share": -0.1}, "Urgent share must be between 0 and 1"),
        ({"total_on_shift": 20, "urgent_share": 1.5}, "Urgent share must be between 0 and 1"),
        ({"total_on_shift": 20, "urgent_share": math.nan}, "Urgent share must be a finite"),
        ({"total_on_shift": 20, "buffer": 0}, "Buffer must be greater than 0"),
        ({"total_on_shift": 20, "buffer": -1.5}, "Buffer must be greater than 0"),
    ],
)
def test_seed_rejects_bad_input(kwargs: dict, message: str):
    with pytest.raises(ValueError, match=message):
        seed_urgent_team(**kwargs)


# Erlang C: published reference values. Independent check of each with mpmath at 50
# digits (closed form with factorials) gave the same figures.


def test_erlang_c_matches_callcentrehelper_example_first_guess():
    # callcentrehelper.com "Erlang C formula - made simple": 200 calls/h x 3 min = 10
    # Erlangs, 11 agents. CRAN package ErlangC README: P_wait 0.6821182, SL(20 s) 0.3896138.
    assert erlang_c(11, 10.0) == pytest.approx(0.6821182, abs=5e-8)
    assert service_level(
        agents=11, load=10.0, handle_minutes=3, target_minutes=TWENTY_SECONDS
    ) == pytest.approx(0.3896138, abs=5e-8)


def test_erlang_c_plan_matches_callcentrehelper_example():
    # Same example, target 80 % in 20 s, 30 % shrinkage: 14 agents, 20 scheduled.
    # CRAN ErlangC README: P_wait 0.1741319, SL 0.88835, ASA 7.835937 s, occupancy 0.7142857;
    # pyworkforce's test suite: 14 raw positions, 20 positions.
    plan = erlang_c_plan(
        arrivals_per_hour=200,
        handle_minutes=3,
        target_level=0.8,
        target_minutes=TWENTY_SECONDS,
        shrinkage=0.3,
    )

    assert plan.offered_load == 10.0
    assert plan.agents == 14
    assert plan.scheduled_agents == 20
    assert plan.probability_of_wait == pytest.approx(0.1741319, abs=5e-8)
    assert plan.service_level == pytest.approx(0.88835, abs=5e-6)
    assert plan.mean_wait_minutes * 60 == pytest.approx(7.835937, abs=5e-7)
    assert plan.occupancy == pytest.approx(0.7142857, abs=5e-8)


def test_max_occupancy_raises_agents_above_what_the_target_needs():
    # pyworkforce's over-occupancy test: a 70 % cap on the 10-Erlang example gives 15 on
    # queue (ceil(10 / 0.7)), 22 scheduled, SL 0.941, P_wait 0.102, occupancy 0.667.
    plan = erlang_c_plan(
        arrivals_per_hour=200,
        handle_minutes=3,
        target_level=0.8,
        target_minutes=TWENTY_SECONDS,
        shrinkage=0.3,
        max_occupancy=0.7,
    )

    assert plan.agents == 15
    assert plan.scheduled_agents == 22
    assert plan.service_level == pytest.approx(0.941, abs=5e-4)
    assert plan.probability_of_wait == pytest.approx(0.102, abs=5e-4)
    assert plan.occupancy == pytest.approx(0.667, abs=5e-4)


def test_erlang_c_matches_the_360_calls_per_half_hour_example():
    # The widely copied Erlang-C walk-through (mitan.co.uk): 360 calls per half hour,
    # 4 min calls, 55 agents, 15 s target -> 48 Erlangs, P_wait 0.2387, ASA 8.18 s, SL 84.6 %.
    assert erlang_c(55, 48.0) == pytest.approx(0.2387, abs=5e-5)
    assert erlang_c(55, 48.0) * 4 * 60 / (55 - 48) == pytest.approx(8.18, abs=5e-3)
    assert service_level(
        agents=55, load=48.0, handle_minutes=4, target_minutes=0.25
    ) == pytest.approx(0.8459, abs=5e-5)


def test_target_of_zero_minutes_means_answered_without_waiting():
    # Wolfram ErlangC documentation: 30 calls/h, 5 min each, 90 % must not be delayed.
    # P_wait is 0.1304 with 5 agents and 0.04744 with 6, so 6 are needed.
    plan = erlang_c_plan(arrivals_per_hour=30, handle_minutes=5, target_level=0.9, target_minutes=0)

    assert plan.agents == 6
    assert plan.probability_of_wait == pytest.approx(0.04744, abs=5e-6)
    assert plan.service_level == pytest.approx(1 - plan.probability_of_wait)
    assert erlang_c(5, 2.5) == pytest.approx(0.1304, abs=5e-5)


@pytest.mark.parametrize(
    "load", [Fraction(1, 4), Fraction(1, 2), 1, Fraction(5, 2), Fraction(31, 4), 10, 33, 59]
)
def test_erlang_c_agrees_with_exact_rational_formula(load: Fraction | int):
    load = Fraction(load)
    for agents in range(math.floor(load) + 1, 61):
        expected = float(exact_erlang_c(agents, load))
        assert erlang_c(agents, float(load)) == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_erlang_c_edge_cases():
    assert erlang_c(0, 0.0) == 0.0
    assert erlang_c(3, 0.0) == 0.0
    assert erlang_c(10, 10.0) == 1.0
    assert erlang_c(4, 7.5) == 1.0
    assert service_level(agents=10, load=10.0, handle_minutes=3, target_minutes=1) == 0.0
    assert service_level(agents=0, load=0.0, handle_minutes=3, target_minutes=1) == 1.0


def test_erlang_c_plan_stays_stable_for_hundreds_of_agents():
    # 6000 arrivals/h x 5 min = 500 Erlangs; A**N / N! would overflow a float here.
    # mpmath at 60 digits: 513 agents, P_wait 0.45162, SL 0.81016 for 80 % in 20 s.
    started = time.perf_counter()
    plan = erlang_c_plan(
        arrivals_per_hour=6000,
        handle_minutes=5,
        target_level=0.8,
        target_minutes=TWENTY_SECONDS,
    )
    elapsed = time.perf_counter() - started

    assert plan.offered_load == 500.0
    assert plan.agents == 513
    assert plan.probability_of_wait == pytest.approx(0.45162, abs=5e-6)
    assert plan.service_level == pytest.approx(0.81016, abs=5e-6)
    assert all(math.isfinite(value) for value in (plan.mean_wait_minutes, plan.occupancy))
    assert elapsed < 1


def test_no_arrivals_needs_no_agents():
    plan = erlang_c_plan(arrivals_per_hour=0, handle_minutes=30, shrinkage=0.3)

    assert (plan.agents, plan.scheduled_agents) == (0, 0)
    assert (plan.service_level, plan.occupancy, plan.probability_of_wait) == (1.0, 0.0, 0.0)
    assert plan.mean_wait_minutes == 0.0


# Shrinkage and occupancy ceilings


@pytest.mark.parametrize(
    ("on_queue", "shrinkage", "scheduled"),
    [(21, 0.3, 30), (22, 0.3, 32), (14, 0.3, 20), (10, 0.0, 10), (9, 0.1, 10), (0, 0.5, 0)],
)
def test_shrinkage_divides_and_rounds_up_only_above_an_integer(
    on_queue: int, shrinkage: float, scheduled: int
):
    # 21 / 0.7 is 30.000000000000004 in binary floats; it must schedule 30, not 31.
    assert scheduled_agents(agents=on_queue, shrinkage=shrinkage) == scheduled


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"agents": -1, "shrinkage": 0.3}, "Agents must be a whole number"),
        ({"agents": 21, "shrinkage": 1}, "Shrinkage must be at least 0 and below 1"),
    ],
)
def test_scheduled_agents_rejects_bad_input(kwargs: dict, message: str):
    with pytest.raises(ValueError, match=message):
        scheduled_agents(**kwargs)


def test_occupancy_cap_exactly_reached_is_allowed():
    # 8.5 Erlangs at an 85 % cap needs exactly 10 agents; 8.5 / 0.85 must not become 11.
    plan = erlang_c_plan(
        arrivals_per_hour=170,
        handle_minutes=3,
        target_level=0.5,
        target_minutes=60,
        max_occupancy=0.85,
    )

    assert plan.agents == 10
    assert plan.occupancy == 0.85


@given(
    arrivals=st.floats(min_value=0.1, max_value=600),
    handle=st.floats(min_value=0.5, max_value=240),
    level=st.floats(min_value=0.05, max_value=0.99),
    target=st.floats(min_value=0, max_value=240),
    cap=st.floats(min_value=0.3, max_value=1),
)
def test_erlang_c_plan_picks_the_fewest_agents_meeting_target_and_cap(
    arrivals: float, handle: float, level: float, target: float, cap: float
):
    plan = erlang_c_plan(
        arrivals_per_hour=arrivals,
        handle_minutes=handle,
        target_level=level,
        target_minutes=target,
        max_occupancy=cap,
    )
    load = plan.offered_load

    assert plan.agents > load
    assert plan.service_level >= level
    assert plan.occupancy <= cap
    fewer = plan.agents - 1
    assert (
        fewer <= load
        or load / fewer > cap
        or service_level(agents=fewer, load=load, handle_minutes=handle, target_minutes=target)
        < level
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"arrivals_per_hour": -1}, "Arrivals per hour cannot be negative"),
        ({"handle_minutes": 0}, "Handle minutes must be greater than 0"),
        ({"target_level": 1.0}, "Target level must be above 0 and below 1"),
        ({"target_level": 0}, "Target level must be above 0 and below 1"),
        ({"target_minutes": -1}, "Target minutes cannot be negative"),
        ({"shrinkage": 1}, "Shrinkage must be at least 0 and below 1"),
        ({"shrinkage": -0.1}, "Shrinkage must be at least 0 and below 1"),
        ({"max_occupancy": 0}, "Max occupancy must be above 0 and at most 1"),
        ({"max_occupancy": 1.2}, "Max occupancy must be above 0 and at most 1"),
        ({"arrivals_per_hour": math.inf}, "Arrivals per hour must be a finite"),
    ],
)
def test_erlang_c_plan_rejects_bad_input(kwargs: dict, message: str):
    arguments = {"arrivals_per_hour": 200, "handle_minutes": 3, **kwargs}
    with pytest.raises(ValueError, match=message):
        erlang_c_plan(**arguments)


def test_capacity_plan_needs_both_arrivals_and_handle_time():
    with pytest.raises(ValueError, match="needs both arrivals per hour and handle minutes"):
        capacity_plan(total_on_shift=20, arrivals_per_hour=200)


# The plan_capacity command (SPEC section 7 contract)


def test_plan_capacity_json_gives_the_seed_team_only_without_demand():
    plan = run_plan_capacity("--total=20")

    assert plan["seed_formula"]["urgent_team"] == 5
    assert plan["seed_formula"]["normal_team"] == 15
    assert "erlang_c" not in plan


def test_plan_capacity_json_adds_erlang_c_with_contract_types():
    plan = run_plan_capacity(
        "--total=20",
        "--arrivals-per-hour=200",
        "--handle-minutes=3",
        "--target-level=0.8",
        f"--target-minutes={TWENTY_SECONDS}",
        "--shrinkage=0.3",
        "--max-occupancy=0.85",
    )
    erlang = plan["erlang_c"]

    assert set(erlang) == {
        "offered_load",
        "agents",
        "scheduled_agents",
        "service_level",
        "occupancy",
        "probability_of_wait",
        "mean_wait_minutes",
    }
    assert type(erlang["agents"]) is int
    assert type(erlang["scheduled_agents"]) is int
    for key in erlang.keys() - {"agents", "scheduled_agents"}:
        assert type(erlang[key]) is float
    assert (erlang["agents"], erlang["scheduled_agents"]) == (14, 20)


def test_plan_capacity_prints_a_readable_summary():
    out = StringIO()
    call_command(
        "plan_capacity", "--total=20", "--arrivals-per-hour=200", "--handle-minutes=3", stdout=out
    )

    assert "5 urgent and 15 normal of 20 on shift" in out.getvalue()
    assert "11 agents on queue" in out.getvalue()


@pytest.mark.parametrize(
    "args",
    [
        ["--total=20", "--arrivals-per-hour=200", "--handle-minutes=3", "--shrinkage=1"],
        ["--total=-3"],
        ["--total=20", "--arrivals-per-hour=200"],
        ["--total=twenty"],
    ],
)
def test_plan_capacity_turns_bad_input_into_command_error(args: list[str]):
    with pytest.raises(CommandError):
        call_command("plan_capacity", *args, "--json", stdout=StringIO())
