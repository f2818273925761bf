"""No N+1 on the other handheld screens (issue #16): blind count, receiving and put-away, returns, packing, the
dock, printing and replenishment. Each request type — a screen and its first meaningful scan — is counted in SQL
statements (SQLAlchemy's `before_cursor_execute`) for a few rows and again for many, and the two counts are
equal, on SQLite and PostgreSQL. A scan that changes something is counted on a fresh state each time (a new
receipt, order, return or plate of n lines), so the only difference between the two runs is n."""
import itertools
import re
from collections import Counter
from types import SimpleNamespace

import pytest
from sqlalchemy import event, select

from tests.factories import BOTTLE_GTIN, MEDICINE_GTIN, gtin13, receive
from tests.handheld_client import HX, scan, scan_form
from tests.picking_helpers import stocked_world
from wms import clock, gs1
from wms.auth import loading
from wms.catalog import services as catalog
from wms.extensions import db
from wms.locations import services as locations

SMALL, LARGE = 2, 7  # lines (or rows) of the small and of the grown state
_codes = itertools.count(1)


def counted(client, method: str, path: str, data: dict | None = None):
    """The statements a request sends (their text) and its response. The signed-in person's snapshot is dropped
    first, so both runs read the person alike however long the state took to build (WMS_USER_CACHE_SECONDS)."""
    seen: list[str] = []

    def keep(_conn, _cursor, statement, *_args):
        seen.append(statement)

    with client.application.app_context():
        engine = db.engine
    loading.forget_all()
    event.listen(engine, "before_cursor_execute", keep)
    try:
        response = client.open(path, method=method, data=data, headers=HX)
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    assert response.status_code == 200, (path, response.status_code, response.get_data(as_text=True)[:600])
    return seen, response


def flat(measure) -> tuple[int, int]:
    """`measure(n)` builds a state of n rows (not counted) and answers the statements of the request on it: the
    same number for SMALL and LARGE. The first run warms what the first request of a process caches."""
    measure(SMALL)
    few = measure(SMALL)
    many = measure(LARGE)
    grown = Counter(map(_shape, many))
    grown.subtract(Counter(map(_shape, few)))
    assert len(many) == len(few), f"{len(few)} statements for {SMALL} rows, {len(many)} for {LARGE}:\n" + \
        "\n".join(f"{n:+d} × {text}" for text, n in grown.items() if n)
    return len(few), len(many)


def _shape(statement: str) -> str:
    return " ".join(statement.split())[:300]


def extra_products(prefix: str, count: int) -> list[str]:
    """SKUs of `count` new products, each with its own GTIN (sizes that fit the small box)."""
    skus = []
    for n in range(count):
        sku = f"{prefix}{n}"
        catalog.create_product(sku=sku, name=f"Extra {sku}", length_mm=100, width_mm=100, height_mm=20,
                               weight_g=50, barcodes=[(gtin13(f"7892{next(_codes):08d}"), "gtin", 1)])
        skus.append(sku)
    db.session.commit()
    return skus


def gtin_of(sku: str) -> str:
    from wms.catalog.models import Product

    return db.session.scalar(select(Product).where(Product.sku == sku)).gtin.lstrip("0")


def login(client):
    response = client.post("/hh/login", data={"badge": "BADGE-W1", "pin": "1111"}, headers=HX)
    assert response.status_code in (200, 302, 303)


def _world():
    """tests/factories.py's World of the warehouse as it is now (places, products and lots made since)."""
    from tests.web.test_query_counts import _world as world_of
    from wms.locations.models import Warehouse

    return world_of(db.session.scalar(select(Warehouse.id)))


def new_bins(app, count: int) -> list[str]:
    with app.app_context():
        zone = f"Z{next(_codes)}"
        made = [place.code for place in locations.create_range(zone, (1, 1), (1, count), (1, 1))]
        db.session.commit()
        db.session.remove()
    return made


# --------------------------------------------------------------------------------------------- blind count


@pytest.fixture
def counting(app, client, users):
    with app.app_context():
        stocked_world()
        skus = extra_products("CT", LARGE)
        gtins = [gtin_of(sku) for sku in skus]
        db.session.remove()
    login(client)
    return SimpleNamespace(skus=skus, gtins=gtins)


