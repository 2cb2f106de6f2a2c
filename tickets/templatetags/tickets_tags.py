from django import template
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

register = template.Library()

CLOCK_STYLES = {
    "ok": ("text-bg-success", _("On track")),
    "warning": ("text-bg-warning", _("At risk")),
    "breached": ("text-bg-danger", _("Breached")),
    "paused": ("text-bg-secondary", _("Paused (waiting on customer)")),
    "met": ("text-bg-success", _("Met")),
    "missed": ("text-bg-danger", _("Missed")),
}


@register.simple_tag
def level_badge(level: str) -> str:
    return format_html('<span class="badge badge-level-{0}">{0}</span>', level)


@register.simple_tag
def clock_badge(state: str) -> str:
    css, label = CLOCK_STYLES[state]
    return format_html('<span class="badge {}">{}</span>', css, label)
