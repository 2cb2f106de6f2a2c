"""django-q2 jobs of the quotas app; each is also a management command."""

from typing import Any

from .services import reset_quotas as _reset


def reset_quotas() -> dict[str, Any]:
    return _reset()
