"""Receiving through the services: ASNs, scans at the dock and their checks, quarantine, closing, put-away.
The same suite runs on SQLite and PostgreSQL."""
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import event, func, select

from tests.factories import (
    BOTTLE_GTIN,
    MEDICINE_ANVISA,
    MEDICINE_CASE_GTIN,
    MEDICINE_GTIN,
    build_world,
    gtin13,
    gtin14,
    on_hand,
    receive,
)
from wms import clock, events, gs1
from wms.auth import services as auth
from wms.catalog import services as catalog
from wms.catalog.models import Lot, LotStatus, LotStatusChange
from wms.errors import Conflict, DomainError, NotFound
from wms.extensions import db
from wms.inventory import lookup
from wms.inventory import services as inventory
from wms.inventory.models import Lpn, Move, StockItem
from wms.receiving import asns, dock_scan, putaway, putaway_rules, quarantine, receipts, tolerance
from wms.receiving.dock_scan import Answers
from wms.receiving.models import (
    Asn,
    AsnStatus,
    Discrepancy,
    Hold,
    HoldStatus,
    ReceiptItem,
    ReceiptStatus,
)

SOAP_GTIN = gtin13("789100000099")
SOAP_CASE_GTIN = gtin14("1789100000099")
SSCC = "376104250021234569"


def dm(gtin, lot=None, expires_on=None, serial=None, anvisa=None, count=None, sscc=None):
    """A GS1 code as a wedge scanner types it, with "|" for GS."""
    return gs1.element_string(gtin=gtin, lot=lot, expires_on=expires_on, serial=serial,
                              anvisa_registration=anvisa, count=count, sscc=sscc, separator="|")


@pytest.fixture(autouse=True)
def english(ctx):
    with force_locale("en"):  # messages are read in English here; pt_BR has its own tests
        yield


@pytest.fixture
def world(ctx):
    world = build_world()
    world.products["SOAP"] = catalog.create_product(
        sku="SOAP", name="Sabonete", category="other", lot_tracked=True, expiry_tracked=True,
        min_shelf_life_days=60, barcodes=[(SOAP_GTIN, "gtin", 1), (SOAP_CASE_GTIN, "case_gtin", 12)])
    return world


@pytest.fixture
def worker_id(ctx):
    return auth.create_user("w", role="worker", pin="1111", badge="BADGE-W").id


@pytest.fixture
def supervisor_id(ctx):
    return auth.create_user("s", role="supervisor", password="s", pin="2222", badge="BADGE-S").id


def days(n):
    return clock.today() + timedelta(days=n)


def make_asn(lines, reference="PO-1", supplier="ACME"):
    asn, created = asns.create_asn({"supplier": supplier, "reference": reference,
                                    "expected_on": clock.today().isoformat(), "lines": lines})
    assert created
    return asn


def open_receipt(asn=None, user_id=None):
    return receipts.start_receipt(asn_id=asn.id if asn else None, user_id=user_id).id


# --- ASNs -----------------------------------------------------------------------------------------------


def test_an_asn_is_created_once_per_supplier_reference(world):
    data = {"supplier": " ACME  Ltda ", "reference": "PO-1", "expected_on": clock.today().isoformat(),
            "lines": [{"sku": "MED", "quantity": 10, "lot": "L1", "expires_on": days(300).isoformat()},
                      {"gtin": BOTTLE_GTIN, "quantity": 5}]}
    asn, created = asns.create_asn(data)
    assert created and asn.supplier == "ACME Ltda" and [line.product.sku for line in asn.lines] == ["MED", "BOTTLE"]
    again, created = asns.create_asn(data)
    assert not created and again.id == asn.id
    changed = dict(data, lines=[{"sku": "MED", "quantity": 11}])
    with pytest.raises(Conflict, match="already sent ASN PO-1"):
        asns.create_asn(changed)
    db.session.rollback()
    other, created = asns.create_asn(dict(data, supplier="Other"))
    assert created and other.id != asn.id


