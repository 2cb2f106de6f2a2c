"""Deterministic demo data: accounts for every role and a realistic spread of requests.

Bulk inserts only (100,000 requests must load in well under a minute on SQLite).
"""

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import cast

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone

from quotas.models import Customer, PortalUser, Tier
from quotas.services import grant_current_month, reset_quotas
from staffing.models import Agent, Lane, Shift, Skill
from staffing.service_hours import ServiceHours, load_service_hours

from ..models import Category, ChecklistItem, PriorityPolicy, Ticket, TicketEvent
from .bulk import insert_rows, reset_sequences
from .intake import lane_for
from .policy import active_policy
from .scoring import compute_score, customer_score_for, resolve_level
from .sla import hours_to_timedelta, refresh_sla_states, sla_times

DEMO_PASSWORD = "demo"
REFERENCE_PREFIX = "DEMO-"

# (username, lane, skills or None for all, max load)
AGENTS = [
    ("agent1", Lane.URGENT, None, 6),
    ("agent2", Lane.URGENT, None, 6),
    ("agent3", Lane.URGENT, ["technical"], 5),
    ("agent4", Lane.URGENT, ["billing", "account"], 5),
    ("agent5", Lane.NORMAL, ["technical"], 8),
    ("agent6", Lane.NORMAL, ["technical"], 8),
    ("agent7", Lane.NORMAL, ["billing"], 8),
    ("agent8", Lane.NORMAL, ["billing", "account"], 8),
    ("agent9", Lane.NORMAL, ["account"], 8),
    ("agent10", Lane.NORMAL, None, 8),
    ("agent11", Lane.NORMAL, ["technical", "account"], 8),
    ("agent12", Lane.NORMAL, None, 8),
]

EVERY_DAY, WEEKDAYS = range(7), range(5)
# Weekly shifts (days, start, end); the urgent lane covers 24/7 and agent1 is always on.
SHIFTS = {
    "agent1": (EVERY_DAY, time(0), time(0)),
    "agent2": (EVERY_DAY, time(8), time(20)),
    "agent3": (EVERY_DAY, time(20), time(8)),
    "agent4": (WEEKDAYS, time(9), time(18)),
    "agent10": (EVERY_DAY, time(0), time(0)),
}
DEFAULT_SHIFT = (WEEKDAYS, time(9), time(18))

# (customer name, tier code, strategic partner, portal username or None, language)
CUSTOMERS = [
    ("Acme Logistics", "GOLD", False, "customer1", "en"),
    ("Bluebird Retail", "STANDARD", False, "customer2", "en"),
    ("长城电子", "PLATINUM", True, "customer3", "zh-hans"),
    ("Northwind Trading", "PLATINUM", False, None, "en"),
    ("Globex Finance", "GOLD", False, None, "en"),
    ("华夏物流", "GOLD", False, None, "zh-hans"),
    ("Initech Software", "SILVER", False, "customer4", "en"),
    ("Umbrella Health", "SILVER", False, None, "en"),
    ("星辰科技", "SILVER", False, None, "zh-hans"),
    ("Stark Components", "SILVER", False, None, "en"),
    ("Wayne Media", "STANDARD", False, None, "en"),
    ("Hooli Cloud", "STANDARD", False, None, "en"),
    ("明月文化", "STANDARD", False, None, "zh-hans"),
    ("Vandelay Imports", "STANDARD", False, None, "en"),
]

TITLES = {
    "technical": [
        ("系统崩溃无法登录,影响{n}个用户", "Users cannot log in after the system crashed"),
        ("Checkout page returns error 500", "结算页面返回500错误"),
        ("API timeout on order sync", "订单同步接口超时"),
        ("Mobile app crash on start", "移动端启动崩溃"),
    ],
    "billing": [
        ("申请退款", "Refund request for duplicate payment"),
        ("Invoice wrong for last month", "上月发票金额错误"),
        ("Charged twice for the subscription", "订阅被重复扣费"),
    ],
    "account": [
        ("Add a new administrator", "添加新的管理员"),
        ("更新联系人信息", "Update our contact person"),
        ("Transfer the account to a new owner", "账户转移给新负责人"),
    ],
}

WINDOWS = [Decimal(h) for h in ("1", "2", "4", "6", "8", "12", "24", "48", "72")]
IMPACTS = [0, 1, 1, 2, 3, 5, 8, 10, 15, 20, 30, 50, 80, 120, 300]
OPEN_STATUSES = [
    Ticket.Status.QUEUED,
    Ticket.Status.QUEUED,
    Ticket.Status.ASSIGNED,
    Ticket.Status.IN_PROGRESS,
    Ticket.Status.IN_PROGRESS,
    Ticket.Status.WAITING_ON_CUSTOMER,
]
CLOSED_STATUSES = (
    [Ticket.Status.CLOSED] * 6 + [Ticket.Status.RESOLVED] * 3 + [Ticket.Status.CANCELLED]
)