def open_counts(app, codes) -> None:
    from wms.inventory.counts import open_count
    from wms.locations.models import Location

    with app.app_context():
        for code in codes:
            open_count(db.session.scalar(select(Location.id).where(Location.code == code)), user_id=None)
        db.session.commit()
        db.session.remove()


def test_the_count_list(app, client, counting):
    def measure(n):
        open_counts(app, new_bins(app, n))
        seen, response = counted(client, "GET", "/hh/stock/count")
        assert response.get_data(as_text=True).count('name="take_task"') >= n
        return seen

    flat(measure)


def test_a_count_opened_by_scanning_its_location(app, client, counting):
    def measure(n):
        place, *others = new_bins(app, n + 1)
        open_counts(app, others)  # more counts waiting
        with app.app_context():
            world = _world()
            for sku in counting.skus[:n]:  # and more stock in the place counted
                receive(world, sku, place, 1)
            db.session.remove()
        seen, response = counted(client, "POST", "/hh/stock/count", {"scan": place, "scan_id": f"c{next(_codes)}"})
        assert 'data-step="scan"' in response.get_data(as_text=True)
        return seen

    flat(measure)


def test_a_product_scanned_into_a_count_of_many_lines(app, client, counting):
    """The tally travels in the form: a scan answers every line counted so far, each on its own plate (a product,
    its plate; the last line a lot), so each line names a product, a plate and maybe a lot of its own."""
    from wms.inventory import lpns

    def measure(n):
        (place,) = new_bins(app, 1)
        with app.app_context():
            plates = [lpns.create_lpn(f"CNT-{next(_codes)}").code for _ in range(n)]
            db.session.commit()
            db.session.remove()
        screen = client.post("/hh/stock/count", data={"scan": place}, headers=HX)
        lot = "]d2" + gs1.element_string(gtin=MEDICINE_GTIN, lot="L-LATE")
        for code, gtin in zip(plates, [*counting.gtins[:n - 1], lot], strict=True):
            screen = scan(client, scan(client, screen, code), gtin)
        url, fields = scan_form(screen)
        seen, response = counted(client, "POST", url, {**fields, "scan": BOTTLE_GTIN, "scan_id": f"c{next(_codes)}"})
        page = response.get_data(as_text=True)
        assert page.count('class="card') == n + 1 and all(code in page for code in plates), page[:2000]
        return seen

    flat(measure)


# --------------------------------------------------------------------------------------------- receiving




def new_asn(app, skus) -> tuple[int, str]:
    from wms.receiving import asns

    with app.app_context():
        reference = f"PO-{next(_codes)}"
        asn, _created = asns.create_asn({"supplier": "ACME", "reference": reference,
                                         "expected_on": clock.today().isoformat(),
                                         "lines": [{"sku": sku, "quantity": 10} for sku in skus]})
        db.session.commit()
        asn_id = asn.id
        db.session.remove()
    return asn_id, reference


def receipt_of(app, skus, received: int, *, plates: bool = False, finish: bool = False) -> int:
    """A receipt of an ASN of `skus`, one unit of each of the first `received` taken in (each on its own plate
    when `plates`; the plates finished, waiting for put-away, when `plates` or `finish`)."""
    from wms.receiving import dock_scan, receipts

    asn_id, _reference = new_asn(app, skus)
    with app.app_context():
        receipt_id = receipts.start_receipt(asn_id=asn_id, user_id=None).id
        for sku in skus[:received]:
            if plates:
                receipts.new_plate(receipt_id, user_id=None)
            result = dock_scan.receive_scan(receipt_id, gtin_of(sku), dock_scan.Answers(quantity=1), user_id=None)
            assert result["status"] == "received", result
        if plates or finish:
            receipts.finish_plates(receipt_id, user_id=None)
        db.session.commit()
        db.session.remove()
    return receipt_id


def test_the_asns_to_receive(app, client, receiving):
    def measure(n):
        for _ in range(n):
            new_asn(app, receiving.skus[:n])
        seen, response = counted(client, "GET", "/hh/receive")
        assert f"lines: {n}" in response.get_data(as_text=True)
        return seen

    flat(measure)


