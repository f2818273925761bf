"""Issue #10, item 12 in Chromium on a 360×640 handheld: the blind count, closing a receipt and printing a label
done with the keyboard only (a scanner types and presses Enter; nothing is tapped), each with one bad scan that
gets the error sound and colour and changes nothing."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import Scanner, hh_login, refused_in_red
from tests.factories import BOTTLE_GTIN, build_world
from tests.web.test_inventory_handheld import books, gs1_code, on_hand, wh  # noqa: F401  (wh: fixture)
from wms import clock
from wms.extensions import db
from wms.inventory import services as inventory
from wms.inventory.models import CountTask
from wms.printing import sender, services
from wms.printing.fakes import FakePrinter
from wms.printing.models import PrintJob
from wms.receiving import asns
from wms.receiving.models import Receipt


def from_menu(page, label: str, path: str) -> Scanner:
    """Log in by badge and PIN, open the screen by its menu number: a Scanner for what follows."""
    hh_login(page)
    entry = page.locator("nav.menu a", has_text=re.compile(r"^\s*\d+\s+" + re.escape(label) + r"\s*$"))
    key = entry.locator(".key").inner_text()
    page.keyboard.type(key)
    page.keyboard.press("Enter")
    page.wait_for_url("**" + path)
    return Scanner(page)


def fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_blind_count_by_keyboard_only(handheld, app, wh):  # noqa: F811
    page = handheld
    s = from_menu(page, "Count", "/hh/stock/count")
    s("A-01-04-2")
    expect(page.locator("#hint")).to_contain_text("To finish, scan A-01-04-2 again or the card FINISH")
    s(BOTTLE_GTIN)
    s("5")  # how many BOTTLE in all
    s(gs1_code(wh, "L-LATE"))
    before = books(app)
    s("NOPE-42", "bad")
    refused_in_red(page, "NOPE-42 is not a known location, product, LPN or badge.")
    assert books(app) == before
    s("731")
    expect(page.locator("ul.tally .qty")).to_have_text(["731", "5"])
    fits(page)
    s("A-01-04-2")  # the location again: the count is finished
    expect(page.locator("#screen .ok")).to_have_text("Count recorded.")
    expect(page.locator("h1")).to_have_text("Scan a location to count")
    with app.app_context():
        assert db.session.scalar(select(CountTask)).status == "done"
        db.session.remove()
    assert on_hand(app, wh, "A-01-04-2", "BOTTLE") == 5
    assert on_hand(app, wh, "A-01-04-2", "MED", "L-LATE") == 731
    with app.app_context():
        assert inventory.stock_mismatches() == []
        db.session.remove()


@pytest.fixture
def delivery(app, users):
    with app.app_context():
        build_world()
        asns.create_asn({"supplier": "ACME", "reference": "PO-55", "expected_on": clock.today().isoformat(),
                         "lines": [{"sku": "BOTTLE", "quantity": 24}, {"sku": "MED", "quantity": 2}]})
        db.session.remove()


def receipt_status(app) -> str | None:
    with app.app_context():
        found = db.session.scalar(select(Receipt.status))
        db.session.remove()
    return found


def test_a_receipt_closed_by_keyboard_only(handheld, app, delivery):
    page = handheld
    s = from_menu(page, "Receive", "/hh/receive")
    s("PO-55")
    s(BOTTLE_GTIN)
    s("24")
    expect(page.locator("#close-hint")).to_contain_text("CLOSE")
    s("CLOSE")
    expect(page.locator("h1")).to_have_text("Close the receipt?")
    page.wait_for_url(re.compile(r".*/hh/receive/\d+/close$"))
    s("NOPE-1", "bad")
    refused_in_red(page, "NOPE-1 does not close this receipt: scan CLOSE or PO-55 again")
    assert receipt_status(app) == "open"
    fits(page)
    s("PO-55")
    expect(page.locator("#closed")).to_contain_text("is closed.")
    expect(page.locator("#closed")).to_contain_text("Discrepancies recorded: 1.")  # MED never came
    assert receipt_status(app) == "closed"


@pytest.fixture
def printers(app, users, live_app, monkeypatch):
    monkeypatch.setitem(live_app.config, "WMS_PRINT_SENDER", "background")
    with FakePrinter() as default, FakePrinter() as dock:
        with app.app_context():
            build_world()
            services.assign_printer("", "", services.create_printer("ZB-1", default.url, label_size="100x50").id)
            services.create_printer("DOCK-ZEBRA", dock.url, label_size="100x50")
            db.session.remove()
        yield default, dock
        sender.stop_background(live_app)


def test_a_label_printed_by_keyboard_only(handheld, app, printers):
    default, dock = printers
    page = handheld
    s = from_menu(page, "Print a label", "/hh/print/")
    s("A-01-01-1")
    expect(page.locator("h1")).to_have_text("Scan the printer, or Enter = ZB-1")
    s("NOPE-9", "bad")
    refused_in_red(page, "NOPE-9 is not a printer")
    s("DOCK-ZEBRA")
    expect(page.locator("h1")).to_have_text("How many copies? Enter = 1")
    s("2")
    expect(page.locator("#print-result")).to_contain_text("Label sent to DOCK-ZEBRA.")
    expect(page.locator("h1")).to_have_text("Scan a location or product")  # ready for the next label
    assert dock.wait_for(1) and default.jobs == []
    fits(page)
    # the next one: Enter for the default printer, Enter for one copy
    s("A-01-01-2")
    s("")
    s("")
    expect(page.locator("#print-result")).to_contain_text("Label sent to ZB-1.")
    assert default.wait_for(1)
    with app.app_context():
        assert [(job.reference, job.printer.name, job.copies) for job in
                db.session.scalars(select(PrintJob).order_by(PrintJob.id))] == [
            ("A-01-01-1", "DOCK-ZEBRA", 2), ("A-01-01-2", "ZB-1", 1)]
        db.session.remove()
