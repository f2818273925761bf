"""The stock screens on a 360×640 handheld, driven the way a worker drives them: badge and PIN, the menu number,
then scans (typed by the keyboard-wedge scanner, Enter at the end) and taps on big buttons.

After every answer the scan input has the focus and nothing is wider than the screen. Set WMS_SCREENSHOTS to a
folder to keep a picture of each screen.
"""
import os
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import RED, hh_login, refused_in_red, scan, scan_answer, wait_feedback
from tests.factories import BOTTLE_GTIN, MEDICINE_ANVISA, MEDICINE_GTIN
from tests.web.test_inventory_handheld import books, on_hand, wh  # noqa: F401  (wh: the warehouse fixture)
from wms import gs1
from wms.extensions import db
from wms.inventory import services as inventory
from wms.inventory.models import CountTask, Move


def settled(page) -> None:
    expect(page.locator("#screen input[name=scan]")).to_be_focused()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def answered(page, count_before: int) -> str:
    result = wait_feedback(page, count_before + 1)
    settled(page)
    return result


def step(page, code: str) -> str:
    """Scan one code; the good or bad feedback it got."""
    result = scan_answer(page, code)
    settled(page)
    return result


def tap(page, button) -> str:
    before = page.evaluate("window.wmsFeedback.length")
    button.tap()
    return answered(page, before)


def shot(page, name: str) -> None:
    folder = os.environ.get("WMS_SCREENSHOTS")
    if folder:
        page.screenshot(path=os.path.join(folder, f"{name}.png"))


def open_from_menu(page, label: str, path: str) -> None:
    hh_login(page)
    entry = page.locator("nav.menu a", has_text=re.compile(r"^\s*\d+\s+" + re.escape(label) + r"\s*$"))
    scan(page, entry.locator(".key").inner_text())
    page.wait_for_url("**" + path)
    settled(page)


def books_are_right(app) -> None:
    with app.app_context():
        assert inventory.stock_mismatches() == []
        db.session.remove()


def test_a_move_by_scanning_with_bad_scans_on_the_way(handheld, app, wh):  # noqa: F811
    page = handheld
    open_from_menu(page, "Move", "/hh/stock/move")
    expect(page.locator("h1")).to_have_text("Scan FROM: a location or an LPN")
    shot(page, "move-1-from")
    assert step(page, "A-01-01-2") == "ok"
    expect(page.locator("h1")).to_have_text("Scan the product")
    before = books(app)
    assert step(page, "NOPE-42") == "bad"
    refused_in_red(page, "NOPE-42 is not a known location, product, LPN or badge.")
    expect(page.locator("h1")).to_have_text("Scan the product")  # same step
    shot(page, "move-2-bad-scan")
    assert step(page, MEDICINE_GTIN) == "ok"
    expect(page.locator("h1")).to_have_text("Scan the lot, or choose it below")
    shot(page, "move-3-lot")
    assert tap(page, page.locator("nav.lots button", has_text="L-LATE")) == "ok"
    expect(page.locator("h1")).to_have_text("How many? Enter = 40")
    shot(page, "move-4-quantity")
    assert step(page, "15") == "ok"
    expect(page.locator("h1")).to_have_text("Scan TO: the location it goes to")
    expect(page.locator("#chosen")).to_contain_text("A-01-01-2")
    expect(page.locator("#chosen")).to_contain_text("L-LATE")
    expect(page.locator("#chosen")).to_contain_text("15")
    shot(page, "move-5-to")
    assert books(app) == before  # nothing has moved before the last scan
    assert step(page, "A-01-05-2") == "ok"
    expect(page.locator("#screen .ok")).to_contain_text("Moved 15 × MED lot L-LATE from A-01-01-2 to A-01-05-2.")
    expect(page.locator("h1")).to_have_text("Scan FROM: a location or an LPN")  # ready for the next move
    shot(page, "move-6-done")
    assert on_hand(app, wh, "A-01-01-2", "MED", "L-LATE") == 25
    assert on_hand(app, wh, "A-01-05-2", "MED", "L-LATE") == 15

    # An expired lot at the dock, named by its GS1 DataMatrix (with the GS the scanner sends), into a pick face.
    assert step(page, "DOCK") == "ok"
    old = gs1.element_string(gtin=MEDICINE_GTIN, expires_on=wh.expires["L-OLD"], lot="L-OLD",
                             anvisa_registration=MEDICINE_ANVISA)
    assert gs1.GS in old
    assert step(page, old) == "ok"
    assert step(page, "") == "ok"  # Enter: all 6
    before = books(app)
    assert step(page, "A-01-01-1") == "bad"
    refused_in_red(page, "Lot L-OLD expired on")
    expect(page.locator("#screen .error")).to_contain_text("put it in Q-01")
    expect(page.locator("h1")).to_have_text("Scan TO: the location it goes to")
    shot(page, "move-7-expired")
    assert books(app) == before
    assert step(page, "Q-01") == "ok"
    assert on_hand(app, wh, "Q-01", "MED", "L-OLD") == 6 and on_hand(app, wh, "DOCK", "MED", "L-OLD") == 0
    with app.app_context():
        assert [(m.lot.code, m.from_location.code, m.to_location.code, m.quantity) for m in
                db.session.scalars(db.select(Move).where(Move.reason == "move").order_by(Move.id))] == [
            ("L-LATE", "A-01-01-2", "A-01-05-2", 15), ("L-OLD", "DOCK", "Q-01", 6)]
        db.session.remove()
    books_are_right(app)


