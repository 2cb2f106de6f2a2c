from decimal import Decimal

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from quotas.models import Customer, Level
from staffing.models import Agent

from .models import Category
from .services.intake import DESCRIPTION_MAX, TITLE_MAX, WINDOW_MAX_HOURS
from .widgets import QuickHiddenInput, QuickSelect, QuickTextarea, QuickTextInput


class HelperForm(forms.Form):
    """Rendered with {% crispy %} inside a template's own <form> tag."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


# The workspace's forms are drawn by {% form_fields %} rather than crispy, with widgets
# drawn in Python (tickets.widgets): seven forms on one page cost a millisecond each
# through crispy's layout templates.
class OverrideForm(forms.Form):
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices, widget=QuickSelect)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        help_text=_("Required. Shown in the request's timeline."),
        widget=QuickTextInput,
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("An override needs a reason."))
        return reason


class ActionForm(forms.Form):
    """Every workspace action carries the version of the request the agent saw."""

    version = forms.CharField(widget=QuickHiddenInput, required=False)


class MessageForm(ActionForm):
    body = forms.CharField(label=_("Message"), widget=QuickTextarea(attrs={"rows": 5}))


class ReasonForm(ActionForm):
    reason = forms.CharField(label=_("Reason"), max_length=300, widget=QuickTextInput)


class ChecklistForm(ActionForm):
    item = forms.IntegerField(widget=forms.HiddenInput)
    done = forms.BooleanField(required=False, widget=forms.HiddenInput)


class CategoryForm(ActionForm):
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.all(), widget=QuickSelect
    )


class ReassignForm(ActionForm):
    agent = forms.ModelChoiceField(
        label=_("Agent"),
        queryset=Agent.objects.select_related("user").order_by("user__username"),
        widget=QuickSelect,
    )


class MergeForm(ActionForm):
    parent_reference = forms.CharField(
        label=_("Merge into (reference)"), max_length=20, widget=QuickTextInput
    )


class StatedPriceField(forms.DecimalField):
    """The price a page stated, posted back hidden so the service can compare it with
    today's (tickets.services.portal.submit_from_portal). A form shown again states the
    current price, never the one posted, or a changed price could never be confirmed."""

    widget = forms.HiddenInput

    def bound_data(self, data, initial):
        return initial


class RequestInputsForm(HelperForm):
    """The inputs of SPEC 1 every entry point asks for; each form words the questions
    for its reader (`labels`)."""

    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    description = forms.CharField(
        label=_("What happened?"), max_length=DESCRIPTION_MAX, widget=forms.Textarea({"rows": 5})
    )
    impact_scope = forms.IntegerField(label=_("Affected customers"), min_value=0)
    time_window_hours = forms.DecimalField(
        label=_("Hours until it really hurts"),
        min_value=0.01,
        max_value=WINDOW_MAX_HOURS,
        decimal_places=2,
    )
    difficulty = forms.TypedChoiceField(
        label=_("Difficulty"),
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        initial=3,
        help_text=_("1 = simple question, 5 = deep technical problem."),
    )
    labels: dict[str, str] = {}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, label in self.labels.items():
            self.fields[name].label = label


class UrgentRequestForm(RequestInputsForm):
    labels = {
        "impact_scope": _("How many of your customers are affected?"),
        "difficulty": _("How complex do you think it is?"),
    }
    requested_level = forms.ChoiceField(label=_("Urgency you ask for"), choices=Level.choices)
    pay_confirmed = forms.BooleanField(required=False)
    confirmed_price = StatedPriceField(max_digits=10, decimal_places=2)

    def __init__(self, *args, price: Decimal, **kwargs) -> None:
        """`price`: the tier's pay-per-use price now, which the checkbox states."""
        super().__init__(*args, **kwargs)
        self.fields["pay_confirmed"].label = _(
            "Pay ¥%(price)s for this request if I have no urgent credit left"
        ) % {"price": price}
        self.fields["confirmed_price"].initial = price


class StaffRequestForm(RequestInputsForm):
    """An agent or supervisor files a request for a customer (phone, e-mail, chat).

    The level is what the customer asks for: it caps the score and spends their urgent
    credit as it would in the portal. Paying per use is the customer's own decision, so
    it is not offered here; a customer without credit asks in the portal or regularly.
    """

    field_order = ["customer"]
    customer = forms.ModelChoiceField(
        label=_("Customer"),
        queryset=Customer.objects.select_related("tier").order_by("name"),
    )
    requested_level = forms.ChoiceField(
        label=_("Urgency the customer asks for"),
        choices=Level.choices,
        initial=Level.P3,
        help_text=_("P3 is the regular process and uses no urgent credit."),
    )


class CustomerReplyForm(HelperForm):
    body = forms.CharField(label=_("Your answer"), widget=forms.Textarea({"rows": 4}))


class RatingForm(HelperForm):
    score = forms.TypedChoiceField(
        label=_("How satisfied are you?"),
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea({"rows": 2})
    )
