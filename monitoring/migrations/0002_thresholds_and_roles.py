from django.contrib.auth.management import create_permissions
from django.db import migrations

AGENT = [
    "tickets.work_queue",
    "tickets.view_ticket",
    "tickets.view_ticketevent",
    "tickets.view_checklistitem",
    "tickets.view_category",
    "quotas.view_customer",
    "quotas.view_tier",
    "staffing.view_agent",
]

SUPERVISOR = AGENT + [
    "tickets.override_level",
    "tickets.change_ticket",
    "tickets.add_category",
    "tickets.change_category",
    "tickets.add_checklistitemtemplate",
    "tickets.change_checklistitemtemplate",
    "tickets.delete_checklistitemtemplate",
    "tickets.view_checklistitemtemplate",
    "tickets.add_responsetemplate",
    "tickets.change_responsetemplate",
    "tickets.view_responsetemplate",
    # Policies are versioned: "change" saves a new version, nothing is deleted.
    "tickets.add_prioritypolicy",
    "tickets.change_prioritypolicy",
    "tickets.view_prioritypolicy",
    "quotas.change_tier",
    "quotas.add_customer",
    "quotas.change_customer",
    "quotas.add_portaluser",
    "quotas.change_portaluser",
    "quotas.delete_portaluser",
    "quotas.view_portaluser",
    "staffing.manage_staffing",
    "staffing.add_agent",
    "staffing.change_agent",
    "staffing.add_skill",
    "staffing.change_skill",
    "staffing.view_skill",
    "staffing.add_servicecalendar",
    "staffing.change_servicecalendar",
    "staffing.view_servicecalendar",
    "staffing.add_servicewindow",
    "staffing.change_servicewindow",
    "staffing.delete_servicewindow",
    "staffing.view_servicewindow",
    "staffing.add_holiday",
    "staffing.change_holiday",
    "staffing.delete_holiday",
    "staffing.view_holiday",
    "monitoring.view_dashboard",
    "monitoring.view_thresholds",
    "monitoring.change_thresholds",
    "auth.add_user",
    "auth.change_user",
    "auth.view_user",
]

CUSTOMER = ["quotas.use_portal"]

ROLES = {"agent": AGENT, "supervisor": SUPERVISOR, "customer": CUSTOMER}


def create_thresholds_and_roles(apps, schema_editor):
    apps.get_model("monitoring", "Thresholds").objects.get_or_create(singleton=True)

    # Permissions are normally created after migrate; roles need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, names in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = [name.split(".") for name in names]
        permissions = [
            Permission.objects.get(content_type__app_label=app, codename=codename)
            for app, codename in wanted
        ]
        group.permissions.set(permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0001_initial"),
        ("tickets", "0002_default_policy_and_categories"),
        ("quotas", "0002_default_tiers"),
        ("staffing", "0002_default_skills_and_calendars"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]
    operations = [migrations.RunPython(create_thresholds_and_roles, migrations.RunPython.noop)]