def test_an_asn_scanned_opens_its_receipt(app, client, receiving):
    def measure(n):
        _asn_id, reference = new_asn(app, receiving.skus[:n])
        seen, response = counted(client, "POST", "/hh/receive", {"scan": reference, "scan_id": f"r{next(_codes)}"})
        assert all(sku in response.get_data(as_text=True) for sku in receiving.skus[:n])
        return seen

    flat(measure)


def test_a_receipt_screen(app, client, receiving):
    def measure(n):
        receipt_id = receipt_of(app, receiving.skus[:n], n)
        seen, response = counted(client, "GET", f"/hh/receive/{receipt_id}")
        assert all(sku in response.get_data(as_text=True) for sku in receiving.skus[:n])
        return seen

    flat(measure)


@pytest.mark.parametrize("step", ["product", "quantity"])
def test_a_scan_on_a_receipt(app, client, receiving, step):
    """The product scanned (the quantity is asked), then the quantity (the goods are taken in), on a receipt of n
    lines whose other lines were received."""
    def measure(n):
        skus = receiving.skus[:n]
        receipt_id = receipt_of(app, skus, n - 1)
        with app.app_context():
            last = gtin_of(skus[-1])
        screen = client.get(f"/hh/receive/{receipt_id}", headers=HX)
        if step == "quantity":
            screen = scan(client, screen, last)
            assert 'data-need="quantity"' in screen.get_data(as_text=True)
        url, fields = scan_form(screen)
        code = last if step == "product" else "1"
        seen, response = counted(client, "POST", url, {**fields, "scan": code, "scan_id": f"r{next(_codes)}"})
        page = response.get_data(as_text=True)
        assert 'data-need="quantity"' in page if step == "product" else f"+1 × {skus[-1]}" in page
        return seen

    flat(measure)


def test_the_plates_to_put_away(app, client, receiving):
    def measure(n):
        receipt_of(app, receiving.skus[:n], n, plates=True)
        seen, response = counted(client, "GET", "/hh/putaway")
        assert response.get_data(as_text=True).count("LPN") >= n
        return seen

    flat(measure)


def test_a_plate_scanned_for_put_away(app, client, receiving):
    """A plate of n products: where it goes is shown (the plan reads the plate as a whole)."""
    def measure(n):
        receipt_of(app, receiving.skus[:n], n, finish=True)
        code = _newest_plate(app)
        seen, response = counted(client, "POST", "/hh/putaway", {"scan": code, "scan_id": f"p{next(_codes)}"})
        assert f"{n} units at DOCK" in response.get_data(as_text=True)
        return seen

    flat(measure)


def test_a_product_waiting_on_many_plates_scanned_for_put_away(app, client, receiving):
    """A product received on n plates: the screen lists them to choose from."""
    def measure(n):
        receipt_of(app, [receiving.skus[0]] * n, n, plates=True)
        with app.app_context():
            gtin = gtin_of(receiving.skus[0])
        seen, response = counted(client, "POST", "/hh/putaway", {"scan": gtin, "scan_id": f"p{next(_codes)}"})
        assert response.get_data(as_text=True).count('name="pick_item"') >= n
        return seen

    flat(measure)


def test_a_plate_put_away_with_many_plates_waiting(app, client, receiving):
    """The destination scanned: the goods move, and the screen lists the n plates still waiting. (A plate of
    more products is more ledger moves, one per product: what grows here is the list.)"""
    def measure(n):
        receipt_of(app, receiving.skus[:n], n, plates=True)
        screen = client.post("/hh/putaway", data={"scan": _newest_plate(app)}, headers=HX)
        target = re.search(r'<p class="target" id="target">([^<]+)</p>', screen.get_data(as_text=True)).group(1)
        url, fields = scan_form(screen)
        seen, response = counted(client, "POST", url, {**fields, "scan": target, "scan_id": f"p{next(_codes)}"})
        page = response.get_data(as_text=True)
        assert f"(1 units) is in {target}" in page or f"(1 unit) is in {target}" in page, page[:1500]
        assert page.count('name="pick_lpn"') >= n - 1
        return seen

    flat(measure)


def _newest_plate(app) -> str:
    from wms.inventory.models import Lpn

    with app.app_context():
        code = db.session.scalar(select(Lpn.code).order_by(Lpn.id.desc()))
        db.session.remove()
    return code


# --------------------------------------------------------------------------------------------- returns


