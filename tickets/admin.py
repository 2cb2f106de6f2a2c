from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quotas.admin import CustomerAdmin
from quotas.models import Customer

from .models import (
    Category,
    ChecklistItem,
    ChecklistItemTemplate,
    PriorityPolicy,
    ResponseTemplate,
    Satisfaction,
    Ticket,
    TicketEvent,
)
from .services.demand import FalseUrgent, with_false_urgent
from .services.policy import publish_policy


class ChecklistItemTemplateInline(admin.TabularInline):
    model = ChecklistItemTemplate
    extra = 0


class ResponseTemplateInline(admin.StackedInline):
    model = ResponseTemplate
    extra = 0


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "name_zh", "position", "is_fallback", "skill"]
    list_editable = ["position"]
    list_filter = ["is_fallback", "skill"]
    list_select_related = ["skill"]
    search_fields = ["code", "name_en", "name_zh", "keywords_en", "keywords_zh"]
    autocomplete_fields = ["skill"]
    inlines = [ChecklistItemTemplateInline, ResponseTemplateInline]


@admin.register(ChecklistItemTemplate)
class ChecklistItemTemplateAdmin(admin.ModelAdmin):
    list_display = ["text_en", "text_zh", "category", "position", "is_required"]
    list_filter = ["category", "is_required"]
    list_select_related = ["category"]
    search_fields = ["text_en", "text_zh"]
    autocomplete_fields = ["category"]


@admin.register(ResponseTemplate)
class ResponseTemplateAdmin(admin.ModelAdmin):
    list_display = ["category", "kind", "language", "subject"]
    list_filter = ["category", "kind", "language"]
    list_select_related = ["category"]
    search_fields = ["subject", "body"]
    autocomplete_fields = ["category"]


@admin.register(PriorityPolicy)
class PriorityPolicyAdmin(admin.ModelAdmin):
    """Saving the newest policy publishes the edited values as a new version; older
    versions are history, shown read-only (editing one would publish stale values)."""

    list_display = [
        "version",
        "created_at",
        "created_by",
        "weights_display",
        "thresholds_display",
        "change_note",
    ]
    list_select_related = ["created_by"]
    list_filter = ["created_at"]
    search_fields = ["change_note"]
    readonly_fields = ["version", "created_at", "created_by"]
    fieldsets = [
        (None, {"fields": ["version", "created_at", "created_by", "change_note"]}),
        (
            _("Weights (must add up to 1)"),
            {
                "fields": ["weight_impact", "weight_time", "weight_customer", "weight_difficulty"],
            },
        ),
        (
            _("Scales"),
            {
                "fields": [
                    "impact_full_scale",
                    "time_horizon_hours",
                    "difficulty_max",
                    "strategic_partner_score",
                ],
            },
        ),
        (
            _("Level thresholds (strictly descending)"),
            {
                "fields": ["threshold_p0", "threshold_p1", "threshold_p2"],
            },
        ),
        (
            _("Handling targets"),
            {
                "fields": ["target_p0_hours", "target_p1_hours", "target_p2_hours"],
            },
        ),
        (
            _("Jobs and SLA"),
            {
                "fields": [
                    "rescore_interval_minutes",
                    "escalation_interval_minutes",
                    "warning_ratio",
                    "due_ratio",
                    "reopen_period_days",
                ],
            },
        ),
    ]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: PriorityPolicy | None = None
    ) -> bool:
        if obj is not None and obj.pk != PriorityPolicy.objects.active().pk:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change) -> None:
        publish_policy(policy=obj, user=request.user)

    @admin.display(description=_("weights (impact/time/customer/difficulty)"))
    def weights_display(self, policy: PriorityPolicy) -> str:
        return " / ".join(
            f"{getattr(policy, name).normalize()}" for name in PriorityPolicy.WEIGHT_FIELDS
        )

    @admin.display(description=_("thresholds (P0/P1/P2)"))
    def thresholds_display(self, policy: PriorityPolicy) -> str:
        return " / ".join(
            f"{value.normalize()}"
            for value in (policy.threshold_p0, policy.threshold_p1, policy.threshold_p2)
        )


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 0
    readonly_fields = ["done_at", "done_by"]


class TicketEventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    can_delete = False
    fields = ["at", "actor", "kind", "old_value", "new_value", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Read-mostly: requests change through the workspace's services, which audit them."""

    list_display = [
        "reference",
        "level",
        "score",
        "status",
        "customer",
        "category",
        "lane",
        "assignee",
        "sla_state",
        "created_at",
    ]
    list_filter = ["level", "status", "lane", "sla_state", "category", "customer__tier"]
    list_select_related = ["customer", "category", "assignee__user"]
    search_fields = ["reference", "title", "customer__name"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    readonly_fields = [field.name for field in Ticket._meta.fields if field.name != "id"]
    inlines = [ChecklistItemInline, TicketEventInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TicketEvent)
class TicketEventAdmin(admin.ModelAdmin):
    list_display = ["at", "ticket", "kind", "old_value", "new_value", "actor", "reason"]
    list_filter = ["kind"]
    list_select_related = ["ticket", "actor"]
    search_fields = ["ticket__reference", "reason"]
    raw_id_fields = ["ticket"]
    date_hierarchy = "at"
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ChecklistItem)
class ChecklistItemAdmin(admin.ModelAdmin):
    list_display = ["ticket", "position", "text_en", "is_required", "done_at", "done_by"]
    list_filter = ["is_required"]
    list_select_related = ["ticket", "done_by"]
    search_fields = ["ticket__reference", "text_en", "text_zh"]
    raw_id_fields = ["ticket"]

    def has_add_permission(self, request) -> bool:
        return False


admin.site.unregister(Customer)


@admin.register(Customer)
class CustomerDemandAdmin(CustomerAdmin):
    """The customer admin with the false-urgent rate, which needs the requests."""

    list_display = [*CustomerAdmin.list_display, "false_urgent_display"]
    readonly_fields = ["false_urgent_display"]

    def get_queryset(self, request):
        return with_false_urgent(super().get_queryset(request), now=timezone.now())

    @admin.display(description=_("false-urgent rate (90 days)"), ordering="triaged_to_p3")
    def false_urgent_display(self, customer: Customer) -> str:
        result = FalseUrgent(urgent=customer.urgent_asked, triaged_to_p3=customer.triaged_to_p3)
        if result.rate is None:
            return str(_("no urgent requests"))
        return f"{result.rate:.0%} ({result.triaged_to_p3}/{result.urgent})"


@admin.register(Satisfaction)
class SatisfactionAdmin(admin.ModelAdmin):
    list_display = ["ticket", "score", "at", "by", "comment"]
    list_filter = ["score"]
    list_select_related = ["ticket", "by"]
    search_fields = ["ticket__reference", "comment"]
    raw_id_fields = ["ticket"]
    date_hierarchy = "at"

    def has_add_permission(self, request) -> bool:
        return False
