"""Warehouse scale on PostgreSQL: 100,000 locations, 1,000,000 stock items with their ledger, built ONCE into a
named database, then every handheld request type, every desk page, allocation of 1,000 orders and `wms check`
timed there.

    python bench/scale.py build   --database wms_scale      # drops and fills that database's public schema
    python bench/scale.py measure --database wms_scale      # read-mostly: timings (p50/p99, server time)
    python bench/scale.py allocate --database wms_scale     # 1,000 orders allocated in batches (writes)
    python bench/scale.py check   --database wms_scale      # `wms check` (time and peak memory of the process)
    python bench/scale.py waves   --database wms_scale      # 1,000 waves of 4 orders, most being picked (writes)
    python bench/scale.py pile    --database wms_scale      # 50,000 pending summary deltas (`wms worker` folds them)
    python bench/scale.py fold    --database wms_scale      # fold them (timed)
    python bench/scale.py writes  --database wms_scale      # an UPDATE of 1 and of 3,000 items (the triggers' cost)

The warehouse: 4 zones × 50 aisles × 100 bays × 5 levels = 100,000 bins (level 1 pick faces), 20,000 products
(four categories, each with a GTIN), 4 lots each (expiry from 30 days ago to 3 years ahead; 4 % quarantine, 1 %
blocked, 1 % recalled), 1,000,000 stock items (10 per bin on average, 50 per product), each with the receipt
move that explains it. Rows go in with COPY; indexes are built by the migrations before the load (as a real
database has them). Server time is measured in-process with Flask's test client: from request to response body.
"""
import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ZONES, AISLES, BAYS, LEVELS = "ABCD", 50, 100, 5
PRODUCTS, LOTS_PER_PRODUCT, ITEMS = 20_000, 4, 1_000_000
CATEGORIES = ("medicine", "cosmetic", "sanitizer", "other")


def url_of(database: str) -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1/{database}"


def app_for(database: str):
    import tempfile

    from tests.conftest import make_app

    return make_app(url_of(database), tempfile.mkdtemp())


def gtin_for(i: int) -> str:
    from wms import gs1

    body = f"789{i:09d}"
    return body + gs1.check_digit(body)


