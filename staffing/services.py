"""Staffing rules: who is on shift, routing capacity, lane borrowing, shift coverage.

This app sits below tickets: figures that tickets own (the urgent backlog, the skills it
needs) are passed in by the caller.
"""

import math
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, F, FloatField, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from .models import Agent, Lane, LaneChange, LaneSettings, Shift

# Normal-lane agents the urgent lane may borrow at most (SPEC 2: the normal lane never
# falls below 70 %).
BORROW_CAP_SHARE = 0.3
# Borrow when the backlog exceeds this many requests per agent working the urgent lane
# (release is at or below 1 per agent of its own: rebalance_lanes).
BORROW_TRIGGER_PER_AGENT = 2
WORKING = [Agent.Status.AVAILABLE, Agent.Status.BUSY]


def project_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def on_shift(now: datetime) -> Q:
    """Agents with a shift covering `now` (project time zone), as a filter for Agent."""
    local = now.astimezone(project_zone())
    today, moment = local.weekday(), local.time()
    overnight = Q(ends_at__lte=F("starts_at"))
    started_today = Q(weekday=today, starts_at__lte=moment) & (Q(ends_at__gt=moment) | overnight)
    spilled_from_yesterday = Q(weekday=(today - 1) % 7, ends_at__gt=moment) & overnight
    shifts = Shift.objects.filter(agent=OuterRef("pk")).filter(
        started_today | spilled_from_yesterday
    )
    return Q(Exists(shifts))


def in_working_lane(lane: str) -> Q:
    """Agents working `lane` now: borrowed normal-lane agents work the urgent lane."""
    if lane == Lane.URGENT:
        return Q(lane=Lane.URGENT) | Q(borrowed_at__isnull=False)
    return Q(lane=Lane.NORMAL, borrowed_at__isnull=True)


def routable_agents(*, lane: str, skill_id: int, now: datetime) -> QuerySet[Agent]:
    return Agent.objects.filter(
        in_working_lane(lane),
        on_shift(now),
        status=Agent.Status.AVAILABLE,
        skills=skill_id,
        open_load__lt=F("max_load"),
    )


def reserve_agent(*, lane: str, skill_id: int, now: datetime) -> Agent | None:
    """Pick an agent for a new request and take one unit of their capacity.

    Concurrent intakes must neither overload an agent nor queue a request while someone
    still has room. On PostgreSQL the best candidate is read with FOR NO KEY UPDATE SKIP
    LOCKED, LIMIT 1: an agent another intake has just taken stays locked until that
    intake commits, so this one moves on to the next agent instead of waiting for it.
    Only when every candidate left is held does it wait (in the UPDATE) for the best of
    them, whose holder may leave room. The conditional UPDATE is the guarantee (SQLite
    has no row locks): a pick that went stale fails and the choice starts again from a
    fresh read, until nobody is left. Three queries when the first pick holds, whatever
    the staff size.

    Call inside a transaction (intake's): the lock lasts until it commits. The agent
    comes back with their user; `open_load` is the value read plus this request, exact
    unless the pick had to wait for another intake.
    """
    mode = (
        LaneSettings.objects.filter(lane=lane).values_list("routing_mode", flat=True).first()
        or LaneSettings.RoutingMode.LEAST_LOADED
    )
    idle_longest = F("last_assigned_at").asc(nulls_first=True)
    candidates = routable_agents(lane=lane, skill_id=skill_id, now=now).select_related("user")
    if mode == LaneSettings.RoutingMode.ROUND_ROBIN:
        candidates = candidates.order_by(idle_longest, "pk")
    else:
        load_ratio = Cast("open_load", FloatField()) / Cast("max_load", FloatField())
        candidates = candidates.annotate(load_ratio=load_ratio).order_by(
            "load_ratio", idle_longest, "pk"
        )
    # NO KEY: the UPDATE below takes no stronger lock, and tickets being filed against
    # the agent (a foreign key check) do not have to wait for it.
    unlocked = candidates.select_for_update(skip_locked=True, no_key=True, of=("self",))
    can_skip = connection.features.has_select_for_update_skip_locked
    with transaction.atomic(savepoint=False):
        while True:
            agent = unlocked.first()
            if agent is None and can_skip:
                # A plain read, and only the one-row UPDATE waits: a locking read would
                # scan on past rows that filled up while it waited, keep their locks and
                # wait for the next one, and two such reads deadlock.
                agent = candidates.first()
            if agent is None:
                return None
            taken = Agent.objects.filter(
                pk=agent.pk, status=Agent.Status.AVAILABLE, open_load__lt=F("max_load")
            ).update(open_load=F("open_load") + 1, last_assigned_at=now)
            if taken:
                agent.open_load += 1
                agent.last_assigned_at = now
                return agent


