"""The worker's stock screens on the handheld (what's here, move, blind count), through the Flask client.

Each test walks a screen the way the handheld does: it posts the scan together with the hidden fields of the
screen it was answered, so the state the server relies on is the state it rendered.
"""
import html
import re
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from tests.factories import (
    BOTTLE_GTIN,
    MEDICINE_ANVISA,
    MEDICINE_CASE_GTIN,
    MEDICINE_GTIN,
    build_world,
    receive,
)
from tests.handheld_client import HX, page, press, scan, scan_fields
from wms import gs1
from wms.auth.models import User
from wms.catalog.models import Product
from wms.extensions import db
from wms.inventory import handheld
from wms.inventory import services as inventory
from wms.inventory.models import Adjustment, CountLine, CountTask, Lpn, Move, StockItem, item_key
from wms.locations import services as locations
from wms.locations.models import Location

HERE, MOVE, COUNT = "/hh/stock/here", "/hh/stock/move", "/hh/stock/count"


# --- the warehouse and how to look at it ---------------------------------------------------------------------


@pytest.fixture
def wh(app, users):
    """W1 from tests/factories.py with stock:
    A-01-01-2 (reserve): MED L-SOON 30, MED L-LATE 40, BOTTLE 12;  A-01-02-2: MED L-LATE 8 (one lot only);
    DOCK: MED L-OLD 6 (expired);  A-01-03-2: LPN00000001 with BOTTLE 20;  A-01-04-2: MED L-LATE 731, BOTTLE 5."""
    with app.app_context():
        world = build_world()
        receive(world, "MED", "A-01-01-2", 30, "L-SOON")
        receive(world, "MED", "A-01-01-2", 40, "L-LATE")
        receive(world, "BOTTLE", "A-01-01-2", 12)
        receive(world, "MED", "A-01-02-2", 8, "L-LATE")
        receive(world, "MED", "DOCK", 6, "L-OLD")
        lpn = inventory.create_lpn("LPN00000001")
        receive(world, "BOTTLE", "A-01-03-2", 20, lpn=lpn)
        receive(world, "MED", "A-01-04-2", 731, "L-LATE")
        receive(world, "BOTTLE", "A-01-04-2", 5)
        ids = SimpleNamespace(
            loc={code: location.id for code, location in world.loc.items()},
            product={sku: product.id for sku, product in world.products.items()},
            lot={code: lot.id for code, lot in world.lots.items()},
            expires={code: lot.expires_on for code, lot in world.lots.items()},
            lpn=lpn.id,
        )
        db.session.remove()
    return ids


def on_hand(app, wh, location, sku, lot=None, lpn=None) -> int:
    with app.app_context():
        key = item_key(wh.loc[location], wh.product[sku], wh.lot[lot] if lot else None, lpn)
        item = db.session.scalar(select(StockItem).where(StockItem.key == key))
        return item.quantity if item else 0


def books(app) -> tuple:
    """Everything a scan could change: stock items, ledger, adjustments, counts, LPN places."""
    with app.app_context():
        items = sorted((i.key, i.quantity, i.reserved) for i in db.session.scalars(select(StockItem)))
        moves = db.session.scalar(select(func.count()).select_from(Move))
        adjustments = db.session.scalar(select(func.count()).select_from(Adjustment))
        counts = sorted((t.id, t.status) for t in db.session.scalars(select(CountTask)))
        lines = db.session.scalar(select(func.count()).select_from(CountLine))
        plates = sorted((p.code, p.location_id) for p in db.session.scalars(select(Lpn)))
        return items, moves, adjustments, counts, lines, plates


def ledger_is_right(app) -> bool:
    with app.app_context():
        return inventory.stock_mismatches() == []


def moves(app) -> list[tuple]:
    with app.app_context():
        return [(m.product.sku, m.lot.code if m.lot else None, m.from_location.code, m.to_location.code, m.quantity,
                 m.reason) for m in db.session.scalars(select(Move).where(Move.reason == "move").order_by(Move.id))]


def gs1_code(wh, lot="L-LATE", **fields) -> str:
    return gs1.element_string(gtin=MEDICINE_GTIN, expires_on=wh.expires[lot], lot=lot, **fields)


# --- the handheld's answers (scans are posted by tests/handheld_client.py, with the screen's hidden fields) -----


def shown(response) -> str:
    """What the worker can read: the page without its tags and attributes (hidden fields carry database ids,
    which may be any number)."""
    return html.unescape(re.sub(r"<[^>]*>", " ", response.get_data(as_text=True)))


def good(response) -> str:
    assert response.status_code == 200, page(response)
    assert response.headers["X-Scan-Result"] == "ok"
    return page(response)


def refused(response, message: str, status: int = 422) -> str:
    body = page(response)
    assert response.status_code == status, body
    assert response.headers["X-Scan-Result"] == "bad"
    assert message in body, body
    assert 'class="error"' in body
    assert 'name="scan"' in body  # the input is still there for the next scan
    return body


