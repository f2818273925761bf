"""FEFO allocation of 1,000 orders of 1 to 5 lines over 100,000 stock items.

    python bench/allocate.py                                   # SQLite in a temp folder
    DATABASE_URL=postgresql://postgres@127.0.0.1/wms_bench python bench/allocate.py
    DATABASE_URL=... python bench/allocate.py --threads 8     # PostgreSQL, 8 workers releasing at once
    python bench/allocate.py --batch 250                       # batch allocation, 250 orders per batch

The warehouse: 20,000 bins (2 zones × 40 aisles × 50 bays × 5 levels; level 1 pick faces, the rest reserve),
2,000 products with 4 lots each (one of them expired, one in quarantine on a few products), and 100,000 stock
items, each with the receipt that explains it. Orders are taken through `orders.services.take_order` awaiting
payment, then released one by one (`orders.services.release`: lock the order, lock the candidate stock
items, FEFO rule, reservations, commit). Prints the time of both steps (total, per order median and p95),
how much was allocated and back-ordered. With `--batch N` the orders are marked paid in one UPDATE (not timed) and
allocated by `wms.picking.batch_allocation.allocate_orders` (N orders per batch: one candidate query, FEFO over
tuples, set-based writes) instead of one `release` each, the time of the two book checks (both must be empty), and the time
to build a 40-order wave (tasks in route order).
"""
import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select, text  # noqa: E402

from tests.conftest import make_app  # noqa: E402
from wms import clock  # noqa: E402
from wms.cli import upgrade_database  # noqa: E402
from wms.dbtypes import utcnow  # noqa: E402
from wms.extensions import db  # noqa: E402

ADDRESS = {"street": "Av. Paulista", "number": "1000", "city": "São Paulo", "state": "SP", "cep": "01310-100"}


def seed(n_items: int, n_products: int, rng: random.Random) -> list[str]:
    from wms.catalog.models import Lot, Product
    from wms.inventory.models import Move, StockItem, item_key
    from wms.locations import services as locations
    from wms.locations.models import Location, LocationKind

    warehouse = locations.create_warehouse("BW", "Bench", aisle_length_m=50.0, aisle_pitch_m=3.0, bay_width_m=1.0)
    supplier = locations.virtual_location(warehouse.id, LocationKind.SUPPLIER).id
    now = utcnow()
    db.session.execute(insert(Location), [
        dict(warehouse_id=warehouse.id, code=f"{zone}-{aisle:02d}-{bay:02d}-{level}",
             kind="pick_face" if level == 1 else "reserve", aisle=aisle + (40 if zone == "B" else 0), bay=bay,
             level=level, active=True, blocked=False, mixing="mixed", created_at=now)
        for zone in "AB" for aisle in range(1, 41) for bay in range(1, 51) for level in range(1, 6)])
    db.session.execute(insert(Location), [dict(warehouse_id=warehouse.id, code="STAGE", kind="staging",
                                               active=True, blocked=False, mixing="mixed", created_at=now)])
    bins = list(db.session.scalars(select(Location.id).where(Location.kind.in_(["pick_face", "reserve"]))
                                   .order_by(Location.id)))
    categories = ["medicine", "cosmetic", "sanitizer", "other"]
    db.session.execute(insert(Product), [
        dict(sku=f"SKU{i:05d}", name=f"Produto {i}", unit="un", category=categories[i % 4], lot_tracked=True,
             expiry_tracked=True, min_shelf_life_days=(30, 90, 0, 0)[i % 4], active=True, created_at=now)
        for i in range(n_products)])
    products = list(db.session.execute(select(Product.id, Product.sku).order_by(Product.id)))
    today = clock.today()
    db.session.execute(insert(Lot), [
        dict(product_id=pid, code=f"L{k}", expires_on=today + timedelta(days=(-10, 60, 200, 500)[k]),
             status="quarantine" if k == 2 and pid % 10 == 0 else "released", created_at=now)
        for pid, _sku in products for k in range(4)])
    lots: dict[int, list[int]] = {}
    for lot_id, product_id in db.session.execute(select(Lot.id, Lot.product_id).order_by(Lot.id)):
        lots.setdefault(product_id, []).append(lot_id)
    seen, items, moves = set(), [], []
    while len(items) < n_items:
        location_id, (product_id, _sku) = rng.choice(bins), rng.choice(products)
        lot_id = rng.choice(lots[product_id])
        key = item_key(location_id, product_id, lot_id, None)
        if key in seen:
            continue
        seen.add(key)
        quantity = rng.randint(1, 60)
        items.append(dict(key=key, location_id=location_id, product_id=product_id, lot_id=lot_id,
                          quantity=quantity, reserved=0, updated_at=now))
        moves.append(dict(product_id=product_id, lot_id=lot_id, from_location_id=supplier,
                          to_location_id=location_id, quantity=quantity, reason="receipt", document="BENCH", at=now))
    for start in range(0, len(items), 10_000):
        db.session.execute(insert(StockItem), items[start:start + 10_000])
        db.session.execute(insert(Move), moves[start:start + 10_000])
    db.session.commit()
    return [sku for _pid, sku in products]


