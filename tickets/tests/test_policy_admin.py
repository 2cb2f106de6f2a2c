"""Policy edits in the admin are validated field by field and saved as a new version."""

import pytest
from django.forms.models import model_to_dict

from tickets.models import PriorityPolicy

pytestmark = pytest.mark.django_db

EDITABLE = [
    "change_note",
    "weight_impact",
    "weight_time",
    "weight_customer",
    "weight_difficulty",
    "impact_full_scale",
    "time_horizon_hours",
    "difficulty_max",
    "strategic_partner_score",
    "threshold_p0",
    "threshold_p1",
    "threshold_p2",
    "target_p0_hours",
    "target_p1_hours",
    "target_p2_hours",
    "rescore_interval_minutes",
    "escalation_interval_minutes",
    "warning_ratio",
    "due_ratio",
    "reopen_period_days",
]


def policy_form(**changes):
    data = model_to_dict(PriorityPolicy.objects.active(), fields=EDITABLE)
    data = {key: "" if value is None else str(value) for key, value in data.items()}
    data.update({key: str(value) for key, value in changes.items()})
    return data


def post_change(client, **changes):
    policy = PriorityPolicy.objects.active()
    return client.post(f"/admin/tickets/prioritypolicy/{policy.pk}/change/", policy_form(**changes))


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"weight_impact": "1.2", "weight_time": "-0.4"}, "weight_impact", "between 0 and 1"),
        ({"weight_impact": "0.5"}, "weight_impact", "add up to 1"),
        ({"threshold_p1": "0.7"}, "threshold_p1", "below the P0 threshold"),
        ({"threshold_p2": "0.6"}, "threshold_p2", "below the P1 threshold"),
        ({"threshold_p0": "1.2"}, "threshold_p0", "at most 1"),
        ({"threshold_p2": "0"}, "threshold_p2", "greater than 0"),
        ({"impact_full_scale": "0"}, "impact_full_scale", "greater than 0"),
        ({"time_horizon_hours": "-1"}, "time_horizon_hours", "greater than 0"),
        ({"difficulty_max": "0"}, "difficulty_max", "greater than 0"),
        ({"warning_ratio": "1"}, "warning_ratio", "between 0 and 1"),
    ],
)
def test_bad_policy_edit_shows_a_field_error_and_changes_nothing(
    admin_client, changes, field, message
):
    before = list(PriorityPolicy.objects.values())
    response = post_change(admin_client, **changes)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert field in errors
    assert any(message in error for error in errors[field])
    assert list(PriorityPolicy.objects.values()) == before


def test_valid_edit_publishes_the_next_version_and_keeps_history(admin_client, admin_user):
    original = PriorityPolicy.objects.active()
    response = post_change(
        admin_client, weight_impact="0.4", weight_time="0.2", change_note="more weight on impact"
    )
    assert response.status_code == 302
    assert PriorityPolicy.objects.count() == 2
    newest = PriorityPolicy.objects.active()
    assert newest.version == original.version + 1
    assert (str(newest.weight_impact), str(newest.weight_time)) == ("0.400000", "0.200000")
    assert newest.created_by == admin_user
    original.refresh_from_db()
    assert (str(original.weight_impact), str(original.weight_time)) == ("0.300000", "0.300000")


def test_policies_cannot_be_deleted_in_the_admin(admin_client):
    policy = PriorityPolicy.objects.active()
    response = admin_client.post(
        f"/admin/tickets/prioritypolicy/{policy.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 403
    assert PriorityPolicy.objects.filter(pk=policy.pk).exists()


def test_supervisor_can_edit_policy_but_agent_cannot(client, supervisor_user, agent):
    client.force_login(supervisor_user)
    assert post_change(client, change_note="ok").status_code == 302
    client.force_login(agent.user)
    assert post_change(client, change_note="no").status_code == 302  # to the admin login
    assert PriorityPolicy.objects.count() == 2
