"""Priority policies: the database refuses impossible settings, only the newest version
can be edited (into the next one), and the re-score schedule follows the policy."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict
from django_q.models import Schedule

from expedite_site.schedules import sync_schedules
from tickets.models import PriorityPolicy
from tickets.services.policy import (
    RESCORE_TASK,
    publish_policy,
    rescore_minutes,
    sync_rescore_schedule,
)

pytestmark = pytest.mark.django_db


def stored_copy(**changes) -> None:
    """Insert a copy of the active policy with `changes`, past clean(), as raw SQL would."""
    values = model_to_dict(PriorityPolicy.objects.active(), exclude=["id", "created_by"])
    values.update(version=PriorityPolicy.objects.count() + 1, **changes)
    with transaction.atomic():
        PriorityPolicy.objects.create(**values)


@pytest.mark.parametrize(
    "changes",
    [
        {"weight_impact": Decimal("1.2"), "weight_time": Decimal("-0.4")},  # sums to 1
        {"weight_impact": Decimal("0.4")},  # sums to 1.1
        {"weight_impact": Decimal("0.299998")},  # 2e-6 short
        {"strategic_partner_score": Decimal("1.5")},
        {"strategic_partner_score": Decimal("-0.1")},
        {"warning_ratio": Decimal("0")},
        {"warning_ratio": Decimal("0.9"), "due_ratio": Decimal("0.9")},
        {"due_ratio": Decimal("1.2")},
    ],
)
def test_the_database_refuses_impossible_policies(changes):
    with pytest.raises(IntegrityError):
        stored_copy(**changes)


def test_the_database_accepts_weights_that_sum_to_one_within_the_tolerance():
    stored_copy(weight_impact=Decimal("0.299999"))
    stored_copy(warning_ratio=Decimal("0.5"), due_ratio=Decimal("0.9"))
    assert PriorityPolicy.objects.count() == 3


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"due_ratio": Decimal("1.1")}, "due_ratio", "at most 1"),
        ({"due_ratio": Decimal("0")}, "due_ratio", "greater than 0"),
        ({"warning_ratio": Decimal("0.8"), "due_ratio": Decimal("0.8")}, "due_ratio", "above"),
    ],
)
def test_publishing_validates_the_due_share(changes, field, message):
    policy = PriorityPolicy.objects.active()
    for name, value in changes.items():
        setattr(policy, name, value)
    with pytest.raises(ValidationError) as refused:
        publish_policy(policy=policy, user=None)
    assert any(message in error for error in refused.value.message_dict[field])
    assert PriorityPolicy.objects.count() == 1


def admin_form(policy: PriorityPolicy, **changes) -> dict[str, str]:
    data = model_to_dict(policy, exclude=["id", "version", "created_at", "created_by"])
    data = {key: "" if value is None else str(value) for key, value in data.items()}
    data.update({key: str(value) for key, value in changes.items()})
    return data


def test_older_versions_are_read_only_in_the_admin(admin_client):
    first = PriorityPolicy.objects.active()
    second = publish_policy(policy=PriorityPolicy.objects.active(), user=None)
    old_url = f"/admin/tickets/prioritypolicy/{first.pk}/change/"
    page = admin_client.get(old_url)
    assert page.status_code == 200
    assert 'name="weight_impact"' not in page.content.decode()  # shown, not editable
    assert 'name="_save"' not in page.content.decode()
    response = admin_client.post(old_url, admin_form(first, change_note="from v1"))
    assert response.status_code == 403
    assert PriorityPolicy.objects.count() == 2
    # The newest one is the form that publishes the next version.
    new_url = f"/admin/tickets/prioritypolicy/{second.pk}/change/"
    assert 'name="weight_impact"' in admin_client.get(new_url).content.decode()
    response = admin_client.post(new_url, admin_form(second, change_note="v3"))
    assert response.status_code == 302
    assert PriorityPolicy.objects.active().version == 3


def test_publishing_a_policy_moves_the_rescore_schedule(
    admin_client, django_capture_on_commit_callbacks
):
    sync_schedules()
    schedule = Schedule.objects.get(func=RESCORE_TASK)
    policy = PriorityPolicy.objects.active()
    assert schedule.minutes == policy.rescore_interval_minutes == rescore_minutes()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            f"/admin/tickets/prioritypolicy/{policy.pk}/change/",
            admin_form(policy, rescore_interval_minutes=15),
        )
    assert response.status_code == 302
    assert rescore_minutes() == 15
    schedule.refresh_from_db()
    assert schedule.minutes == 15
    assert sync_rescore_schedule() == 0  # already in step
