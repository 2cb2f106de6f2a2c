from django.contrib import admin

from .models import Alert, Snapshot, Thresholds


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