@pytest.fixture
def worker(client, auth, wh):
    auth.login("worker")
    return client


# --- the menu ---------------------------------------------------------------------------------------------


def test_the_menu_opens_the_three_stock_screens_by_number(worker):
    menu = page(worker.get("/hh/"))
    for label, url in (("What's here?", HERE), ("Move", MOVE), ("Count", COUNT)):
        number = re.search(r'<span class="key">(\d+)</span> ' + re.escape(label) + "<", menu).group(1)
        response = worker.post("/hh/", data={"scan": number}, headers=HX)
        assert response.headers["HX-Redirect"] == url
        screen = worker.get(url)
        assert screen.status_code == 200
        assert 'name="scan"' in page(screen) and "<header" in page(screen)  # a full page, not a fragment


def test_the_stock_screens_need_a_login(client, wh):
    for url in (HERE, MOVE, COUNT):
        assert client.post(url, data={"scan": "A-01-01-2"}, headers=HX).status_code == 401


# --- 1. What's here? ---------------------------------------------------------------------------------------


def test_a_location_shows_its_contents_with_lots_and_bad_lots_in_red(app, worker, wh):
    with app.app_context():
        inventory.change_lot_status(wh.lot["L-LATE"], "quarantine", reason="temperature log missing", user_id=None)
        item = db.session.scalar(select(StockItem).where(StockItem.key == item_key(
            wh.loc["A-01-01-2"], wh.product["MED"], wh.lot["L-SOON"], None)))
        item.reserved = 4
        db.session.commit()
    body = good(scan(worker, worker.get(HERE), "a-01-01-2"))
    assert '<p class="target">A-01-01-2</p>' in body
    assert "Dipirona 500 mg" in body and "Garrafa 1 L" in body
    assert "L-SOON" in body and "L-LATE" in body
    assert '<span class="qty">30</span>' in body and "4 reserved" in body and '<span class="qty">12</span>' in body
    assert '<span class="badge-status quarantine">quarantine</span>' in body
    assert '<span class="badge-status released">released</span>' in body  # L-SOON is fine
    assert scan_fields(scan(worker, worker.get(HERE), "A-01-01-2"))["shown"] == f"location:{wh.loc['A-01-01-2']}"


def test_an_expired_lot_is_marked_red(worker, wh):
    body = good(scan(worker, worker.get(HERE), "DOCK"))
    assert "L-OLD" in body and '<span class="badge-status expired">expired</span>' in body


def test_a_product_shows_its_stock_by_location_and_lot_first_expiring_first(worker, wh):
    body = good(scan(worker, worker.get(HERE), MEDICINE_GTIN))
    assert "Dipirona 500 mg" in body
    assert "In stock: 815 un" in body  # 30 + 40 + 8 + 6 + 731
    order = [body.index(marker) for marker in ("L-OLD", "L-SOON", "L-LATE")]
    assert order == sorted(order)  # FEFO: expired first, then the one expiring soonest
    for code in ("A-01-01-2", "A-01-02-2", "A-01-04-2", "DOCK"):
        assert code in body


def test_a_product_in_many_places_shows_the_first_few_and_counts_the_rest(app, worker, wh):
    with app.app_context():
        warehouse = db.session.get(Location, wh.loc["DOCK"]).warehouse
        world = SimpleNamespace(products={"BOTTLE": db.session.get(Product, wh.product["BOTTLE"])}, lots={},
                                loc={}, virtual=lambda kind: locations.virtual_location(warehouse.id, kind))
        for place in locations.create_range("B", (1, 2), (1, 5), (1, 3), warehouse=warehouse):  # 30 more bins
            world.loc[place.code] = place
            receive(world, "BOTTLE", place.code, 1)
    body = good(scan(worker, worker.get(HERE), BOTTLE_GTIN))
    assert "In stock: 67 un" in body  # 12 + 20 + 5 + 30 × 1
    assert body.count('class="card stock-item"') == handheld.SHOWN == 12 and "…and 21 more places." in body


def test_a_gs1_code_with_a_lot_shows_that_lot_and_its_status(worker, wh):
    body = good(scan(worker, worker.get(HERE), gs1_code(wh, "L-SOON", anvisa_registration=MEDICINE_ANVISA,
                                                               separator="|")))
    assert "L-SOON" in body and "L-LATE" not in body
    assert "In stock: 30 un" in body and "A-01-01-2" in body
    assert '<span class="badge-status released">released</span>' in body


def test_an_lpn_shows_where_it_is_and_what_is_on_it(worker, wh):
    body = good(scan(worker, worker.get(HERE), "LPN00000001"))
    assert "At A-01-03-2" in body and "Garrafa 1 L" in body and '<span class="qty">20</span>' in body


