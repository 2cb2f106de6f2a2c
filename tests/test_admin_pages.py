"""Every model registered in the admin opens for supervisors: list, add form and an
existing row's change page, on data the demo loader made."""

import pytest
from django.contrib import admin

from tickets.services.demo import seed_demo

pytestmark = pytest.mark.django_db

# Only superusers (operators) manage these: the roles' permissions come from migrations,
# and the job queue's tables are operations, not support work.
SUPERUSER_ONLY = {
    "auth.group",
    "django_q.failure",
    "django_q.ormq",
    "django_q.schedule",
    "django_q.success",
}
REGISTERED = sorted(model._meta.label_lower for model in admin.site._registry)


@pytest.fixture
def demo(db):
    seed_demo(tickets=60, open_tickets=20, seed=1)


@pytest.mark.parametrize("label", REGISTERED)
def test_supervisor_opens_every_admin_page(client, demo, supervisor_user, label):
    from monitoring.services import snapshot_metrics

    snapshot_metrics()  # so the snapshot and alert pages have a row to open
    model = next(m for m in admin.site._registry if m._meta.label_lower == label)
    app, name = label.split(".")
    client.force_login(supervisor_user)
    changelist = client.get(f"/admin/{app}/{name}/")
    if label in SUPERUSER_ONLY:
        assert changelist.status_code == 403
        return
    assert changelist.status_code == 200, label
    row = model._default_manager.order_by("pk").first()
    if row is not None:
        assert client.get(f"/admin/{app}/{name}/{row.pk}/change/").status_code == 200, label
    add = client.get(f"/admin/{app}/{name}/add/")
    can_add = admin.site._registry[model].has_add_permission(add.wsgi_request)
    assert add.status_code == (200 if can_add else 403), label


def test_every_app_model_is_registered():
    from django.apps import apps

    ours = {
        model._meta.label_lower
        for app in ("tickets", "quotas", "staffing", "monitoring")
        for model in apps.get_app_config(app).get_models()
    }
    assert ours <= set(REGISTERED), ours - set(REGISTERED)
