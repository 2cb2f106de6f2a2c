"""Capacity maths for the urgent lane: the seed formula and an Erlang C planner.

Pure functions on plain numbers (no database): callers that measure demand from
history pass the figures in, as the `plan_capacity` command passes its arguments.
SPEC section 2 gives the seed formula, section 7 the Erlang C conventions and the
shape of `capacity_plan()`.

Whole-people results are ceilings, and a ceiling must not round an exact product up
because of binary float error (0.15 is stored as 0.1499999...; 21 / 0.7 comes out as
30.000000000000004). So every such product or quotient is taken in Decimal, built
from the shortest decimal spelling of the float, which is the number the user typed.
"""

import math
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Any

DEFAULT_URGENT_SHARE = 0.15
DEFAULT_BUFFER = 1.5
# SPEC section 2's example target: 90 % of urgent requests get a first response in 2 h.
DEFAULT_TARGET_LEVEL = 0.9
DEFAULT_TARGET_MINUTES = 120.0
DEFAULT_SHRINKAGE = 0.0
# The planner's one default occupancy cap: `plan_capacity`, the staffing page's form and
# the snapshot's recommendation all start from it. No cap, so the plain textbook
# staffing numbers come out (those that independent Erlang C implementations give).
DEFAULT_MAX_OCCUPANCY = 1.0


@dataclass(frozen=True)
class SeedPlan:
    total_on_shift: int
    urgent_share: Decimal
    buffer: Decimal
    urgent_team: int
    normal_team: int


@dataclass(frozen=True)
class ErlangPlan:
    offered_load: float
    agents: int
    scheduled_agents: int
    service_level: float
    occupancy: float
    probability_of_wait: float
    mean_wait_minutes: float


def _decimal(name: str, value: Decimal | float) -> Decimal:
    # bool is an int subclass; True as a share is a caller bug, not 1.
    if isinstance(value, bool) or not isinstance(value, Decimal | float | int):
        raise ValueError(f"{name} must be a number, got {value!r}.")
    # str() is the shortest spelling that round-trips, i.e. 0.15 and not 0.1499999...
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if not number.is_finite():
        raise ValueError(f"{name} must be a finite number, got {value}.")
    return number


def _number(name: str, value: float) -> float:
    return float(_decimal(name, value))


def _ceil(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_CEILING))


def seed_urgent_team(
    *,
    total_on_shift: int,
    urgent_share: Decimal | float = DEFAULT_URGENT_SHARE,
    buffer: Decimal | float = DEFAULT_BUFFER,
) -> SeedPlan:
    """Size the urgent lane with the seed formula ceil(total x share x buffer).

    20 on shift -> 20 x 0.15 x 1.5 = 4.5 -> 5 urgent, 15 normal. The urgent team is
    capped at the people on shift: a large buffer cannot conjure extra agents.
    """
    if isinstance(total_on_shift, bool) or not isinstance(total_on_shift, int):
        raise ValueError(f"Total on shift must be a whole number, got {total_on_shift!r}.")
    if total_on_shift < 0:
        raise ValueError(f"Total on shift cannot be negative, got {total_on_shift}.")
    share = _decimal("Urgent share", urgent_share)
    if not 0 <= share <= 1:
        raise ValueError(f"Urgent share must be between 0 and 1, got {urgent_share}.")
    margin = _decimal("Buffer", buffer)
    if margin <= 0:
        raise ValueError(f"Buffer must be greater than 0, got {buffer}.")
    urgent_team = min(total_on_shift, _ceil(total_on_shift * share * margin))
    return SeedPlan(
        total_on_shift=total_on_shift,
        urgent_share=share,
        buffer=margin,
        urgent_team=urgent_team,
        normal_team=total_on_shift - urgent_team,
    )


def _erlang_b_series(load: float, start: int) -> Iterator[tuple[int, float]]:
    """Yield (n, Erlang B blocking for n servers) for n = start, start + 1, ...

    The recurrence keeps every value in [0, 1], so it neither overflows nor loses
    precision for hundreds of agents, where A**N / N! would overflow a float.
    """
    blocking = 1.0
    servers = 0
    while True:
        if servers >= start:
            yield servers, blocking
        servers += 1
        blocking = load * blocking / (servers + load * blocking)


