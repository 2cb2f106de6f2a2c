"""The project's ModelBackend grants exactly what Django's does, in one query."""

import pytest
from django.contrib.auth import backends
from django.contrib.auth.models import AnonymousUser, Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import make_user
from expedite_site.auth import ModelBackend

pytestmark = pytest.mark.django_db


def fresh(user: User) -> User:
    """The user without cached permissions, as a new request loads it."""
    return User.objects.get(pk=user.pk)


def both_with_a_permission_of_its_own(role: str | None) -> User:
    user = make_user(role=role)
    user.user_permissions.add(Permission.objects.get(codename="view_tier"))
    return user


@pytest.mark.parametrize("role", ["agent", "supervisor", "customer", None])
def test_the_same_permissions_as_djangos_backend_from_one_query(role):
    user = both_with_a_permission_of_its_own(role)
    expected = backends.ModelBackend().get_all_permissions(fresh(user))
    loaded = fresh(user)
    with CaptureQueriesContext(connection) as queries:
        granted = ModelBackend().get_all_permissions(loaded)
    assert granted == expected
    assert "quotas.view_tier" in granted
    assert len(queries) == 1


def test_a_superuser_has_every_permission():
    user = make_user(is_superuser=True)
    assert len(ModelBackend().get_all_permissions(fresh(user))) == Permission.objects.count()


def test_inactive_and_anonymous_users_have_none():
    inactive = both_with_a_permission_of_its_own("supervisor")
    inactive.is_active = False
    inactive.save()
    assert ModelBackend().get_all_permissions(fresh(inactive)) == set()
    assert ModelBackend().get_all_permissions(AnonymousUser()) == set()


def test_permission_checks_use_the_projects_backend():
    supervisor = fresh(make_user(role="supervisor"))
    with CaptureQueriesContext(connection) as queries:
        assert supervisor.has_perm("tickets.override_level")
        assert not supervisor.has_perm("quotas.use_portal")
    assert len(queries) == 1