def test_asn_field_errors_are_all_reported(world):
    with pytest.raises(asns.AsnInvalid) as caught:
        asns.create_asn({"supplier": "", "expected_on": "tomorrow", "lines": [
            {"sku": "NOPE", "quantity": 0}, {"sku": "BOTTLE", "quantity": 1, "lot": "X"},
            {"sku": "MED", "quantity": 2, "expires_on": "2027-01-01", "sscc": "123"}]})
    fields = caught.value.details["fields"]
    assert set(fields) == {"supplier", "reference", "expected_on", "lines[0].sku", "lines[0].quantity",
                           "lines[1].lot", "lines[2].expires_on", "lines[2].sscc"}
    assert "NOPE" in fields["lines[0].sku"]
    assert db.session.scalar(select(func.count()).select_from(Asn)) == 0


def test_csv_import_groups_rows_and_is_all_or_nothing(world):
    today = clock.today().isoformat()
    good = ("supplier,reference,expected_on,sku,quantity,lot,expires_on,sscc\n"
            f"ACME,PO-7,{today},MED,24,L7,{days(300).isoformat()},\n"
            f"ACME,PO-7,{today},BOTTLE,6,,,\n"
            f"Beta,NF-1,{today},BOTTLE,3,,,\n")
    report = asns.import_asns_csv(good)
    assert report.errors == [] and report.created == ["ACME PO-7", "Beta NF-1"]
    assert len(asns.get_asn(db.session.scalar(select(Asn.id).where(Asn.reference == "PO-7"))).lines) == 2
    again = asns.import_asns_csv(good + f"Gamma,X1,{today},NOPE,1,,,\n")
    assert again.created == [] and again.errors[0][0] == 5 and "NOPE" in again.errors[0][1]
    assert db.session.scalar(select(func.count()).select_from(Asn)) == 2
    assert asns.import_asns_csv(good).unchanged == ["ACME PO-7", "Beta NF-1"]
    with pytest.raises(DomainError, match="header"):
        asns.import_asns_csv("sku,quantity\nMED,1\n")


# --- scans at the dock ------------------------------------------------------------------------------------


def test_one_datamatrix_scan_receives_a_medicine_into_quarantine(world, worker_id):
    asn = make_asn([{"sku": "MED", "quantity": 3}])
    receipt_id = open_receipt(asn, worker_id)
    raw = dm(MEDICINE_GTIN, lot="NEW1", expires_on=days(400), serial="S1", anvisa=MEDICINE_ANVISA)
    result = dock_scan.receive_scan(receipt_id, raw, user_id=worker_id, scan_id="scan-1")
    assert result["status"] == "received" and result["outcome"] == "quarantine" and result["quantity"] == 1
    assert result["holds"] == ["anvisa_controlled"]
    lot = catalog.find_lot(world.products["MED"].id, "NEW1")
    assert lot.status == LotStatus.QUARANTINE and lot.expires_on == days(400)
    change = db.session.scalar(select(LotStatusChange).where(LotStatusChange.lot_id == lot.id))
    assert change.to_status == "quarantine" and "anvisa_controlled" in change.reason
    lpn = inventory.lpn_by_code(result["lpn"])
    assert on_hand_lpn(world, "MED", "DOCK", lot, lpn) == 1
    # the same scan id again changes nothing; the same box again (same serial) is refused
    assert dock_scan.receive_scan(receipt_id, raw, user_id=worker_id, scan_id="scan-1") == result
    with pytest.raises(DomainError, match="serial S1 was already received"):
        dock_scan.receive_scan(receipt_id, raw, user_id=worker_id, scan_id="scan-2")
    db.session.rollback()
    hold = db.session.scalar(select(Hold))
    assert (hold.quantity, hold.reasons, hold.lpn_id) == (1, "anvisa_controlled", lpn.id)
    assert inventory.stock_mismatches() == []


def on_hand_lpn(world, sku, location, lot, lpn):
    return on_hand(world, sku, location, None, lpn.id) if lot is None else db.session.scalar(
        select(StockItem.quantity).where(StockItem.location_id == world.loc[location].id,
                                         StockItem.product_id == world.products[sku].id,
                                         StockItem.lot_id == lot.id, StockItem.lpn_id == lpn.id))


