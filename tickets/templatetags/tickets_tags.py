from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince, timeuntil
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


@register.filter
def duration_text(value: timedelta | None) -> str:
    """A wait as people say it: "45 min", "2 h 10 min", "3 d 4 h"."""
    if value is None:
        return ""
    minutes = max(int(value.total_seconds() // 60), 1)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)d min") % {"minutes": minutes}


@register.simple_tag
def sla_countdown(ticket) -> str:
    """Time left to the handling due time, or overdue, coloured by the SLA state."""
    now = timezone.now()
    if ticket.sla_state == "breached" or ticket.handling_due <= now:
        text = _("%(time)s overdue") % {"time": timesince(ticket.handling_due, now)}
    else:
        text = _("%(time)s left") % {"time": timeuntil(ticket.handling_due, now)}
    return format_html('<span class="sla-badge sla-badge-{}">{}</span>', ticket.sla_state, text)
