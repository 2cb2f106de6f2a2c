import pytest

from conftest import make_request, make_user
from tickets.models import Category, TicketEvent
from tickets.services.categorise import categorise, recategorise
from tickets.services.errors import TicketError

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("系统崩溃无法登录,影响50个用户", "technical"),
        ("申请退款", "billing"),
        ("invoice wrong", "billing"),
        ("Invoice WRONG for March", "billing"),
        ("The app CRASHED on start", "technical"),
        ("checkout is not working", "technical"),
        ("支付后系统报错", "technical"),  # two technical keywords beat one billing keyword
        ("please change our contact person", "account"),
        ("hello, a question", "account"),  # nothing matched: the fallback
        ("our debug build is slow to load", "account"),  # "bug" only as a whole word
        ("发票抬头写错了", "billing"),
        ("系统error", "technical"),  # English next to Chinese without a space
    ],
)
def test_categorise_in_chinese_and_english(text, code):
    assert categorise(text).code == code


def test_keywords_are_admin_editable():
    billing = Category.objects.get(code="billing")
    billing.keywords_en += "\nwire transfer"
    billing.save()
    assert categorise("Where is my wire transfer?").code == "billing"


def test_intake_stores_the_category():
    ticket = make_request(title="申请退款", description="上个月多扣了一次费用")
    assert ticket.category.code == "billing"
    assert [item.text_en for item in ticket.checklist.all()] == [
        "Check the invoice",
        "Confirm refund eligibility",
        "Process the refund",
        "Send the confirmation e-mail",
    ]


def test_recategorise_is_audited_and_swaps_unticked_checklist_items(agent):
    ticket = make_request(title="Checkout error", description="error 500")
    first = ticket.checklist.first()
    first.done_at, first.done_by = ticket.created_at, agent.user
    first.save()
    recategorise(ticket=ticket, category=Category.objects.get(code="billing"), actor=agent.user)
    ticket.refresh_from_db()
    assert ticket.category.code == "billing"
    texts = [(item.text_en, item.done_at is not None) for item in ticket.checklist.all()]
    assert texts[0] == ("Reproduce the problem", True)  # done work is kept
    assert [text for text, _ in texts[1:]] == [
        "Check the invoice",
        "Confirm refund eligibility",
        "Process the refund",
        "Send the confirmation e-mail",
    ]
    event = ticket.events.get(kind=TicketEvent.Kind.CATEGORISED)
    assert (event.old_value, event.new_value, event.actor) == ("technical", "billing", agent.user)


def test_recategorise_to_the_same_category_is_refused(agent):
    ticket = make_request()
    with pytest.raises(TicketError, match="already"):
        recategorise(ticket=ticket, category=ticket.category, actor=agent.user)
    assert not ticket.events.filter(kind=TicketEvent.Kind.CATEGORISED).exists()


def test_closed_requests_cannot_be_recategorised():
    ticket = make_request()
    ticket.status = "closed"
    ticket.save()
    with pytest.raises(TicketError, match="open"):
        recategorise(
            ticket=ticket, category=Category.objects.get(code="billing"), actor=make_user()
        )