def test_only_what_the_barcode_did_not_give_is_asked(world, worker_id):
    asn = make_asn([{"sku": "SOAP", "quantity": 48, "lot": "S1"}])
    receipt_id = open_receipt(asn, worker_id)
    need = dock_scan.receive_scan(receipt_id, SOAP_CASE_GTIN, user_id=worker_id)
    assert (need["status"], need["need"], need["expected_lots"]) == ("need", "lot", ["S1"])
    need = dock_scan.receive_scan(receipt_id, SOAP_CASE_GTIN, Answers(lot="S1"), user_id=worker_id)
    assert (need["need"], need["lot"]) == ("expiry", "S1")
    need = dock_scan.receive_scan(receipt_id, SOAP_CASE_GTIN, Answers(lot="S1", expires_on=days(200)),
                                  user_id=worker_id)
    assert (need["need"], need["units"]) == ("quantity", 12)
    assert db.session.scalar(select(func.count()).select_from(ReceiptItem)) == 0
    done = dock_scan.receive_scan(receipt_id, SOAP_CASE_GTIN, Answers(lot="S1", expires_on=days(200), quantity=4),
                                  user_id=worker_id)
    assert (done["status"], done["outcome"], done["quantity"]) == ("received", "stock", 48)
    # a known lot's expiry is not asked again; a GS1 case code with lot and expiry asks only how many
    need = dock_scan.receive_scan(receipt_id, SOAP_CASE_GTIN, Answers(lot="S1"), user_id=worker_id)
    assert need["need"] == "quantity"
    need = dock_scan.receive_scan(receipt_id, dm(SOAP_CASE_GTIN, lot="S1", expires_on=days(200)), user_id=worker_id)
    assert need["need"] == "quantity"
    # a count (37) says how many: nothing else is asked (here: 24 more than the ASN's 48 needs a supervisor)
    need = dock_scan.receive_scan(receipt_id, dm(SOAP_CASE_GTIN, lot="S1", expires_on=days(200), count=2),
                                  user_id=worker_id)
    assert (need["need"], need["units"], need["over"], need["allowed"]) == ("supervisor", 24, 24, 2)


def test_over_receipt_within_the_tolerance_is_accepted_beyond_it_needs_a_supervisor(world, worker_id,
                                                                                      supervisor_id):
    tolerance.set_over_tolerance(10, user_id=supervisor_id)
    asn = make_asn([{"sku": "BOTTLE", "quantity": 20}])
    receipt_id = open_receipt(asn, worker_id)
    done = dock_scan.receive_scan(receipt_id, BOTTLE_GTIN, Answers(quantity=22), user_id=worker_id)
    assert done["outcome"] == "stock" and done["discrepancies"] == ["over"] and done["over"] == 2
    need = dock_scan.receive_scan(receipt_id, BOTTLE_GTIN, Answers(quantity=1), user_id=worker_id)
    assert need["need"] == "supervisor" and "A supervisor must allow it" in need["message"]
    with pytest.raises(DomainError, match="not a supervisor"):
        dock_scan.receive_scan(receipt_id, BOTTLE_GTIN, Answers(quantity=1, supervisor_badge="BADGE-W",
                                                                supervisor_pin="1111"), user_id=worker_id)
    db.session.rollback()
    with pytest.raises(DomainError, match="Wrong PIN"):  # the badge is known: the PIN was wrong
        dock_scan.receive_scan(receipt_id, BOTTLE_GTIN, Answers(quantity=1, supervisor_badge="BADGE-S",
                                                                supervisor_pin="9999"), user_id=worker_id)
    db.session.rollback()
    done = dock_scan.receive_scan(receipt_id, BOTTLE_GTIN, Answers(quantity=1, supervisor_badge="BADGE-S",
                                                                   supervisor_pin="2222"), user_id=worker_id)
    assert done["outcome"] == "stock" and done["approved_by"] == "s"
    over = db.session.scalars(select(Discrepancy).where(Discrepancy.kind == "over")
                              .order_by(Discrepancy.id)).all()
    assert [(d.quantity, d.decision, d.approved_by_id) for d in over] == [
        (2, "accepted", None), (1, "approved", supervisor_id)]


def test_expired_lot_is_refused_and_recorded(world, worker_id):
    asn = make_asn([{"sku": "SOAP", "quantity": 12}])
    receipt_id = open_receipt(asn, worker_id)
    result = dock_scan.receive_scan(receipt_id, dm(SOAP_GTIN, lot="OLD", expires_on=days(-1)),
                                    Answers(quantity=12), user_id=worker_id)
    assert result["status"] == "refused" and result["reason"] == "expired"
    assert db.session.scalar(select(func.count()).select_from(Move)) == 0
    assert catalog.find_lot(world.products["SOAP"].id, "OLD") is None
    row = db.session.scalar(select(Discrepancy))
    assert (row.kind, row.quantity, row.decision, row.lot_code) == ("expired", 12, "refused", "OLD")