def _wait_from_blocking(agents: int, load: float, blocking: float) -> float:
    # Erlang C from Erlang B; the denominator exceeds agents - load > 0.
    return agents * blocking / (agents - load * (1 - blocking))


def _service_level(
    *, agents: int, load: float, wait: float, handle_minutes: float, target_minutes: float
) -> float:
    return 1 - wait * math.exp(-(agents - load) * target_minutes / handle_minutes)


def _require_agents(agents: int) -> None:
    if isinstance(agents, bool) or not isinstance(agents, int) or agents < 0:
        raise ValueError(f"Agents must be a whole number of at least 0, got {agents!r}.")


def _shrinkage(value: Decimal | float) -> Decimal:
    shrinkage = _decimal("Shrinkage", value)
    if not 0 <= shrinkage < 1:
        raise ValueError(f"Shrinkage must be at least 0 and below 1, got {value}.")
    return shrinkage


def scheduled_agents(*, agents: int, shrinkage: Decimal | float) -> int:
    """People to roster so that `agents` remain on queue after shrinkage: ceil(N / (1 - K)).

    21 on queue at 30 % shrinkage is exactly 30 rostered, 22 needs 32.
    """
    _require_agents(agents)
    return _ceil(agents / (1 - _shrinkage(shrinkage)))


def erlang_c(agents: int, load: float) -> float:
    """Probability that an arrival waits (Erlang C) with `agents` on queue and `load` Erlangs.

    Without load nobody waits (0.0). With agents <= load the queue grows without
    bound and every arrival waits (1.0).
    """
    _require_agents(agents)
    load = _number("Offered load", load)
    if load < 0:
        raise ValueError(f"Offered load cannot be negative, got {load}.")
    if load == 0:
        return 0.0
    if agents <= load:
        return 1.0
    _, blocking = next(_erlang_b_series(load, agents))
    return _wait_from_blocking(agents, load, blocking)


def service_level(
    *, agents: int, load: float, handle_minutes: float, target_minutes: float
) -> float:
    """Share of all arrivals answered within `target_minutes`: 1 - P_wait x e^(-(N-A)T/H).

    1.0 without load; 0.0 when agents <= load (an unstable queue misses any target).
    """
    handle_minutes = _number("Handle minutes", handle_minutes)
    target_minutes = _number("Target minutes", target_minutes)
    if handle_minutes <= 0:
        raise ValueError(f"Handle minutes must be greater than 0, got {handle_minutes}.")
    if target_minutes < 0:
        raise ValueError(f"Target minutes cannot be negative, got {target_minutes}.")
    wait = erlang_c(agents, load)
    load = float(load)
    if load == 0:
        return 1.0
    if agents <= load:
        return 0.0
    return _service_level(
        agents=agents,
        load=load,
        wait=wait,
        handle_minutes=handle_minutes,
        target_minutes=target_minutes,
    )