@pytest.mark.parametrize("code, message", [
    ("NOPE-42", "NOPE-42 is not a known location, product, LPN or badge."),
    (MEDICINE_GTIN[:-1] + str((int(MEDICINE_GTIN[-1]) + 1) % 10), "Check digit wrong in GTIN"),
    ("BADGE-W1", "That was a badge; scan a location / a product / an LPN"),
])
def test_an_unusable_scan_is_refused_and_the_last_result_stays(app, worker, wh, code, message):
    shown = scan(worker, worker.get(HERE), "A-01-01-2")
    before = books(app)
    body = refused(scan(worker, shown, code), message)
    assert '<p class="target">A-01-01-2</p>' in body  # the screen is otherwise unchanged
    assert books(app) == before


def test_a_gs1_code_of_an_unknown_lot_is_refused(worker, wh):
    code = gs1.element_string(gtin=MEDICINE_GTIN, lot="L-NEVER")
    refused(scan(worker, worker.get(HERE), code), "Lot L-NEVER of MED is not known here")


# --- 2. Move -----------------------------------------------------------------------------------------------


def start_move(worker, source):
    return scan(worker, worker.get(MOVE), source)


def test_a_move_of_a_product_without_lots_step_by_step(app, worker, wh):
    response = start_move(worker, "A-01-01-2")
    body = good(response)
    assert 'data-step="what"' in body and "<dd>A-01-01-2</dd>" in body
    response = scan(worker, response, BOTTLE_GTIN)
    body = good(response)
    assert 'data-step="quantity"' in body and "How many? Enter = 12" in body and "BOTTLE Garrafa 1 L" in body
    response = scan(worker, response, "5")
    body = good(response)
    assert 'data-step="to"' in body and '<dd class="qty">5</dd>' in body
    response = scan(worker, response, "A-01-02-1", scan_id="move-1")
    body = good(response)
    assert "Moved 5 × BOTTLE from A-01-01-2 to A-01-02-1." in body
    assert 'data-step="from"' in body and scan_fields(response)["from_id"] == ""  # ready for the next move
    assert on_hand(app, wh, "A-01-01-2", "BOTTLE") == 7 and on_hand(app, wh, "A-01-02-1", "BOTTLE") == 5
    assert moves(app) == [("BOTTLE", None, "A-01-01-2", "A-01-02-1", 5, "move")]
    assert ledger_is_right(app)


def test_several_lots_in_the_bin_ask_which_one_and_a_big_button_chooses_it(app, worker, wh):
    response = scan(worker, start_move(worker, "A-01-01-2"), MEDICINE_GTIN)
    body = good(response)
    assert 'data-step="lot"' in body
    response = press(worker, response, choice={"pick_lot": wh.lot["L-LATE"]})
    body = good(response)
    assert 'data-step="quantity"' in body and "How many? Enter = 40" in body and "<strong>L-LATE</strong>" in body
    response = scan(worker, response, "")  # Enter takes what is there
    assert '<dd class="qty">40</dd>' in good(response)
    good(scan(worker, response, "A-01-05-2"))
    assert on_hand(app, wh, "A-01-05-2", "MED", "L-LATE") == 40 and on_hand(app, wh, "A-01-01-2", "MED", "L-LATE") == 0
    assert on_hand(app, wh, "A-01-01-2", "MED", "L-SOON") == 30
    assert ledger_is_right(app)


def test_the_lot_can_be_typed_or_scanned_at_the_lot_step(app, worker, wh):
    at_lot = scan(worker, start_move(worker, "A-01-01-2"), MEDICINE_GTIN)
    assert "<strong>L-SOON</strong>" in good(scan(worker, at_lot, "l-soon"))
    assert "<strong>L-LATE</strong>" in good(scan(worker, at_lot, gs1_code(wh, "L-LATE")))
    refused(scan(worker, at_lot, "L-OLD"), "MED lot L-OLD is not in A-01-01-2.")
    refused(scan(worker, at_lot, BOTTLE_GTIN), "That was BOTTLE, not MED: scan the lot of MED.")


def test_a_gs1_code_names_the_lot_and_skips_the_lot_step(app, worker, wh):
    response = scan(worker, start_move(worker, "A-01-01-2"), gs1_code(wh, "L-SOON"))
    assert 'data-step="quantity"' in good(response) and "Enter = 30" in page(response)
    response = scan(worker, scan(worker, response, "10"), "A-01-05-2")
    assert "Moved 10 × MED lot L-SOON from A-01-01-2 to A-01-05-2." in good(response)
    assert moves(app) == [("MED", "L-SOON", "A-01-01-2", "A-01-05-2", 10, "move")]


def test_the_only_lot_in_the_bin_is_taken_without_asking(worker, wh):
    response = scan(worker, start_move(worker, "A-01-02-2"), MEDICINE_GTIN)
    assert 'data-step="quantity"' in good(response) and "<strong>L-LATE</strong>" in page(response)


