from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from quotas.models import Level
from staffing.models import Lane

from .models import Ticket
from .widgets import QuickNullBooleanSelect, QuickSelect, QuickSelectMultiple


class QueueFilter(django_filters.FilterSet):
    level = django_filters.MultipleChoiceFilter(
        label=_("Level"), choices=Level.choices, widget=QuickSelectMultiple
    )
    lane = django_filters.ChoiceFilter(label=_("Lane"), choices=Lane.choices, widget=QuickSelect)
    # Choices come from the caller, who reads categories and tiers once for the rows too.
    category = django_filters.ChoiceFilter(label=_("Category"), widget=QuickSelect)
    tier = django_filters.ChoiceFilter(
        label=_("Tier"), field_name="customer__tier", widget=QuickSelect
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[(s, Ticket.Status(s).label) for s in Ticket.Status.open_values()],
        widget=QuickSelect,
    )
    mine = django_filters.BooleanFilter(
        label=_("Mine"), method="filter_mine", widget=QuickNullBooleanSelect
    )
    unassigned = django_filters.BooleanFilter(
        label=_("Unassigned"),
        field_name="assignee",
        lookup_expr="isnull",
        widget=QuickNullBooleanSelect,
    )
    breached = django_filters.BooleanFilter(
        label=_("Breached"), method="filter_breached", widget=QuickNullBooleanSelect
    )

    class Meta:
        model = Ticket
        fields = ["level", "lane", "category", "tier", "status"]

    def __init__(
        self, *args: Any, categories: dict[int, str], tiers: dict[int, str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.filters["category"].extra["choices"] = list(categories.items())
        self.filters["tier"].extra["choices"] = list(tiers.items())

    def narrows(self) -> bool:
        """Whether a filter may leave out open requests; with invalid input, assume so."""
        if not self.is_bound:
            return False
        if not self.form.is_valid():
            return True
        return any(value not in (None, "", []) for value in self.form.cleaned_data.values())

    @property
    def form(self) -> forms.Form:
        form = super().form
        for field in form.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"
        return form

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