def erlang_c_plan(
    *,
    arrivals_per_hour: float,
    handle_minutes: float,
    target_level: float = DEFAULT_TARGET_LEVEL,
    target_minutes: float = DEFAULT_TARGET_MINUTES,
    shrinkage: float = DEFAULT_SHRINKAGE,
    max_occupancy: float = DEFAULT_MAX_OCCUPANCY,
) -> ErlangPlan:
    """Fewest agents on queue meeting the service-level target and the occupancy cap.

    Conventions of SPEC section 7: offered load A = arrivals/h x handle min / 60; the
    search starts at floor(A) + 1 (the first stable count) and at ceil(A / max
    occupancy); service level and mean wait are over all arrivals; shrinkage divides,
    scheduled = ceil(agents / (1 - shrinkage)).

    With no arrivals the plan is 0 agents, service level 1, occupancy 0 and no wait:
    demand alone justifies nobody, and minimum lane coverage is the roster's concern.
    """
    arrivals = _decimal("Arrivals per hour", arrivals_per_hour)
    handle = _decimal("Handle minutes", handle_minutes)
    level = _number("Target level", target_level)
    target = _number("Target minutes", target_minutes)
    shrink = _shrinkage(shrinkage)
    cap = _decimal("Max occupancy", max_occupancy)
    if arrivals < 0:
        raise ValueError(f"Arrivals per hour cannot be negative, got {arrivals_per_hour}.")
    if handle <= 0:
        raise ValueError(f"Handle minutes must be greater than 0, got {handle_minutes}.")
    if not 0 < level < 1:
        raise ValueError(
            f"Target level must be above 0 and below 1, got {target_level} "
            "(Erlang C never answers 100 % of arrivals within a finite target)."
        )
    if target < 0:
        raise ValueError(f"Target minutes cannot be negative, got {target_minutes}.")
    if not 0 < cap <= 1:
        raise ValueError(f"Max occupancy must be above 0 and at most 1, got {max_occupancy}.")

    exact_load = arrivals * handle / 60
    if exact_load == 0:
        return ErlangPlan(
            offered_load=0.0,
            agents=0,
            scheduled_agents=0,
            service_level=1.0,
            occupancy=0.0,
            probability_of_wait=0.0,
            mean_wait_minutes=0.0,
        )
    load = float(exact_load)
    handle_float = float(handle)
    start = max(math.floor(exact_load) + 1, _ceil(exact_load / cap))
    series = _erlang_b_series(load, start)
    # Service level rises with every added agent and tends to 1, so a target below 1
    # is always met and the loop ends.
    while True:
        agents, blocking = next(series)
        wait = _wait_from_blocking(agents, load, blocking)
        achieved = _service_level(
            agents=agents,
            load=load,
            wait=wait,
            handle_minutes=handle_float,
            target_minutes=target,
        )
        if achieved >= level:
            break
    return ErlangPlan(
        offered_load=load,
        agents=agents,
        scheduled_agents=scheduled_agents(agents=agents, shrinkage=shrink),
        service_level=achieved,
        occupancy=float(exact_load / agents),
        probability_of_wait=wait,
        mean_wait_minutes=wait * handle_float / (agents - load),
    )


def capacity_plan(
    *,
    total_on_shift: int,
    urgent_share: Decimal | float = DEFAULT_URGENT_SHARE,
    buffer: Decimal | float = DEFAULT_BUFFER,
    arrivals_per_hour: float | None = None,
    handle_minutes: float | None = None,
    target_level: float = DEFAULT_TARGET_LEVEL,
    target_minutes: float = DEFAULT_TARGET_MINUTES,
    shrinkage: float = DEFAULT_SHRINKAGE,
    max_occupancy: float = DEFAULT_MAX_OCCUPANCY,
) -> dict[str, Any]:
    """The `plan_capacity --json` object of SPEC section 7, ready for json.dumps.

    "erlang_c" is present only when both arrivals and handle time are given.
    """
    if (arrivals_per_hour is None) != (handle_minutes is None):
        raise ValueError("The Erlang C plan needs both arrivals per hour and handle minutes.")
    seed = seed_urgent_team(total_on_shift=total_on_shift, urgent_share=urgent_share, buffer=buffer)
    plan: dict[str, Any] = {
        "seed_formula": {
            "total_on_shift": seed.total_on_shift,
            "urgent_share": float(seed.urgent_share),
            "buffer": float(seed.buffer),
            "urgent_team": seed.urgent_team,
            "normal_team": seed.normal_team,
        }
    }
    if arrivals_per_hour is not None and handle_minutes is not None:
        erlang = erlang_c_plan(
            arrivals_per_hour=arrivals_per_hour,
            handle_minutes=handle_minutes,
            target_level=target_level,
            target_minutes=target_minutes,
            shrinkage=shrinkage,
            max_occupancy=max_occupancy,
        )
        plan["erlang_c"] = asdict(erlang)
    return plan