def test_a_case_barcode_sets_the_quantity_to_the_case(app, worker, wh):
    response = scan(worker, start_move(worker, "A-01-01-2"), gs1.element_string(
        gtin=MEDICINE_CASE_GTIN, expires_on=wh.expires["L-LATE"], lot="L-LATE"))
    assert "How many? Enter = 24" in good(response)  # a case of 24 scanned as the product
    at_quantity = scan(worker, start_move(worker, "A-01-01-2"), gs1_code(wh, "L-LATE"))
    response = scan(worker, at_quantity, MEDICINE_CASE_GTIN)  # scanning the case at the quantity step
    assert '<dd class="qty">24</dd>' in good(response)
    good(scan(worker, response, "A-01-05-2"))
    assert on_hand(app, wh, "A-01-05-2", "MED", "L-LATE") == 24


def test_a_whole_lpn_moves_with_one_scan_of_the_destination(app, worker, wh):
    response = start_move(worker, "LPN00000001")
    body = good(response)
    assert 'data-step="lpn_to"' in body and "Garrafa 1 L" in body
    body = good(scan(worker, response, "A-01-05-2", scan_id="lpn-1"))
    assert "Moved LPN LPN00000001 (20 units) to A-01-05-2." in body
    assert on_hand(app, wh, "A-01-05-2", "BOTTLE", lpn=wh.lpn) == 20
    assert on_hand(app, wh, "A-01-03-2", "BOTTLE", lpn=wh.lpn) == 0
    with app.app_context():
        assert db.session.get(Lpn, wh.lpn).location_id == wh.loc["A-01-05-2"]
    assert ledger_is_right(app)


def test_the_same_final_scan_posted_twice_moves_once(app, worker, wh):
    at_to = scan(worker, scan(worker, start_move(worker, "A-01-01-2"), BOTTLE_GTIN), "4")
    first = scan(worker, at_to, "A-01-02-1", scan_id="same-scan")
    again = scan(worker, at_to, "A-01-02-1", scan_id="same-scan")  # the network resent it
    assert "Moved 4 × BOTTLE from A-01-01-2 to A-01-02-1." in good(first)
    assert "Moved 4 × BOTTLE from A-01-01-2 to A-01-02-1." in good(again)
    assert moves(app) == [("BOTTLE", None, "A-01-01-2", "A-01-02-1", 4, "move")]
    assert on_hand(app, wh, "A-01-01-2", "BOTTLE") == 8
    assert ledger_is_right(app)


def test_a_move_that_loses_a_deadlock_is_refused_changes_nothing_and_passes_when_scanned_again(app, worker, wh,
                                                                                                 monkeypatch):
    """PostgreSQL breaks a deadlock by failing one of the transactions (SQLSTATE 40P01): the handheld hears a 409
    (someone else was changing this), nothing of the move is kept, and the same scan goes through the next time."""
    from tests.concurrency import deadlocked
    from wms.inventory import ledger

    at_to = scan(worker, scan(worker, start_move(worker, "A-01-01-2"), BOTTLE_GTIN), "4")
    before = books(app)

    monkeypatch.setattr(ledger, "_result", deadlocked)  # after the move's rows were written and flushed
    response = scan(worker, at_to, "A-01-02-1", scan_id="deadlocked")
    assert response.status_code == 409 and response.headers["X-Scan-Result"] == "bad"
    # shown above the screen, which stays as it was, its scan input included
    assert response.headers["HX-Retarget"] == "#request-error"
    assert "Someone changed this at the same time: look again and retry." in page(response)
    assert books(app) == before
    monkeypatch.undo()
    assert "Moved 4 × BOTTLE from A-01-01-2 to A-01-02-1." in good(scan(worker, at_to, "A-01-02-1",
                                                                          scan_id="deadlocked"))
    assert moves(app) == [("BOTTLE", None, "A-01-01-2", "A-01-02-1", 4, "move")]
    assert ledger_is_right(app)


# Errors: each one answers the same step with the message, and changes nothing.


def assert_same_step(response, before: dict, step: str):
    assert f'data-step="{step}"' in page(response)
    assert scan_fields(response) == before


def test_a_product_where_the_location_belongs_is_refused(app, worker, wh):
    start = worker.get(MOVE)
    before = books(app)
    response = scan(worker, start, BOTTLE_GTIN)
    refused(response, "That was a product; scan a location / an LPN")
    assert_same_step(response, scan_fields(start), "from")
    assert books(app) == before


def test_a_location_where_the_product_belongs_is_refused(app, worker, wh):
    at_what = start_move(worker, "A-01-01-2")
    before = books(app)
    response = scan(worker, at_what, "A-01-02-2")
    refused(response, "That was a location; scan a product")
    assert_same_step(response, scan_fields(at_what), "what")
    assert books(app) == before


