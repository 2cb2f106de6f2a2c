import pytest
from django.core.management import call_command
from django_q.models import Schedule

from expedite_site.schedules import JOBS, NAME_PREFIX, Job, sync_schedules

pytestmark = pytest.mark.django_db


def test_sync_schedules_twice_leaves_one_row_per_job():
    call_command("sync_schedules")
    call_command("sync_schedules")
    names = sorted(Schedule.objects.values_list("name", flat=True))
    assert names == sorted(
        NAME_PREFIX + job
        for job in (
            "rescore_tickets",
            "escalate_tickets",
            "rebalance_lanes",
            "snapshot_metrics",
            "reset_quotas",
        )
    )
    timing = dict(Schedule.objects.values_list("name", "minutes"))
    assert timing[NAME_PREFIX + "rescore_tickets"] == 30
    assert timing[NAME_PREFIX + "escalate_tickets"] == 5
    assert Schedule.objects.get(name=NAME_PREFIX + "reset_quotas").cron == "0 0 1 * *"


@pytest.mark.parametrize("job", JOBS, ids=lambda job: job.name)
def test_every_scheduled_job_runs(job):
    from django.utils.module_loading import import_string

    assert isinstance(import_string(job.func)(), dict)


def test_sync_schedules_updates_changed_timing_and_removes_dropped_jobs():
    sync_schedules(
        [Job(name="a", func="math.floor", minutes=5), Job(name="b", func="math.ceil", minutes=5)]
    )
    summary = sync_schedules([Job(name="a", func="math.floor", minutes=10)])
    assert summary == {"created": [], "updated": ["a"], "removed": ["b"]}
    assert Schedule.objects.get(name=NAME_PREFIX + "a").minutes == 10
    assert not Schedule.objects.filter(name=NAME_PREFIX + "b").exists()


def test_sync_schedules_leaves_hand_made_schedules_alone():
    Schedule.objects.create(name="by hand", func="math.floor", schedule_type=Schedule.DAILY)
    sync_schedules([])
    assert Schedule.objects.filter(name="by hand").exists()


def test_cron_jobs_are_stored_as_cron_schedules():
    sync_schedules([Job(name="monthly", func="math.floor", cron="0 0 1 * *")])
    schedule = Schedule.objects.get(name=NAME_PREFIX + "monthly")
    assert (schedule.schedule_type, schedule.cron) == (Schedule.CRON, "0 0 1 * *")
