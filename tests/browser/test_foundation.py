import pytest
from playwright.sync_api import expect

from conftest import make_portal_user, make_user, transactional

from .conftest import log_in

pytestmark = [pytest.mark.browser, transactional]


def test_supervisor_opens_admin_and_tier_list(page, live_server):
    make_user(role="supervisor", username="boss", is_staff=True)
    log_in(page, live_server, "boss")
    expect(page).to_have_url(f"{live_server.url}/monitoring/")
    page.click("text=Administration")
    expect(page.locator("#site-name")).to_be_visible()
    page.click("a[href='/admin/quotas/tier/']")
    expect(page.locator("#result_list")).to_contain_text("Platinum")
    expect(page.locator("#result_list")).to_contain_text("STANDARD")


def test_customer_lands_on_portal_and_switches_to_chinese(page, live_server, tmp_path):
    from conftest import make_customer

    make_portal_user(customer=make_customer(name="Acme"), username="cust")
    log_in(page, live_server, "cust")
    expect(page).to_have_url(f"{live_server.url}/portal/")
    expect(page.locator("nav")).to_contain_text("My requests")
    page.select_option("#language-select", "zh-hans")
    expect(page.locator("nav")).to_contain_text("我的请求")
    expect(page.locator("nav")).to_contain_text("退出登录")
    page.screenshot(path=str(tmp_path / "portal-zh.png"))