def test_a_product_not_in_the_bin_is_refused(app, worker, wh):
    at_what = start_move(worker, "A-01-02-2")
    before = books(app)
    response = scan(worker, at_what, BOTTLE_GTIN)
    refused(response, "BOTTLE is not in A-01-02-2.")
    assert_same_step(response, scan_fields(at_what), "what")
    response = scan(worker, at_what, gs1_code(wh, "L-SOON"))
    refused(response, "MED lot L-SOON is not in A-01-02-2.")
    assert books(app) == before


def test_stock_on_a_plate_is_moved_with_its_plate(worker, wh):
    refused(scan(worker, start_move(worker, "A-01-03-2"), BOTTLE_GTIN),
            "BOTTLE at A-01-03-2 is on LPN LPN00000001: scan the LPN to move it whole.")


def test_a_loose_unit_brought_back_between_the_two_reads_is_not_taken_for_a_plate(app, worker, wh, monkeypatch):
    """Under load a product scan read no loose stock (another handheld had just moved it away), then found the
    unit back, loose, when looking for a plate: a 500 (bench/load.py at 4 clients). Now a refusal that says so
    and changes nothing; the next scan sees the unit."""
    from wms.inventory import handheld_move

    at_what = start_move(worker, "A-01-01-2")
    before = books(app)
    monkeypatch.setattr(handheld_move, "loose_items", lambda location, product: [])  # the first read: gone
    refused(scan(worker, at_what, BOTTLE_GTIN), "BOTTLE is not in A-01-01-2.")
    assert books(app) == before
    monkeypatch.undo()
    assert 'data-step="quantity"' in good(scan(worker, at_what, BOTTLE_GTIN))


def test_unknown_and_malformed_scans_are_refused_at_every_step(app, worker, wh):
    at_what = start_move(worker, "A-01-01-2")
    at_quantity = scan(worker, at_what, BOTTLE_GTIN)
    at_to = scan(worker, at_quantity, "2")
    before = books(app)
    for screen, step in ((worker.get(MOVE), "from"), (at_what, "what"), (at_quantity, "quantity"), (at_to, "to")):
        response = scan(worker, screen, "NOPE-42")
        refused(response, "NOPE-42 is not a known location, product, LPN or badge.")
        assert_same_step(response, scan_fields(screen), step)
    refused(scan(worker, at_what, "7891000000002"), "Check digit wrong in GTIN 7891000000002")
    assert books(app) == before


def test_more_than_is_free_is_refused(app, worker, wh):
    with app.app_context():
        item = db.session.scalar(select(StockItem).where(StockItem.key == item_key(
            wh.loc["A-01-01-2"], wh.product["BOTTLE"], None, None)))
        item.reserved = 5  # an order holds 5 of the 12
        db.session.commit()
    at_quantity = scan(worker, start_move(worker, "A-01-01-2"), BOTTLE_GTIN)
    assert "How many? Enter = 7" in good(at_quantity) and "5 reserved" in page(at_quantity)
    before = books(app)
    response = scan(worker, at_quantity, "8")
    refused(response, "Only 7 of BOTTLE at A-01-01-2 are free, not 8: type 7 or less.")
    assert_same_step(response, scan_fields(at_quantity), "quantity")
    refused(scan(worker, at_quantity, "0"), "Type a whole number of units from 1 to 1,000,000.")
    assert books(app) == before


def test_a_negative_or_decimal_quantity_is_said_to_be_no_quantity(app, worker, wh):
    at_quantity = scan(worker, start_move(worker, "A-01-01-2"), BOTTLE_GTIN)
    before = books(app)
    for typed in ("-5", "2,5", "+3.0"):
        response = scan(worker, at_quantity, typed)
        body = refused(response, "Type a whole number of units from 1 to 1,000,000.")
        assert "is not a known location" not in body
        assert_same_step(response, scan_fields(at_quantity), "quantity")
    assert books(app) == before


def test_a_move_into_another_products_pick_face_slot_is_refused(app, worker, wh):
    """Slotting applies to moves as it does to put-away: a face slotted for MED takes MED only."""
    with app.app_context():
        locations.update_location(wh.loc["A-01-02-1"], slot_product_id=wh.product["MED"], slot_min=2, slot_max=20)
        db.session.commit()
    at_to = scan(worker, scan(worker, start_move(worker, "A-01-01-2"), BOTTLE_GTIN), "10")
    before = books(app)
    response = scan(worker, at_to, "A-01-02-1", scan_id="slot-1")
    refused(response, "A-01-02-1 is the pick face of MED: put BOTTLE somewhere else.")
    assert_same_step(response, scan_fields(at_to), "to")
    assert books(app) == before
    good(scan(worker, at_to, "A-01-03-1", scan_id="slot-2"))  # a face slotted for nothing takes it