@pytest.fixture
def returning(app, client, users):
    """Extra products on pick faces (so orders of many lines are picked), and a function that makes a return of
    an order of n lines shipped: its RMA id."""
    with app.app_context():
        stocked_world()
        skus = extra_products("RT", LARGE)
        world = _world()
        for sku, place in zip(skus, FREE_FACES, strict=True):
            receive(world, sku, place, 500)
        db.session.remove()
    login(client)

    def rma(n: int, received: int = 0) -> int:
        """A return of all n lines of a shipped order, one unit of each of the first `received` lines in."""
        from tests.returns_helpers import shipped_order
        from wms.returns import dock, rmas

        with app.app_context():
            order_id = shipped_order([(sku, 1) for sku in skus[:n]])
            made, _created = rmas.create_rma({"order_id": order_id, "lines": [
                {"sku": sku, "quantity": 1, "reason": "regret"} for sku in skus[:n]]})
            rma_id = made.id
            db.session.commit()
            for sku in skus[:received]:
                dock.receive_unit(rma_id, gtin_of(sku), user_id=None)
            db.session.commit()
            db.session.remove()
        return rma_id

    return SimpleNamespace(skus=skus, rma=rma)


FREE_FACES = ["A-01-02-1", "A-01-03-1", "A-01-05-1", "A-02-01-1", "A-02-02-1", "A-02-03-1", "A-02-04-1"]


def test_the_returns_screen(app, client, returning):
    def measure(n):
        for _ in range(n):
            returning.rma(1)
        return counted(client, "GET", "/hh/returns/")[0]

    flat(measure)


def test_a_return_found_by_its_rma(app, client, returning):
    """The return's screen: what was received and each unit waiting for inspection."""
    def measure(n):
        rma_id = returning.rma(n, received=n)
        seen, response = counted(client, "POST", "/hh/returns/", {"scan": f"RMA-{rma_id}"})
        assert response.get_data(as_text=True).count(">inspect</a>") == n
        return seen

    flat(measure)


def test_a_unit_scanned_into_a_return(app, client, returning):
    """The last of n units scanned: it comes in, on a return whose other units wait for inspection."""
    def measure(n):
        rma_id = returning.rma(n, received=n - 1)
        with app.app_context():
            gtin = gtin_of(returning.skus[n - 1])
        seen, response = counted(client, "POST", f"/hh/returns/{rma_id}/unit",
                                 {"scan": gtin, "scan_id": f"u{next(_codes)}"})
        assert 'data-step="condition"' in response.get_data(as_text=True)
        return seen

    flat(measure)


def _units(app, rma_id: int) -> list[int]:
    from wms.returns.models import ReturnUnit

    with app.app_context():
        ids = list(db.session.scalars(select(ReturnUnit.id).where(ReturnUnit.rma_id == rma_id)
                                      .order_by(ReturnUnit.id)))
        db.session.remove()
    return ids


def test_a_returned_units_screen(app, client, returning):
    def measure(n):
        unit_id = _units(app, returning.rma(n, received=n))[-1]
        seen, response = counted(client, "GET", f"/hh/returns/unit/{unit_id}")
        assert 'data-step="condition"' in response.get_data(as_text=True)
        return seen

    flat(measure)


def test_a_returned_unit_inspected(app, client, returning):
    """Damaged: scrapped at once, and the return's screen lists the n - 1 units still waiting."""
    def measure(n):
        unit_id = _units(app, returning.rma(n, received=n))[-1]
        seen, response = counted(client, "POST", f"/hh/returns/unit/{unit_id}",
                                 {"step": "condition", "scan": "3", "scan_id": f"i{next(_codes)}"})
        page = response.get_data(as_text=True)
        assert 'data-step="unit"' in page and page.count(">inspect</a>") == n - 1, page[:1500]
        return seen

    flat(measure)


# --------------------------------------------------------------------------------------------- packing


