"""Shared builders and named users for every app's tests."""

import itertools
import os
import threading
from collections.abc import Callable
from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone, translation

from quotas.models import Customer, PortalUser, Tier
from staffing.models import Agent, Lane, Shift, Skill
from tickets.models import Category, PriorityPolicy, Ticket
from tickets.services.scoring import compute_score, customer_score_for

_sequence = itertools.count(1)

requires_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL row locks and concurrent connections; set DATABASE_URL to run",
)
# Transactional tests flush the database afterwards; serialized_rollback restores the
# defaults that migrations loaded (tiers, policy, categories, roles).
transactional = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def run_concurrently(targets: list[Callable[[], object]]) -> list[object]:
    """Start every target at the same moment, each in its own thread and database
    connection; return each one's result, or the exception it raised, in order."""
    barrier = threading.Barrier(len(targets))
    outcomes: list[object] = [None] * len(targets)

    def worker(index: int, target: Callable[[], object]) -> None:
        try:
            barrier.wait()
            outcomes[index] = target()
        except Exception as error:
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=worker, args=(index, target))
        for index, target in enumerate(targets)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def make_user(*, role: str | None = None, **kwargs) -> User:
    kwargs.setdefault("username", f"user{next(_sequence)}")
    kwargs.setdefault("email", f"{kwargs['username']}@example.com")
    password = kwargs.pop("password", "pw")
    user = User.objects.create_user(password=password, **kwargs)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def make_customer(*, tier: str = "GOLD", **kwargs) -> Customer:
    kwargs.setdefault("name", f"Customer {next(_sequence)}")
    kwargs.setdefault("contact_email", "contact@example.com")
    return Customer.objects.create(tier=Tier.objects.get(code=tier), **kwargs)


def make_portal_user(*, customer: Customer, **kwargs) -> User:
    user = make_user(role="customer", **kwargs)
    PortalUser.objects.create(user=user, customer=customer)
    return user


def make_agent(*, lane: str = Lane.URGENT, skills: list[str] | None = None, **kwargs) -> Agent:
    user = kwargs.pop("user", None) or make_user(role="agent")
    kwargs.setdefault("status", Agent.Status.AVAILABLE)
    agent = Agent.objects.create(user=user, lane=lane, **kwargs)
    codes = skills if skills is not None else ["technical", "billing", "account"]
    agent.skills.set(Skill.objects.filter(code__in=codes))
    return agent


def make_agents_in_bulk(count: int, *, prefix: str) -> list[Agent]:
    """`count` available agents on shift all week, two thirds in the urgent lane, half of
    them at a maximum load of 3 to 10, every one with every skill; in four queries."""
    users = User.objects.bulk_create(User(username=f"{prefix}-{n}") for n in range(count))
    agents = Agent.objects.bulk_create(
        Agent(
            user=user,
            lane=Lane.URGENT if n % 3 else Lane.NORMAL,
            status=Agent.Status.AVAILABLE,
            max_load=3 + n % 8,
            open_load=(3 + n % 8) if n % 2 else n % 3,
        )
        for n, user in enumerate(users)
    )
    Agent.skills.through.objects.bulk_create(
        Agent.skills.through(agent_id=agent.pk, skill_id=skill.pk)
        for agent in agents
        for skill in Skill.objects.all()
    )
    Shift.objects.bulk_create(
        Shift(agent=agent, weekday=day, starts_at=time(0), ends_at=time(0))
        for agent in agents
        for day in range(7)
    )
    return agents


def make_ticket(*, customer: Customer | None = None, **kwargs) -> Ticket:
    """A request stored directly, scored with the active policy; no intake side effects."""
    customer = customer or make_customer()
    policy = PriorityPolicy.objects.active()
    now = timezone.now()
    kwargs.setdefault("impact_scope", 10)
    kwargs.setdefault("time_window_hours", Decimal(4))
    kwargs.setdefault("difficulty", 3)
    score = compute_score(
        policy=policy,
        impact_scope=kwargs["impact_scope"],
        remaining_window_hours=Decimal(kwargs["time_window_hours"]),
        customer_score=customer_score_for(customer=customer, policy=policy),
        difficulty=kwargs["difficulty"],
    )
    kwargs.setdefault("reference", f"T-{next(_sequence):06d}")
    kwargs.setdefault("category", Category.objects.get(code="technical"))
    kwargs.setdefault("title", "Something is broken")
    kwargs.setdefault("description", "Details of what is broken")
    kwargs.setdefault("status", Ticket.Status.QUEUED)
    kwargs.setdefault("level", score.level)
    kwargs.setdefault("initial_level", kwargs["level"])
    kwargs.setdefault("lane", Lane.NORMAL if score.level == "P3" else Lane.URGENT)
    kwargs.setdefault("created_at", now)
    kwargs.setdefault("first_response_due", kwargs["created_at"] + timedelta(hours=4))
    kwargs.setdefault("handling_due", kwargs["created_at"] + timedelta(hours=2))
    kwargs.setdefault("first_response_warn_at", kwargs["created_at"] + timedelta(hours=3))
    kwargs.setdefault("handling_warn_at", kwargs["created_at"] + timedelta(hours=1.5))
    kwargs.setdefault("first_response_due_warn_at", kwargs["first_response_due"])
    kwargs.setdefault("handling_due_warn_at", kwargs["handling_due"])
    return Ticket.objects.create(
        customer=customer,
        score=score.total,
        impact_score=score.impact,
        time_score=score.time,
        customer_score=score.customer,
        difficulty_score=score.difficulty,
        policy=policy,
        scored_at=now,
        **kwargs,
    )


def make_request(*, customer: Customer | None = None, **kwargs) -> Ticket:
    """A request through the real intake service."""
    from tickets.services.intake import submit_request

    kwargs.setdefault("title", "Checkout fails with error 500")
    kwargs.setdefault("description", "Customers cannot pay since this morning.")
    kwargs.setdefault("impact_scope", 10)
    kwargs.setdefault("time_window_hours", 4)
    kwargs.setdefault("difficulty", 3)
    return submit_request(customer=customer or make_customer(), **kwargs)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """Keep serialized_rollback working inside Playwright tests.

    Playwright's sync API runs the test inside its own context, where Django hands out a
    fresh connection wrapper without the serialized defaults taken at database creation.
    Holding them on the wrapper class makes every wrapper see them.
    """
    wrapper = connections[DEFAULT_DB_ALIAS]
    contents = getattr(wrapper, "_test_serialized_contents", None)
    if contents is not None:
        type(wrapper)._test_serialized_contents = contents


@pytest.fixture(autouse=True)
def english():
    """Each test starts in English: a request through the test client leaves its language
    active in the thread, which would translate later service messages."""
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture
def supervisor_user(db) -> User:
    return make_user(role="supervisor", username="sup", is_staff=True)


@pytest.fixture
def agent(db) -> Agent:
    return make_agent(user=make_user(role="agent", username="agent"))


@pytest.fixture
def customer_a(db) -> Customer:
    return make_customer(name="Account A", tier="GOLD")


@pytest.fixture
def customer_b(db) -> Customer:
    return make_customer(name="Account B", tier="STANDARD")


@pytest.fixture
def customer_a_user(customer_a) -> User:
    return make_portal_user(customer=customer_a, username="cust_a")


@pytest.fixture
def customer_b_user(customer_b) -> User:
    return make_portal_user(customer=customer_b, username="cust_b")


# Playwright's sync API runs an event loop in the test thread; ORM calls made by the
# test itself would otherwise be refused as "async unsafe".
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
