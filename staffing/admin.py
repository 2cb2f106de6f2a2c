from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Agent, Holiday, ServiceCalendar, ServiceWindow, Skill


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


class ServiceWindowInline(admin.TabularInline):
    model = ServiceWindow
    extra = 0


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0


@admin.register(ServiceCalendar)
class ServiceCalendarAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]
    inlines = [ServiceWindowInline, HolidayInline]


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


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ["__str__", "lane", "status", "load_display", "skill_list", "language"]
    list_filter = ["lane", "status", "skills"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "user__email"]
    autocomplete_fields = ["user"]
    filter_horizontal = ["skills"]
    readonly_fields = ["open_load", "last_assigned_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("skills")

    @admin.display(description=_("load"))
    def load_display(self, agent: Agent) -> str:
        return f"{agent.open_load} / {agent.max_load}"

    @admin.display(description=_("skills"))
    def skill_list(self, agent: Agent) -> str:
        return ", ".join(skill.code for skill in agent.skills.all())
