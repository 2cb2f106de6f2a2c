import json

import pytest
import time_machine
from django.core.management import call_command

from staffing.models import Agent
from tickets.models import ChecklistItem, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

FROZEN = "2026-11-02 10:00:00+08:00"


def snapshot():
    return list(
        Ticket.objects.order_by("reference").values_list(
            "reference",
            "customer__name",
            "category__code",
            "level",
            "score",
            "status",
            "assignee__user__username",
            "created_at",
        )
    )


def seed(capsys, **options) -> dict:
    call_command("seed_demo", "--json", *[f"--{k}={v}" for k, v in options.items()])
    return json.loads(capsys.readouterr().out)


@time_machine.travel(FROZEN, tick=False)
def test_seed_demo_is_deterministic_for_a_seed(capsys, django_db_blocker):
    seed(capsys, tickets=300, open=40, seed=7)
    first = snapshot()
    Ticket.objects.all().delete()
    seed(capsys, tickets=300, open=40, seed=7)
    assert snapshot() == first
    Ticket.objects.all().delete()
    seed(capsys, tickets=300, open=40, seed=8)
    assert snapshot() != first


def test_seed_demo_is_idempotent(capsys):
    first = seed(capsys, tickets=200, open=30)
    counts = (Ticket.objects.count(), TicketEvent.objects.count(), ChecklistItem.objects.count())
    second = seed(capsys, tickets=200, open=30)
    assert (first["created_tickets"], second["created_tickets"]) == (True, False)
    assert counts == (
        Ticket.objects.count(),
        TicketEvent.objects.count(),
        ChecklistItem.objects.count(),
    )
    assert Ticket.objects.open().count() == 30


def test_seed_demo_covers_roles_tiers_levels_and_statuses(capsys):
    seed(capsys, tickets=600, open=80)
    from django.contrib.auth.models import User

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
