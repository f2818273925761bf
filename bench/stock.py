"""Inventory core figures over a warehouse with 100,000 stock items.

    python bench/stock.py                       # SQLite in a temp folder
    DATABASE_URL=postgresql://postgres@127.0.0.1/wms_bench python bench/stock.py

Prints: parse_scan time per scan (pure), identify() time (parse + database lookup), and the server time of
the handheld "What's here?" request for a location, a product and a GS1 code (median and p99), measured
in-process with Flask's test client.
"""
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import analyze, fresh_app  # noqa: E402  (puts the repository on the path)
from sqlalchemy import insert, select  # noqa: E402

from wms import clock, gs1  # noqa: E402
from wms.extensions import db  # noqa: E402

ITEMS = int(os.environ.get("BENCH_ITEMS", 100_000))


def stats(samples_ms):
    samples_ms = sorted(samples_ms)
    return statistics.median(samples_ms), samples_ms[max(int(len(samples_ms) * 0.99) - 1, 0)]


def seed(n_items: int):
    """Bins A..E × 40 aisles × 50 bays × 5 levels = 50,000 locations; 5,000 products with 4 lots each;
    stock items spread over them, each with the receipt move that explains it (the ledger balances)."""
    from wms.auth import services as auth
    from wms.catalog.models import Lot, Product, ProductBarcode
    from wms.inventory.models import Move, StockItem, item_key
    from wms.locations import services as locations
    from wms.locations.models import Location, LocationKind

    auth.create_user("bench", role="worker", badge="BADGE-B", pin="1234", password="bench")
    warehouse = locations.create_warehouse("BW", "Bench", aisle_length_m=50.0)
    supplier = locations.virtual_location(warehouse.id, LocationKind.SUPPLIER).id
    rows = []
    for zone in "ABCDE":
        for aisle in range(1, 41):
            for bay in range(1, 51):
                for level in range(1, 6):
                    rows.append(dict(warehouse_id=warehouse.id, code=f"{zone}-{aisle:02d}-{bay:02d}-{level}",
                                     kind="pick_face" if level == 1 else "reserve", aisle=aisle, bay=bay,
                                     level=level, active=True, blocked=False, mixing="mixed",
                                     created_at=clock_now()))
    db.session.execute(insert(Location), rows)
    location_ids = list(db.session.scalars(select(Location.id).where(Location.kind.in_(["pick_face", "reserve"]))))
    products = []
    for i in range(5000):
        products.append(dict(sku=f"SKU{i:05d}", name=f"Produto {i}", unit="un", category="medicine",
                             lot_tracked=True, expiry_tracked=True, min_shelf_life_days=30, active=True,
                             created_at=clock_now()))
    db.session.execute(insert(Product), products)
    product_ids = list(db.session.scalars(select(Product.id).order_by(Product.id)))
    db.session.execute(insert(ProductBarcode), [
        dict(product_id=pid, code=gs1.normalize_gtin(gtin_for(i)), kind="gtin", units=1)
        for i, pid in enumerate(product_ids)])
    today = clock.today()
    db.session.execute(insert(Lot), [
        dict(product_id=pid, code=f"L{i:05d}{k}", expires_on=today + timedelta(days=60 + 90 * k),
             status="released", created_at=clock_now())
        for i, pid in enumerate(product_ids) for k in range(4)])
    lots = {}
    for lot_id, product_id in db.session.execute(select(Lot.id, Lot.product_id)):
        lots.setdefault(product_id, []).append(lot_id)
    rng = random.Random(7)
    seen, items, moves = set(), [], []
    while len(items) < n_items:
        location_id = rng.choice(location_ids)
        product_id = rng.choice(product_ids)
        lot_id = rng.choice(lots[product_id])
        key = item_key(location_id, product_id, lot_id, None)
        if key in seen:
            continue
        seen.add(key)
        quantity = rng.randint(1, 200)
        items.append(dict(key=key, location_id=location_id, product_id=product_id, lot_id=lot_id,
                          quantity=quantity, reserved=0, updated_at=clock_now()))
        moves.append(dict(product_id=product_id, lot_id=lot_id, from_location_id=supplier,
                          to_location_id=location_id, quantity=quantity, reason="receipt", document="BENCH",
                          at=clock_now()))
    for start in range(0, len(items), 10_000):
        db.session.execute(insert(StockItem), items[start:start + 10_000])
        db.session.execute(insert(Move), moves[start:start + 10_000])
    db.session.commit()
    return items, product_ids


def clock_now():
    from wms.dbtypes import utcnow

    return utcnow()


def gtin_for(i: int) -> str:
    body = f"789{i:09d}"
    return body + gs1.check_digit(body)


def main():
    app, database = fresh_app()
    with app.app_context():
        start = time.perf_counter()
        items, product_ids = seed(ITEMS)
        analyze()
        print(f"{database}: seeded {len(items):,} stock items in {time.perf_counter() - start:.1f} s")

        from wms.catalog.models import Lot
        from wms.inventory import lookup
        from wms.locations.models import Location
        from wms.scanning import parse_scan

        rng = random.Random(11)
        sample = [rng.choice(items) for _ in range(300)]
        location_codes = {row[0]: row[1] for row in db.session.execute(select(Location.id, Location.code))}
        lot_rows = {row.id: row for row in db.session.scalars(select(Lot))}
        product_index = {pid: i for i, pid in enumerate(product_ids)}
        gs1_scans = []
        for item in sample:
            lot = lot_rows[item["lot_id"]]
            gs1_scans.append("]d2" + gs1.element_string(
                gtin=gtin_for(product_index[item["product_id"]]), expires_on=lot.expires_on, lot=lot.code,
                serial="SN123456", anvisa_registration="1055300010011"))

        timings = []
        for _ in range(20):
            for raw in gs1_scans:
                t = time.perf_counter()
                parse_scan(raw, gs_substitutes="|")
                timings.append((time.perf_counter() - t) * 1e6)
        median, p99 = stats(timings)
        print(f"parse_scan, GS1 DataMatrix (01)(17)(713)(21)(10): median {median:.1f} µs, p99 {p99:.1f} µs")

        for name, raws in (("location", [location_codes[i["location_id"]] for i in sample]),
                           ("GS1 DataMatrix", gs1_scans)):
            timings = []
            for raw in raws:
                t = time.perf_counter()
                lookup.identify(raw)
                timings.append((time.perf_counter() - t) * 1000)
            median, p99 = stats(timings)
            print(f"identify({name}): median {median:.2f} ms, p99 {p99:.2f} ms")
        db.session.remove()

    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.post("/hh/login", data={"badge": "BADGE-B", "pin": "1234"}, headers={"HX-Request": "true"})
    here = os.environ.get("BENCH_HERE_URL", "/hh/stock/here")
    for name, raws in (("location", [location_codes[i["location_id"]] for i in sample]),
                       ("product GTIN", [gtin_for(product_index[i["product_id"]]) for i in sample]),
                       ("GS1 DataMatrix", gs1_scans)):
        timings = []
        for raw in raws:
            t = time.perf_counter()
            response = client.post(here, data={"scan": raw}, headers={"HX-Request": "true"})
            response.get_data()
            timings.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200, (response.status_code, response.get_data(as_text=True)[:300])
        median, p99 = stats(timings)
        print(f"POST {here} ({name}): median {median:.2f} ms, p99 {p99:.2f} ms")


if __name__ == "__main__":
    main()
