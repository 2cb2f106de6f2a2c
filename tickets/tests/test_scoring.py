"""The SPEC 1 score: worked examples, every threshold boundary, and level resolution."""

import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from tickets.models import PriorityPolicy
from tickets.services.scoring import compute_score, level_for, one_level_up, resolve_level

pytestmark = pytest.mark.django_db

TIER_SCORES = {"PLATINUM": "1.0", "GOLD": "0.8", "SILVER": "0.6", "STANDARD": "0.5"}


def score(impact, window, tier, difficulty, policy=None):
    return compute_score(
        policy=policy or PriorityPolicy.objects.active(),
        impact_scope=impact,
        remaining_window_hours=Decimal(window),
        customer_score=Decimal(TIER_SCORES[tier]),
        difficulty=difficulty,
    )


@pytest.mark.parametrize(
    ("impact", "window", "tier", "difficulty", "expected", "level"),
    [
        (50, 2, "PLATINUM", 2, "0.745", "P0"),
        (120, 2, "PLATINUM", 3, "0.855", "P0"),
        (15, 6, "STANDARD", 1, "0.530", "P1"),
        (2, 24, "STANDARD", 5, "0.106", "P3"),
    ],
)
def test_spec_worked_examples(impact, window, tier, difficulty, expected, level):
    result = score(impact, window, tier, difficulty)
    assert result.total == Decimal(expected)
    assert result.level == level
    assert result.policy_version == 1


def test_components_of_the_first_example():
    result = score(50, 2, "PLATINUM", 2)
    assert (result.impact, result.time, result.customer, result.difficulty) == (
        Decimal("0.5"),
        Decimal("0.916667"),
        Decimal("1"),
        Decimal("0.6"),
    )


@pytest.mark.parametrize(
    ("total", "level"),
    [
        ("1", "P0"),
        ("0.7", "P0"),
        ("0.699999", "P1"),
        ("0.5", "P1"),
        ("0.499999", "P2"),
        ("0.3", "P2"),
        ("0.299999", "P3"),
        ("0", "P3"),
    ],
)
def test_level_boundaries(total, level):
    assert level_for(score=Decimal(total), policy=PriorityPolicy.objects.active()) == level


def test_a_score_of_exactly_point_seven_is_p0():
    # 0.3*1 (impact 100) + 0.3*1 (no window left) + 0.2*0.5 (standard) + 0.2*0 (d=5)
    result = score(100, 0, "STANDARD", 5)
    assert result.total == Decimal("0.7")
    assert result.level == "P0"


@pytest.mark.parametrize(
    ("impact", "window", "component", "expected"),
    [
        (500, 24, "impact", "1"),  # capped at the full scale
        (0, 24, "impact", "0"),
        (10, 48, "time", "0"),  # a window beyond the horizon adds no urgency
        (10, -3, "time", "1"),  # a window already missed counts as fully urgent
    ],
)
def test_components_are_clamped(impact, window, component, expected):
    assert getattr(score(impact, window, "GOLD", 3), component) == Decimal(expected)


def test_score_uses_the_policy_weights_and_version():
    policy = PriorityPolicy.objects.active()
    policy.pk, policy.version = None, 2
    policy.weight_impact, policy.weight_time = Decimal("0.5"), Decimal("0.1")
    policy.save()
    result = score(50, 2, "PLATINUM", 2, policy=policy)
    # 0.5*0.5 + 0.1*(11/12) + 0.2*1 + 0.2*0.6
    assert result.total == Decimal("0.661667")
    assert result.policy_version == 2


@pytest.mark.parametrize(
    ("score_level", "cap", "escalated", "override", "expected"),
    [
        ("P0", "P1", "", "", "P1"),  # capped at the tier's highest requestable level
        ("P2", "P1", "", "", "P2"),
        ("P3", "P1", "P2", "", "P2"),  # never below an escalation
        ("P1", "P1", "P2", "", "P1"),
        ("P0", "P1", "P0", "", "P0"),  # escalation may exceed the customer's cap
        ("P3", "P1", "P0", "P2", "P2"),  # an override wins over everything
        ("P0", "P0", "", "P3", "P3"),
    ],
)
def test_resolve_level(score_level, cap, escalated, override, expected):
    assert (
        resolve_level(
            score_level=score_level, cap=cap, escalated_level=escalated, override_level=override
        )
        == expected
    )


def test_one_level_up_stops_at_p0():
    assert [one_level_up(level) for level in ("P3", "P2", "P1", "P0")] == ["P2", "P1", "P0", "P0"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["50", "2", "PLATINUM", "2"], {"score": 0.745, "level": "P0"}),
        (["120", "2", "PLATINUM", "3"], {"score": 0.855, "level": "P0"}),
        (["15", "6", "STANDARD", "1"], {"score": 0.53, "level": "P1"}),
        (["2", "24", "standard", "5"], {"score": 0.106, "level": "P3"}),
    ],
)
def test_score_request_command(capsys, args, expected):
    impact, window, tier, difficulty = args
    call_command(
        "score_request",
        f"--impact={impact}",
        f"--window-hours={window}",
        f"--tier={tier}",
        f"--difficulty={difficulty}",
        "--json",
    )
    assert json.loads(capsys.readouterr().out) == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--impact=-1", "--window-hours=2", "--tier=GOLD", "--difficulty=2"], "affected"),
        (["--impact=1", "--window-hours=0", "--tier=GOLD", "--difficulty=2"], "time window"),
        (["--impact=1", "--window-hours=2", "--tier=GOLD", "--difficulty=9"], "Difficulty"),
        (["--impact=1", "--window-hours=2", "--tier=IRON", "--difficulty=2"], "Unknown tier"),
    ],
)
def test_score_request_command_rejects_bad_input(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("score_request", *args)
