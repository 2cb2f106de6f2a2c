import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import make_customer, make_ticket, make_user, transactional
from monitoring.services import snapshot_metrics
from staffing.models import Lane

from .conftest import log_in

pytestmark = [pytest.mark.browser, transactional]


def test_supervisor_sees_lights_and_a_chart_and_acknowledges_an_alert(page, live_server):
    make_user(role="supervisor", username="boss", is_staff=True)
    platinum = make_customer(tier="PLATINUM")
    for hours in (2, 1, 0):
        make_ticket(customer=platinum, level="P0", lane=Lane.URGENT)
        snapshot_metrics(now=timezone.now() - timezone.timedelta(hours=hours))
    log_in(page, live_server, "boss")
    expect(page).to_have_url(f"{live_server.url}/monitoring/")
    # Three urgent requests wait and nobody is on shift: red.
    expect(page.locator("#light-backlog .light")).to_have_attribute("data-state", "red")
    expect(page.locator("#light-backlog .light")).to_have_text("red")
    # The backlog's trend over the three snapshots: 1, 2, 3 waiting.
    chart = page.locator("#charts svg.sparkline")
    expect(chart).to_have_count(1)
    expect(chart).to_have_attribute("aria-label", "Urgent backlog")
    points = chart.locator("polyline").get_attribute("points").split()
    assert len(points) == 3
    heights = [float(point.split(",")[1]) for point in points]
    assert heights[0] > heights[1] > heights[2]  # rising: SVG's y grows downwards
    alert = page.locator("#alerts li[data-kind=backlog]")
    alert.get_by_role("button", name="Acknowledge").click()
    expect(page.locator(".alert-success")).to_contain_text("Alert acknowledged.")
    expect(page.locator("#alerts li[data-kind=backlog] .acknowledged")).to_contain_text("boss")