def test_a_blocked_destination_is_refused(app, worker, wh):
    with app.app_context():
        locations.set_blocked(wh.loc["A-01-02-1"], True, "rack damaged")
    at_to = scan(worker, scan(worker, start_move(worker, "A-01-01-2"), BOTTLE_GTIN), "3")
    before = books(app)
    response = scan(worker, at_to, "A-01-02-1", scan_id="blocked-1")
    refused(response, "Location A-01-02-1 is blocked: choose another one.")
    assert_same_step(response, scan_fields(at_to), "to")
    assert books(app) == before


def test_an_expired_lot_into_a_pick_face_is_refused_and_pointed_to_quarantine(app, worker, wh):
    at_to = scan(worker, scan(worker, start_move(worker, "DOCK"), MEDICINE_GTIN), "")
    assert "<strong>L-OLD</strong>" in good(at_to) and '<dd class="qty">6</dd>' in page(at_to)
    before = books(app)
    response = scan(worker, at_to, "A-01-01-1", scan_id="expired-1")
    refused(response, f"Lot L-OLD expired on {wh.expires['L-OLD'].isoformat()}: put it in Q-01, not in a picking "
                      "location.")
    assert_same_step(response, scan_fields(at_to), "to")
    assert books(app) == before
    good(scan(worker, at_to, "Q-01", scan_id="expired-2"))  # where it belongs
    assert on_hand(app, wh, "Q-01", "MED", "L-OLD") == 6


def test_a_quarantined_lot_into_a_pick_face_is_refused(app, worker, wh):
    with app.app_context():
        inventory.change_lot_status(wh.lot["L-LATE"], "quarantine", reason="complaint", user_id=None)
    at_to = scan(worker, scan(worker, start_move(worker, "A-01-02-2"), MEDICINE_GTIN), "2")
    before = books(app)
    refused(scan(worker, at_to, "A-01-01-1"), "Lot L-LATE is quarantine: put it in Q-01")
    assert books(app) == before


def test_the_same_location_is_refused(app, worker, wh):
    at_to = scan(worker, scan(worker, start_move(worker, "A-01-01-2"), BOTTLE_GTIN), "3")
    before = books(app)
    response = scan(worker, at_to, "A-01-01-2")
    refused(response, "Stock is already in A-01-01-2.")
    assert_same_step(response, scan_fields(at_to), "to")
    response = scan(worker, start_move(worker, "LPN00000001"), "A-01-03-2")
    refused(response, "Stock is already in A-01-03-2.")
    assert books(app) == before


def test_the_last_step_checks_the_stock_again(app, worker, wh):
    at_to = scan(worker, scan(worker, start_move(worker, "A-01-01-2"), BOTTLE_GTIN), "10")
    good(scan(worker, at_to, "A-01-02-1", scan_id="first"))  # someone else took 10 in the meantime
    before = books(app)
    refused(scan(worker, at_to, "A-01-05-2", scan_id="second"), "Only 2 of BOTTLE at A-01-01-2, not 10.")
    assert books(app) == before


def test_an_empty_location_or_plate_is_refused_as_the_source(app, worker, wh):
    refused(start_move(worker, "A-02-05-2"), "A-02-05-2 is empty: scan the location you take from.")


def test_a_tampered_or_stale_screen_starts_again(app, worker, wh):
    before = books(app)
    response = worker.post(MOVE, data={"from_id": "999999", "scan": BOTTLE_GTIN}, headers=HX)
    refused(response, "This screen is out of date: here is the next step.")
    assert 'data-step="from"' in page(response)
    refused(worker.post(MOVE, data={"from_id": "x1", "scan": BOTTLE_GTIN}, headers=HX), "This screen is out of date")
    assert books(app) == before


# --- 3. Blind count ----------------------------------------------------------------------------------------


def tally(response) -> str:
    return scan_fields(response)["tally"]


def counted(response) -> dict[str, int]:
    """What the screen shows as counted, by SKU and lot."""
    body = response.get_data(as_text=True)
    shown = {}
    for item in re.findall(r'<li class="card[^"]*" data-key="[^"]*">(.*?)</li>', body, re.S):
        sku = re.search(r"<strong>([^<]+)</strong>", item).group(1)
        lot = re.search(r"Lot ([^\s<]+)", item)
        shown[sku + (" " + lot.group(1) if lot else "")] = int(re.search(r'class="qty">(\d+)<', item).group(1))
    return shown


def start_count(worker, location):
    response = scan(worker, worker.get(COUNT), location)
    assert 'data-step="scan"' in good(response)
    return response