@dataclass
class DemoSummary:
    users: int
    customers: int
    agents: int
    tickets: int
    open_tickets: int
    created_tickets: bool


def _ensure_user(username: str, password_hash: str, **fields) -> User:
    user, _ = User.objects.get_or_create(
        username=username,
        defaults={"password": password_hash, "email": f"{username}@example.com", **fields},
    )
    return user


def _ensure_people(password_hash: str) -> tuple[list[Agent], list[Customer]]:
    groups = {group.name: group for group in Group.objects.all()}
    supervisor = _ensure_user("supervisor", password_hash, is_staff=True, first_name="Sam")
    supervisor.groups.add(groups["supervisor"])

    skills = {skill.code: skill for skill in Skill.objects.all()}
    agents = []
    for username, lane, skill_codes, max_load in AGENTS:
        user = _ensure_user(username, password_hash)
        user.groups.add(groups["agent"])
        agent, created = Agent.objects.get_or_create(
            user=user,
            defaults={"lane": lane, "max_load": max_load, "status": Agent.Status.AVAILABLE},
        )
        if created:
            agent.skills.set(
                list(skills.values()) if skill_codes is None else [skills[c] for c in skill_codes]
            )
            days, starts_at, ends_at = SHIFTS.get(username, DEFAULT_SHIFT)
            Shift.objects.bulk_create(
                Shift(agent=agent, weekday=day, starts_at=starts_at, ends_at=ends_at)
                for day in days
            )
        agents.append(agent)

    tiers = {tier.code: tier for tier in Tier.objects.all()}
    customers = []
    for name, tier_code, partner, portal_username, language in CUSTOMERS:
        slug = portal_username or name.lower().replace(" ", "")
        customer, _ = Customer.objects.get_or_create(
            name=name,
            defaults={
                "tier": tiers[tier_code],
                "is_strategic_partner": partner,
                "contact_email": f"support@{slug}.example.com",
                "language": language,
            },
        )
        if portal_username:
            user = _ensure_user(portal_username, password_hash)
            user.groups.add(groups["customer"])
            PortalUser.objects.get_or_create(user=user, defaults={"customer": customer})
        customers.append(customer)
    return agents, customers


def _make_ticket(
    *,
    rng: random.Random,
    number: int,
    is_open: bool,
    now: datetime,
    policy: PriorityPolicy,
    customers: list[Customer],
    categories: list[Category],
    agents: list[Agent],
    loads: dict[int, int],
    hours: dict[int, ServiceHours],
    escalation: timedelta,
) -> Ticket:
    customer = rng.choice(customers)
    category = rng.choice(categories)
    title_en, title_alt = rng.choice(TITLES[category.code])
    impact = rng.choice(IMPACTS)
    title = (title_en if rng.random() < 0.5 else title_alt).replace("{n}", str(impact or 1))
    window = rng.choice(WINDOWS)
    difficulty = rng.randint(1, 5)
    if is_open:
        created = now - timedelta(minutes=rng.randint(1, 36 * 60))
    else:
        created = now - timedelta(minutes=rng.randint(2 * 24 * 60, 90 * 24 * 60))
    elapsed_hours = Decimal((now - created).total_seconds()) / 3600 if is_open else Decimal(0)
    score = compute_score(
        policy=policy,
        impact_scope=impact,
        remaining_window_hours=window - elapsed_hours,
        customer_score=customer_score_for(customer=customer, policy=policy),
        difficulty=difficulty,
    )
    level = resolve_level(
        score_level=score.level,
        cap=customer.tier.max_requestable_level,
        escalated_level="",
        override_level="",
    )
    lane = lane_for(level)
    service_hours = hours[customer.tier.calendar_id]
    status = rng.choice(OPEN_STATUSES if is_open else CLOSED_STATUSES)
    assignee = None
    if status not in (Ticket.Status.QUEUED, Ticket.Status.CANCELLED):
        # Open work respects each agent's maximum load, as routing would.
        candidates = [
            a for a in agents if a.lane == lane and (not is_open or loads[a.pk] < a.max_load)
        ]
        if candidates:
            assignee = rng.choice(candidates)
            if is_open:
                loads[assignee.pk] += 1
        else:
            status = Ticket.Status.QUEUED
    first_response_at = None
    if status not in (Ticket.Status.QUEUED, Ticket.Status.ASSIGNED, Ticket.Status.CANCELLED):
        first_response_at = min(created + timedelta(minutes=rng.randint(5, 180)), now)
    resolved_at = closed_at = None
    if first_response_at and status in (Ticket.Status.RESOLVED, Ticket.Status.CLOSED):
        resolved_at = first_response_at + timedelta(minutes=rng.randint(15, 300))
    if status == Ticket.Status.CLOSED:
        # A closed request always has a first response, hence a resolution time.
        closed_at = cast(datetime, resolved_at) + timedelta(days=rng.randint(1, 3))
    # Keys rather than objects: a related object's assignment checks it each time,
    # a tenth of the ticket's construction over 100,000 tickets.
    ticket = Ticket(
        reference=f"{REFERENCE_PREFIX}{number:06d}",
        customer_id=customer.pk,
        category_id=category.pk,
        title=title,
        description=title,
        impact_scope=impact,
        time_window_hours=window,
        difficulty=difficulty,
        status=status,
        level=level,
        initial_level=level,
        score=score.total,
        impact_score=score.impact,
        time_score=score.time,
        customer_score=score.customer,
        difficulty_score=score.difficulty,
        policy_id=policy.pk,
        scored_at=now if is_open else created,
        lane=lane,
        assignee_id=assignee.pk if assignee else None,
        created_at=created,
        next_escalation_at=service_hours.add(created, escalation)
        if is_open and first_response_at is None
        else None,
        first_response_at=first_response_at,
        resolved_at=resolved_at,
        closed_at=closed_at,
        paused_at=now if status == Ticket.Status.WAITING_ON_CUSTOMER else None,
    )
    sla_times(
        hours=service_hours,
        created_at=created,
        paused=ticket.paused_service,
        level=level,
        policy=policy,
        commitment_hours=customer.tier.response_commitment_hours,
    ).apply_to(ticket)
    return ticket


