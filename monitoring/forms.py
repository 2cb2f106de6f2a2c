from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from quotas.models import Tier
from staffing import capacity
from staffing.models import Lane
from tickets.models import Category


class PlannerForm(forms.Form):
    """Targets for the Erlang C planner on the staffing page (GET, changes nothing).

    `max_occupancy`: the cap offered first. The page passes the desk's utilisation
    warning, so a lane staffed as planned does not trip the utilisation alert; the
    command keeps the textbook's uncapped 1.0."""

    target_level = forms.FloatField(
        label=_("Share answered in time"),
        initial=capacity.DEFAULT_TARGET_LEVEL,
        min_value=0.01,
        max_value=0.999,
    )
    target_minutes = forms.FloatField(
        label=_("Within (minutes)"), initial=capacity.DEFAULT_TARGET_MINUTES, min_value=0
    )
    shrinkage = forms.FloatField(
        label=_("Shrinkage"), initial=capacity.DEFAULT_SHRINKAGE, min_value=0, max_value=0.95
    )
    max_occupancy = forms.FloatField(
        label=_("Maximum occupancy"),
        initial=capacity.DEFAULT_MAX_OCCUPANCY,
        min_value=0.1,
        max_value=1,
    )

    def __init__(
        self, *args, max_occupancy: float = capacity.DEFAULT_MAX_OCCUPANCY, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["max_occupancy"].initial = max_occupancy
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_class = "row row-cols-sm-auto g-2 align-items-end"
        self.helper.add_input(Submit("plan", _("Plan"), css_class="btn-sm"))

    def targets(self) -> dict[str, float]:
        if self.is_bound and self.is_valid():
            return self.cleaned_data
        return {name: field.initial for name, field in self.fields.items()}


# The windows of monitoring.services.window, with their labels.
WINDOW_CHOICES = [
    ("hour", _("Last hour")),
    ("today", _("Today")),
    ("7d", _("7 days")),
    ("month", _("This month")),
]


class DashboardForm(forms.Form):
    window = forms.ChoiceField(label=_("Window"), required=False, choices=WINDOW_CHOICES)
    tier = forms.ModelChoiceField(label=_("Tier"), queryset=Tier.objects.all(), required=False)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.all(), required=False
    )
    lane = forms.ChoiceField(
        label=_("Lane"), choices=[("", "---------"), *Lane.choices], required=False
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_class = "row row-cols-sm-auto g-2 align-items-end"
        self.helper.add_input(Submit("show", _("Show"), css_class="btn-sm"))
