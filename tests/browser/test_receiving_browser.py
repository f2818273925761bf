"""A whole receipt on a 360×640 handheld, the way a worker does it: badge and PIN, "Receive" from the menu, the
ASN's reference, then scans typed by the keyboard-wedge scanner ("|" standing in for GS) and taps on big buttons;
then the put-away of the pallet it built. Stock and ledger are checked after.

Set WMS_SCREENSHOTS to a folder to keep a picture of each screen.
"""
import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from tests.browser.conftest import hh_login, scan, scan_answer, wait_feedback
from tests.factories import MEDICINE_ANVISA, MEDICINE_GTIN, build_world, gtin13, gtin14
from wms import clock, gs1
from wms.catalog import services as catalog
from wms.catalog.models import Lot, LotStatus, ProductBarcode
from wms.extensions import db
from wms.inventory import services as inventory
from wms.inventory.models import Lpn, Move, StockItem
from wms.printing import services as printing
from wms.printing.models import PrintJob
from wms.receiving import asns, putaway_rules
from wms.receiving.models import Discrepancy, Receipt

BOTTLE_CASE_GTIN = gtin14("1789100000006")
SOAP_GTIN = gtin13("789100000098")


@pytest.fixture
def dock(app, users, tmp_path):
    """The test warehouse, an ASN expected today, a put-away rule and a label printer at the dock."""
    with app.app_context():
        world = build_world()
        bottle = world.products["BOTTLE"]
        db.session.add(ProductBarcode(product_id=bottle.id, code=BOTTLE_CASE_GTIN, kind="case_gtin", units=12))
        db.session.commit()
        catalog.create_product(sku="SOAP", name="Sabonete", lot_tracked=True, expiry_tracked=True,
                               min_shelf_life_days=60, barcodes=[(SOAP_GTIN, "gtin", 1)])
        asns.create_asn({"supplier": "ACME", "reference": "PO-77", "expected_on": clock.today().isoformat(),
                         "lines": [{"sku": "MED", "quantity": 2}, {"sku": "BOTTLE", "quantity": 24},
                                       {"sku": "SOAP", "quantity": 12}]})
        putaway_rules.save_rule(priority=10, location_kind="reserve", category="other", zone="A", user_id=None)
        printer = printing.create_printer("dock-zebra", f"file://{tmp_path}")
        printing.assign_printer("dock", "", printer.id)
        db.session.remove()
    return tmp_path


def settled(page) -> None:
    expect(page.locator("#screen input.scan-input")).to_be_focused()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def step(page, code: str, *, settle: bool = True) -> str:
    """Scan one code; the good or bad feedback it got. The next screen has the scan input focused."""
    result = scan_answer(page, code)
    if settle:
        settled(page)
    return result


def tap(page, label: str) -> str:
    before = page.evaluate("window.wmsFeedback.length")
    page.get_by_role("button", name=label).tap()
    result = wait_feedback(page, before + 1)
    return result


def shot(page, name: str) -> None:
    folder = os.environ.get("WMS_SCREENSHOTS")
    if folder:
        page.screenshot(path=os.path.join(folder, f"receiving-{name}.png"))


def datamatrix(serial: str) -> str:
    """A medicine box's GS1 DataMatrix (SNCM): GTIN, expiry, Anvisa registration, serial and lot."""
    return gs1.element_string(gtin=MEDICINE_GTIN, expires_on=clock.today() + timedelta(days=400), lot="DM01",
                              serial=serial, anvisa_registration=MEDICINE_ANVISA, separator="|")


