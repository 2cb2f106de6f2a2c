from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import (
    Balance,
    Customer,
    LedgerEntry,
    PortalUser,
    Product,
    QuotaReset,
    Subscription,
    Tier,
)
from .services import grant_current_month, validate_subscription_end


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

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if not change or "tier" in form.changed_data:
            # New or re-tiered: the month's included quota now, not on the next 1st.
            grant_current_month(customers=[obj])


@admin.register(PortalUser)
class PortalUserAdmin(admin.ModelAdmin):
    list_display = ["user", "customer", "receives_notifications"]
    list_filter = ["receives_notifications", "customer__tier"]
    list_select_related = ["user", "customer"]
    search_fields = ["user__username", "user__email", "customer__name"]
    autocomplete_fields = ["user", "customer"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "price", "credits", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written only by the quota services, so that the ledger always sums to the balances."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Balance)
class BalanceAdmin(ReadOnlyAdmin):
    list_display = ["customer", "source", "remaining"]
    list_filter = ["source", "customer__tier"]
    list_select_related = ["customer"]
    search_fields = ["customer__name"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "at",
        "period",
        "customer",
        "kind",
        "source",
        "credits",
        "amount",
        "request_reference",
        "recorded_by",
    ]
    list_filter = ["kind", "source", "period"]
    list_select_related = ["customer", "recorded_by"]
    search_fields = ["customer__name", "request_reference", "note"]
    date_hierarchy = "at"
    show_full_result_count = False


class SubscriptionForm(forms.ModelForm):
    class Meta:
        model = Subscription
        fields = ["ends"]

    def clean_ends(self) -> str:
        try:
            return validate_subscription_end(
                subscription=self.instance, ends=self.cleaned_data["ends"]
            )
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    """Subscriptions start through record_purchase (the billing page), which bills and
    credits the first month; here a supervisor can only set the last month."""

    list_display = ["customer", "product", "starts", "ends"]
    list_filter = ["product"]
    list_select_related = ["customer", "product"]
    search_fields = ["customer__name"]
    form = SubscriptionForm
    fields = ["customer", "product", "starts", "ends"]
    readonly_fields = ["customer", "product", "starts"]

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("quotas.change_subscription")


@admin.register(QuotaReset)
class QuotaResetAdmin(ReadOnlyAdmin):
    list_display = ["period", "ran_at"]
    search_fields = ["period"]
