import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from .models import Ticket


class QueueTable(tables.Table):
    """The agents' board: its columns, sorting and paging; the rows are drawn elsewhere."""

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
        # _queue_board.html includes tickets/_queue_table.html, which draws the rows in
        # Python (tickets_tags.board_rows): django-tables2's per-cell rendering took most
        # of the board's time (50 rows x 11 cells). The table still pages and sorts.
