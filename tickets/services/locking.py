"""The one way a service locks and loads a single request before changing it."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ..models import Ticket
from .errors import TicketError


def version_of(ticket: Ticket) -> str:
    """What a form carries to detect that the request changed since it was shown."""
    return ticket.updated_at.isoformat()


def lockable() -> QuerySet[Ticket]:
    """Requests with what the services read beside them: the tier (calendar, caps), the
    assignee (who may act), the category and the policy version that set the targets.
    `of=("self",)` locks the request row only, never the joined rows."""
    return Ticket.objects.select_for_update(of=("self",)).select_related(
        "customer__tier", "assignee__user", "category", "policy"
    )


def load_for_update(ticket: Ticket | int, *, seen_version: str | None = None) -> Ticket:
    """Lock the request's row for the caller's transaction and read it afresh.

    With `seen_version`, refuse if the request changed since the caller's form was shown.
    """
    pk = ticket if isinstance(ticket, int) else ticket.pk
    locked = lockable().get(pk=pk)
    if seen_version is not None and seen_version != version_of(locked):
        raise TicketError(
            _("This request changed since you opened it. Reload the page and try again.")
        )
    return locked