def test_a_full_receipt_then_put_away(handheld, dock, app):
    page = handheld
    hh_login(page)
    entry = page.locator("nav.menu a", has_text=re.compile(r"^\s*\d+\s+Receive\s*$"))
    scan(page, entry.locator(".key").inner_text())
    page.wait_for_url("**/hh/receive")
    settled(page)
    assert step(page, "PO-77") == "ok"
    expect(page.locator("#receipt-head")).to_contain_text("PO-77 · ACME")
    page.wait_for_url(re.compile(r".*/hh/receive/\d+$"))

    # 1. A medicine's DataMatrix: lot, expiry, serial and Anvisa registration in one scan, nothing asked.
    # taken in but held for QA: the attention sound, not the good one
    assert step(page, datamatrix("SN0001")) == "attention"
    expect(page.locator("#result")).to_contain_text("QUARANTINE")
    expect(page.locator("#result")).to_contain_text("1 × MED lot DM01")
    expect(page.locator("#result")).to_contain_text("Anvisa-controlled")
    assert step(page, datamatrix("SN0002")) == "attention"
    assert step(page, datamatrix("SN0002")) == "bad"  # the same box twice
    expect(page.locator(".error")).to_contain_text("serial SN0002 was already received")
    shot(page, "1-datamatrix")

    # 2. A case GTIN: only how many cases is asked; 2 cases of 12 make 24 units.
    assert step(page, BOTTLE_CASE_GTIN) == "ok"
    expect(page.locator("h1")).to_contain_text("How many cases of 12?")
    assert step(page, "2") == "ok"
    expect(page.locator("#result")).to_contain_text("+24 × BOTTLE on LPN")

    # 3. One case more than the ASN: beyond the 5% tolerance, a supervisor allows it with badge and PIN.
    assert step(page, BOTTLE_CASE_GTIN) == "ok"
    assert step(page, "1") == "bad"
    expect(page.locator(".question .error")).to_contain_text("A supervisor must allow it")
    shot(page, "3-over")
    assert step(page, "BADGE-S1") == "ok"
    expect(page.locator("input[name=scan]")).to_have_attribute("type", "password")
    assert step(page, "2222") == "ok"
    expect(page.locator("#result")).to_contain_text("+12 × BOTTLE")
    expect(page.locator("#recorded")).to_contain_text("more than expected")
    expect(page.locator("#recorded")).to_contain_text("Allowed by supervisor")

    # 4. A short-dated lot (30 days left, 60 needed): quarantined, on the hold pallet.
    short = gs1.element_string(gtin=SOAP_GTIN, expires_on=clock.today() + timedelta(days=30), lot="SD1",
                               separator="|")
    assert step(page, short) == "ok"
    expect(page.locator("h1")).to_contain_text("How many units?")
    assert step(page, "12") == "attention"
    expect(page.locator("#result")).to_contain_text("QUARANTINE")
    expect(page.locator("#recorded")).to_contain_text("short-dated lot")
    progress = page.locator("#progress")
    expect(progress.locator("tr", has_text="BOTTLE")).to_contain_text("36")
    shot(page, "4-progress")

    # 5. The pallet is done: its label goes to the dock printer. Then close the receipt.
    assert tap(page, "Pallet done: print label") == "ok"
    expect(page.locator("#printed")).to_contain_text("Label printed for LPN")
    page.get_by_role("link", name="Close receipt…").tap()
    page.wait_for_url(re.compile(r".*/close$"))
    assert tap(page, "Close receipt") == "ok"
    expect(page.locator("#closed")).to_contain_text("is closed")
    shot(page, "5-closed")

    with app.app_context():
        receipt = db.session.scalar(select(Receipt))
        plates = {plate.hold: plate.lpn.code for plate in receipt.plates}
        stock_lpn, hold_lpn = plates[False], plates[True]
        job = db.session.scalar(select(PrintJob).where(PrintJob.reference == stock_lpn))
        assert job is not None and job.kind == "lpn" and job.station == "dock"
        kinds = {(d.kind, d.decision, d.quantity) for d in receipt.discrepancies}
        assert kinds == {("over", "approved", 12), ("short_dated", "quarantine", 12)}
    assert any(stock_lpn in path.read_text(errors="replace") for path in Path(dock).iterdir())

    # 6. Put away the pallet: the screen says where, the scan of that place confirms.
    page.get_by_role("link", name="Put away now").tap()
    page.wait_for_url("**/hh/putaway")
    settled(page)
    assert step(page, stock_lpn) == "ok"
    expect(page.locator("#target")).to_have_text("A-01-01-2")
    shot(page, "6-putaway")
    assert step(page, "A-01-01-2") == "ok"
    expect(page.locator("#done")).to_contain_text(f"LPN {stock_lpn} (36 units) is in A-01-01-2")
    # the hold pallet goes to quarantine, not to storage
    assert step(page, hold_lpn) == "ok"
    expect(page.locator("#target")).to_have_text("Q-01")
    assert step(page, "A-01-02-2") == "attention"  # not the suggestion: the screen asks why, and takes a scan
    assert tap(page, "Other") == "bad"
    expect(page.locator(".error")).to_contain_text("held for QA")
    settled(page)  # the refused reason leaves a screen that still takes a scan
    assert step(page, "Q-01") == "ok"  # the suggested place: the obvious answer
    expect(page.locator("#done")).to_contain_text(f"LPN {hold_lpn}")

    with app.app_context():
        assert inventory.stock_mismatches() == []
        bottle_here = db.session.scalar(select(func.sum(StockItem.quantity)).join(Lpn).where(Lpn.code == stock_lpn))
        assert bottle_here == 36
        assert db.session.scalar(select(Lpn).where(Lpn.code == stock_lpn)).location.code == "A-01-01-2"
        assert db.session.scalar(select(Lpn).where(Lpn.code == hold_lpn)).location.code == "Q-01"
        medicine = db.session.scalar(select(Lot).where(Lot.code == "DM01"))
        assert medicine.status == LotStatus.QUARANTINE and medicine.expires_on == clock.today() + timedelta(days=400)
        ledger = {(m.reason, m.quantity) for m in db.session.scalars(select(Move))}
        assert ledger == {("receipt", 1), ("receipt", 24), ("receipt", 12), ("putaway", 36), ("putaway", 12),
                          ("putaway", 2)}
        # conservation: everything that left the supplier is in a physical place
        from_supplier = db.session.scalar(select(func.sum(Move.quantity)).where(Move.reason == "receipt"))
        assert from_supplier == 2 + 36 + 12 == db.session.scalar(select(func.sum(StockItem.quantity)))
        assert db.session.query(Discrepancy).count() == 2
