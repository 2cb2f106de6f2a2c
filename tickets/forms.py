from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from quotas.models import Level


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