def take_load(*, agent_id: int, now: datetime) -> bool:
    """One more open request for a chosen agent, refused at their maximum load."""
    return bool(
        Agent.objects.filter(pk=agent_id, open_load__lt=F("max_load")).update(
            open_load=F("open_load") + 1, last_assigned_at=now
        )
    )


def release_load(*, agent_id: int) -> None:
    """An open request left the agent (resolved, reassigned, merged)."""
    Agent.objects.filter(pk=agent_id, open_load__gt=0).update(open_load=F("open_load") - 1)


@dataclass(frozen=True)
class Rebalance:
    backlog: int
    urgent_agents: int
    normal_agents: int
    borrowed: list[str]
    released: list[str]
    urgent_after: int
    normal_after: int

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def borrow_count(*, backlog: int, urgent_agents: int, normal_agents: int) -> int:
    """How many normal-lane agents the urgent lane should have borrowed (SPEC 2).

    `urgent_agents` are the urgent lane's own agents, `normal_agents` the normal lane's
    own agents on shift (including any already lent out).
    """
    wanted = math.ceil(backlog / BORROW_TRIGGER_PER_AGENT) - urgent_agents
    cap = math.floor(normal_agents * BORROW_CAP_SHARE)
    return max(0, min(wanted, cap))


@transaction.atomic
def rebalance_lanes(*, urgent_backlog: int, needed_skill_ids: set[int], now: datetime) -> Rebalance:
    """Borrow normal-lane agents when the urgent backlog passes 2 per agent working the
    urgent lane; give them back once it is at or below the lane's own agents.

    The two thresholds leave a real gap (hysteresis): after a release the lane has its own
    agents only, and borrowing starts again above twice that, so a release never makes
    the next run borrow. Comparing the release with the lane including the lent agents
    flapped when the lane had nobody of its own: backlog 1 borrowed one agent, 1 <= 1
    released them, 1 > 0 borrowed again, every 5 minutes.

    Whatever the backlog, lent agents who went off shift or away come back, and so do
    any beyond 30 % of the normal lane on shift (the normal lane keeps 70 %): when normal
    agents go off shift the cap shrinks and the least useful lent agents return first.
    """
    # One rebalancer at a time: a second copy waits here and then sees the first's result.
    LaneSettings.objects.select_for_update().filter(lane=Lane.URGENT).first()
    working = Agent.objects.filter(on_shift(now), status__in=WORKING).select_related("user")
    staff = list(working.select_for_update(no_key=True, of=("self",)))
    own_urgent = [a for a in staff if a.lane == Lane.URGENT]
    own_normal = [a for a in staff if a.lane == Lane.NORMAL]
    lent = [a for a in own_normal if a.borrowed_at is not None]
    urgent_before = len(own_urgent) + len(lent)
    normal_before = len(own_normal) - len(lent)
    figures = {
        "backlog": urgent_backlog,
        "urgent_agents": urgent_before,
        "normal_agents": normal_before,
    }

    releases: list[tuple[Agent, str]] = [
        (agent, _("off shift or away"))
        for agent in Agent.objects.filter(borrowed_at__isnull=False)
        .exclude(pk__in=[a.pk for a in lent])
        .select_related("user")
    ]
    cap = math.floor(len(own_normal) * BORROW_CAP_SHARE)
    kept = lent
    if len(lent) > cap:
        by_usefulness = _least_useful_first(lent, needed_skill_ids)
        kept = by_usefulness[len(lent) - cap :]
        reason = _("30 %% cap: at most %(cap)d of %(normal)d normal-lane agents on shift") % {
            "cap": cap,
            "normal": len(own_normal),
        }
        releases += [(agent, reason) for agent in by_usefulness[: len(lent) - cap]]
    to_borrow: list[Agent] = []
    if kept and urgent_backlog <= len(own_urgent):
        reason = _(
            "urgent backlog %(backlog)d back at or below the urgent lane's own %(agents)d agents"
        ) % {"backlog": urgent_backlog, "agents": len(own_urgent)}
        releases += [(agent, reason) for agent in kept]
        kept = []
    elif urgent_backlog > BORROW_TRIGGER_PER_AGENT * (len(own_urgent) + len(kept)):
        target = borrow_count(
            backlog=urgent_backlog,
            urgent_agents=len(own_urgent),
            normal_agents=len(own_normal),
        )
        to_borrow = _pick_lenders(
            [a for a in own_normal if a.borrowed_at is None],
            needed_skill_ids,
            count=target - len(kept),
        )

    changes = []
    if to_borrow:
        Agent.objects.filter(pk__in=[a.pk for a in to_borrow]).update(borrowed_at=now)
        reason = _("urgent backlog %(backlog)d above %(trigger)d per urgent agent") % {
            "backlog": urgent_backlog,
            "trigger": BORROW_TRIGGER_PER_AGENT,
        }
        changes += [
            LaneChange(agent=a, action=LaneChange.Action.BORROW, at=now, reason=reason, **figures)
            for a in to_borrow
        ]
    if releases:
        Agent.objects.filter(pk__in=[a.pk for a, _reason in releases]).update(borrowed_at=None)
        changes += [
            LaneChange(agent=a, action=LaneChange.Action.RELEASE, at=now, reason=reason, **figures)
            for a, reason in releases
        ]
    LaneChange.objects.bulk_create(changes)
    urgent_after = len(own_urgent) + len(kept) + len(to_borrow)
    return Rebalance(
        backlog=urgent_backlog,
        urgent_agents=urgent_before,
        normal_agents=normal_before,
        borrowed=[a.user.username for a in to_borrow],
        released=[a.user.username for a, _reason in releases],
        urgent_after=urgent_after,
        normal_after=len(staff) - urgent_after,
    )


