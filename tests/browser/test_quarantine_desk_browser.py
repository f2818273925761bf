"""QA release at the desk in Chromium (1280×800): a medicine received into quarantine is released with a reason,
and the lot becomes sellable; a release without a reason is refused by the form."""
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import click_refused_by_the_browser
from tests.factories import MEDICINE_GTIN, build_world
from tests.picking_helpers import books_are_right
from wms import clock, gs1
from wms.catalog.models import Lot
from wms.extensions import db
from wms.receiving import asns, dock_scan, receipts


@pytest.fixture
def held(app, users):
    with app.app_context():
        build_world()
        asn, _created = asns.create_asn({"supplier": "ACME", "reference": "PO-QA",
                                         "expected_on": clock.today().isoformat(),
                                         "lines": [{"sku": "MED", "quantity": 10}]})
        receipt = receipts.start_receipt(asn_id=asn.id, user_id=users["worker"])
        raw = gs1.element_string(gtin=MEDICINE_GTIN, lot="QA-1", expires_on=clock.today() + timedelta(days=400),
                                 separator="|")
        dock_scan.receive_scan(receipt.id, raw, dock_scan.Answers(quantity=10), user_id=users["worker"])
        db.session.remove()


def test_qa_releases_a_held_medicine(desk, app, held):
    page = desk
    page.goto("/login")
    page.fill("input[name=username]", "supervisor")
    page.fill("input[name=password]", "supervisor")
    page.click("button[type=submit]")
    page.wait_for_url("**/desk")
    page.click("nav.topnav >> text=Quarantine")
    row = page.locator("tr", has_text="QA-1")
    expect(row).to_contain_text("Anvisa-controlled")

    # no reason: the browser asks for one, nothing is sent
    click_refused_by_the_browser(page, row.locator("button[value=release]"))
    assert page.evaluate("document.querySelector('input[name=reason]:invalid') !== null")
    with app.app_context():
        assert db.session.scalar(db.select(Lot).where(Lot.code == "QA-1")).status == "quarantine"

    row.locator("input[name=reason]").fill("CoA checked, samples ok")
    row.locator("button[value=release]").click()
    expect(page.locator("main")).to_contain_text("Nothing is waiting in quarantine.")
    with app.app_context():
        assert db.session.scalar(db.select(Lot).where(Lot.code == "QA-1")).status == "released"
        assert books_are_right()