def test_whats_here_for_a_location_and_for_gs1_codes(handheld, app, wh):  # noqa: F811
    with app.app_context():
        inventory.change_lot_status(wh.lot["L-LATE"], "blocked", reason="recall check", user_id=None)
        db.session.remove()
    before = books(app)
    page = handheld
    open_from_menu(page, "What's here?", "/hh/stock/here")
    shot(page, "here-1-start")
    assert step(page, "A-01-01-2") == "ok"
    result = page.locator("#result")
    expect(result.locator(".target")).to_have_text("A-01-01-2")
    expect(result).to_contain_text("Dipirona 500 mg")
    expect(result).to_contain_text("Garrafa 1 L")
    blocked = result.locator(".badge-status.blocked")
    expect(blocked).to_have_text("blocked")
    assert blocked.evaluate("e => getComputedStyle(e).backgroundColor") == RED
    shot(page, "here-2-location")

    # The scanner sends GS (ASCII 29) between fields; a wedge set up with the "|" substitute works the same.
    soon = gs1.element_string(gtin=MEDICINE_GTIN, expires_on=wh.expires["L-SOON"], lot="L-SOON",
                              anvisa_registration=MEDICINE_ANVISA, separator="|")
    assert step(page, soon) == "ok"
    expect(result.locator(".card").first).to_contain_text("L-SOON")
    expect(result).to_contain_text("In stock: 30 un")
    expect(result).not_to_contain_text("L-LATE")
    shot(page, "here-3-gs1")
    late = gs1.element_string(gtin=MEDICINE_GTIN, expires_on=wh.expires["L-LATE"], lot="L-LATE",
                              anvisa_registration=MEDICINE_ANVISA)
    assert step(page, late) == "ok"
    expect(result).to_contain_text("In stock: 779 un")  # 40 + 8 + 731
    expect(result.locator(".badge-status.blocked").first).to_have_text("blocked")

    assert step(page, "NOPE-42") == "bad"
    refused_in_red(page, "NOPE-42 is not a known location, product, LPN or badge.")
    expect(result).to_contain_text("In stock: 779 un")  # the last answer stays on the screen
    shot(page, "here-4-unknown")
    assert step(page, "X" * 40) == "bad"  # a long code in the message still fits the screen
    assert books(app) == before
    books_are_right(app)


