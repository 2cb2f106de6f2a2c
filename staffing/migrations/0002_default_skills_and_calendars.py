import datetime as dt

from django.db import migrations

SKILLS = [("technical", "Technical"), ("billing", "Billing"), ("account", "Account")]

WEEKDAYS = range(0, 5)
ALL_DAYS = range(0, 7)
MIDNIGHT = dt.time(0, 0)

# (code, name, [(weekdays, start, end), ...])
CALENDARS = [
    ("24x7", "7x24", [(ALL_DAYS, MIDNIGHT, MIDNIGHT)]),
    ("weekdays-16h", "Weekdays 16 h (06:00-22:00)", [(WEEKDAYS, dt.time(6), dt.time(22))]),
    ("weekdays-8h", "Weekdays 8 h (09:00-17:00)", [(WEEKDAYS, dt.time(9), dt.time(17))]),
    (
        "business-hours",
        "Business hours (09:00-12:00, 13:00-18:00)",
        [(WEEKDAYS, dt.time(9), dt.time(12)), (WEEKDAYS, dt.time(13), dt.time(18))],
    ),
]

# Public holidays observed by the weekday calendars; 7x24 service runs through them.
HOLIDAYS = [
    (dt.date(2027, 1, 1), "New Year's Day"),
    (dt.date(2027, 5, 1), "Labour Day"),
    (dt.date(2027, 10, 1), "National Day"),
    (dt.date(2027, 10, 2), "National Day"),
    (dt.date(2027, 10, 3), "National Day"),
]


def create_defaults(apps, schema_editor):
    Skill = apps.get_model("staffing", "Skill")
    ServiceCalendar = apps.get_model("staffing", "ServiceCalendar")
    ServiceWindow = apps.get_model("staffing", "ServiceWindow")
    Holiday = apps.get_model("staffing", "Holiday")
    for code, name in SKILLS:
        Skill.objects.get_or_create(code=code, defaults={"name": name})
    for code, name, windows in CALENDARS:
        calendar, created = ServiceCalendar.objects.get_or_create(code=code, defaults={"name": name})
        if not created:
            continue
        ServiceWindow.objects.bulk_create(
            ServiceWindow(calendar=calendar, weekday=day, starts_at=start, ends_at=end)
            for days, start, end in windows
            for day in days
        )
        if code != "24x7":
            Holiday.objects.bulk_create(
                Holiday(calendar=calendar, date=date, name=holiday) for date, holiday in HOLIDAYS
            )


class Migration(migrations.Migration):
    dependencies = [("staffing", "0001_initial")]
    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
