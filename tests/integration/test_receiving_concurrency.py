"""Two workers on one receipt at once.

Scanning together: the over-receipt check sees both scans (the receipt row is locked for the scan's transaction), so
together they never pass more than the ASN allows without a supervisor. Run with real threads on SQLite (BEGIN
IMMEDIATE) and PostgreSQL (SELECT ... FOR UPDATE).

One changing the receipt between the other's screen reading it and the service locking it (PostgreSQL only: SQLite
holds its write lock from the first read, so there is no such moment): the lock reads the row afresh, so the scan
judges the receipt as it is once locked, not as the screen read it (closed: refused; moved: goods at the new dock).

A QA decision on held goods while their lot changes (PostgreSQL only, for the same reason): the decision locks the
lot and judges it as locked, so a lot recalled meanwhile is not released over the recall, and the last two holds
of a lot released at once release the lot.
"""
import re
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from tests.concurrency import at_once
from tests.factories import BOTTLE_GTIN, MEDICINE_GTIN, build_world
from tests.interleave import behind_a_lock, read_then_wait
from wms import clock, events, gs1
from wms.catalog.models import Lot
from wms.errors import Conflict
from wms.extensions import db
from wms.inventory import services as inventory
from wms.inventory.models import Lpn, Move
from wms.locations import services as locations
from wms.recall import services as recall
from wms.receiving import asns, dock_scan, quarantine, receipts, tolerance
from wms.receiving.models import Asn, Discrepancy, Hold, Receipt, ReceiptItem

HX = {"HX-Request": "true"}


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


@pytest.fixture
def racing(app, users, is_postgres):
    """ASN PO-9 (MED × 10, BOTTLE × 24) and a second receiving dock, DOCK-2. PostgreSQL only."""
    if not is_postgres:
        pytest.skip("SQLite takes its write lock at the first read: nothing commits between the read and the lock")
    with app.app_context():
        world = build_world()
        locations.create_location("DOCK-2", "receiving", warehouse=world.warehouse)
        asns.create_asn({"supplier": "ACME", "reference": "PO-9", "expected_on": clock.today().isoformat(),
                         "lines": [{"sku": "MED", "quantity": 10}, {"sku": "BOTTLE", "quantity": 24}]})
        db.session.commit()
        db.session.remove()


def _post(client, url: str, scan: str, state: dict | None = None, **extra):
    return client.post(url, data={**(state or {}), "scan": scan, **extra}, headers=HX)


def _hidden(response) -> dict:
    form = re.search(r'<form class="scan".*?</form>', response.get_data(as_text=True), re.S).group(0)
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))


def _asked_how_many(client) -> tuple[int, str, dict]:
    """The worker's receipt of PO-9 opened, BOTTLE scanned, the quantity asked: (receipt id, url, the state)."""
    client.post("/hh/login", data={"badge": "BADGE-W1", "pin": "1111"}, headers=HX)
    opened = _post(client, "/hh/receive", "PO-9")
    receipt_id = int(re.search(r"/hh/receive/(\d+)", opened.headers["HX-Push-Url"]).group(1))
    url = f"/hh/receive/{receipt_id}"
    asked = _post(client, url, BOTTLE_GTIN, scan_id="ask")
    assert 'data-need="quantity"' in asked.get_data(as_text=True)
    return receipt_id, url, _hidden(asked)


def _received(app) -> tuple:
    """What the dock took in: receipt items, receipt moves and where they went."""
    with app.app_context():
        moves = list(db.session.scalars(select(Move).where(Move.reason == "receipt")))
        found = (db.session.scalar(select(func.count()).select_from(ReceiptItem)), len(moves),
                 sorted({move.to_location.code for move in moves}))
        db.session.remove()
    return found


def test_a_scan_on_a_receipt_closed_after_the_screen_read_it_is_refused(app, client, racing, monkeypatch):
    receipt_id, url, state = _asked_how_many(client)
    response, closed = read_then_wait(
        app, monkeypatch, receipts, "get_receipt",
        lambda: _post(client, url, "5", state, scan_id="five"),
        lambda: receipts.close_receipt(receipt_id, user_id=None))
    assert closed["receipt_id"] == receipt_id
    assert response.status_code == 409, response.get_data(as_text=True)
    assert f"Receipt {receipt_id} is closed." in response.get_data(as_text=True)
    assert _received(app) == (0, 0, [])  # nothing taken into the closed receipt, no ledger move
    with app.app_context():
        assert inventory.stock_mismatches() == []


