"""Agents work the queue in Chromium; a supervisor overrides a level."""

import pytest
from playwright.sync_api import expect

from conftest import make_agent, make_customer, make_request, make_user, transactional
from staffing.models import Lane

from .conftest import log_in

pytestmark = [pytest.mark.browser, transactional]


def test_agent_claims_ticks_replies_and_resolves(page, live_server, tmp_path):
    make_agent(lane=Lane.URGENT, user=make_user(role="agent", username="agent1"))
    platinum = make_customer(tier="PLATINUM")
    urgent = make_request(
        customer=platinum,
        title="Checkout crash",
        impact_scope=80,
        time_window_hours=1,
        difficulty=1,
    )
    make_request(customer=platinum, title="Slow report", impact_scope=5, time_window_hours=20)
    assert urgent.level == "P0"

    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server, "agent1")
    expect(page).to_have_url(f"{live_server.url}/queue/")
    expect(page.locator("#queue-table")).to_contain_text("Checkout crash")
    page.goto(f"{live_server.url}/queue/?level=P0")
    expect(page.locator("#queue-table tbody tr")).to_have_count(1)
    page.screenshot(path=str(tmp_path / "board.png"), full_page=True)

    page.keyboard.press("c")  # claim next, from the keyboard
    expect(page).to_have_url(f"{live_server.url}/tickets/{urgent.reference}/")
    expect(page.locator(".alert-success")).to_contain_text(f"You claimed {urgent.reference}")
    for _ in range(4):
        page.locator(".checklist-toggle[aria-pressed=false]").first.click()
    expect(page.locator(".checklist-toggle[aria-pressed=true]")).to_have_count(4)
    page.keyboard.press("r")
    page.keyboard.press("Control+a")
    page.keyboard.type("We found the cause and applied a fix.")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#timeline")).to_contain_text("We found the cause and applied a fix.")
    page.screenshot(path=str(tmp_path / "workspace.png"), full_page=True)
    page.keyboard.press("s")
    expect(page.locator(".alert-success")).to_contain_text("Request resolved.")

    page.goto(f"{live_server.url}/queue/")
    expect(page.locator("#queue-table")).not_to_contain_text("Checkout crash")
    expect(page.locator("#queue-table")).to_contain_text("Slow report")


def test_board_refreshes_in_place_keeping_filters(page, live_server):
    make_agent(lane=Lane.URGENT, user=make_user(role="agent", username="agent2"))
    platinum = make_customer(tier="PLATINUM")
    make_request(customer=platinum, title="First outage", impact_scope=80, time_window_hours=1)
    log_in(page, live_server, "agent2")
    page.goto(f"{live_server.url}/queue/?level=P0")
    make_request(customer=platinum, title="Second outage", impact_scope=90, time_window_hours=1)
    make_request(
        customer=platinum, title="Minor thing", impact_scope=1, time_window_hours=48, difficulty=5
    )
    # No reload: the board's own 15-second refresh brings the new request in.
    expect(page.locator("#queue-table")).to_contain_text("Second outage", timeout=20_000)
    expect(page.locator("#queue-table")).not_to_contain_text("Minor thing")
    assert page.url.endswith("/queue/?level=P0")


def test_supervisor_overrides_a_level_and_sees_it_in_the_timeline(page, live_server):
    make_user(role="supervisor", username="boss", is_staff=True)
    ticket = make_request(
        customer=make_customer(tier="GOLD"), impact_scope=1, time_window_hours=48, difficulty=5
    )
    log_in(page, live_server, "boss")
    page.goto(f"{live_server.url}/tickets/{ticket.reference}/")
    page.select_option("#override-form select[name=level]", "P0")
    page.fill("#override-form input[name=reason]", "Board demo for the CEO")
    page.click("#override-form button[type=submit]")
    expect(page.locator("#level-reasons")).to_contain_text("Overridden to P0")
    expect(page.locator("#timeline")).to_contain_text("Board demo for the CEO")


def test_the_manage_panel_loads_its_forms_when_opened(page, live_server):
    make_user(role="supervisor", username="chief", is_staff=True)
    ticket = make_request(customer=make_customer(tier="GOLD"), impact_scope=10)
    log_in(page, live_server, "chief")
    page.goto(f"{live_server.url}/tickets/{ticket.reference}/")
    expect(page.locator("#manage-forms form")).to_have_count(0)
    page.click("#manage-heading")
    expect(page.locator("#manage-forms form")).to_have_count(5)
    page.click("text=Flag a handling error")
    page.fill("#flag_reason", "Wrong macro sent")
    page.click("#manage-forms form[action$='/act/flag/'] button[type=submit]")
    expect(page.locator(".alert-success")).to_contain_text("Handling error recorded.")
    expect(page.locator("#timeline")).to_contain_text("Wrong macro sent")
