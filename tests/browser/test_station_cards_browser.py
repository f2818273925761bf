"""Station cards in a real browser: each card's on-screen barcode scans as its code, the page prints the cards
alone (no navigation, no form), and the MENU card scanned on a handheld screen goes back to the menu."""
from playwright.sync_api import expect

from tests.browser.conftest import decoded, grey_pixels, hh_login, scan
from tests.browser.test_printing_browser import desk_login
from wms.extensions import db
from wms.printing import services


def scanned_card(card) -> list[tuple[str, str]]:
    return decoded(*grey_pixels(card.locator(".barcode"), scale=3))


def test_every_card_scans_as_its_code_and_the_page_prints_only_the_cards(desk, app, users):
    with app.app_context():
        services.create_printer("ZB-PACK_2", "tcp://127.0.0.1:9", label_size="100x50")
        db.session.remove()
    page = desk
    desk_login(page)
    page.goto("/desk/printing/cards")
    cards = page.locator("article.card")
    expect(cards).to_have_count(4)
    for index in range(4):
        card = cards.nth(index)
        code = card.get_attribute("data-card")
        assert scanned_card(card) == [("Code128", code)], code
    page.emulate_media(media="print")
    expect(page.locator("nav.topnav")).to_be_hidden()
    expect(page.locator("nav.subnav")).to_be_hidden()
    expect(page.locator("#print-cards")).to_be_hidden()
    expect(page.locator("article.card label.choose").first).to_be_hidden()
    expect(cards.first).to_be_visible()
    assert cards.first.evaluate("e => getComputedStyle(e).breakInside") == "avoid"


def test_the_menu_card_goes_back_to_the_menu_from_a_screen(handheld, users):
    page = handheld
    hh_login(page)
    page.goto("/hh/stock/here")
    page.wait_for_selector("input.scan-input")
    scan(page, "MENU")
    page.wait_for_url("**/hh/")
    expect(page.locator("#screen")).to_contain_text("What's here?")