def test_a_blind_count_with_a_variance(handheld, app, wh):  # noqa: F811
    page = handheld
    open_from_menu(page, "Count", "/hh/stock/count")
    shot(page, "count-1-start")
    assert step(page, "A-01-04-2") == "ok"  # holds MED L-LATE 731 and BOTTLE 5
    expect(page.locator("h1")).to_have_text("Scan each item")
    for _ in range(3):
        assert step(page, BOTTLE_GTIN) == "ok"
    expect(page.locator("ul.tally li")).to_have_count(1)
    expect(page.locator("ul.tally li").first).to_contain_text("3")
    late = gs1.element_string(gtin=MEDICINE_GTIN, expires_on=wh.expires["L-LATE"], lot="L-LATE",
                              anvisa_registration=MEDICINE_ANVISA)
    assert step(page, late) == "ok"
    shot(page, "count-2-tally")
    assert tap(page, page.locator("button", has_text="Type how many MED")) == "ok"
    expect(page.locator("h1")).to_contain_text("How many MED L-LATE in all?")
    shot(page, "count-3-quantity")
    assert step(page, "72O") == "bad"  # a letter O for a zero
    refused_in_red(page, "Type a whole number of units")
    assert step(page, "729") == "ok"
    expect(page.locator("ul.tally li.ok")).to_contain_text("729")
    assert "731" not in page.inner_text("body")  # blind
    with app.app_context():
        task = db.session.scalar(db.select(CountTask))
        assert task.status == "open"
        db.session.remove()
    assert tap(page, page.locator("button", has_text="Finish count")) == "ok"
    expect(page.locator("#screen .ok")).to_have_text("Count recorded.")
    expect(page.locator("#pending")).to_have_text("No approval needed.")
    shot(page, "count-4-done")
    assert "731" not in page.inner_text("body")
    assert on_hand(app, wh, "A-01-04-2", "BOTTLE") == 3
    assert on_hand(app, wh, "A-01-04-2", "MED", "L-LATE") == 729
    with app.app_context():
        assert db.session.scalar(db.select(CountTask)).status == "done"
        db.session.remove()
    books_are_right(app)


@pytest.mark.parametrize("path", ["/hh/stock/here", "/hh/stock/move", "/hh/stock/count"])
def test_each_screen_opens_focused_and_fits(handheld, wh, path):  # noqa: F811
    hh_login(handheld)
    handheld.goto(path)
    settled(handheld)


def test_a_move_that_loses_a_deadlock_says_so_in_red_and_goes_through_on_the_next_enter(handheld, app, wh,  # noqa: F811
                                                                                        monkeypatch):
    """PostgreSQL refused the last scan's transaction to break a deadlock with another handheld: the worker hears
    the bad sound and reads why above the screen, which stays at the same step with the input focused; the same
    scan again moves the units."""
    from tests.concurrency import deadlocked
    from wms.inventory import ledger

    page = handheld
    open_from_menu(page, "Move", "/hh/stock/move")
    for code in ("A-01-01-2", BOTTLE_GTIN, "2"):
        assert step(page, code) == "ok"
    expect(page.locator("h1")).to_have_text("Scan TO: the location it goes to")
    before = books(app)
    monkeypatch.setattr(ledger, "_result", deadlocked)  # the live server runs in this process
    assert step(page, "A-01-05-2") == "bad"
    error = page.locator("#request-error .error")
    expect(error).to_have_text("Someone changed this at the same time: look again and retry.")
    assert error.evaluate("e => getComputedStyle(e).backgroundColor") == RED
    expect(page.locator("h1")).to_have_text("Scan TO: the location it goes to")  # the same step, input focused
    assert books(app) == before
    monkeypatch.undo()
    assert step(page, "A-01-05-2") == "ok", page.inner_text("body")
    expect(page.locator("#screen .ok")).to_contain_text("Moved 2 × BOTTLE from A-01-01-2 to A-01-05-2.")
    expect(page.locator("#request-error")).to_be_empty()
    assert on_hand(app, wh, "A-01-05-2", "BOTTLE") == 2
    books_are_right(app)
