from collections.abc import Iterable
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from django import forms, template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from staffing.models import Lane
from tickets.models import Ticket

register = template.Library()

CLOCK_STYLES = {
    "ok": ("text-bg-success", _("On track")),
    "warning": ("text-bg-warning", _("At risk")),
    "due": ("text-bg-warning border border-danger", _("Due now")),
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


class DurationFormats:
    """The three ways to say a duration, translated once for many durations."""

    def __init__(self) -> None:
        self.days = gettext("%(days)d d %(hours)d h")
        self.hours = gettext("%(hours)d h %(minutes)d min")
        self.minutes = gettext("%(minutes)d min")

    def say(self, value: timedelta) -> str:
        """A wait as people say it: "45 min", "2 h 10 min", "3 d 4 h"."""
        minutes = max(int(value.total_seconds() // 60), 1)
        days, minutes = divmod(minutes, 24 * 60)
        hours, minutes = divmod(minutes, 60)
        if days:
            return self.days % {"days": days, "hours": hours}
        if hours:
            return self.hours % {"hours": hours, "minutes": minutes}
        return self.minutes % {"minutes": minutes}


@register.filter
def duration_text(value: timedelta | None) -> str:
    return "" if value is None else DurationFormats().say(value)


@register.simple_tag
def board_rows(
    rows: Iterable[dict[str, Any]],
    categories: dict[int, str],
    tiers: dict[int, str],
    columns: int,
) -> SafeString:
    """The board's rows (tickets.views.BOARD_COLUMNS) in one pass of Python.

    Agents keep this page open all day and it refreshes every 15 s; drawn cell by cell
    through the template engine, 50 rows cost most of the page's time. Everything that is
    the same for every row (labels, phrases, the link's pattern) is prepared once, and
    only text people typed or named is escaped per row.
    """
    now = timezone.now()
    statuses = {value: escape(label) for value, label in Ticket.Status.choices}
    lanes = {value: escape(label) for value, label in Lane.choices}
    categories = {pk: escape(name) for pk, name in categories.items()}
    tiers = {pk: escape(name) for pk, name in tiers.items()}
    overdue, left = escape(gettext("%(time)s overdue")), escape(gettext("%(time)s left"))
    durations = DurationFormats()
    # One reversed link for every row; each reference is quoted as reverse() would.
    link = reverse("tickets:detail", args=["REFERENCE"]).replace("REFERENCE", "{}")
    html = []
    for row in rows:
        reference, due, sla_state = escape(row["reference"]), row["handling_due"], row["sla_state"]
        url = escape(link.format(quote(row["reference"], safe="")))
        if sla_state == Ticket.SlaState.BREACHED or due <= now:
            countdown = overdue % {"time": durations.say(now - due)}
        else:
            countdown = left % {"time": durations.say(due - now)}
        assignee = row["assignee__user__username"]
        html.append(
            f'<tr class="sla-{sla_state}" data-reference="{reference}">'
            f'<td><span class="badge badge-level-{row["level"]}">{row["level"]}</span></td>'
            f'<td><a href="{url}">{reference}</a></td>'
            f"<td>{escape(row['customer__name'])} "
            f'<span class="text-body-secondary small">{tiers[row["customer__tier"]]}</span></td>'
            f"<td>{categories[row['category']]}</td><td>{escape(row['title'])}</td>"
            f"<td>{row['score'].normalize():f}</td>"
            f"<td>{durations.say(now - row['created_at'])}</td>"
            f'<td><span class="sla-badge sla-badge-{sla_state}">{countdown}</span></td>'
            f"<td>{escape(assignee) if assignee else '—'}</td>"
            f"<td>{statuses[row['status']]}</td><td>{lanes[row['lane']]}</td></tr>"
        )
    if not html:
        return format_html(
            '<tr><td colspan="{}">{}</td></tr>', columns, _("No open requests match.")
        )
    return SafeString("".join(html))


@register.simple_tag
def form_fields(form: forms.Form) -> SafeString:
    """A form's fields as Bootstrap groups (label, widget, help, errors), hidden ones bare.

    The workspace draws seven small forms; through crispy's layout templates each cost
    about a millisecond, most of the page's rendering.
    """
    parts = [
        format_html('<div class="alert alert-danger py-1">{}</div>', error)
        for error in form.non_field_errors()
    ]
    for field in form:
        if field.is_hidden:
            parts.append(str(field))
            continue
        css = "form-select" if isinstance(field.field.widget, forms.Select) else "form-control"
        if field.errors:
            css += " is-invalid"
        parts.append(
            format_html(
                '<div class="mb-2"><label class="form-label" for="{}">{}</label>{}{}{}</div>',
                field.id_for_label,
                field.label,
                field.as_widget(attrs={"class": css}),
                format_html('<div class="form-text">{}</div>', field.help_text)
                if field.help_text
                else "",
                format_html_join(
                    "", '<div class="invalid-feedback">{}</div>', ((e,) for e in field.errors)
                ),
            )
        )
    return SafeString("".join(parts))
