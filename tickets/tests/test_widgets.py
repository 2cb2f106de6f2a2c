"""The Python-drawn widgets draw what Django's template-drawn widgets draw."""

import pytest
from django import forms
from django.test.html import parse_html

from tickets.widgets import (
    QuickHiddenInput,
    QuickNullBooleanSelect,
    QuickSelect,
    QuickSelectMultiple,
    QuickTextarea,
    QuickTextInput,
)

CHOICES = [("P0", "P0 <urgent>"), ("P1", "P1 & co"), ("P2", "P2")]


@pytest.mark.parametrize(
    ("quick", "django_widget", "value"),
    [
        (QuickTextInput(), forms.TextInput(), 'say "hi" <b>'),
        (QuickTextInput(), forms.TextInput(), None),
        (QuickHiddenInput(), forms.HiddenInput(), "2026-12-04T10:00:00+00:00"),
        (QuickTextarea(attrs={"rows": 5}), forms.Textarea(attrs={"rows": 5}), "line 1\n<line 2>"),
        (QuickTextarea(), forms.Textarea(), None),
        (QuickSelect(choices=CHOICES), forms.Select(choices=CHOICES), "P1"),
        (QuickSelect(choices=CHOICES), forms.Select(choices=CHOICES), None),
        (
            QuickSelectMultiple(choices=CHOICES),
            forms.SelectMultiple(choices=CHOICES),
            ["P0", "P2"],
        ),
        (QuickNullBooleanSelect(), forms.NullBooleanSelect(), True),
        (QuickNullBooleanSelect(), forms.NullBooleanSelect(), None),
    ],
)
def test_quick_widgets_draw_the_same_html_as_django(quick, django_widget, value):
    attrs = {"id": "id_field", "class": "form-control", "required": True, "disabled": False}
    drawn = quick.render("field", value, attrs=attrs)
    expected = django_widget.render("field", value, attrs=attrs)
    assert parse_html(drawn) == parse_html(expected)
