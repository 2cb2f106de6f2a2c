import pytest
from django.db import DatabaseError
from django.db.backends.utils import CursorWrapper

from expedite_site.schedules import Job, sync_schedules

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_scheduler(client):
    sync_schedules([Job(name="probe", func="math.floor", minutes=5)])
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == {"ok": True}
    assert body["scheduler"]["status"] == "ok"
    assert body["status"] == "ok"


def test_healthz_is_degraded_without_schedules_but_still_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["scheduler"]["status"] == "no schedules"


def test_healthz_flags_overdue_schedules(client):
    from datetime import timedelta

    from django.utils import timezone
    from django_q.models import Schedule

    sync_schedules([Job(name="probe", func="math.floor", minutes=5)])
    Schedule.objects.update(next_run=timezone.now() - timedelta(hours=1))
    body = client.get("/healthz").json()
    assert body["scheduler"] == {"ok": False, "status": "overdue", "schedules": 1, "overdue": 1}


def test_healthz_returns_503_when_the_database_is_unreachable(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr(CursorWrapper, "execute", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"]["ok"] is False


def test_healthz_returns_503_for_a_signed_in_probe_too(client, monkeypatch, agent):
    """A browser or probe with a session cookie must not turn the outage into a 500."""
    client.force_login(agent.user)

    def refuse(*args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr(CursorWrapper, "execute", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