def _least_useful_first(lent: list[Agent], needed_skill_ids: set[int]) -> list[Agent]:
    """Lent agents in the order the urgent lane can best spare them: without a skill the
    backlog needs, then the least spare capacity, then the most recently borrowed."""
    links = Agent.skills.through.objects.filter(agent__in=lent, skill__in=needed_skill_ids)
    skilled_ids = set(links.values_list("agent_id", flat=True)) if needed_skill_ids else set()
    return sorted(
        lent,
        key=lambda a: (
            a.pk in skilled_ids,
            -(a.open_load / a.max_load),
            -(a.borrowed_at.timestamp() if a.borrowed_at else 0),
            a.pk,
        ),
    )


def _pick_lenders(
    candidates: list[Agent], needed_skill_ids: set[int], *, count: int
) -> list[Agent]:
    """The least loaded normal-lane agents with a skill the urgent backlog needs."""
    if count <= 0:
        return []
    links = Agent.skills.through.objects.filter(agent__in=candidates)
    if needed_skill_ids:
        links = links.filter(skill__in=needed_skill_ids)
    skilled_ids = set(links.values_list("agent_id", flat=True))
    never = datetime.min.replace(tzinfo=project_zone())
    skilled = sorted(
        (a for a in candidates if a.pk in skilled_ids),
        key=lambda a: (a.open_load / a.max_load, a.last_assigned_at or never, a.pk),
    )
    return skilled[:count]


def coverage_gaps(*, start: datetime, days: int = 7) -> list[tuple[datetime, datetime]]:
    """Stretches in the next `days` when no urgent-lane agent is scheduled (it must be 24/7)."""
    zone = project_zone()
    end = start + timedelta(days=days)
    shifts = Shift.objects.filter(agent__lane=Lane.URGENT).values_list(
        "weekday", "starts_at", "ends_at"
    )
    covered: list[tuple[datetime, datetime]] = []
    first_day = start.astimezone(zone).date() - timedelta(days=1)
    for offset in range(days + 2):
        day = first_day + timedelta(days=offset)
        covered += [
            _shift_interval(day, starts_at, ends_at, zone)
            for weekday, starts_at, ends_at in shifts
            if weekday == day.weekday()
        ]
    gaps, cursor = [], start
    for covered_start, covered_end in sorted(covered):
        if covered_start > cursor:
            gaps.append((cursor, min(covered_start, end)))
        cursor = max(cursor, covered_end)
        if cursor >= end:
            break
    if cursor < end:
        gaps.append((cursor, end))
    return [(a, b) for a, b in gaps if a < b and a < end]


def _shift_interval(
    day: date, starts_at: time, ends_at: time, zone: ZoneInfo
) -> tuple[datetime, datetime]:
    begin = datetime.combine(day, starts_at, tzinfo=zone)
    finish_day = day if ends_at > starts_at else day + timedelta(days=1)
    return begin, datetime.combine(finish_day, ends_at, tzinfo=zone)


def lane_sizes(*, now: datetime) -> dict[str, int]:
    """Agents working each lane now (on shift, available or busy)."""
    staff = list(
        Agent.objects.filter(on_shift(now), status__in=WORKING).values_list("lane", "borrowed_at")
    )
    borrowed = sum(1 for lane, since in staff if since is not None)
    own_urgent = sum(1 for lane, _ in staff if lane == Lane.URGENT)
    return {
        "urgent": own_urgent + borrowed,
        "urgent_own": own_urgent,
        "borrowed": borrowed,
        "normal": len(staff) - own_urgent - borrowed,
        "on_shift": len(staff),
    }


def urgent_utilisation(*, now: datetime) -> float | None:
    """Share of the urgent lane's capacity in use: open requests over maximum loads of the
    agents working it now. None when nobody works the lane."""
    totals = Agent.objects.filter(
        in_working_lane(Lane.URGENT), on_shift(now), status__in=WORKING
    ).aggregate(used=Sum("open_load"), capacity=Sum("max_load"))
    return totals["used"] / totals["capacity"] if totals["capacity"] else None
