"""The supervisor's day in Chromium at 1366×768: the board shows a late order first and draws its charts; the
map colours a bin by its expiry, shows its stock on a click and draws a wave's walk with both distances; an
admin creates a worker with badge and PIN who then logs in on the handheld."""
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import hh_login
from tests.factories import receive
from tests.picking_helpers import stocked_world, take
from wms.extensions import db
from wms.picking import waves as picking_waves

SCREEN = {"width": 1366, "height": 768}


@pytest.fixture
def screen(browser, base_url):
    context = browser.new_context(viewport=SCREEN, base_url=base_url, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(8000)
    yield page
    context.close()


def login(page, username: str) -> None:
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", username)
    page.click("button[type=submit]")
    page.wait_for_url("**/desk")


@pytest.fixture
def warehouse(app, users):
    with app.app_context():
        world = stocked_world()
        receive(world, "MED", "A-01-03-1", 3, "L-OLD")  # expired five days ago
        take([("BOTTLE", 1)], carrier="loggi", promised_days=1, channel_order_id="ON-TRACK")
        take([("MED", 2)], carrier="correios", promised_days=-1, channel_order_id="LATE-1")
        ids = [take([("MED", 12)]), take([("BOTTLE", 10)])]
        wave = picking_waves.build_wave(order_ids=ids, max_orders=2, user_id=None)
        found = {"wave": wave.id}
        db.session.remove()
    return found


def test_the_board_shows_the_late_order_first_and_its_charts(screen, warehouse):
    page = screen
    login(page, "supervisor")
    first = page.locator("#at-risk tbody tr").first
    expect(first).to_have_attribute("data-order", "LATE-1")
    expect(first.locator(".pill")).to_have_text("late")
    assert first.bounding_box()["y"] < SCREEN["height"]  # seen without scrolling
    expect(page.locator("#at-risk")).not_to_contain_text("ON-TRACK")
    expect(page.locator("#chart-expiring svg g.bar")).to_have_count(12)
    expect(page.locator("#chart-shipped svg g.bar")).to_have_count(30)
    expect(page.locator("#board-live")).to_have_attribute("hx-trigger", "every 30s")
    # The poll swaps the live part in place: the page keeps where the supervisor scrolled to.
    page.evaluate("window.scrollTo(0, 300)")
    scrolled = page.evaluate("window.scrollY")
    assert scrolled > 0
    with page.expect_response("**/desk/board/live"):
        page.evaluate("htmx.ajax('GET', '/desk/board/live', {target: '#board-live', swap: 'outerHTML'})")
    page.wait_for_timeout(200)
    expect(page.locator("#at-risk tbody tr").first).to_have_attribute("data-order", "LATE-1")
    assert page.evaluate("window.scrollY") == scrolled


def test_the_map_colours_a_bin_by_expiry_and_draws_a_waves_walk(screen, warehouse):
    page = screen
    login(page, "supervisor")
    page.goto("/desk/board/map")
    page.select_option("select[name=mode]", "expiry")
    page.wait_for_url("**mode=expiry**")
    expired = page.locator('g.bay[data-aisle="1"][data-bay="3"]')
    expect(expired).to_have_attribute("data-band", "expired")
    expect(expired.locator("rect")).to_have_attribute("fill", "#c53030")
    expect(page.locator('g.bay[data-aisle="1"][data-bay="2"] rect')).to_have_attribute("fill", "#dd6b20")
    expired.click()
    expect(page.locator("#bin-detail")).to_contain_text("L-OLD")
    expect(page.locator("#bin-detail")).to_contain_text("A-01-03-1")
    page.fill("input[name=q]", "L-OLD")
    page.click("button:has-text('Show')")
    expect(page.locator("#search-result")).to_contain_text("1 bin holds L-OLD")
    expect(page.locator("g.bay.found")).to_have_count(1)

    page.goto(f"/desk/board/map/waves/{warehouse['wave']}")
    expect(page.locator("svg.walk")).to_have_count(2)
    expect(page.locator("svg.walk polyline.route")).to_have_count(2)
    planned = float(page.locator("#planned-walk .distance").inner_text().split()[0])
    s_shape = float(page.locator("#s-shape-walk .distance").inner_text().split()[0])
    assert 0 < planned <= s_shape
    expect(page.locator("#walk-saving")).to_contain_text(f"{planned:.1f} m")


def test_an_admin_creates_a_worker_who_logs_in_on_the_handheld(screen, handheld, app, users):
    page = screen
    login(page, "admin")
    page.goto("/desk/admin/people")
    form = page.locator("#new-person form")
    form.locator("input[name=username]").fill("joana")
    form.locator("input[name=name]").fill("Joana Lima")
    form.locator("select[name=role]").select_option("worker")
    form.locator("input[name=badge]").fill("BADGE-J9")
    form.locator("input[name=pin]").fill("4321")
    form.locator("select[name=locale]").select_option("en")
    form.locator("button").click()
    expect(page.locator(".flash.success")).to_contain_text("Joana Lima can log in now.")
    expect(page.locator('#people tr[data-username="joana"] input[name=badge]')).to_have_value("BADGE-J9")
    hh_login(handheld, badge="BADGE-J9", pin="4321")
    expect(handheld.locator("body")).to_contain_text("Joana Lima")
