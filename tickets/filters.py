import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from quotas.models import Level, Tier
from staffing.models import Lane

from .models import Category, Ticket


class QueueFilter(django_filters.FilterSet):
    level = django_filters.MultipleChoiceFilter(label=_("Level"), choices=Level.choices)
    lane = django_filters.ChoiceFilter(label=_("Lane"), choices=Lane.choices)
    category = django_filters.ModelChoiceFilter(
        label=_("Category"), queryset=Category.objects.all()
    )
    tier = django_filters.ModelChoiceFilter(
        label=_("Tier"), field_name="customer__tier", queryset=Tier.objects.all()
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[(s, Ticket.Status(s).label) for s in Ticket.Status.open_values()],
    )
    mine = django_filters.BooleanFilter(label=_("Mine"), method="filter_mine")
    unassigned = django_filters.BooleanFilter(
        label=_("Unassigned"), field_name="assignee", lookup_expr="isnull"
    )
    breached = django_filters.BooleanFilter(label=_("Breached"), method="filter_breached")

    class Meta:
        model = Ticket
        fields = ["level", "lane", "category", "tier", "status"]

    def filter_mine(self, queryset: QuerySet[Ticket], name: str, value: bool) -> QuerySet[Ticket]:
        if value is None:
            return queryset
        agent_id = getattr(getattr(self.request.user, "agent", None), "pk", None)
        return (
            queryset.filter(assignee_id=agent_id)
            if value
            else queryset.exclude(assignee_id=agent_id)
        )

    def filter_breached(
        self, queryset: QuerySet[Ticket], name: str, value: bool
    ) -> QuerySet[Ticket]:
        if value is None:
            return queryset
        breached = queryset.filter(sla_state=Ticket.SlaState.BREACHED)
        return breached if value else queryset.exclude(sla_state=Ticket.SlaState.BREACHED)
