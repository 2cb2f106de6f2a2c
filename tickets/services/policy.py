"""Priority policies are versioned: publishing a change adds a version, history stays."""

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max

from ..models import PriorityPolicy


def active_policy() -> PriorityPolicy:
    policy = PriorityPolicy.objects.active()
    if policy is None:
        raise PriorityPolicy.DoesNotExist("No priority policy exists; run the migrations.")
    return policy


@transaction.atomic
def publish_policy(*, policy: PriorityPolicy, user: User | None) -> PriorityPolicy:
    """Save `policy`'s values as the next version. Raises ValidationError on bad values."""
    policy.pk = None
    policy._state.adding = True
    policy.full_clean(exclude=["version"])
    # Serialise publishers on the newest row so two saves cannot take the same number.
    list(PriorityPolicy.objects.select_for_update().order_by("-version")[:1])
    latest = PriorityPolicy.objects.aggregate(latest=Max("version"))["latest"] or 0
    policy.version = latest + 1
    policy.created_by = user if user is not None and user.is_authenticated else None
    policy.save(force_insert=True)
    return policy