def summary(samples_ms: list[float]) -> str:
    samples_ms = sorted(samples_ms)
    p95 = samples_ms[max(int(len(samples_ms) * 0.95) - 1, 0)]
    return f"median {statistics.median(samples_ms):.1f} ms, p95 {p95:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=1, help="release orders from this many threads at once")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--batch", type=int, default=0,
                        help="allocate in batches of this many orders (batch_allocation) instead of order by order")
    parser.add_argument("--lock-all-candidates", action="store_true",
                        help="with --batch on PostgreSQL: lock every candidate item (the earlier way) instead of "
                             "only the chosen ones")
    args = parser.parse_args()
    rng = random.Random(args.seed)

    folder = tempfile.mkdtemp()
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    database = "PostgreSQL" if "postgresql" in url else "SQLite"
    app = make_app(url, folder, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": max(args.threads, 5) + 2})

    from wms.inventory import services as inventory
    from wms.orders import services as orders
    from wms.orders.models import OrderLine
    from wms.picking import reservations, waves
    from wms.picking.models import Reservation

    with app.app_context():
        if database == "PostgreSQL":
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        upgrade_database()
        started = time.perf_counter()
        skus = seed(args.items, args.products, rng)
        orders.set_channel_rule("marketplace", "cosmetic", 180, user_id=None)
        if database == "PostgreSQL":
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        print(f"{database}: {args.items:,} stock items, {len(skus):,} products, seeded in "
              f"{time.perf_counter() - started:.1f} s")

        intake_ms, ids = [], []
        started = time.perf_counter()
        for n in range(args.orders):
            lines = rng.sample(skus, rng.randint(1, 5))
            data = {"channel": rng.choice(["site", "site", "marketplace", "shop"]), "channel_order_id": f"B-{n}",
                    "payment_status": "pending", "carrier": rng.choice(["correios", "jadlog"]),
                    "promised_ship_date": (clock.today() + timedelta(days=rng.randint(0, 3))).isoformat(),
                    "customer": {"name": f"Cliente {n}"}, "ship_to": ADDRESS,
                    "lines": [{"sku": sku, "quantity": rng.randint(1, 12), "unit_price_cents": 1990}
                              for sku in lines]}
            t = time.perf_counter()
            ids.append(orders.take_order(data)[0].id)
            intake_ms.append((time.perf_counter() - t) * 1000)
        intake_total = time.perf_counter() - started
        lines_count = db.session.scalar(select(func.count()).select_from(OrderLine))
        print(f"intake: {args.orders:,} orders, {lines_count:,} lines in {intake_total:.1f} s "
              f"({summary(intake_ms)} per order)")
        db.session.remove()

    if args.batch:
        from wms.orders.models import Order
        from wms.picking import batch_allocation

        batch_allocation.LOCK_CHOSEN_ONLY = not args.lock_all_candidates
        with app.app_context():
            db.session.execute(text("UPDATE orders SET status = 'released', payment_status = 'paid'"))
            db.session.commit()
            started, cpu = time.perf_counter(), time.process_time()
            result = batch_allocation.allocate_orders(ids, batch_size=args.batch)
            db.session.commit()
            allocation_total, cpu = time.perf_counter() - started, time.process_time() - cpu
            print(f"allocation (batches of {args.batch}): {result['orders']:,} orders in {allocation_total:.2f} s = "
                  f"{args.orders / allocation_total:.0f} orders/s; CPU of this process {cpu:.1f} s")
            assert db.session.scalar(select(func.count()).select_from(Order).where(Order.status == "released")) == 0
            db.session.remove()
    release_ms: list[float] = []
    queue = [] if args.batch else list(ids)
    lock = threading.Lock()

    def worker():
        with app.app_context():
            while True:
                with lock:
                    if not queue:
                        break
                    order_id = queue.pop(0)
                t = time.perf_counter()
                orders.release(order_id)
                elapsed = (time.perf_counter() - t) * 1000
                with lock:
                    release_ms.append(elapsed)
            db.session.remove()

    started, cpu = time.perf_counter(), time.process_time()
    threads = [threading.Thread(target=worker) for _ in range(args.threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if not args.batch:
        allocation_total, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(f"allocation ({args.threads} thread{'s' if args.threads > 1 else ''}): {args.orders:,} orders in "
              f"{allocation_total:.1f} s = {args.orders / allocation_total:.0f} orders/s ({summary(release_ms)} per "
              f"order); CPU of this process {cpu:.1f} s")

    with app.app_context():
        wanted, allocated = db.session.execute(select(func.sum(OrderLine.quantity), func.sum(OrderLine.allocated))).one()
        statuses = dict(db.session.execute(text("SELECT status, count(*) FROM orders GROUP BY status")).all())
        reservation_rows = db.session.scalar(select(func.count()).select_from(Reservation))
        print(f"units: {wanted:,} ordered, {allocated:,} reserved in {reservation_rows:,} reservations, "
              f"{wanted - allocated:,} back-ordered; orders by status: {dict(sorted(statuses.items()))}")
        t = time.perf_counter()
        problems = reservations.reservation_mismatches()
        check_reservations = time.perf_counter() - t
        t = time.perf_counter()
        stock = inventory.stock_mismatches()
        check_stock = time.perf_counter() - t
        print(f"checks: reservations = reserved figures {check_reservations:.2f} s ({len(problems)} mismatches), "
              f"ledger = stock items {check_stock:.2f} s ({len(stock)} mismatches)")
        assert not problems and not stock
        t = time.perf_counter()
        wave = waves.build_wave(waves.WaveFilter(include_partial=True), max_orders=40, user_id=None)
        built_ms = (time.perf_counter() - t) * 1000
        tasks = waves.wave_tasks(wave.id)
        print(f"wave: 40 orders, {len(tasks)} pick tasks in route order ({wave.planned_distance_m:.0f} m) built in "
              f"{built_ms:.0f} ms")
        # The same stops walked as most systems print them: by location code, and the S-shape order.
        from wms.locations import routing
        from wms.locations.layout import layout_of, walk_stop

        warehouse = tasks[0].location.warehouse
        layout = layout_of(warehouse)
        stops = [walk_stop(layout, t.location.aisle, t.location.bay, warehouse.bay_width_m) for t in tasks]
        by_code = sorted(range(len(tasks)), key=lambda i: tasks[i].location.code)
        code_m = routing.route_length(layout, [stops[i] for i in by_code])
        _order, s_shape_m = routing.s_shape_order(layout, stops)
        print(f"same stops by location code: {code_m:.0f} m ({code_m / wave.planned_distance_m:.2f}×), "
              f"S-shape: {s_shape_m:.0f} m ({s_shape_m / wave.planned_distance_m:.2f}×)")


if __name__ == "__main__":
    main()
