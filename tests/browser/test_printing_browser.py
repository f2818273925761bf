"""Labels in a real browser: the desk's preview is an image that scans like the printed label, and a worker
prints from a 360x640 handheld."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import decoded, grey_pixels, hh_login, scan, wait_feedback, wait_until
from tests.factories import build_world
from tests.unit.test_zpl import correios_data
from wms.extensions import db
from wms.printing import sender, services
from wms.printing.fakes import FakePrinter


def preview_pixels(page):
    image = page.locator("#label-preview")
    expect(image).to_be_visible()
    wait_until(page, "document.querySelector('#label-preview').complete && "
                           "document.querySelector('#label-preview').naturalWidth > 0")
    return grey_pixels(image)


def scanned(width, height, pixels):
    return decoded(width, height, pixels)


@pytest.fixture(autouse=True)
def background_sender(live_app, monkeypatch):
    """As in production: the label is sent after the answer by the background sender, and the screens poll
    the job's state."""
    monkeypatch.setitem(live_app.config, "WMS_PRINT_SENDER", "background")
    yield
    sender.stop_background(live_app)


def desk_login(page):
    page.goto("/login")
    page.fill("input[name=username]", "supervisor")
    page.fill("input[name=password]", "supervisor")
    page.click("button[type=submit]")
    page.wait_for_url("**/desk")


def test_desk_preview_shows_the_label_and_its_barcode_scans(desk, app, users, printer):
    with app.app_context():
        build_world()
        services.assign_printer("", "", services.create_printer("ZB-DOCK", printer.url, label_size="100x50").id)
        db.session.remove()
    page = desk
    desk_login(page)
    page.click("nav.topnav >> text=Setup")
    page.click("nav.topnav >> text=Printers")
    page.click("text=Print a label")
    page.select_option("select[name=kind]", "location")
    page.fill("input[name=ref]", "A-01-02-1")
    page.click("text=Preview")
    expect(page.locator("main")).to_contain_text("This is the label ZB-DOCK will print (203 dpi, 100x50 mm).")
    width, height, pixels = preview_pixels(page)
    assert (width, height) == (800, 400)
    dark = sum(1 for value in pixels if value < 128)
    assert 0.05 < dark / len(pixels) < 0.6, "the preview is blank or black"
    assert scanned(width, height, pixels) == [("Code128", "A-01-02-1")]
    assert printer.jobs == []

    page.click("#print-button")
    expect(page.locator(".flash")).to_contain_text("Label sent to ZB-DOCK.")
    assert printer.wait_for(1)


def test_desk_job_preview_of_a_correios_label(desk, app, users, tmp_path):
    with app.app_context():
        services.create_printer("ZB-SHIP", f"file://{tmp_path}", label_size="100x150")
        job_id = services.queue_label("shipping_correios", correios_data(), printer_name="ZB-SHIP")
        db.session.commit()
        db.session.remove()
    page = desk
    desk_login(page)
    page.goto(f"/desk/printing/jobs/{job_id}")
    width, height, pixels = preview_pixels(page)
    assert (width, height) == (800, 1200)
    found = scanned(width, height, pixels)
    assert ("Code128", "PH297898690BR") in found and ("Code128", "71010050") in found
    [matrix] = [text for kind, text in found if kind == "DataMatrix"]
    assert len(matrix) == 164


def test_handheld_prints_a_location_label(handheld, app, users, printer):
    with app.app_context():
        build_world()
        services.assign_printer("", "", services.create_printer("ZB-1", printer.url, label_size="100x50").id)
        db.session.remove()
    page = handheld
    hh_login(page)
    page.goto("/hh/print/")
    expect(page.locator("input[name=scan]")).to_be_focused()
    scan(page, "A-01-01-1")
    assert wait_feedback(page, 1) == "ok"
    button = page.get_by_role("button", name="Print location label")
    expect(button).to_be_visible()
    box = button.bounding_box()
    assert box["width"] >= 300 and box["height"] >= 44  # a big target for a gloved thumb
    button.click()
    expect(page.locator("#print-result-location")).to_contain_text("Label sent to ZB-1.")
    assert wait_feedback(page, 2) == "ok"
    assert printer.wait_for(1)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_handheld_print_with_the_printer_off_says_the_label_is_kept(handheld, app, users):
    with app.app_context():
        build_world()
        off = services.create_printer("ZB-OFF", f"tcp://127.0.0.1:{FakePrinter.free_port()}", label_size="100x50")
        services.assign_printer("", "", off.id)
        db.session.remove()
    page = handheld
    hh_login(page)
    page.goto("/hh/print/")
    scan(page, "DOCK")
    wait_feedback(page, 1)
    page.get_by_role("button", name="Print location label").click()
    expect(page.locator("#print-result-location")).to_contain_text("The label is kept and prints when the printer is back.")
    assert wait_feedback(page, 2) == "bad"


def test_whats_here_prints_the_scanned_location_label(handheld, app, users, printer):
    """The print button of "What's here?": scan a bin, tap print, the label reaches the printer once."""
    with app.app_context():
        build_world()
        services.assign_printer("", "", services.create_printer("ZB-2", printer.url, label_size="100x50").id)
        db.session.remove()
    page = handheld
    hh_login(page)
    page.goto("/hh/stock/here")
    scan(page, "A-01-01-1")
    assert wait_feedback(page, 1) == "ok"
    page.get_by_role("button", name="Print location label").click()
    expect(page.locator("#print-result-location")).to_contain_text("Label sent to ZB-2.")
    assert printer.wait_for(1)
    assert b"A-01-01-1" in printer.jobs[0] and len(printer.jobs) == 1
    expect(page.locator("input[name=scan]")).to_be_focused()
