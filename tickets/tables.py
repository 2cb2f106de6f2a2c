import django_tables2 as tables
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext_lazy as _

from .models import Ticket


def _row_class(record: Ticket) -> str:
    return f"sla-{record.sla_state}"


class QueueTable(tables.Table):
    """The agents' board; the view passes a joined queryset so no row runs a query."""

    level = tables.Column(verbose_name=_("Level"))
    reference = tables.Column(verbose_name=_("Reference"))
    customer = tables.Column(
        verbose_name=_("Customer"), accessor="customer__name", order_by="customer__name"
    )
    category = tables.Column(verbose_name=_("Category"), order_by="category__code")
    title = tables.Column(verbose_name=_("Title"))
    score = tables.Column(verbose_name=_("Score"))
    created_at = tables.Column(verbose_name=_("Waiting"))
    handling_due = tables.Column(verbose_name=_("SLA"))
    assignee = tables.Column(
        verbose_name=_("Assignee"), order_by="assignee__user__username", default="—"
    )
    status = tables.Column(verbose_name=_("Status"))
    lane = tables.Column(verbose_name=_("Lane"))

    class Meta:
        model = Ticket
        fields = [
            "level",
            "reference",
            "customer",
            "category",
            "title",
            "score",
            "created_at",
            "handling_due",
            "assignee",
            "status",
            "lane",
        ]
        order_by = ("level", "handling_due", "-score")
        attrs = {"class": "table table-sm table-hover align-middle", "id": "queue-table"}
        row_attrs = {"class": _row_class, "data-reference": lambda record: record.reference}

    def render_level(self, value: str) -> str:
        return format_html('<span class="badge badge-level-{0}">{0}</span>', value)

    def render_reference(self, record: Ticket) -> str:
        return format_html('<a href="/tickets/{0}/">{0}</a>', record.reference)

    def render_customer(self, record: Ticket) -> str:
        return format_html(
            '{} <span class="text-body-secondary small">{}</span>',
            record.customer.name,
            record.customer.tier.name,
        )

    def render_category(self, record: Ticket) -> str:
        return record.category.display_name

    def render_score(self, value) -> str:
        return f"{value:.3f}"

    def render_created_at(self, value) -> str:
        return timesince(value)

    def render_handling_due(self, record: Ticket) -> str:
        now = timezone.now()
        if record.sla_state == Ticket.SlaState.BREACHED or record.handling_due <= now:
            text = _("%(time)s overdue") % {"time": timesince(record.handling_due, now)}
        else:
            text = _("%(time)s left") % {"time": timeuntil(record.handling_due, now)}
        return format_html('<span class="sla-badge sla-badge-{}">{}</span>', record.sla_state, text)

    def render_assignee(self, record: Ticket) -> str:
        return record.assignee.user.username if record.assignee else "—"
