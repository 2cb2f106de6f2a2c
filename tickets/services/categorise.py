"""Keyword categorisation in Chinese and English (SPEC 3).

English keywords match whole words case-insensitively ("bug" does not match "debug");
Chinese has no spaces between words, so Chinese keywords match as substrings. The category
with the most matching keywords wins, ties going to the earlier position; nothing matched
falls back to the fallback category.
"""

import re
from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Category, ChecklistItem, Ticket, TicketEvent
from .audit import build_event
from .errors import TicketError
from .locking import load_for_update


def _keywords(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _matches(category: Category, text: str) -> int:
    lowered = text.lower()
    count = sum(1 for word in _keywords(category.keywords_zh) if word.lower() in lowered)
    for word in _keywords(category.keywords_en):
        # Not \b: \w also matches CJK characters, and English keywords often sit next
        # to Chinese text without spaces ("系统error").
        pattern = rf"(?<![a-z0-9_]){re.escape(word.lower())}(?![a-z0-9_])"
        if re.search(pattern, lowered):
            count += 1
    return count


def categorise(text: str, categories: Iterable[Category] | None = None) -> Category:
    candidates = list(categories if categories is not None else Category.objects.all())
    best, best_count = None, 0
    for category in sorted(candidates, key=lambda c: (c.position, c.code)):
        count = _matches(category, text)
        if count > best_count:
            best, best_count = category, count
    if best is not None:
        return best
    fallback = next((c for c in candidates if c.is_fallback), None)
    if fallback is None:
        raise Category.DoesNotExist("No category matched and no fallback category is set.")
    return fallback


def instantiate_checklist(ticket: Ticket, category: Category) -> list[ChecklistItem]:
    return [
        ChecklistItem(
            ticket=ticket,
            position=template.position,
            text_en=template.text_en,
            text_zh=template.text_zh,
            is_required=template.is_required,
        )
        for template in category.checklist_templates.all()
    ]


@transaction.atomic
def recategorise(*, ticket: Ticket, category: Category, actor: User) -> Ticket:
    """Move a request to another category; unticked checklist items follow the new one."""
    ticket = load_for_update(ticket)
    if not ticket.is_open:
        raise TicketError(_("Only open requests can be re-categorised."))
    if ticket.category_id == category.pk:
        raise TicketError(_("The request is already in this category."), field="category")
    old = ticket.category
    ticket.category = category
    ticket.save(update_fields=["category", "updated_at"])
    ticket.checklist.filter(done_at__isnull=True).delete()
    next_position = max(ticket.checklist.values_list("position", flat=True), default=-1) + 1
    items = instantiate_checklist(ticket, category)
    for offset, item in enumerate(items):
        item.position = next_position + offset
    ChecklistItem.objects.bulk_create(items)
    build_event(
        ticket_id=ticket.pk,
        kind=TicketEvent.Kind.CATEGORISED,
        at=timezone.now(),
        actor=actor,
        old=old.code,
        new=category.code,
    ).save()
    return ticket
