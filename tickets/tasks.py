"""django-q2 jobs; each is also a management command of the same name."""

from dataclasses import asdict
from typing import Any

from .services.priority import escalate_waiting_tickets, rescore_open_tickets


def rescore_tickets() -> dict[str, Any]:
    return asdict(rescore_open_tickets())


def escalate_tickets() -> dict[str, Any]:
    return asdict(escalate_waiting_tickets())