@pytest.fixture
def shipping(app, client, users, tmp_path):
    """tests/shipping_helpers.py's warehouse (carriers, box types, a label printer) with extra products on pick
    faces, and functions that make an order of n lines picked into its own tote, and one packed."""
    from tests.shipping_helpers import picked_order, shipping_world
    from wms.shipping import boxes, packing

    with app.app_context():
        shipping_world(tmp_path)
        skus = extra_products("SH", LARGE)
        world = _world()
        for sku, place in zip(skus, FREE_FACES, strict=True):
            receive(world, sku, place, 500)
        db.session.remove()
    login(client)

    def picked(n: int, units: int = 1) -> tuple[int, str]:
        tote = f"TOTE-{next(_codes)}"
        with app.app_context():
            order_id = picked_order([(sku, units) for sku in skus[:n]], tote=tote)
            db.session.remove()
        return order_id, tote

    def boxed(order_id: int, count: int) -> None:
        """One unit of each of the first `count` lines packed, each in its own box, closed."""
        with app.app_context():
            for sku in skus[:count]:
                assert packing.pack_unit(order_id, gtin_of(sku), station_code="PACK", user_id=None)["sku"] == sku
                boxes.close_box(order_id, 500, recounted=True, user_id=None)
            db.session.commit()
            db.session.remove()

    return SimpleNamespace(skus=skus, picked=picked, boxed=boxed)


def test_a_tote_scanned_at_the_packing_station(app, client, shipping):
    def measure(n):
        order_id, tote = shipping.picked(n)
        seen, response = counted(client, "POST", "/hh/shipping/pack", {"scan": tote, "station": "PACK"})
        assert response.headers["HX-Redirect"].startswith(f"/hh/shipping/pack/{order_id}")
        return seen

    flat(measure)


def test_an_orders_pack_screen(app, client, shipping):
    """An order of n lines of two units: one unit of each line but the last packed, each in its own box."""
    def measure(n):
        order_id, _tote = shipping.picked(n, units=2)
        shipping.boxed(order_id, n - 1)
        seen, response = counted(client, "GET", f"/hh/shipping/pack/{order_id}?station=PACK")
        page = response.get_data(as_text=True)
        assert 'data-step="scan"' in page and page.count("Reprint label") == n - 1, page[:1500]
        return seen

    flat(measure)


def test_a_unit_scanned_into_a_box(app, client, shipping):
    """The same order: the last line's unit opens a new box; the screen lists every line and box."""
    def measure(n):
        order_id, _tote = shipping.picked(n, units=2)
        shipping.boxed(order_id, n - 1)
        with app.app_context():
            gtin = gtin_of(shipping.skus[n - 1])
        seen, response = counted(client, "POST", f"/hh/shipping/pack/{order_id}",
                                 {"scan": gtin, "station": "PACK", "scan_id": f"k{next(_codes)}"})
        assert f"1 × {shipping.skus[n - 1]} into box {n}/" in response.get_data(as_text=True)
        return seen

    flat(measure)


# --------------------------------------------------------------------------------------------- the dock


def packed(app, shipping, count: int) -> int:
    """`count` more orders of one unit packed and closed onto today's Correios manifest: its id."""
    from wms.shipping.models import Shipment

    for n in range(count):
        order_id, _tote = shipping.picked(1 + n % 2)
        shipping.boxed(order_id, 1 + n % 2)
    with app.app_context():
        manifest_id = db.session.scalar(select(Shipment.manifest_id).where(Shipment.order_id == order_id))
        db.session.remove()
    assert manifest_id is not None
    return manifest_id


def _tracking_codes(app, manifest_id: int, loaded: bool) -> list[str]:
    from wms.shipping.models import Package, Shipment

    with app.app_context():
        codes = list(db.session.scalars(
            select(Package.tracking_code).join(Shipment, Shipment.id == Package.shipment_id)
            .where(Shipment.manifest_id == manifest_id, Package.loaded_at.is_not(None) if loaded else
                   Package.loaded_at.is_(None)).order_by(Package.id)))
        db.session.remove()
    return codes


def more_manifests(app, count: int) -> None:
    """`count` more open manifests, each of a carrier of its own ("Carrier c…")."""
    from wms.shipping import carriers
    from wms.shipping.models import Manifest

    with app.app_context():
        for _ in range(count):
            code = f"c{next(_codes)}"
            carrier = carriers.save_carrier(code=code, name=f"Carrier {code}", kind="table")
            db.session.add(Manifest(carrier_id=carrier.id, pickup_on=clock.today()))
        db.session.commit()
        db.session.remove()


def test_the_open_manifests(app, client, shipping):
    """Manifests of n carriers open."""
    def measure(n):
        more_manifests(app, n)
        seen, response = counted(client, "GET", "/hh/shipping/dock")
        assert response.get_data(as_text=True).count("MAN-") >= n
        return seen

    flat(measure)


