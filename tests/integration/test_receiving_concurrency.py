"""Two workers scanning on one receipt at once: the over-receipt check sees both scans (the receipt row is
locked for the scan's transaction), so together they never pass more than the ASN allows without a supervisor.
Run with real threads on SQLite (BEGIN IMMEDIATE) and PostgreSQL (SELECT ... FOR UPDATE)."""
from flask_babel import force_locale
from sqlalchemy import func, select

from tests.concurrency import at_once
from tests.factories import BOTTLE_GTIN, build_world
from wms import clock
from wms.extensions import db
from wms.inventory import services as inventory
from wms.receiving import asns, dock_scan, receipts, tolerance
from wms.receiving.models import ReceiptItem


def test_two_scans_at_once_cannot_both_pass_the_over_receipt_check(app):
    with app.app_context():
        build_world()
        tolerance.set_over_tolerance(0, user_id=None)
        asn, _created = asns.create_asn({"supplier": "ACME", "reference": "PO-C", "lines": [
            {"sku": "BOTTLE", "quantity": 10}], "expected_on": clock.today().isoformat()})
        receipt_id = receipts.start_receipt(asn_id=asn.id, user_id=None).id
        db.session.remove()

    def scan(i):
        with force_locale("en"):
            return dock_scan.receive_scan(receipt_id, BOTTLE_GTIN, dock_scan.Answers(quantity=8), user_id=None,
                                          scan_id=f"race-{i}")["status"]

    results = at_once(2, scan, app=app, timeout=60)
    assert sorted(results) == ["need", "received"]  # the second is told a supervisor must allow it
    with app.app_context():
        assert db.session.scalar(select(func.sum(ReceiptItem.quantity))) == 8
        assert inventory.stock_mismatches() == []
