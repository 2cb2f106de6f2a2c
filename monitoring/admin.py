from django.contrib import admin

from .models import Thresholds


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
