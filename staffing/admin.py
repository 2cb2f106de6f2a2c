from datetime import date

from django.contrib import admin
from django.db.models import Count, Max
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import (
    Agent,
    Holiday,
    LaneChange,
    LaneSettings,
    ServiceCalendar,
    ServiceWindow,
    Shift,
    Skill,
)


class RelatedRowsFilter(admin.SimpleListFilter):
    """Rows with or without any row behind the reverse relation named by `parameter_name`."""

    with_label: str | Promise
    without_label: str | Promise

    def lookups(self, request, model_admin):
        return [("yes", self.with_label), ("no", self.without_label)]

    def queryset(self, request, queryset):
        # exclude() on a multi-valued relation is a subquery, so no row is listed twice.
        lookup = {f"{self.parameter_name}__isnull": True}
        if self.value() == "yes":
            return queryset.exclude(**lookup)
        if self.value() == "no":
            return queryset.filter(**lookup)
        return queryset


class AgentsFilter(RelatedRowsFilter):
    # A skill no agent has strands its category's requests: routing and claim-next
    # both give a request only to an agent with the category's skill.
    title = _("agents")
    parameter_name = "agents"
    with_label = _("With agents")
    without_label = _("Without agents")


class HolidaysFilter(RelatedRowsFilter):
    title = _("holidays")
    parameter_name = "holidays"
    with_label = _("With holidays")
    without_label = _("Without holidays")


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "agent_count"]
    list_filter = [AgentsFilter]
    search_fields = ["code", "name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(agent_count=Count("agents"))

    @admin.display(description=_("agents"), ordering="agent_count")
    def agent_count(self, skill: Skill) -> int:
        return skill.agent_count


class ServiceWindowInline(admin.TabularInline):
    model = ServiceWindow
    extra = 0


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0


@admin.register(ServiceCalendar)
class ServiceCalendarAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "holiday_count", "last_holiday"]
    list_filter = [HolidaysFilter]
    search_fields = ["code", "name"]
    inlines = [ServiceWindowInline, HolidayInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(holiday_count=Count("holidays"), last_holiday=Max("holidays__date"))
        )

    @admin.display(description=_("holidays"), ordering="holiday_count")
    def holiday_count(self, calendar: ServiceCalendar) -> int:
        return calendar.holiday_count

    # Holidays are entered year by year: a last holiday in the past means next year's
    # are missing and the SLA clocks will run through them.
    @admin.display(description=_("last holiday"), ordering="last_holiday")
    def last_holiday(self, calendar: ServiceCalendar) -> date | None:
        return calendar.last_holiday


@admin.register(ServiceWindow)
class ServiceWindowAdmin(admin.ModelAdmin):
    list_display = ["calendar", "weekday", "starts_at", "ends_at"]
    list_filter = ["calendar", "weekday"]
    list_select_related = ["calendar"]
    search_fields = ["calendar__name"]
    autocomplete_fields = ["calendar"]


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "name", "calendar"]
    list_filter = ["calendar"]
    list_select_related = ["calendar"]
    search_fields = ["name", "calendar__name"]
    autocomplete_fields = ["calendar"]
    date_hierarchy = "date"


class ShiftInline(admin.TabularInline):
    model = Shift
    extra = 0


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "lane",
        "borrowed_at",
        "status",
        "load_display",
        "skill_list",
        "language",
    ]
    list_filter = ["lane", "status", "skills", ("borrowed_at", admin.EmptyFieldListFilter)]
    list_select_related = ["user"]
    ordering = ["user__username"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "user__email"]
    autocomplete_fields = ["user"]
    filter_horizontal = ["skills"]
    readonly_fields = ["open_load", "last_assigned_at", "borrowed_at"]
    inlines = [ShiftInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("skills")

    @admin.display(description=_("load"))
    def load_display(self, agent: Agent) -> str:
        return f"{agent.open_load} / {agent.max_load}"

    @admin.display(description=_("skills"))
    def skill_list(self, agent: Agent) -> str:
        return ", ".join(skill.code for skill in agent.skills.all())


@admin.register(Shift)
class ShiftAdmin(admin.ModelAdmin):
    list_display = ["agent", "weekday", "starts_at", "ends_at"]
    list_filter = ["weekday", "agent__lane"]
    list_select_related = ["agent__user"]
    ordering = ["agent__user__username", "weekday", "starts_at"]
    search_fields = ["agent__user__username"]
    autocomplete_fields = ["agent"]


@admin.register(LaneSettings)
class LaneSettingsAdmin(admin.ModelAdmin):
    list_display = ["lane", "routing_mode"]
    list_editable = ["routing_mode"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(LaneChange)
class LaneChangeAdmin(admin.ModelAdmin):
    """History only: borrowing is decided by the rebalance job, never edited by hand."""

    list_display = ["at", "agent", "action", "backlog", "urgent_agents", "normal_agents", "reason"]
    list_filter = ["action"]
    list_select_related = ["agent__user"]
    search_fields = ["agent__user__username", "reason"]
    date_hierarchy = "at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