def test_short_dated_unexpected_and_wrong_lot(world, worker_id):
    asn = make_asn([{"sku": "SOAP", "quantity": 24, "lot": "S1"}])
    receipt_id = open_receipt(asn, worker_id)
    short = dock_scan.receive_scan(receipt_id, dm(SOAP_GTIN, lot="S1", expires_on=days(30)), Answers(quantity=12),
                                   user_id=worker_id)
    assert short["outcome"] == "quarantine" and short["discrepancies"] == ["short_dated"]
    assert catalog.find_lot(world.products["SOAP"].id, "S1").status == LotStatus.QUARANTINE
    wrong = dock_scan.receive_scan(receipt_id, dm(SOAP_GTIN, lot="S2", expires_on=days(300)), Answers(quantity=12),
                                   user_id=worker_id)
    assert wrong["outcome"] == "stock" and wrong["discrepancies"] == ["wrong_lot"]
    unexpected = dock_scan.receive_scan(receipt_id, BOTTLE_GTIN, Answers(quantity=3), user_id=worker_id)
    assert unexpected["outcome"] == "quarantine" and unexpected["discrepancies"] == ["unexpected"]
    assert short["lpn"] == unexpected["lpn"] != wrong["lpn"]  # held goods on their own plate


def test_anvisa_mismatch_is_held_not_refused(world, worker_id):
    with pytest.raises(lookup.AnvisaMismatch) as caught:
        lookup.identify(dm(MEDICINE_GTIN, lot="X", expires_on=days(300), anvisa="1999999999999"))
    assert caught.value.found.product.sku == "MED"  # the scan still names the product
    asn = make_asn([{"sku": "MED", "quantity": 5}])
    receipt_id = open_receipt(asn, worker_id)
    result = dock_scan.receive_scan(receipt_id, dm(MEDICINE_GTIN, lot="X", expires_on=days(300),
                                                   anvisa="1999999999999"), Answers(quantity=5), user_id=worker_id)
    assert result["outcome"] == "quarantine" and result["discrepancies"] == ["anvisa_mismatch"]
    assert set(result["holds"]) == {"anvisa_mismatch", "anvisa_controlled"}


def test_damaged_units_go_to_the_damaged_location(world, worker_id):
    asn = make_asn([{"sku": "BOTTLE", "quantity": 10}])
    receipt_id = open_receipt(asn, worker_id)
    result = dock_scan.receive_scan(receipt_id, BOTTLE_GTIN, Answers(quantity=2, damaged=True), user_id=worker_id)
    assert (result["outcome"], result["location"], result["lpn"]) == ("damaged", "DMG-01", None)
    assert on_hand(world, "BOTTLE", "DMG-01") == 2
    dock_scan.receive_scan(receipt_id, BOTTLE_GTIN, Answers(quantity=8), user_id=worker_id)
    summary = receipts.summary(receipts.get_receipt(receipt_id))
    assert [(v.sku, v.expected, v.received, v.damaged, v.discrepancies) for v in summary] == [
        ("BOTTLE", 10, 10, 2, {"damaged": 2})]


def test_a_pallet_sscc_receives_its_lines_in_one_scan(world, worker_id):
    asn = make_asn([{"sku": "SOAP", "quantity": 24, "lot": "P1", "expires_on": days(300).isoformat(), "sscc": SSCC},
                    {"sku": "BOTTLE", "quantity": 6, "sscc": SSCC}, {"sku": "BOTTLE", "quantity": 4}])
    receipt_id = open_receipt(asn, worker_id)
    result = dock_scan.receive_scan(receipt_id, "00" + SSCC, user_id=worker_id)
    assert result == {"status": "pallet", "sscc": SSCC, "lpn": SSCC, "lines": 2, "units": 30, "outcome": "stock"}
    lpn = inventory.lpn_by_code(SSCC)
    assert lpn.location.code == "DOCK"
    with pytest.raises(DomainError, match="already received"):
        dock_scan.receive_scan(receipt_id, SSCC, user_id=worker_id)
    db.session.rollback()
    assert [(line.sku, line.received) for line in receipts.summary(receipts.get_receipt(receipt_id))] == [
        ("SOAP", 24), ("BOTTLE", 6), ("BOTTLE", 0)]


