"""Supervisors manage accounts in the admin without being able to raise anyone's rights
above the three roles, their own included."""

import pytest
from django.contrib.auth.models import Group, Permission, User

from conftest import make_user

pytestmark = pytest.mark.django_db


def change_form_data(user: User, **changes) -> dict:
    data = {
        "username": user.username,
        "email": user.email,
        "is_active": "on",
        "is_staff": "on" if user.is_staff else "",
        "groups": [group.pk for group in user.groups.all()],
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-12-01",
        "date_joined_1": "08:00:00",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def test_supervisor_cannot_make_anyone_superuser_or_grant_permissions(client, supervisor_user):
    client.force_login(supervisor_user)
    everything = list(Permission.objects.values_list("pk", flat=True)[:5])
    response = client.post(
        f"/admin/auth/user/{supervisor_user.pk}/change/",
        change_form_data(supervisor_user, is_superuser="on", user_permissions=everything),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    supervisor_user.refresh_from_db()
    assert not supervisor_user.is_superuser
    assert not supervisor_user.user_permissions.exists()


def test_superuser_still_can(client, supervisor_user):
    root = make_user(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    response = client.post(
        f"/admin/auth/user/{supervisor_user.pk}/change/",
        change_form_data(supervisor_user, is_superuser="on"),
    )
    assert response.status_code == 302
    supervisor_user.refresh_from_db()
    assert supervisor_user.is_superuser


def test_supervisor_can_neither_see_nor_change_a_superuser(client, supervisor_user):
    root = make_user(username="root", is_staff=True, is_superuser=True)
    client.force_login(supervisor_user)
    assert "root" not in client.get("/admin/auth/user/").content.decode()
    assert client.get(f"/admin/auth/user/{root.pk}/change/").status_code == 302
    response = client.post(
        f"/admin/auth/user/{root.pk}/password/",
        {"password1": "Takeover-2026!", "password2": "Takeover-2026!"},
    )
    assert response.status_code in (302, 404)
    root.refresh_from_db()
    assert not root.check_password("Takeover-2026!")


def test_supervisor_assigns_only_the_three_roles(client, supervisor_user):
    Group.objects.create(name="auditors")
    agent = make_user(role="agent", username="newagent")
    client.force_login(supervisor_user)
    page = client.get(f"/admin/auth/user/{agent.pk}/change/").content.decode()
    assert ">agent<" in page
    assert ">customer<" in page
    assert "auditors" not in page


def test_supervisor_cannot_take_over_an_account_with_rights_beyond_the_roles(
    client, supervisor_user
):
    """Single permissions or another group make an account an operator's: a supervisor
    neither sees it nor resets its password."""
    auditors = Group.objects.create(name="auditors")
    auditors.permissions.add(Permission.objects.get(codename="change_group"))
    grouped = make_user(role="agent", username="grouped")
    grouped.groups.add(auditors)
    granted = make_user(role="agent", username="granted")
    granted.user_permissions.add(Permission.objects.get(codename="delete_user"))
    plain = make_user(role="agent", username="plain")
    client.force_login(supervisor_user)
    listing = client.get("/admin/auth/user/").content.decode()
    assert "plain" in listing
    for account in (grouped, granted):
        assert account.username not in listing
        client.post(
            f"/admin/auth/user/{account.pk}/password/",
            {"password1": "Takeover-2026!", "password2": "Takeover-2026!"},
        )
        account.refresh_from_db()
        assert not account.check_password("Takeover-2026!")
    assert client.get(f"/admin/auth/user/{plain.pk}/change/").status_code == 200
