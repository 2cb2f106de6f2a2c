from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Customer, PortalUser, Tier


@admin.register(Tier)
class TierAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "customer_score",
        "quota_display",
        "extra_request_price",
        "response_commitment_hours",
        "calendar",
        "max_requestable_level",
    ]
    list_select_related = ["calendar"]
    list_filter = ["max_requestable_level", "calendar"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["calendar"]

    @admin.display(description=_("urgent quota / month"))
    def quota_display(self, tier: Tier) -> str:
        if tier.has_unlimited_quota:
            return str(_("unlimited"))
        return str(tier.monthly_urgent_quota)


class PortalUserInline(admin.TabularInline):
    model = PortalUser
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "tier", "is_strategic_partner", "contact_email", "language"]
    list_filter = ["tier", "is_strategic_partner", "language"]
    list_select_related = ["tier"]
    search_fields = ["name", "contact_email"]
    autocomplete_fields = ["tier"]
    inlines = [PortalUserInline]


@admin.register(PortalUser)
class PortalUserAdmin(admin.ModelAdmin):
    list_display = ["user", "customer", "receives_notifications"]
    list_filter = ["receives_notifications", "customer__tier"]
    list_select_related = ["user", "customer"]
    search_fields = ["user__username", "user__email", "customer__name"]
    autocomplete_fields = ["user", "customer"]