def test_a_blind_receipt_takes_whatever_arrives(world, worker_id):
    receipt_id = receipts.start_receipt(user_id=worker_id, supplier="Walk-in", reference="NF 123").id
    result = dock_scan.receive_scan(receipt_id, dm(SOAP_GTIN, lot="B1", expires_on=days(300)), Answers(quantity=500),
                                    user_id=worker_id)
    assert result["outcome"] == "stock" and result["discrepancies"] == []


# --- closing ---------------------------------------------------------------------------------------------


def test_closing_records_under_receipts_and_emits_an_event(world, worker_id):
    asn = make_asn([{"sku": "BOTTLE", "quantity": 10}, {"sku": "SOAP", "quantity": 12}])
    receipt_id = open_receipt(asn, worker_id)
    assert asns.get_asn(asn.id).status == AsnStatus.RECEIVING
    dock_scan.receive_scan(receipt_id, BOTTLE_GTIN, Answers(quantity=7), user_id=worker_id)
    result = receipts.close_receipt(receipt_id, user_id=worker_id, scan_id="close-1")
    assert receipts.close_receipt(receipt_id, user_id=worker_id, scan_id="close-1") == result
    receipt = receipts.get_receipt(receipt_id)
    assert receipt.status == ReceiptStatus.CLOSED and receipt.asn.status == AsnStatus.RECEIVED
    under = {(d.product.sku, d.quantity) for d in receipt.discrepancies if d.kind == "under"}
    assert under == {("BOTTLE", 3), ("SOAP", 12)}
    [event] = events.pending()
    assert event.kind == "receipt.closed"
    payload = event.payload
    assert payload["asn"]["reference"] == "PO-1" and payload["lines"][0]["received"] == 7
    assert payload["received"] == [{"sku": "BOTTLE", "lot": None, "expires_on": None, "outcome": "stock",
                                    "quantity": 7}]
    with pytest.raises(Conflict):
        dock_scan.receive_scan(receipt_id, BOTTLE_GTIN, Answers(quantity=1), user_id=worker_id)


# --- quarantine ------------------------------------------------------------------------------------------


def test_release_and_reject_keep_the_reason_and_change_new_lots(world, worker_id, supervisor_id):
    asn = make_asn([{"sku": "MED", "quantity": 20}])
    receipt_id = open_receipt(asn, worker_id)
    dock_scan.receive_scan(receipt_id, dm(MEDICINE_GTIN, lot="QA1", expires_on=days(300)), Answers(quantity=10),
                           user_id=worker_id)
    dock_scan.receive_scan(receipt_id, dm(MEDICINE_GTIN, lot="QA2", expires_on=days(300)), Answers(quantity=10),
                           user_id=worker_id)
    first, second = db.session.scalars(select(Hold).order_by(Hold.id)).all()
    with pytest.raises(DomainError, match="Say why"):
        quarantine.decide_hold(first.id, release=True, reason=" ", user_id=supervisor_id)
    db.session.rollback()
    with pytest.raises(DomainError, match="Only a supervisor"):
        quarantine.decide_hold(first.id, release=True, reason="ok", user_id=worker_id)
    db.session.rollback()
    assert quarantine.decide_hold(first.id, release=True, reason="CoA checked", user_id=supervisor_id)[
        "lot_status"] == "released"
    assert quarantine.decide_hold(second.id, release=False, reason="Broken seal", user_id=supervisor_id)[
        "lot_status"] == "blocked"
    qa1 = db.session.scalar(select(Lot).where(Lot.code == "QA1"))
    assert qa1.history[-1].reason == "CoA checked" and qa1.history[-1].user_id == supervisor_id
    assert db.session.get(Hold, second.id).status == HoldStatus.REJECTED
    with pytest.raises(Conflict):
        quarantine.decide_hold(first.id, release=True, reason="again", user_id=supervisor_id)


