"""E-mail to the customer's contacts and the assignee, each in their own language.

Services enqueue a django-q2 task on commit (workers never see uncommitted rows and a
rolled-back change sends nothing); the task renders and sends.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_q.tasks import async_task

from ..models import ResponseTemplate, Ticket

ETA_BY_DIFFICULTY = {
    1: gettext_lazy("30 minutes"),
    2: gettext_lazy("1 hour"),
    3: gettext_lazy("2 hours"),
    4: gettext_lazy("4 hours"),
    5: gettext_lazy("8 hours"),
}
FALLBACK_LANGUAGE = "en"
# What only the customer needs: the assignee wrote the reply and knows the ETA.
CUSTOMER_ONLY = {"acknowledgement", "reply"}
# The customer wrote it; only the assignee needs telling.
STAFF_ONLY = {"customer_reply"}


def eta_text(difficulty: int, language: str) -> str:
    with translation.override(language):
        return str(ETA_BY_DIFFICULTY[difficulty])


@dataclass(frozen=True)
class Message:
    subject: str
    body: str


def response_template(ticket: Ticket, *, kind: str, language: str) -> Message:
    """The category's template in `language` (English if missing), with {eta} filled in."""
    templates = {
        t.language: t
        for t in ResponseTemplate.objects.filter(
            category_id=ticket.category_id, kind=kind, language__in=[language, FALLBACK_LANGUAGE]
        )
    }
    template = templates.get(language) or templates.get(FALLBACK_LANGUAGE)
    eta = eta_text(ticket.difficulty, language if language in templates else FALLBACK_LANGUAGE)
    if template is None:
        return Message(subject=ticket.title, body=eta)
    return Message(subject=template.subject, body=template.body.replace("{eta}", eta))


def enqueue(kind: str, ticket_id: int, **details: str) -> None:
    transaction.on_commit(
        lambda: async_task("tickets.tasks.send_ticket_email", kind, ticket_id, details)
    )


@dataclass(frozen=True)
class Recipient:
    email: str
    language: str
    is_customer: bool


def supervisor_addresses() -> list[str]:
    """Where supervisors are told: SLA warnings here, alerts in monitoring."""
    return list(
        User.objects.filter(groups__name="supervisor", is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )


def recipients(ticket: Ticket) -> list[Recipient]:
    customer = ticket.customer
    people = [
        Recipient(email=address, language=customer.language, is_customer=True)
        for address in {
            customer.contact_email,
            *customer.portal_users.filter(receives_notifications=True)
            .exclude(user__email="")
            .values_list("user__email", flat=True),
        }
        if address
    ]
    if ticket.assignee is not None and ticket.assignee.user.email:
        people.append(
            Recipient(
                email=ticket.assignee.user.email,
                language=ticket.assignee.language,
                is_customer=False,
            )
        )
    return people


def _render(kind: str, ticket: Ticket, recipient: Recipient, details: dict[str, str]) -> Message:
    with translation.override(recipient.language):
        values = {"reference": ticket.reference, "title": ticket.title}
        if kind == "reply":
            subject = _("[%(reference)s] Reply to your request") % values
            body = details["body"]
        elif kind == "customer_reply":
            subject = _("[%(reference)s] The customer answered") % values
            body = details["body"]
        elif kind == "assigned":
            values["agent"] = str(ticket.assignee) if ticket.assignee else ""
            subject = _("[%(reference)s] assigned to %(agent)s") % values
            body = _("Request %(reference)s “%(title)s” is now handled by %(agent)s.") % values
        else:
            values["old"] = str(Ticket.Status(details["old"]).label)
            values["new"] = str(Ticket.Status(details["new"]).label)
            subject = _("[%(reference)s] %(new)s") % values
            body = _("Request %(reference)s “%(title)s” changed from %(old)s to %(new)s.") % values
        return Message(subject=subject, body=body)


def send_ticket_email(kind: str, ticket_id: int, details: dict[str, str]) -> int:
    """Send one e-mail per recipient; returns how many were sent."""
    ticket = (
        Ticket.objects.select_related("customer", "assignee__user", "category")
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None:
        return 0
    messages = []
    acknowledgements: dict[str, Message] = {}  # by language: one template query each
    for recipient in recipients(ticket):
        if (kind in CUSTOMER_ONLY and not recipient.is_customer) or (
            kind in STAFF_ONLY and recipient.is_customer
        ):
            continue
        if kind == "acknowledgement":
            if recipient.language not in acknowledgements:
                template = response_template(
                    ticket,
                    kind=ResponseTemplate.Kind.ACKNOWLEDGEMENT,
                    language=recipient.language,
                )
                # The reference, as every later e-mail has it, so the customer can quote
                # it and mail clients thread the conversation.
                acknowledgements[recipient.language] = Message(
                    subject=f"[{ticket.reference}] {template.subject}", body=template.body
                )
            message = acknowledgements[recipient.language]
        else:
            message = _render(kind, ticket, recipient, details)
        messages.append(
            EmailMessage(
                subject=message.subject,
                body=message.body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[recipient.email],
            )
        )
    return get_connection().send_messages(messages) or 0
