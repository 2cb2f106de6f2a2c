"""The agents' queue board, claim next, and the workspace's action endpoint."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import make_agent, make_customer, make_request, make_ticket
from staffing.models import Lane
from tickets.models import Category, Ticket, TicketEvent
from tickets.services import workflow

pytestmark = pytest.mark.django_db


def clone(ticket: Ticket, count: int, start: int = 0) -> None:
    """Many open requests fast: copies of one, with their own references."""
    copies = []
    for n in range(start, start + count):
        copy = Ticket.objects.get(pk=ticket.pk)
        copy.pk = None
        copy.reference = f"{ticket.reference}-{n}"
        copies.append(copy)
    Ticket.objects.bulk_create(copies)


def rows(response):
    return [row.record.reference for row in response.context["table"].page.object_list]


@pytest.fixture
def board(client, agent):
    client.force_login(agent.user)
    return client


def test_board_lists_open_requests_in_queue_order(board):
    now = timezone.now()
    p1_late = make_ticket(level="P1", handling_due=now + dt.timedelta(hours=2), reference="A")
    p1_soon = make_ticket(level="P1", handling_due=now + dt.timedelta(hours=1), reference="B")
    p0 = make_ticket(level="P0", handling_due=now + dt.timedelta(hours=3), reference="C")
    make_ticket(level="P0", status="resolved", reference="D")
    response = board.get("/queue/")
    assert rows(response) == [p0.reference, p1_soon.reference, p1_late.reference]
    assert dict(response.context["level_counts"]) == {"P0": 1, "P1": 2, "P2": 0, "P3": 0}
    page = response.content.decode()
    assert 'id="queue-table"' in page
    assert 'id="claim-next"' in page


def test_board_can_be_sorted_by_another_column(board):
    make_ticket(reference="A", title="zebra")
    make_ticket(reference="B", title="apple")
    assert rows(board.get("/queue/", {"sort": "title"})) == ["B", "A"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"level": "P0"}, {"P0"}),
        ({"lane": "normal"}, {"P3"}),
        ({"category": "billing"}, {"BILL"}),
        ({"tier": "STANDARD"}, {"STD"}),
        ({"status": "in_progress"}, {"WORK"}),
        ({"mine": "true"}, {"MINE"}),
        ({"unassigned": "true"}, {"P0", "P3", "BILL", "STD", "WORK", "BREACH"}),
        ({"breached": "true"}, {"BREACH"}),
    ],
)
def test_board_filters(board, agent, params, expected):
    gold = make_customer(tier="GOLD")
    make_ticket(customer=gold, reference="P0", level="P0")
    make_ticket(customer=gold, reference="P3", level="P3", lane=Lane.NORMAL)
    make_ticket(
        customer=gold, reference="BILL", level="P1", category=Category.objects.get(code="billing")
    )
    make_ticket(customer=make_customer(tier="STANDARD"), reference="STD", level="P1")
    make_ticket(customer=gold, reference="WORK", level="P1", status="in_progress")
    make_ticket(customer=gold, reference="MINE", level="P1", status="assigned", assignee=agent)
    make_ticket(customer=gold, reference="BREACH", level="P1", sla_state="breached")
    query = dict(params)
    if "category" in query:
        query["category"] = Category.objects.get(code=query["category"]).pk
    if "tier" in query:
        from quotas.models import Tier

        query["tier"] = Tier.objects.get(code=query["tier"]).pk
    assert set(rows(board.get("/queue/", query))) == expected


def test_board_is_paginated_on_the_server(board):
    clone(make_ticket(reference="MANY"), 60)
    first, second = board.get("/queue/"), board.get("/queue/", {"page": 2})
    assert (len(rows(first)), len(rows(second))) == (50, 11)


def test_the_total_comes_from_the_level_counts_unless_a_filter_narrows_the_board(board):
    clone(make_ticket(reference="U", level="P1"), 54)
    clone(make_ticket(reference="N", level="P3", lane=Lane.NORMAL), 9)
    with CaptureQueriesContext(connection) as unfiltered:
        everything = board.get("/queue/", {"sort": "title", "page": 2})
    with CaptureQueriesContext(connection) as filtered:
        normal = board.get("/queue/", {"lane": "normal", "sort": "title"})
    assert everything.context["table"].paginator.count == 65
    assert len(rows(everything)) == 15
    assert normal.context["table"].paginator.count == 10
    assert len(filtered.captured_queries) == len(unfiltered.captured_queries) + 1
    for invalid in [{"lane": "nowhere"}, {"level": "P9"}]:
        response = board.get("/queue/", invalid)
        assert response.context["table"].paginator.count == 65
        assert "Select a valid choice." in response.content.decode()


def test_board_queries_do_not_grow_with_open_requests(board, agent):
    template = make_ticket(reference="Q", assignee=agent, status="assigned")
    clone(template, 9)
    board.get("/queue/")
    with CaptureQueriesContext(connection) as ten:
        board.get("/queue/")
    clone(template, 1990, start=9)
    with CaptureQueriesContext(connection) as two_thousand:
        response = board.get("/queue/")
    assert Ticket.objects.open().count() == 2000
    assert len(rows(response)) == 50
    assert len(two_thousand.captured_queries) == len(ten.captured_queries) <= 12


def board_row(page: str, reference: str) -> str:
    return page[page.index(f'data-reference="{reference}"') :].split("</tr>")[0]


def test_a_board_row_shows_the_request_at_a_glance(board, agent):
    now = timezone.now()
    late = make_ticket(
        customer=make_customer(tier="GOLD", name="Acme"),
        reference="LATE",
        title="Checkout <down>",
        level="P0",
        handling_due=now - dt.timedelta(hours=2, minutes=5, seconds=30),
        sla_state="breached",
        assignee=agent,
        status="in_progress",
        category=Category.objects.get(code="billing"),
    )
    make_ticket(reference="SOON", handling_due=now + dt.timedelta(minutes=45, seconds=30))
    page = board.get("/queue/").content.decode()
    row = board_row(page, "LATE")
    for shown in [
        'class="sla-badge sla-badge-breached"',
        '<span class="badge badge-level-P0">P0</span>',
        '<a href="/tickets/LATE/">LATE</a>',
        "Acme",
        "Gold",
        "Billing",
        "Checkout &lt;down&gt;",  # escaped, never markup
        f"{late.score.normalize():f}",
        "2 h 5 min overdue",
        agent.user.username,
        "In progress",
        "Urgent lane",
    ]:
        assert shown in row
    soon = board_row(page, "SOON")
    assert "45 min left" in soon
    assert "<td>—</td>" in soon  # nobody assigned


def test_the_filters_keep_what_was_chosen(board):
    page = board.get("/queue/", {"lane": "normal", "level": ["P0", "P2"]}).content.decode()
    assert '<select name="level" class="form-select form-select-sm" id="id_level" multiple>' in page
    for selected in ["normal", "P0", "P2"]:
        assert f'<option value="{selected}" selected>' in page
    assert '<option value="P1">' in page


def test_refresh_endpoint_returns_only_the_board(board):
    make_ticket(reference="R", level="P0")
    response = board.get("/queue/rows/", {"level": "P0"})
    page = response.content.decode()
    assert "<html" not in page
    assert 'id="queue-table"' in page
    assert ">R<" in page


def test_claim_next_gives_the_top_request_and_opens_it(board, agent):
    ticket = make_request(
        customer=make_customer(tier="PLATINUM"), impact_scope=50, time_window_hours=2
    )
    response = board.post("/queue/claim-next/")
    assert response.status_code == 302
    assert response["Location"] == f"/tickets/{ticket.reference}/"
    assert Ticket.objects.get(pk=ticket.pk).assignee_id == agent.pk


def test_claim_next_with_nothing_eligible_says_so(board):
    response = board.post("/queue/claim-next/", follow=True)
    assert "Nothing to claim" in response.content.decode()


def test_claim_next_is_post_only(board):
    assert board.get("/queue/claim-next/").status_code == 405


def test_supervisor_without_an_agent_profile_cannot_claim(client, supervisor_user):
    client.force_login(supervisor_user)
    response = client.post("/queue/claim-next/", follow=True)
    assert "Only agents can claim" in response.content.decode()


@pytest.mark.parametrize("url", ["/queue/", "/queue/rows/"])
def test_customers_cannot_see_the_board(client, customer_a_user, url):
    client.force_login(customer_a_user)
    assert client.get(url).status_code == 403
    assert client.post("/queue/claim-next/").status_code == 403


@pytest.fixture
def mine(agent):
    make_request(customer=make_customer(tier="PLATINUM"), impact_scope=50, time_window_hours=2)
    return workflow.claim_next(agent=agent)


def act(client, ticket, action, **data):
    data.setdefault("version", workflow.version_of(Ticket.objects.get(pk=ticket.pk)))
    return client.post(f"/tickets/{ticket.reference}/act/{action}/", data, follow=True)


def test_reply_from_the_workspace(board, mine):
    response = act(board, mine, "reply", body="We are on it.")
    assert "Reply sent to the customer." in response.content.decode()
    assert Ticket.objects.get(pk=mine.pk).first_response_at is not None


def test_the_reply_box_starts_from_the_category_template_with_the_eta(board, mine):
    page = board.get(f"/tickets/{mine.reference}/").content.decode()
    assert "I am looking into your technical issue now. Estimated resolution time: 2 hours." in page


def test_invalid_action_input_is_reported_and_changes_nothing(board, mine):
    response = act(board, mine, "reply", body="")
    assert "Message: This field is required." in response.content.decode()
    assert not mine.events.filter(kind=TicketEvent.Kind.REPLY).exists()


def test_resolve_from_the_workspace_lists_missing_items(board, mine):
    response = act(board, mine, "resolve")
    assert "Tick the required checklist items first" in response.content.decode()
    for item in mine.checklist.all():
        act(board, mine, "check", item=item.pk, done="on")
    response = act(board, mine, "resolve")
    assert "Request resolved." in response.content.decode()


def test_a_stale_workspace_form_is_refused(board, mine):
    old = workflow.version_of(mine)
    act(board, mine, "note", body="first")
    response = act(board, mine, "start", version=old)
    assert "changed since you opened it" in response.content.decode()
    assert Ticket.objects.get(pk=mine.pk).status == "assigned"


def test_another_agent_cannot_work_my_request(client, mine):
    other = make_agent(lane=Lane.URGENT)
    client.force_login(other.user)
    response = act(client, mine, "reply", body="hi")
    assert "Only the assignee or a supervisor" in response.content.decode()


def test_unknown_action_is_404_and_get_is_refused(board, mine):
    assert board.post(f"/tickets/{mine.reference}/act/explode/").status_code == 404
    assert board.get(f"/tickets/{mine.reference}/act/start/").status_code == 405


def test_customers_cannot_act_on_requests(client, customer_a_user, mine):
    client.force_login(customer_a_user)
    assert client.post(f"/tickets/{mine.reference}/act/start/").status_code == 403


def test_workspace_queries_are_bounded(board, mine):
    board.get(f"/tickets/{mine.reference}/")
    with CaptureQueriesContext(connection) as queries:
        board.get(f"/tickets/{mine.reference}/")
    assert len(queries.captured_queries) <= 15


@pytest.mark.parametrize("status", Ticket.Status.values)
def test_the_database_keeps_on_board_in_step_with_the_status(status):
    ticket = make_ticket(status="queued")
    Ticket.objects.filter(pk=ticket.pk).update(status=status)
    on_board = Ticket.objects.open().filter(pk=ticket.pk).exists()
    assert on_board == (status in Ticket.Status.open_values())


def test_rows_are_coloured_by_their_sla_state(board):
    for state in ("ok", "warning", "due", "breached"):
        make_ticket(reference=f"SLA-{state}", sla_state=state)
    page = board.get("/queue/").content.decode()
    for state in ("ok", "warning", "due", "breached"):
        assert f'<tr class="sla-{state}" data-reference="SLA-{state}">' in page