def test_a_scan_after_the_receipt_moved_dock_puts_the_goods_at_the_new_dock(app, client, racing, monkeypatch):
    receipt_id, url, state = _asked_how_many(client)
    with app.app_context():
        dock_2 = locations.by_code("DOCK-2").id
    response, _moved = read_then_wait(
        app, monkeypatch, receipts, "get_receipt",
        lambda: _post(client, url, "5", state, scan_id="five"),
        lambda: receipts.change_dock(receipt_id, dock_2, user_id=None))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert _received(app) == (1, 1, ["DOCK-2"])
    with app.app_context():
        plate = db.session.scalar(select(Lpn).join(ReceiptItem, ReceiptItem.lpn_id == Lpn.id))
        assert plate.location.code == "DOCK-2"
        assert inventory.stock_mismatches() == []


def test_a_receipt_closed_twice_at_once_closes_once(app, client, racing, monkeypatch):
    receipt_id, url, _state = _asked_how_many(client)
    response, _closed = read_then_wait(
        app, monkeypatch, receipts, "get_receipt",
        lambda: _post(client, f"{url}/close", "CLOSE", scan_id="close-here"),
        lambda: receipts.close_receipt(receipt_id, user_id=None, scan_id="close-there"))
    assert response.status_code == 409, response.get_data(as_text=True)
    with app.app_context():
        assert [e.kind for e in events.pending()].count("receipt.closed") == 1  # the ERP is told once
        assert db.session.scalar(select(func.count()).select_from(Discrepancy)) == 2  # MED and BOTTLE short, once


def test_a_receipt_started_on_an_asn_closed_after_the_screen_found_it_is_refused(app, client, racing, monkeypatch):
    receipt_id, _url, _state = _asked_how_many(client)
    response, _closed = read_then_wait(
        app, monkeypatch, asns, "open_asns_for",
        lambda: _post(client, "/hh/receive", "PO-9"),
        lambda: receipts.close_receipt(receipt_id, user_id=None))
    assert response.status_code == 422, response.get_data(as_text=True)
    assert "ASN PO-9 was already received and closed" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Receipt.status)).all() == ["closed"]  # no second receipt reopening it
        assert db.session.scalar(select(Asn.status)) == "received"


def test_a_receipt_started_on_an_asn_cancelled_after_the_screen_found_it_is_refused(app, client, racing,
                                                                                     monkeypatch):
    client.post("/hh/login", data={"badge": "BADGE-W1", "pin": "1111"}, headers=HX)
    with app.app_context():
        asn_id = db.session.scalar(select(Asn.id))
    response, _cancelled = read_then_wait(
        app, monkeypatch, asns, "open_asns_for",
        lambda: _post(client, "/hh/receive", "PO-9"),
        lambda: asns.cancel_asn(asn_id, user_id=None))
    assert response.status_code == 422, response.get_data(as_text=True)
    assert "ASN PO-9 was cancelled: ask your supervisor." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Receipt)) == 0
        assert db.session.scalar(select(Asn.status)) == "cancelled"


def test_an_asn_cancelled_while_a_worker_starts_its_receipt_is_not_cancelled(app, racing):
    """The desk cancels while the dock opens the first receipt: the cancel waits for the ASN's lock and then sees
    it being received (409), rather than writing "cancelled" over it with a receipt open."""
    with app.app_context():
        asn_id = db.session.scalar(select(Asn.id))
    receipt_id, cancelled = behind_a_lock(
        app, lambda: receipts.start_receipt(asn_id=asn_id, user_id=None).id,
        lambda: asns.cancel_asn(asn_id, user_id=None))
    assert isinstance(cancelled, Conflict), cancelled
    with app.app_context():
        assert db.session.scalar(select(Asn.status)) == "receiving"
        assert db.session.get(Receipt, receipt_id).status == "open"


