"""Receiving's rejected goods leave through a supplier return: the quarantine queue's button makes (or grows)
the supplier's return document, and dispatching it moves the goods out by the ledger."""
from datetime import timedelta

from sqlalchemy import func, select

from tests.factories import MEDICINE_GTIN, build_world
from tests.picking_helpers import books_are_right
from wms import clock, gs1
from wms.extensions import db
from wms.inventory.models import Move, StockItem
from wms.receiving import asns, dock_scan, quarantine, receipts
from wms.receiving.dock_scan import Answers
from wms.receiving.models import Hold
from wms.returns.models import SupplierReturn, SupplierReturnLine


def rejected_medicine(app, users) -> int:
    """10 MED of lot QA9 received from ACME into quarantine, then rejected by the supervisor."""
    with app.app_context():
        build_world()
        asn, _ = asns.create_asn({"supplier": "ACME", "reference": "PO-9", "expected_on": clock.today().isoformat(),
                                  "lines": [{"sku": "MED", "quantity": 10}]})
        receipt_id = receipts.start_receipt(asn_id=asn.id, user_id=users["worker"]).id
        code = gs1.element_string(gtin=MEDICINE_GTIN, lot="QA9", expires_on=clock.today() + timedelta(days=300),
                                  separator="|")
        dock_scan.receive_scan(receipt_id, code, Answers(quantity=10), user_id=users["worker"])
        hold = db.session.scalar(select(Hold))
        quarantine.decide_hold(hold.id, release=False, reason="Broken seal", user_id=users["supervisor"])
        db.session.commit()
        hold_id = hold.id
        db.session.remove()
    return hold_id


def test_rejected_goods_go_back_to_the_supplier_from_the_quarantine_queue(app, client, auth, users):
    hold_id = rejected_medicine(app, users)
    auth.login("worker")
    assert client.post(f"/desk/returns/supplier/hold/{hold_id}").status_code in (302, 403)
    auth.login("supervisor")
    queue = client.get("/desk/receiving/quarantine").get_data(as_text=True)
    assert f'action="/desk/returns/supplier/hold/{hold_id}"' in queue
    response = client.post(f"/desk/returns/supplier/hold/{hold_id}")
    assert response.status_code == 302 and response.headers["Location"].endswith("/desk/returns/supplier")
    page = client.get("/desk/returns/supplier").get_data(as_text=True)
    assert "ACME" in page and f"HOLD-{hold_id}" in page
    assert client.post(f"/desk/returns/supplier/hold/{hold_id}").status_code == 409  # once only
    assert client.post("/desk/returns/supplier/hold/999999").status_code == 404
    with app.app_context():
        document = db.session.scalar(select(SupplierReturn))
        [line] = document.lines
        assert (document.supplier, line.quantity, line.lot.code, line.source) == ("ACME", 10, "QA9", f"HOLD-{hold_id}")
        assert db.session.scalar(select(func.count()).select_from(SupplierReturnLine)) == 1
        where = line.location.code
        document_id = document.id
        db.session.remove()
    queue = client.get("/desk/receiving/quarantine").get_data(as_text=True)
    assert f"RTS-{document_id}" in queue and f'action="/desk/returns/supplier/hold/{hold_id}"' not in queue
    assert client.post(f"/desk/returns/supplier/{document_id}/dispatch",
                       data={"carrier_reference": "NF 9"}).status_code == 302
    with app.app_context():
        [move] = db.session.scalars(select(Move).where(Move.document == f"RTS-{document_id}")).all()
        assert (move.quantity, move.reason, move.from_location.code, move.to_location.kind) == (
            10, "return_to_supplier", where, "supplier")
        assert db.session.scalar(select(func.coalesce(func.sum(StockItem.quantity), 0)).where(
            StockItem.location_id == move.from_location_id, StockItem.lot_id == move.lot_id)) == 0
        assert db.session.get(SupplierReturn, document_id).status == "dispatched"
        assert books_are_right()
    assert client.post(f"/desk/returns/supplier/{document_id}/dispatch").status_code == 409
