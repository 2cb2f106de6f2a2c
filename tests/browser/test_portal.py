"""Customers on the portal in Chromium: quota, submitting, place in the queue, options."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import make_customer, make_portal_user, make_request, transactional
from quotas.services import reset_quotas
from tickets.models import Ticket

from .conftest import log_in

pytestmark = [pytest.mark.browser, transactional]


def fill_request(page, level="P1"):
    page.fill("input[name=title]", "Checkout fails for everyone")
    page.fill("textarea[name=description]", "Error 500 on every order since 09:00")
    page.fill("input[name=impact_scope]", "40")
    page.fill("input[name=time_window_hours]", "2")
    page.select_option("select[name=requested_level]", level)


def seed_recent_pickups(count: int) -> None:
    """Urgent requests an agent picked up an hour ago: the lane's recent throughput."""
    other = make_customer(name="Elsewhere", tier="PLATINUM")
    for _ in range(count):
        done = make_request(customer=other, requested_level="P1", impact_scope=40)
        assert done.lane == "urgent"
        Ticket.objects.filter(pk=done.pk).update(
            status=Ticket.Status.IN_PROGRESS,
            first_response_at=timezone.now() - dt.timedelta(hours=1),
        )


def test_customer_submits_an_urgent_request_and_sees_it_in_the_queue(page, live_server):
    make_portal_user(customer=make_customer(name="Acme", tier="GOLD"), username="customer1")
    reset_quotas()
    # Two pick-ups in the 24 h window: one every 12 h, so first in line waits 12 h.
    seed_recent_pickups(2)
    log_in(page, live_server, "customer1")
    expect(page).to_have_url(f"{live_server.url}/portal/")
    expect(page.locator("#quota-card .quota-remaining").first).to_have_text("5")
    page.click("text=New urgent request >> nth=0")
    expect(page.locator("#eligibility")).to_contain_text("This uses one credit")
    fill_request(page)
    page.click("#urgent-request-form button[type=submit]")
    expect(page.locator(".alert-success")).to_contain_text("received")
    reference = page.url.rstrip("/").rsplit("/", 1)[-1]
    page.click("nav >> text=My requests")
    row = page.locator("#my-requests tr", has_text=reference)
    expect(row.locator(".queue-position")).to_have_text("1")
    expect(row.locator(".queue-eta")).to_have_text("12 h 0 min")
    expect(page.locator("#quota-card .quota-remaining").first).to_have_text("4")


def test_customer_without_quota_sees_the_options(page, live_server):
    make_portal_user(customer=make_customer(name="Bluebird", tier="STANDARD"), username="customer2")
    log_in(page, live_server, "customer2")
    page.goto(f"{live_server.url}/portal/requests/new/")
    expect(page.locator("label[for=id_pay_confirmed]")).to_contain_text("Pay ¥800.00")
    fill_request(page)
    page.click("#urgent-request-form button[type=submit]")
    expect(page.locator("#refusal")).to_contain_text("You have no urgent credits left")
    expect(page.locator("#options li")).to_have_count(5)
    expect(page.locator("#options")).to_contain_text("Pay ¥800")