def _checklists(tickets: list[Ticket], categories: list[Category]) -> list[ChecklistItem]:
    templates = {c.pk: list(c.checklist_templates.all()) for c in categories}
    return [
        ChecklistItem(
            ticket_id=ticket.pk,
            position=t.position,
            text_en=t.text_en,
            text_zh=t.text_zh,
            is_required=t.is_required,
        )
        for ticket in tickets
        if ticket.is_open
        for t in templates[ticket.category_id]
    ]


@transaction.atomic
def seed_demo(*, tickets: int, open_tickets: int, seed: int) -> DemoSummary:
    """Create the demo accounts and, unless demo requests already exist, the requests."""
    if open_tickets > tickets:
        raise ValueError("--open cannot exceed --tickets")
    password_hash = make_password(DEMO_PASSWORD)
    agents, customers = _ensure_people(password_hash)
    reset_quotas()  # this month's included urgent quota for the demo customers
    # Customers added after this month's reset ran (a re-seed) get theirs too.
    grant_current_month(customers=customers)
    summary = DemoSummary(
        users=User.objects.count(),
        customers=len(customers),
        agents=len(agents),
        tickets=0,
        open_tickets=0,
        created_tickets=False,
    )
    if Ticket.objects.filter(reference__startswith=REFERENCE_PREFIX).exists():
        summary.tickets = Ticket.objects.filter(reference__startswith=REFERENCE_PREFIX).count()
        summary.open_tickets = Ticket.objects.open().count()
        return summary

    rng = random.Random(seed)
    now = timezone.now()
    policy = active_policy()
    categories = list(Category.objects.prefetch_related("checklist_templates"))
    customers = list(
        Customer.objects.select_related("tier").filter(pk__in=[c.pk for c in customers])
    )
    open_numbers = set(rng.sample(range(tickets), open_tickets))
    loads = {agent.pk: 0 for agent in agents}
    hours = load_service_hours({c.tier.calendar_id for c in customers})
    escalation = hours_to_timedelta(Decimal(policy.escalation_interval_minutes) / 60)
    rows = [
        _make_ticket(
            rng=rng,
            number=n + 1,
            is_open=n in open_numbers,
            now=now,
            policy=policy,
            customers=customers,
            categories=categories,
            agents=agents,
            loads=loads,
            hours=hours,
            escalation=escalation,
        )
        for n in range(tickets)
    ]
    insert_rows(Ticket, rows)
    events = [
        TicketEvent(
            ticket_id=t.pk,
            at=t.created_at,
            kind=TicketEvent.Kind.CREATED,
            new_value=t.level,
            reason=f"score {t.score.normalize()}",
        )
        for t in rows
    ]
    events += [
        TicketEvent(
            ticket_id=t.pk,
            at=t.resolved_at or t.created_at,
            kind=TicketEvent.Kind.STATUS_CHANGED,
            old_value=Ticket.Status.NEW,
            new_value=t.status,
        )
        for t in rows
        if t.status != Ticket.Status.QUEUED
    ]
    insert_rows(TicketEvent, events)
    insert_rows(ChecklistItem, _checklists(rows, categories))
    reset_sequences([Ticket, TicketEvent, ChecklistItem])
    refresh_sla_states(now=now)
    for agent in agents:
        agent.open_load = loads[agent.pk]
    Agent.objects.bulk_update(agents, ["open_load"])
    summary.tickets = tickets
    summary.open_tickets = open_tickets
    summary.created_tickets = True
    return summary
