"""The audit trail: one explicit call per change, never a signal."""

from datetime import datetime

from django.contrib.auth.models import User

from ..models import TicketEvent


def build_event(
    *,
    ticket_id: int,
    kind: str,
    at: datetime,
    actor: User | None = None,
    old: object = "",
    new: object = "",
    reason: str = "",
    body: str = "",
    public: bool = False,
) -> TicketEvent:
    """An unsaved event, for services that write many at once with bulk_create."""
    return TicketEvent(
        ticket_id=ticket_id,
        kind=kind,
        at=at,
        actor=actor if actor is not None and actor.is_authenticated else None,
        old_value=str(old)[:100],
        new_value=str(new)[:100],
        reason=reason[:300],
        body=body,
        is_public=public,
    )
