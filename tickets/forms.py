from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from quotas.models import Level
from staffing.models import Agent

from .models import Category


class OverrideForm(forms.Form):
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        help_text=_("Required. Shown in the request's timeline."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("An override needs a reason."))
        return reason


class ActionForm(forms.Form):
    """Every workspace action carries the version of the request the agent saw."""

    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class MessageForm(ActionForm):
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 5}))


class ReasonForm(ActionForm):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class ChecklistForm(ActionForm):
    item = forms.IntegerField(widget=forms.HiddenInput)
    done = forms.BooleanField(required=False, widget=forms.HiddenInput)


class CategoryForm(ActionForm):
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.all())


class ReassignForm(ActionForm):
    agent = forms.ModelChoiceField(
        label=_("Agent"), queryset=Agent.objects.select_related("user").order_by("user__username")
    )


class MergeForm(ActionForm):
    parent_reference = forms.CharField(label=_("Merge into (reference)"), max_length=20)