def test_a_blind_count_with_a_small_variance_corrects_the_stock(app, worker, wh):
    screens = [worker.get(COUNT)]
    screens.append(start_count(worker, "A-01-04-2"))
    assert '<p class="target">A-01-04-2</p>' in page(screens[-1])
    screens.append(scan(worker, screens[-1], BOTTLE_GTIN))
    screens.append(scan(worker, screens[-1], BOTTLE_GTIN))
    assert counted(screens[-1]) == {"BOTTLE": 2}
    screens.append(scan(worker, screens[-1], gs1.element_string(gtin=BOTTLE_GTIN, count=3)))  # AI 37
    assert counted(screens[-1]) == {"BOTTLE": 5}
    screens.append(scan(worker, screens[-1], gs1_code(wh, "L-LATE")))
    assert counted(screens[-1]) == {"BOTTLE": 5, "MED L-LATE": 1}
    screens.append(press(worker, screens[-1], choice={"action": "type_quantity"}))
    assert 'data-step="quantity"' in good(screens[-1]) and "How many MED L-LATE in all?" in page(screens[-1])
    screens.append(scan(worker, screens[-1], "729"))
    assert counted(screens[-1]) == {"BOTTLE": 5, "MED L-LATE": 729}
    assert 'data-step="scan"' in good(screens[-1])
    with app.app_context():
        task = db.session.scalar(select(CountTask))
        assert task.status == "open" and task.location.code == "A-01-04-2"
    screens.append(press(worker, screens[-1], choice={"action": "finish"}, scan_id="count-1"))
    body = good(screens[-1])
    assert "Count recorded." in body and "No approval needed." in body
    assert 'data-step="start"' in body
    for screen in screens:  # blind: the expected 731 is never on the screen
        assert "731" not in shown(screen)
    assert on_hand(app, wh, "A-01-04-2", "MED", "L-LATE") == 729
    assert on_hand(app, wh, "A-01-04-2", "BOTTLE") == 5
    with app.app_context():
        assert db.session.scalar(select(CountTask)).status == "done"
    assert ledger_is_right(app)


def test_a_large_variance_waits_for_a_supervisor_and_changes_no_stock(app, worker, wh):
    response = scan(worker, start_count(worker, "A-01-04-2"), gs1_code(wh, "L-LATE"))
    response = scan(worker, press(worker, response, choice={"action": "type_quantity"}), "700")
    response = scan(worker, response, gs1.element_string(gtin=BOTTLE_GTIN, count=5))
    finished = press(worker, response, choice={"action": "finish"}, scan_id="count-big")
    body = good(finished)
    assert "Count recorded." in body and "Differences were sent to a supervisor for approval." in body
    assert "731" not in shown(finished)
    assert on_hand(app, wh, "A-01-04-2", "MED", "L-LATE") == 731
    with app.app_context():
        assert db.session.scalar(select(CountTask)).status == "counted"
        pending = db.session.scalars(select(Adjustment)).all()
        assert [(a.delta, a.status) for a in pending] == [(-31, "pending")]
    assert ledger_is_right(app)


def test_finish_posted_twice_records_the_count_once(app, worker, wh):
    response = scan(worker, start_count(worker, "A-01-02-2"), gs1_code(wh, "L-LATE"))
    first = press(worker, response, choice={"action": "finish"}, scan_id="finish-1")
    again = press(worker, response, choice={"action": "finish"}, scan_id="finish-1")
    assert "Count recorded." in good(first) and "Count recorded." in good(again)
    assert on_hand(app, wh, "A-01-02-2", "MED", "L-LATE") == 1  # counted 1 of 8, applied once
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Adjustment)) == 1
    assert ledger_is_right(app)
    late = press(worker, response, choice={"action": "finish"}, scan_id="finish-2")
    refused(late, "This count was already submitted.", status=409)
    assert 'data-step="start"' in page(late)


def test_a_lot_tracked_product_scanned_without_its_lot_asks_for_the_lot(app, worker, wh):
    response = scan(worker, start_count(worker, "A-01-04-2"), MEDICINE_GTIN)
    assert 'data-step="lot"' in good(response) and "Scan or type the lot of MED" in page(response)
    assert counted(response) == {}
    response = scan(worker, response, "l-late")
    assert counted(response) == {"MED L-LATE": 1}
    response = scan(worker, response, MEDICINE_CASE_GTIN)  # a case of 24, no lot on the barcode
    assert 'data-step="lot"' in good(response)
    response = scan(worker, response, gs1_code(wh, "L-LATE"))  # the lot names the case scanned before
    assert counted(response) == {"MED L-LATE": 25}
    before = books(app)
    at_lot = scan(worker, response, MEDICINE_GTIN)
    refused(scan(worker, at_lot, "L-NEVER"), "Lot L-NEVER of MED is not known here")
    refused(scan(worker, at_lot, BOTTLE_GTIN), "That was BOTTLE, not MED: scan the lot of MED.")
    assert books(app) == before


def test_quantity_zero_takes_a_wrong_scan_out(worker, wh):
    response = scan(worker, start_count(worker, "A-01-04-2"), BOTTLE_GTIN)
    response = scan(worker, response, gs1_code(wh, "L-LATE"))
    response = scan(worker, press(worker, response, choice={"action": "type_quantity"}), "0")
    assert counted(response) == {"BOTTLE": 1}
    refused(scan(worker, press(worker, response, choice={"action": "type_quantity"}), "lots"),
            "Type a whole number of units from 0 to 1,000,000.")


