"""django-q2 jobs and background work; each job is also a management command."""

from dataclasses import asdict
from typing import Any

from .services import notifications, sla_notifications
from .services.lanes import rebalance
from .services.priority import escalate_waiting_tickets, rescore_open_tickets


def rescore_tickets() -> dict[str, Any]:
    return asdict(rescore_open_tickets())


def escalate_tickets() -> dict[str, Any]:
    return asdict(escalate_waiting_tickets())


def rebalance_lanes() -> dict[str, Any]:
    return rebalance().as_dict()


def send_ticket_email(kind: str, ticket_id: int, details: dict[str, str]) -> int:
    return notifications.send_ticket_email(kind, ticket_id, details)


def send_sla_warnings(state: str, ticket_ids: list[int]) -> int:
    return sla_notifications.send_sla_warnings(state, ticket_ids)
