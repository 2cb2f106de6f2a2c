"""The demo accounts in a real browser: the supervisor reaches the admin, the customer
lands on the portal and switches the interface to Chinese."""

import pytest
from playwright.sync_api import expect

from conftest import transactional
from tickets.services.demo import seed_demo

from .conftest import log_in

pytestmark = [pytest.mark.browser, transactional]

# Seeded inside each test: a fixture asking for transactional_db would replace the
# marker's serialized rollback, and the tests after these would find no roles or tiers.


def test_supervisor_opens_admin_and_tier_list(page, live_server):
    seed_demo(tickets=40, open_tickets=10, seed=1)
    log_in(page, live_server, "supervisor", "demo")
    expect(page).to_have_url(f"{live_server.url}/monitoring/")
    page.click("text=Administration")
    expect(page.locator("#site-name")).to_be_visible()
    page.click("a[href='/admin/quotas/tier/']")
    expect(page.locator("#result_list")).to_contain_text("Platinum")
    expect(page.locator("#result_list")).to_contain_text("Standard")


def test_customer_lands_on_portal_and_switches_to_chinese(page, live_server):
    seed_demo(tickets=40, open_tickets=10, seed=1)
    log_in(page, live_server, "customer1", "demo")
    expect(page).to_have_url(f"{live_server.url}/portal/")
    expect(page.locator("nav")).to_contain_text("My requests")
    page.select_option("#language-select", "zh-hans")
    expect(page.locator("nav")).to_contain_text("我的请求")
    expect(page.locator("nav")).to_contain_text("退出登录")