def test_the_desk_manifests_page(app, client, auth, shipping):
    """The supervisor's list of manifests: n more manifests (of n carriers) and n more packages on one of them."""
    auth.login("supervisor")

    def measure(n):
        packed(app, shipping, n)
        more_manifests(app, n)
        seen, response = counted(client, "GET", "/shipping/manifests")
        assert response.get_data(as_text=True).count("Carrier c") >= n
        return seen

    flat(measure)


def test_a_manifest_scanned_at_the_dock(app, client, shipping):
    def measure(n):
        manifest_id = packed(app, shipping, n)
        seen, response = counted(client, "POST", "/hh/shipping/dock", {"scan": f"MAN-{manifest_id}"})
        assert response.headers["HX-Redirect"] == f"/hh/shipping/dock/{manifest_id}"
        return seen

    flat(measure)


def test_a_manifests_screen(app, client, shipping):
    """Its packages listed, some loaded."""
    def measure(n):
        manifest_id = packed(app, shipping, n)
        client.post(f"/hh/shipping/dock/{manifest_id}", data={"scan": _tracking_codes(app, manifest_id, False)[0]},
                    headers=HX)
        seen, response = counted(client, "GET", f"/hh/shipping/dock/{manifest_id}")
        page = response.get_data(as_text=True)
        assert page.count("on the truck") >= 1 and page.count("missing") >= n - 1
        return seen

    flat(measure)


def test_a_package_scanned_onto_the_truck(app, client, shipping):
    def measure(n):
        manifest_id = packed(app, shipping, n)
        code = _tracking_codes(app, manifest_id, False)[-1]
        seen, response = counted(client, "POST", f"/hh/shipping/dock/{manifest_id}",
                                 {"scan": code, "scan_id": f"d{next(_codes)}"})
        assert f"{code} is on the truck" in response.get_data(as_text=True)
        return seen

    flat(measure)


# --------------------------------------------------------------------------------------------- printing


@pytest.fixture
def printing(app, client, users, tmp_path):
    """A default label printer (writing to a folder), and a function that grows what printing could read: n
    more printers assigned to stations, n more products in the bin printed, n more jobs in the queue."""
    from wms.printing import queue, services

    with app.app_context():
        stocked_world()
        printer = services.create_printer("ZB-1", f"file://{tmp_path}", label_size="100x50")
        services.assign_printer("", "", printer.id)
        db.session.commit()
        db.session.remove()
    login(client)

    def grow(n: int) -> None:
        with app.app_context():
            world = _world()
            for sku in extra_products(f"PR{next(_codes)}-", n):
                world = _world()
                receive(world, sku, "A-01-01-2", 1)
            for _ in range(n):
                station = f"ST{next(_codes)}"
                other = services.create_printer(f"ZB-{station}", f"file://{tmp_path}", label_size="100x50")
                services.assign_printer(station, "location", other.id)
                queue.print_record("location", "A-01-01-1", printer_name=other.name)
            db.session.commit()
            db.session.remove()

    return grow


def test_the_print_screen(app, client, printing):
    def measure(n):
        printing(n)
        return counted(client, "GET", "/hh/print/")[0]

    flat(measure)


@pytest.mark.parametrize("step", ["what", "printer", "copies"])
def test_a_scan_on_the_print_screen(app, client, printing, step):
    """The bin scanned, then the printer (Enter: the default one), then the copies (the label is queued)."""
    def measure(n):
        printing(n)
        screen = client.get("/hh/print/", headers=HX)
        for code in {"what": [], "printer": ["A-01-01-2"], "copies": ["A-01-01-2", ""]}[step]:
            screen = scan(client, screen, code)
        url, fields = scan_form(screen)
        code = {"what": "A-01-01-2", "printer": "", "copies": "1"}[step]
        seen, response = counted(client, "POST", url, {**fields, "scan": code, "scan_id": f"q{next(_codes)}"})
        after = {"what": "printer", "printer": "copies", "copies": "what"}[step]
        assert f'data-step="{after}"' in response.get_data(as_text=True)
        return seen

    flat(measure)