def test_a_known_released_lot_keeps_its_status_and_the_hold_keeps_the_units_apart(world, worker_id):
    asn = make_asn([{"sku": "MED", "quantity": 5}])
    receipt_id = open_receipt(asn, worker_id)
    result = dock_scan.receive_scan(receipt_id, dm(MEDICINE_GTIN, lot="L-LATE"), Answers(quantity=5),
                                    user_id=worker_id)
    assert result["outcome"] == "quarantine"
    assert world.lots["L-LATE"].status == LotStatus.RELEASED
    plan = putaway.plan_for_lpn(inventory.lpn_by_code(result["lpn"]))
    assert plan.held and plan.suggestion.code == "Q-01"


# --- put-away --------------------------------------------------------------------------------------------


def test_put_away_follows_the_rules_and_a_different_place_needs_a_reason(world, worker_id, supervisor_id):
    putaway_rules.save_rule(priority=10, location_kind="reserve", category="other", zone="A", user_id=supervisor_id)
    asn = make_asn([{"sku": "BOTTLE", "quantity": 10}])
    receipt_id = open_receipt(asn, worker_id)
    result = dock_scan.receive_scan(receipt_id, BOTTLE_GTIN, Answers(quantity=10), user_id=worker_id)
    lpn = inventory.lpn_by_code(result["lpn"])
    plan = putaway.plan_for_lpn(lpn)
    # the nearest reserve location to the dock (at the depot, front of aisle 1): bay 1, level 2
    assert (plan.held, plan.suggestion.code, plan.suggestion.reason) == (False, "A-01-01-2", "empty")
    with pytest.raises(DomainError, match="choose why"):
        putaway.put_away(lpn_id=lpn.id, target_id=world.loc["A-02-05-2"].id, user_id=worker_id)
    db.session.rollback()
    moved = putaway.put_away(lpn_id=lpn.id, target_id=world.loc["A-02-05-2"].id, reason="closer",
                             user_id=worker_id, scan_id="pa-1")
    assert moved["target"] == "A-02-05-2" and moved["units"] == 10
    assert on_hand(world, "BOTTLE", "A-02-05-2", lpn_id=lpn.id) == 10
    assert db.session.get(Lpn, lpn.id).location.code == "A-02-05-2"
    assert inventory.stock_mismatches() == []


def test_put_away_consolidates_with_the_same_lot(world, worker_id, supervisor_id):
    putaway_rules.save_rule(priority=10, location_kind="reserve", sku="SOAP", user_id=supervisor_id)
    asn = make_asn([{"sku": "SOAP", "quantity": 24}])
    receipt_id = open_receipt(asn, worker_id)
    dock_scan.receive_scan(receipt_id, dm(SOAP_GTIN, lot="C1", expires_on=days(300)), Answers(quantity=12),
                           user_id=worker_id)
    receipts.new_plate(receipt_id, user_id=worker_id)
    second = dock_scan.receive_scan(receipt_id, dm(SOAP_GTIN, lot="C1", expires_on=days(300)), Answers(quantity=12),
                                    user_id=worker_id)
    first_lpn = db.session.scalar(select(Lpn).order_by(Lpn.id))
    putaway.put_away(lpn_id=first_lpn.id, target_id=world.loc["A-02-03-2"].id, reason="other", user_id=worker_id)
    plan = putaway.plan_for_lpn(inventory.lpn_by_code(second["lpn"]))
    assert (plan.suggestion.code, plan.suggestion.reason) == ("A-02-03-2", "same_lot")


def test_held_goods_cannot_go_to_a_pickable_place(world, worker_id):
    asn = make_asn([{"sku": "SOAP", "quantity": 12}])
    receipt_id = open_receipt(asn, worker_id)
    result = dock_scan.receive_scan(receipt_id, dm(SOAP_GTIN, lot="SD", expires_on=days(20)), Answers(quantity=12),
                                    user_id=worker_id)
    lpn = inventory.lpn_by_code(result["lpn"])
    with pytest.raises(DomainError):
        putaway.put_away(lpn_id=lpn.id, target_id=world.loc["A-01-01-2"].id, reason="other", user_id=worker_id)
    db.session.rollback()
    putaway.put_away(lpn_id=lpn.id, target_id=world.loc["Q-01"].id, user_id=worker_id)
    assert on_hand_lpn(world, "SOAP", "Q-01", catalog.find_lot(world.products["SOAP"].id, "SD"), lpn) == 12


