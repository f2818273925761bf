"""A supervisor's day at the desk in Chromium (1280×800): an order awaiting payment released by hand, a hold
refused without a reason, then a wave built from the system's proposal with its walk in route order."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import click_refused_by_the_browser
from tests.picking_helpers import books_are_right, stocked_world, take
from wms.extensions import db
from wms.orders.models import Order


@pytest.fixture
def orders(app, users):
    with app.app_context():
        stocked_world()
        paid = take([("MED", 2)], channel_order_id="SITE-77")
        waiting = take([("BOTTLE", 1)], channel_order_id="SITE-78", payment_status="pending")
        db.session.remove()
    return paid, waiting


def desk_login(page):
    page.goto("/login")
    page.fill("input[name=username]", "supervisor")
    page.fill("input[name=password]", "supervisor")
    page.click("button[type=submit]")
    page.wait_for_url("**/desk")


def test_release_an_order_by_hand_then_build_the_proposed_wave(desk, app, orders):
    paid, waiting = orders
    page = desk
    desk_login(page)
    page.click("nav.topnav >> text=Orders")
    expect(page.locator("table")).to_contain_text("SITE-77")
    expect(page.locator("table")).to_contain_text("SITE-78")
    page.click(f"a[href='/desk/orders/{waiting}']")

    # a hold needs a reason: the browser refuses the empty field, nothing is sent
    click_refused_by_the_browser(page, page.locator("button:has-text('Hold')"))
    assert page.evaluate("document.querySelector('input[name=reason]:invalid') !== null")
    with app.app_context():
        assert not db.session.get(Order, waiting).on_hold

    page.fill("#actions input[name=note]", "PIX confirmed by phone")
    page.click("button:has-text('Release by hand')")
    expect(page.locator("main")).to_contain_text("allocated")
    with app.app_context():
        assert db.session.get(Order, waiting).status == "allocated"

    page.click("nav.topnav >> text=Waves")
    expect(page.locator("#proposal")).to_contain_text("2 orders")
    page.click("button:has-text('Build this wave')")
    page.wait_for_url(re.compile(r".*/desk/waves/\d+$"))
    expect(page.locator(".flash")).to_contain_text("built with 2 orders")
    expect(page.locator("main")).to_contain_text("A-01-04-1")  # the bottle's pick face is on the walk
    with app.app_context():
        assert books_are_right()


def test_the_order_list_pages_with_the_desk_pager_keeping_its_filter(desk, app, orders):
    """Fifty orders a page: the supervisor filters by channel, goes to the next page and back by the pager's
    links, and the filter stays."""
    with app.app_context():
        for n in range(51):
            take([("BOTTLE", 1)], channel_order_id=f"SHOP-{n:02d}", channel="shop", payment_status="pending")
        db.session.remove()
    page = desk
    desk_login(page)
    page.goto("/desk/orders/?channel=shop")
    pager = page.locator("nav.pager")
    expect(pager).to_contain_text("Page 1 of 2")
    expect(page.locator("table tbody tr")).to_have_count(50)
    pager.get_by_role("link", name=re.compile("Next")).click()
    page.wait_for_url(re.compile(r".*channel=shop.*page=2|.*page=2.*channel=shop"))
    expect(pager).to_contain_text("Page 2 of 2")
    expect(page.locator("table tbody tr")).to_have_count(1)
    expect(page.locator("table")).not_to_contain_text("SITE-77")  # the filter kept: no site order
    pager.get_by_role("link", name=re.compile("Previous")).click()
    expect(pager).to_contain_text("Page 1 of 2")
    assert "channel=shop" in page.url