def test_stock_on_a_plate_is_counted_on_its_plate(app, worker, wh):
    response = scan(worker, start_count(worker, "A-01-03-2"), "LPN00000001")
    assert "Counting on LPN LPN00000001" in good(response)
    response = scan(worker, response, gs1.element_string(gtin=BOTTLE_GTIN, count=20))
    assert counted(response) == {"BOTTLE": 20}
    before = books(app)[0]
    body = good(press(worker, response, choice={"action": "finish"}, scan_id="plate"))
    assert "No approval needed." in body
    assert books(app)[0] == before  # no variance: nothing moved
    assert ledger_is_right(app)


def test_an_open_count_task_is_taken_from_the_list(app, worker, wh, users):
    with app.app_context():
        inventory.open_count(wh.loc["A-01-02-2"], user_id=users["supervisor"], reason="request")
    start = worker.get(COUNT)
    assert "Counts to do" in page(start)
    with app.app_context():
        task_id = db.session.scalar(select(CountTask.id))
    response = press(worker, start, choice={"take_task": task_id})
    assert '<p class="target">A-01-02-2</p>' in good(response)
    assert scan_fields(response)["task_id"] == str(task_id)
    assert "8" not in re.sub(r"<[^>]+>", "", page(response)).replace("A-01-02-2", "")  # blind


def test_count_errors_change_nothing(app, worker, wh):
    response = scan(worker, start_count(worker, "A-01-04-2"), BOTTLE_GTIN)
    state = scan_fields(response)
    before = books(app)
    for code, message in (
        ("NOPE-42", "NOPE-42 is not a known location, product, LPN or badge."),
        ("A-01-01-2", "That was a location; scan a product / an LPN"),
        ("7891000000002", "Check digit wrong in GTIN"),
        (gs1.element_string(gtin=MEDICINE_GTIN, lot="L-NEVER"), "Lot L-NEVER of MED is not known here"),
    ):
        bad = scan(worker, response, code)
        refused(bad, message)
        assert scan_fields(bad) == state and counted(bad) == {"BOTTLE": 1}  # the tally is untouched
    refused(scan(worker, worker.get(COUNT), BOTTLE_GTIN), "That was a product; scan a location")
    refused(worker.post(COUNT, data={**state, "tally": "1.2.x=3"}, headers=HX), "This screen is out of date")
    assert books(app) == before


def test_a_count_submitted_elsewhere_takes_no_more_scans(app, worker, wh):
    response = start_count(worker, "A-01-04-2")
    with app.app_context():
        task_id = db.session.scalar(select(CountTask.id))
        inventory.submit_count(task_id, {(wh.product["BOTTLE"], None, None): 5,
                                         (wh.product["MED"], wh.lot["L-LATE"], None): 731}, user_id=None)
    late = scan(worker, response, BOTTLE_GTIN)
    refused(late, "This count was already submitted.")
    assert 'data-step="start"' in page(late)


def test_the_screens_speak_the_workers_portuguese(app, client, users, wh):
    with app.app_context():
        db.session.get(User, users["worker"]).locale = "pt_BR"
        db.session.commit()
    client.post("/login", data={"username": "worker", "password": "worker"})
    body = page(scan(client, client.get(HERE), "DOCK"))
    assert "Leia um endereço, produto ou LPN" in body
    assert '<span class="badge-status expired">vencido</span>' in body
    at_what = scan(client, client.get(MOVE), "A-01-02-2")
    refused(scan(client, at_what, gs1_code(wh, "L-SOON")), "MED lote L-SOON não está em A-01-02-2.")


def test_quantities_on_the_handheld_are_written_as_the_worker_reads_them(app, client, users, wh):
    """1.400 in Portuguese, 1,400 in English: the desk's `number` filter on the handheld's stock screens."""
    from wms.locations.models import LocationKind

    with app.app_context():
        bottle = db.session.get(Product, wh.product["BOTTLE"])
        target = db.session.get(Location, wh.loc["A-01-04-2"])
        supplier = locations.virtual_location(target.warehouse_id, LocationKind.SUPPLIER)
        inventory.apply_move(product=bottle, lot=None, source=supplier, target=target, quantity=1395,
                             reason="receipt", user_id=None, document="TEST", check_target=False)
        db.session.get(User, users["worker"]).locale = "pt_BR"
        db.session.commit()
    client.post("/login", data={"username": "worker", "password": "worker"})
    here = shown(scan(client, client.get(HERE), "A-01-04-2"))
    assert "1.400" in here and "1400" not in here
    move = scan(client, scan(client, client.get(MOVE), "A-01-04-2"), BOTTLE_GTIN)
    assert "Enter = 1.400" in shown(move)
    with app.app_context():
        db.session.get(User, users["worker"]).locale = "en"
        db.session.commit()
    assert "1,400" in shown(scan(client, client.get(HERE), "A-01-04-2"))