def test_put_away_of_some_units_by_product(world, worker_id):
    asn = make_asn([{"sku": "BOTTLE", "quantity": 10}])
    receipt_id = open_receipt(asn, worker_id)
    dock_scan.receive_scan(receipt_id, BOTTLE_GTIN, Answers(quantity=10), user_id=worker_id)
    [item] = putaway.inbound_items(world.products["BOTTLE"])
    plan = putaway.plan_for_item(item, 4)
    putaway.put_away(item_id=item.id, quantity=4, target_id=plan.suggestion.location_id, user_id=worker_id)
    assert on_hand(world, "BOTTLE", plan.suggestion.code) == 4
    assert inventory.stock_mismatches() == []


def test_identify_names_the_case(world):
    found = lookup.identify(MEDICINE_CASE_GTIN)
    assert found.units == 24


def test_a_finished_plate_prints_its_label_on_the_dock_printer(world, worker_id, tmp_path):
    from wms.printing import services as printing
    from wms.printing.models import PrintJob

    printer = printing.create_printer("dock-1", f"file://{tmp_path}")
    printing.assign_printer("dock", "lpn", printer.id)
    receipt_id = receipts.start_receipt(user_id=worker_id).id
    result = dock_scan.receive_scan(receipt_id, dm(SOAP_GTIN, lot="P1", expires_on=days(300)), Answers(quantity=7),
                                    user_id=worker_id)
    done = receipts.finish_plates(receipt_id, user_id=worker_id)
    assert done == {"printed": [result["lpn"]], "label_problem": None}
    job = db.session.scalar(select(PrintJob))
    assert (job.kind, job.reference, job.station, job.printer_id) == ("lpn", result["lpn"], "dock", printer.id)
    assert result["lpn"] in job.zpl and "SOAP" in job.zpl and "P1" in job.zpl
    # the next scan starts a new plate; closing finishes it and prints its label too
    second = dock_scan.receive_scan(receipt_id, BOTTLE_GTIN, Answers(quantity=1), user_id=worker_id)
    assert second["lpn"] != result["lpn"]
    closed = receipts.close_receipt(receipt_id, user_id=worker_id)
    assert closed["printed"] == [second["lpn"]]
    assert db.session.scalar(select(func.count()).select_from(PrintJob)) == 2


def test_is_held_reads_only_the_lots_the_session_does_not_hold(world):
    """The lots' statuses come from the session when it holds them (a plate's items named with their lots); the
    others are read in one statement and become the items' (the screen names them without a lazy load each)."""
    receive(world, "MED", "DOCK", 5, "L-SOON")
    receive(world, "MED", "DOCK", 3, "L-LATE")
    inventory.change_lot_status(world.lots["L-LATE"].id, LotStatus.QUARANTINE.value, reason="QA", user_id=None)
    db.session.commit()
    lot_reads: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        if "FROM lots" in statement:
            lot_reads.append(statement)

    def items():
        db.session.expunge_all()
        return list(db.session.scalars(select(StockItem).where(StockItem.quantity > 0,
                                                               StockItem.lot_id.is_not(None))
                                       .order_by(StockItem.id)))

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        unread = items()
        assert quarantine.is_held(unread) is True and len(lot_reads) == 1
        assert {item.lot.code for item in unread} == {"L-SOON", "L-LATE"} and len(lot_reads) == 1
        assert quarantine.is_held(unread) is True and len(lot_reads) == 1  # the session holds them now
        released = [item for item in items() if item.lot.code == "L-SOON"]  # its lot loaded with it
        lot_reads.clear()
        assert quarantine.is_held(released) is False and lot_reads == []
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


def test_an_asn_is_cancelled_only_while_nothing_was_received(world):
    idle, busy = make_asn([{"sku": "BOTTLE", "quantity": 5}]), make_asn([{"sku": "BOTTLE", "quantity": 5}], "PO-2")
    open_receipt(busy)
    db.session.commit()
    assert asns.cancel_asn(idle.id, user_id=None).status == "cancelled"
    with pytest.raises(Conflict, match="Only an ASN with nothing received yet can be cancelled."):
        asns.cancel_asn(busy.id, user_id=None)
    with pytest.raises(NotFound, match="ASN not found."):
        asns.cancel_asn(10**9, user_id=None)
    assert db.session.get(Asn, busy.id).status == "receiving"
