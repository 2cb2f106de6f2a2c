import json

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone

from quotas.models import Balance, Customer, LedgerEntry, PortalUser, QuotaReset
from staffing.models import Agent, Shift
from tickets.models import ChecklistItem, Ticket, TicketEvent
from tickets.services.policy import active_policy
from tickets.services.priority import rescore_open_tickets

pytestmark = pytest.mark.django_db

FROZEN = "2026-11-02 10:00:00+08:00"


TICKET_COLUMNS = (
    "reference",
    "customer__name",
    "category__code",
    "impact_scope",
    "time_window_hours",
    "difficulty",
    "requested_level",
    "initial_level",
    "level",
    "score",
    "impact_score",
    "time_score",
    "customer_score",
    "difficulty_score",
    "policy__version",
    "lane",
    "status",
    "assignee__user__username",
    "created_at",
    "first_response_due",
    "handling_due",
    "first_response_at",
    "resolved_at",
)


def snapshot() -> dict:
    """Everything the demo loader makes, as comparable rows."""
    return {
        "tickets": list(Ticket.objects.order_by("reference").values_list(*TICKET_COLUMNS)),
        "events": list(
            TicketEvent.objects.order_by("ticket__reference", "at", "kind").values_list(
                "ticket__reference", "kind", "old_value", "new_value", "at"
            )
        ),
        "checklists": ChecklistItem.objects.count(),
        "customers": list(
            Customer.objects.order_by("name").values_list(
                "name", "tier__code", "is_strategic_partner", "portal_users__user__username"
            )
        ),
        "agents": list(
            Agent.objects.order_by("user__username").values_list(
                "user__username", "lane", "max_load", "status", "skills__code"
            )
        ),
        "shifts": Shift.objects.count(),
    }


def remove_demo_data():
    Ticket.objects.all().delete()
    LedgerEntry.objects.all().delete()
    Balance.objects.all().delete()
    QuotaReset.objects.all().delete()
    Customer.objects.all().delete()
    Agent.objects.all().delete()
    User.objects.all().delete()


def seed(capsys, **options) -> dict:
    call_command("seed_demo", "--json", *[f"--{k}={v}" for k, v in options.items()])
    return json.loads(capsys.readouterr().out)


@time_machine.travel(FROZEN, tick=False)
def test_seed_demo_is_deterministic_for_a_seed(capsys):
    seed(capsys, tickets=300, open=40, seed=7)
    first = snapshot()
    remove_demo_data()
    seed(capsys, tickets=300, open=40, seed=7)
    assert snapshot() == first
    remove_demo_data()
    seed(capsys, tickets=300, open=40, seed=8)
    assert snapshot()["tickets"] != first["tickets"]


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            User,
            Customer,
            PortalUser,
            Agent,
            Shift,
            Ticket,
            TicketEvent,
            ChecklistItem,
            LedgerEntry,
            Balance,
        )
    }


def test_seed_demo_is_idempotent(capsys):
    first = seed(capsys, tickets=200, open=30)
    before = counts()
    second = seed(capsys, tickets=200, open=30)
    assert (first["created_tickets"], second["created_tickets"]) == (True, False)
    assert counts() == before
    assert Ticket.objects.open().count() == 30


@time_machine.travel(FROZEN, tick=False)
def test_seed_demo_scores_as_the_priority_engine_does(capsys):
    """Re-scoring at the moment of loading changes no open request: the loader's scores,
    components, levels and policy version are the engine's."""
    seed(capsys, tickets=300, open=120)
    columns = (
        "reference",
        "score",
        "impact_score",
        "time_score",
        "customer_score",
        "difficulty_score",
        "level",
        "policy__version",
    )
    loaded = list(Ticket.objects.open().order_by("reference").values_list(*columns))
    rescore_open_tickets(now=timezone.now())
    assert list(Ticket.objects.open().order_by("reference").values_list(*columns)) == loaded
    assert {row[-1] for row in loaded} == {active_policy().version}


def test_seed_demo_covers_roles_tiers_levels_and_statuses(capsys):
    seed(capsys, tickets=600, open=80)
    for username, group in [
        ("agent1", "agent"),
        ("supervisor", "supervisor"),
        ("customer1", "customer"),
    ]:
        user = User.objects.get(username=username)
        assert user.check_password("demo")
        assert user.groups.filter(name=group).exists()
    assert set(Ticket.objects.values_list("customer__tier__code", flat=True)) == {
        "PLATINUM",
        "GOLD",
        "SILVER",
        "STANDARD",
    }
    assert set(Ticket.objects.values_list("level", flat=True)) == {"P0", "P1", "P2", "P3"}
    assert set(Ticket.objects.values_list("category__code", flat=True)) == {
        "technical",
        "billing",
        "account",
    }
    assert {"queued", "in_progress", "closed", "resolved"} <= set(
        Ticket.objects.values_list("status", flat=True)
    )


def test_seed_demo_never_overloads_an_agent(capsys):
    seed(capsys, tickets=400, open=150)
    for agent in Agent.objects.all():
        open_assigned = Ticket.objects.open().filter(assignee=agent).count()
        assert agent.open_load == open_assigned <= agent.max_load


def test_seed_demo_refuses_more_open_than_total():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="cannot exceed"):
        call_command("seed_demo", "--tickets=5", "--open=6")
    assert not Ticket.objects.exists()