def _held_medicine(app, plates: int) -> tuple[list[int], int]:
    """5 MED of lot QA1 received into quarantine on each of `plates` ASNs (a plate and a hold each): (hold ids,
    lot id)."""
    with app.app_context():
        code = gs1.element_string(gtin=MEDICINE_GTIN, lot="QA1", expires_on=clock.today() + timedelta(days=300),
                                  separator="|")
        for plate in range(plates):
            asn, _created = asns.create_asn({"supplier": "ACME", "reference": f"PO-Q{plate}",
                                             "expected_on": clock.today().isoformat(),
                                             "lines": [{"sku": "MED", "quantity": 5}]})
            receipt_id = receipts.start_receipt(asn_id=asn.id, user_id=None).id
            dock_scan.receive_scan(receipt_id, code, dock_scan.Answers(quantity=5), user_id=None)
        db.session.commit()
        holds = list(db.session.scalars(select(Hold.id).order_by(Hold.id)))
        lot_id = db.session.scalar(select(Lot.id).where(Lot.code == "QA1"))
        assert len(holds) == plates and db.session.get(Lot, lot_id).status == "quarantine"
        db.session.remove()
    return holds, lot_id


def test_a_hold_released_while_its_lot_is_recalled_leaves_the_lot_recalled(app, racing, users):
    """The supervisor releases goods held for QA while the desk recalls their lot: the release waits for the lot's
    lock and sees it recalled; the lot stays recalled, never released over the recall."""
    [hold_id], lot_id = _held_medicine(app, plates=1)
    recalled, released = behind_a_lock(
        app, lambda: recall.recall_lot(lot_id, risk_class="I", reference="ANVISA-RE-9/2026", reason="Contamination",
                                       user_id=None).id,
        lambda: quarantine.decide_hold(hold_id, release=True, reason="CoA checked", user_id=users["supervisor"]))
    assert isinstance(recalled, int), recalled
    assert released["status"] == "released" and released["lot_status"] == "recalled", released
    with app.app_context():
        lot = db.session.get(Lot, lot_id)
        assert lot.status == "recalled"
        assert [h.to_status for h in lot.history] == ["quarantine", "recalled"]  # never released over the recall


def test_the_last_two_holds_of_a_lot_released_at_once_release_the_lot(app, racing, users):
    """Two plates of one lot in quarantine, released by two supervisors at the same moment: whoever decides second
    sees the other hold released (the lot's row is locked while deciding) and releases the lot."""
    (first, second), lot_id = _held_medicine(app, plates=2)
    one, other = behind_a_lock(
        app, lambda: quarantine.decide_hold(first, release=True, reason="CoA checked", user_id=users["supervisor"]),
        lambda: quarantine.decide_hold(second, release=True, reason="CoA checked", user_id=users["supervisor"]))
    assert one["status"] == other["status"] == "released", (one, other)
    with app.app_context():
        assert db.session.get(Lot, lot_id).status == "released"
        assert db.session.scalars(select(Hold.status)).all() == ["released", "released"]


def test_the_same_put_away_scan_sent_twice_at_once_moves_the_plate_once_with_one_audit_line(app, racing):
    """A handheld resends the destination scan of a put-away while the first is being applied: the plate moves once,
    both hear the first's result, and the audit trail says it was put away once."""
    from wms.audit import AuditEvent
    from wms.receiving import putaway

    with app.app_context():
        asn = db.session.scalar(select(Asn).where(Asn.reference == "PO-9"))
        receipt_id = receipts.start_receipt(asn_id=asn.id, user_id=None).id
        lpn = inventory.lpn_by_code(dock_scan.receive_scan(receipt_id, BOTTLE_GTIN, dock_scan.Answers(quantity=24),
                                                           user_id=None)["lpn"])
        scan = dict(lpn_id=lpn.id, target_id=putaway.plan_for_lpn(lpn).suggestion.location_id, user_id=None,
                    scan_id="resent-put-away")
        db.session.commit()
        db.session.remove()
    first, second = behind_a_lock(app, lambda: putaway.put_away(**scan), lambda: putaway.put_away(**scan))
    assert isinstance(first, dict), first
    assert second == first
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Move).where(Move.reason == "putaway")) == 1
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "putaway")) == 1
        assert inventory.stock_mismatches() == []
