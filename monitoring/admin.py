from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group, User
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import Alert, Snapshot, Thresholds

ROLES = ["agent", "supervisor", "customer"]
# Fields through which an account gains rights beyond its roles (is_staff alone only
# opens the admin, which then shows what the account's roles allow).
PRIVILEGE_FIELDS = ("is_superuser", "user_permissions")


class RoleUserAdmin(UserAdmin):
    """Supervisors manage accounts (agents, customers' portal users), but an account's
    rights come only from the three roles: without this, Django's user admin lets anyone
    with change_user tick "superuser" or grant any permission, themselves included.

    Accounts with rights beyond the roles (superusers, single permissions, other groups)
    are an operator's: hidden from supervisors, whose password reset would otherwise take
    them over, and whose group list would drop the groups it does not show. Here, beside
    the roles' migrations, rather than in an app of its own."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        users = super().get_queryset(request)
        if request.user.is_superuser:
            return users
        beyond_roles = Group.objects.exclude(name__in=ROLES)
        return (
            users.filter(is_superuser=False)
            .exclude(user_permissions__isnull=False)
            .exclude(groups__in=beyond_roles)
        )

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> list[str]:
        readonly = list(super().get_readonly_fields(request, obj))
        return readonly if request.user.is_superuser else [*readonly, *PRIVILEGE_FIELDS]

    def formfield_for_manytomany(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "groups" and not request.user.is_superuser:
            kwargs["queryset"] = Group.objects.filter(name__in=ROLES)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


admin.site.unregister(User)
admin.site.register(User, RoleUserAdmin)


@admin.register(Thresholds)
class ThresholdsAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "backlog_yellow_multiple",
        "backlog_red_multiple",
        "response_warning_multiple",
        "response_severe_multiple",
        "utilisation_warning",
        "error_rate_warning",
        "breaches_warning",
    ]

    def has_add_permission(self, request) -> bool:
        return not Thresholds.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    """The alert history; alerts open and resolve through the snapshot job only."""

    list_display = [
        "opened_at",
        "kind",
        "scope",
        "severity",
        "message",
        "resolved_at",
        "acknowledged_by",
    ]
    list_filter = ["kind", "severity", ("resolved_at", admin.EmptyFieldListFilter)]
    list_select_related = ["acknowledged_by"]
    search_fields = ["message", "scope"]
    date_hierarchy = "opened_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Snapshot)
class SnapshotAdmin(admin.ModelAdmin):
    list_display = ["taken_at", "window_start"]
    search_fields = ["taken_at"]
    date_hierarchy = "taken_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