def test_a_print_button_tapped(app, client, printing):
    def measure(n):
        printing(n)
        seen, response = counted(client, "POST", "/hh/print/label", {"kind": "location", "ref": "A-01-01-2",
                                                                     "scan_id": f"q{next(_codes)}"})
        assert "Label queued for ZB-1." in response.get_data(as_text=True)
        return seen

    flat(measure)


def test_a_print_jobs_state_asked_after(app, client, printing):
    from wms.printing.models import PrintJob

    def measure(n):
        printing(n)
        client.post("/hh/print/label", data={"kind": "location", "ref": "A-01-01-2"}, headers=HX)
        with app.app_context():
            job_id = db.session.scalar(select(PrintJob.id).order_by(PrintJob.id.desc()))
            db.session.remove()
        seen, response = counted(client, "GET", f"/hh/print/jobs/{job_id}/state?n=1")
        assert "ZB-1" in response.get_data(as_text=True)
        return seen

    flat(measure)


# --------------------------------------------------------------------------------------------- replenishment


@pytest.fixture
def replenishing(app, client, users):
    """A function that opens n more replenishment jobs: n new products, each in reserve above its own empty pick
    face (its slot: 6 to 20)."""
    from wms.catalog.models import Product
    from wms.locations.models import Location
    from wms.picking import replenishment

    with app.app_context():
        stocked_world()
        db.session.remove()
    login(client)

    def more(n: int) -> None:
        with app.app_context():
            skus = extra_products(f"RP{next(_codes)}-", n)
            places = locations.create_range(f"R{next(_codes)}", (1, 1), (1, n), (1, 2), pick_face_levels=(1,))
            faces = [place.id for place in places if place.level == 1]
            db.session.commit()
            world = _world()
            for sku, face in zip(skus, faces, strict=True):
                receive(world, sku, db.session.get(Location, face).code[:-1] + "2", 50)
                product_id = db.session.scalar(select(Product.id).where(Product.sku == sku))
                locations.update_location(face, slot_product_id=product_id, slot_min=6, slot_max=20)
            db.session.commit()
            assert len(replenishment.replenish_faces(faces, user_id=None)) == n
            db.session.commit()
            db.session.remove()

    return more


def test_the_replenishment_jobs(app, client, replenishing):
    def measure(n):
        replenishing(n)
        seen, response = counted(client, "GET", "/hh/pick/replenish")
        assert response.get_data(as_text=True).count('name="take"') >= n
        return seen

    flat(measure)


@pytest.mark.parametrize("how", ["enter", "tap"])
def test_a_replenishment_job_taken(app, client, replenishing, how):
    """Enter takes the first job of the list; a tap takes the one tapped."""
    from wms.picking.models import ReplenishmentTask

    def measure(n):
        replenishing(n)
        if how == "enter":
            data = {"scan": "", "scan_id": f"e{next(_codes)}"}
        else:
            with app.app_context():
                data = {"take": db.session.scalar(select(ReplenishmentTask.id).order_by(ReplenishmentTask.id.desc())),
                        "scan_id": f"e{next(_codes)}"}
                db.session.remove()
        seen, response = counted(client, "POST", "/hh/pick/replenish", data)
        assert 'data-step="from"' in response.get_data(as_text=True)
        return seen

    flat(measure)


def test_a_replenishment_done(app, client, replenishing):
    """The TO location scanned: the units move, and the list of the jobs still open comes back."""
    def measure(n):
        replenishing(n)
        screen = client.post("/hh/pick/replenish", data={"scan": ""}, headers=HX)
        page = screen.get_data(as_text=True)
        source = re.search(r'<div class="target">([^<]+)</div>', page).group(1)
        screen = scan(client, screen, source)
        sku = re.search(r"<strong>([^<]+)</strong>", screen.get_data(as_text=True)).group(1)
        with app.app_context():
            screen = scan(client, screen, gtin_of(sku))
        screen = scan(client, screen, "")
        target = re.search(r'<div class="target">([^<]+)</div>', screen.get_data(as_text=True)).group(1)
        url, fields = scan_form(screen)
        seen, response = counted(client, "POST", url, {**fields, "scan": target, "scan_id": f"e{next(_codes)}"})
        page = response.get_data(as_text=True)
        assert 'id="replenished"' in page and page.count('name="take"') >= n - 1, page[:1500]
        return seen

    flat(measure)