def build(database: str) -> None:
    from sqlalchemy import text

    from wms import clock, gs1
    from wms.auth import services as auth
    from wms.cli import upgrade_database
    from wms.extensions import db
    from wms.locations import services as locations
    from wms.locations.models import LocationKind

    app = app_for(database)
    started = time.perf_counter()
    with app.app_context():
        db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        db.session.commit()
        upgrade_database()
        warehouse = locations.create_warehouse("BW", "Bench", aisle_length_m=100.0, aisle_pitch_m=3.0,
                                               bay_width_m=1.0)
        supplier = locations.virtual_location(warehouse.id, LocationKind.SUPPLIER).id
        for code, kind in (("DOCK", "receiving"), ("STAGE", "staging"), ("PACK", "packing")):
            locations.create_location(code, kind, warehouse=warehouse)
        auth.create_user("sup", role="supervisor", password="sup", locale="en")
        for n in range(64):
            auth.create_user(f"w{n}", role="worker", password=f"w{n}", badge=f"BADGE-{n}", pin="1234", locale="en")
        db.session.commit()
        warehouse_id = warehouse.id
        base = db.session.execute(text("SELECT coalesce(max(id), 0) FROM locations")).scalar()
    today = clock.today()
    now = datetime.now(UTC)
    rng = random.Random(2026)
    import psycopg

    with psycopg.connect(f"postgresql://postgres@127.0.0.1/{database}") as conn, conn.cursor() as cur:
        location_ids = []
        with cur.copy("COPY locations (id, warehouse_id, code, kind, aisle, bay, level, active, blocked, mixing, "
                      "created_at) FROM STDIN") as copy:
            n = base
            for zone_index, zone in enumerate(ZONES):
                for aisle in range(1, AISLES + 1):
                    for bay in range(1, BAYS + 1):
                        for level in range(1, LEVELS + 1):
                            n += 1
                            location_ids.append(n)
                            copy.write_row((n, warehouse_id, f"{zone}-{aisle:02d}-{bay:03d}-{level}",
                                            "pick_face" if level == 1 else "reserve",
                                            aisle + zone_index * AISLES, bay, level, True, n % 997 == 0,
                                            "mixed", now))
        with cur.copy("COPY products (id, sku, name, unit, category, lot_tracked, expiry_tracked, "
                      "min_shelf_life_days, active, created_at) FROM STDIN") as copy:
            for i in range(1, PRODUCTS + 1):
                copy.write_row((i, f"SKU{i:06d}", f"Produto {i}", "un", CATEGORIES[i % 4], True, True,
                                (30, 90, 0, 0)[i % 4], True, now))
        with cur.copy("COPY product_barcodes (id, product_id, code, kind, units) FROM STDIN") as copy:
            for i in range(1, PRODUCTS + 1):
                copy.write_row((i, i, gs1.normalize_gtin(gtin_for(i)), "gtin", 1))
        lots: dict[int, list[tuple[int, str]]] = {}
        with cur.copy("COPY lots (id, product_id, code, expires_on, status, created_at) FROM STDIN") as copy:
            lot_id = 0
            for i in range(1, PRODUCTS + 1):
                for k in range(LOTS_PER_PRODUCT):
                    lot_id += 1
                    roll = rng.random()
                    status = ("quarantine" if roll < 0.04 else "blocked" if roll < 0.05 else
                              "recalled" if roll < 0.06 else "released")
                    code = f"L{i:06d}{k}"
                    lots.setdefault(i, []).append((lot_id, code))
                    copy.write_row((lot_id, i, code, today + timedelta(days=rng.randint(-30, 1100)), status, now))
        seen: set[tuple[int, int, int]] = set()
        stock: list[tuple[int, int, int, int]] = []
        while len(stock) < ITEMS:
            location_id = location_ids[rng.randrange(len(location_ids))]
            product_id = rng.randint(1, PRODUCTS)
            lot_id = lots[product_id][rng.randrange(LOTS_PER_PRODUCT)][0]
            if (location_id, product_id, lot_id) not in seen:
                seen.add((location_id, product_id, lot_id))
                stock.append((location_id, product_id, lot_id, rng.randint(1, 200)))
        del seen
        with cur.copy("COPY stock_items (id, key, location_id, product_id, lot_id, quantity, reserved, "
                      "updated_at) FROM STDIN") as copy:
            for n, (location_id, product_id, lot_id, quantity) in enumerate(stock, 1):
                copy.write_row((n, f"{location_id}:{product_id}:{lot_id}:0", location_id, product_id, lot_id,
                                quantity, 0, now))
        with cur.copy("COPY moves (id, at, product_id, lot_id, from_location_id, to_location_id, quantity, reason, "
                      "document) FROM STDIN") as copy:
            for n, (location_id, product_id, lot_id, quantity) in enumerate(stock, 1):
                copy.write_row((n, now, product_id, lot_id, supplier, location_id, quantity, "receipt", "BENCH"))
        for table in ("locations", "products", "product_barcodes", "lots", "stock_items", "moves"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        conn.commit()
    with app.app_context():  # the COPY of the items left its deltas: fold them as `wms worker` would
        from wms.inventory import summary

        summary.compact()
        db.session.commit()
    with psycopg.connect(f"postgresql://postgres@127.0.0.1/{database}", autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    print(f"built {database}: {len(location_ids):,} bins, {PRODUCTS:,} products, {ITEMS:,} stock items and "
          f"moves in {time.perf_counter() - started:.0f} s")


def percentiles(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    return statistics.median(samples), samples[max(int(len(samples) * 0.99) - 1, 0)]


def timed(client, method: str, path: str, runs: int, **kwargs) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        response = client.open(path, method=method, **kwargs)
        response.get_data()
        samples.append((time.perf_counter() - t) * 1000)
        assert response.status_code < 400, (path, response.status_code, response.get_data(as_text=True)[:300])
    return percentiles(samples)


def samples(database: str, n: int, seed: int = 11):
    """Random stock items as what a worker scans: their bin code, GTIN and GS1 DataMatrix."""
    from sqlalchemy import text

    from wms import gs1
    from wms.extensions import db

    app = app_for(database)
    with app.app_context():
        ids = random.Random(seed).sample(range(1, ITEMS + 1), n)
        rows = db.session.execute(text(
            "SELECT l.code, s.product_id, lots.code, lots.expires_on, s.location_id FROM stock_items s "
            "JOIN locations l ON l.id = s.location_id JOIN lots ON lots.id = s.lot_id WHERE s.id = ANY(:ids)"),
            {"ids": ids}).all()
    return app, [{"bin": code, "gtin": gtin_for(pid), "location_id": location_id,
                  "gs1": "]d2" + gs1.element_string(gtin=gtin_for(pid), expires_on=expires, lot=lot, serial="SN1", separator="|")}
                 for code, pid, lot, expires, location_id in rows]


HANDHELD = [("location", "bin"), ("product GTIN", "gtin"), ("GS1 DataMatrix", "gs1")]
DESK = ["/desk", "/desk/stock/", "/desk/stock/?by=location", "/desk/stock/?by=lot", "/desk/stock/?q=SKU000042",
        "/desk/stock/?page=200", "/desk/stock/expiry", "/desk/stock/expiry?page=50", "/desk/stock/adjustments",
        "/desk/stock/counts", "/desk/stock/locations/5000/ledger", "/desk/locations", "/desk/products",
        "/desk/orders/", "/desk/waves/", "/desk/receiving/"]
# The filtered and deep stock pages (issue #16's leftovers): `measure --filtered`.
FILTERED = ["/desk/stock/?kind=reserve", "/desk/stock/?kind=pick_face", "/desk/stock/?by=lot&kind=pick_face",
            "/desk/stock/?by=lot&kind=reserve", "/desk/stock/?by=location&kind=pick_face",
            "/desk/stock/?status=quarantine", "/desk/stock/?by=lot&page=800", "/desk/stock/?page=390",
            "/desk/stock/?by=lot&kind=pick_face&page=500"]


def measure(database: str, runs: int, pages: list[str] | None = None, keep_pending: bool = False) -> None:
    """Every request type (or only the desk `pages` given), server time p50 / p99. The stock summary's pending
    deltas are folded first, as `wms worker` keeps them in a warehouse (a load run without the worker leaves
    thousands), unless `keep_pending` (to time the pages with them waiting: see `pile`)."""
    app, scans = samples(database, 200)
    if not keep_pending:
        from wms.inventory import summary

        with app.app_context():
            print(f"folded {summary.fold_pending():,} pending stock summary deltas first")
    hh = app.test_client()
    hh.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    hh.post("/hh/login", data={"badge": "BADGE-0", "pin": "1234"}, headers={"HX-Request": "true"})
    print(f"{database}: server time, ms (p50 / p99); load: {load()}")
    for name, field in [] if pages else HANDHELD:
        times = []
        for scan in scans:
            t = time.perf_counter()
            response = hh.post("/hh/stock/here", data={"scan": scan[field]}, headers={"HX-Request": "true"})
            response.get_data()
            times.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200, (scan[field], response.status_code)
        p50, p99 = percentiles(times)
        print(f"  POST /hh/stock/here ({name:15}) {p50:7.1f} / {p99:7.1f}")
    desk = app.test_client()
    desk.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    desk.post("/login", data={"username": "sup", "password": "sup"})
    for path in pages or DESK:
        p50, p99 = timed(desk, "GET", path, runs)
        print(f"  GET {path:40} {p50:7.1f} / {p99:7.1f}")


def allocate(database: str, n_orders: int) -> None:
    from sqlalchemy import text

    from wms.extensions import db
    from wms.orders import services as orders
    from wms.picking import batch_allocation

    app = app_for(database)
    rng = random.Random(5)
    address = {"street": "Av. Paulista", "number": "1000", "city": "São Paulo", "state": "SP", "cep": "01310-100"}
    with app.app_context():
        # Start from no reservations (bench/load.py's waves hold some: their tasks let go of them).
        db.session.execute(text("UPDATE pick_tasks SET reservation_id = NULL WHERE reservation_id IS NOT NULL; "
                                "DELETE FROM reservations; UPDATE stock_items SET reserved = 0 WHERE reserved > 0; "
                                "UPDATE order_lines SET allocated = 0 WHERE allocated > 0"))
        db.session.commit()
        ids = []
        for n in range(n_orders):
            data = {"channel": "site", "channel_order_id": f"S-{time.time_ns()}-{n}", "payment_status": "pending",
                    "customer": {"name": f"Cliente {n}"}, "ship_to": address, "carrier": "correios",
                    "lines": [{"sku": f"SKU{rng.randint(1, PRODUCTS):06d}", "quantity": rng.randint(1, 12),
                               "unit_price_cents": 990} for _ in range(rng.randint(1, 5))]}
            ids.append(orders.take_order(data)[0].id)
        db.session.execute(text("UPDATE orders SET status = 'released', payment_status = 'paid' WHERE id = ANY(:ids)"),
                           {"ids": ids})
        db.session.commit()
        t = time.perf_counter()
        result = batch_allocation.allocate_orders(ids)
        elapsed = time.perf_counter() - t
        print(f"allocation of {n_orders:,} orders over {ITEMS:,} stock items (batches of "
              f"{batch_allocation.BATCH}): {elapsed:.2f} s, {result['units']:,} units in "
              f"{result['reservations']:,} reservations; load: {load()}")


def make_waves(database: str, count: int) -> None:
    """`count` waves of 4 orders as bench/load.py leaves them (built through the services), then most of them
    marked as being picked with part of their tasks done (SQL: the desk's lists read these columns only; no stock
    moves), so that /desk and the desk wave list are timed with ~1,000 active waves."""
    import psycopg

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from load import prepare_waves

    t = time.perf_counter()
    wave_ids, _codes = prepare_waves(database, count)
    with psycopg.connect(f"postgresql://postgres@127.0.0.1/{database}") as conn:
        conn.execute("UPDATE waves SET status = 'picking', started_at = now() - interval '2 hours' "
                     "WHERE id = ANY(%s) AND id %% 10 <> 0", (wave_ids,))
        conn.execute("UPDATE pick_tasks SET status = 'done', picked = quantity, picked_at = now() - "
                     "(id %% 100) * interval '1 minute' WHERE wave_id = ANY(%s) AND wave_id %% 10 <> 0 AND id %% 2 = 0",
                     (wave_ids,))
    print(f"{len(wave_ids):,} waves of 4 orders in {time.perf_counter() - t:.0f} s; load: {load()}")


def pile_deltas(database: str, count: int) -> None:
    """About `count` pending stock summary deltas, as when no worker folds for a while: stock items get one unit
    more, then one less (two statements a batch: the triggers write a delta per (product, lot, place) each;
    nothing changes in the end), in batches until `count` wait (items of one lot in one kind of place share a
    delta)."""
    import psycopg

    ids = random.Random(3).sample(range(1, ITEMS + 1), count)
    with psycopg.connect(f"postgresql://postgres@127.0.0.1/{database}") as conn:
        waiting = conn.execute("SELECT count(*) FROM stock_summary_deltas").fetchone()[0]
        while waiting < count and ids:
            batch, ids = ids[:max(1, (count - waiting) // 2)], ids[max(1, (count - waiting) // 2):]
            conn.execute("UPDATE stock_items SET quantity = quantity + 1 WHERE id = ANY(%s)", (batch,))
            conn.execute("UPDATE stock_items SET quantity = quantity - 1 WHERE id = ANY(%s)", (batch,))
            waiting = conn.execute("SELECT count(*) FROM stock_summary_deltas").fetchone()[0]
    print(f"{waiting:,} stock summary deltas pending; load: {load()}")


def fold(database: str) -> None:
    """`wms worker`'s fold of the pending stock summary deltas (one unit of work), timed."""
    from wms.inventory import summary

    with app_for(database).app_context():
        t = time.perf_counter()
        folded = summary.fold_pending()
        print(f"folded {folded:,} deltas in {(time.perf_counter() - t) * 1000:.0f} ms; load: {load()}")


def writes(database: str) -> None:
    """What the summary's triggers cost a write: an UPDATE of 1 stock item (200 times) and of 3,000 (15 times),
    quantity + 1, each rolled back; p50 / p90, ms."""
    import psycopg

    ids = random.Random(9).sample(range(1, ITEMS + 1), 3000)
    with psycopg.connect(f"postgresql://postgres@127.0.0.1/{database}") as conn:
        for n, runs in ((1, 200), (3000, 15)):
            times = []
            for run in range(runs):
                t = time.perf_counter()
                conn.execute("UPDATE stock_items SET quantity = quantity + 1 WHERE id = ANY(%s)",
                             (ids[:n] if n > 1 else [ids[run]],))
                times.append((time.perf_counter() - t) * 1000)
                conn.rollback()
            times.sort()
            print(f"UPDATE of {n:,} stock items: {statistics.median(times):.2f} / "
                  f"{times[int(len(times) * 0.9) - 1]:.2f} ms; load: {load()}")


def check(database: str) -> None:
    """`wms check` as the operator runs it, in its own process: wall time and peak memory (max RSS)."""
    env = dict(os.environ, DATABASE_URL=url_of(database))
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", "import sys; from wms.cli import main; sys.argv = ['wms', 'check']; "
                           "main()"], env=env, cwd=Path(__file__).resolve().parent.parent, capture_output=True,
                          text=True)
    elapsed = time.perf_counter() - t
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"wms check: exit {done.returncode}, {elapsed:.1f} s, peak memory {peak_mb:.0f} MB; "
          f"{done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-300:]}; load: {load()}")


def load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())



def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("step", choices=["build", "measure", "allocate", "check", "waves", "pile", "fold", "writes"])
    parser.add_argument("--database", default="wms_scale")
    parser.add_argument("--runs", type=int, default=20, help="requests per desk page")
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--waves", type=int, default=1000)
    parser.add_argument("--deltas", type=int, default=50_000)
    parser.add_argument("--page", action="append", help="measure: time only this desk page (repeatable)")
    parser.add_argument("--filtered", action="store_true", help="measure: time only the filtered and deep stock pages")
    parser.add_argument("--keep-pending", action="store_true",
                        help="measure: time the pages with the summary's pending deltas waiting (not folded first)")
    args = parser.parse_args()
    if args.step == "build":
        build(args.database)
    elif args.step == "measure":
        measure(args.database, args.runs, (args.page or []) + (FILTERED if args.filtered else []), args.keep_pending)
    elif args.step == "pile":
        pile_deltas(args.database, args.deltas)
    elif args.step == "waves":
        make_waves(args.database, args.waves)
    elif args.step == "fold":
        fold(args.database)
    elif args.step == "writes":
        writes(args.database)
    elif args.step == "allocate":
        allocate(args.database, args.orders)
    else:
        check(args.database)


if __name__ == "__main__":
    main()
