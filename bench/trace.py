"""Recall trace figures: the trace of a lot shipped to 10,000 orders (receipts, stock now, every recipient with
CPF/CNPJ, address and tracking code, returns) and its distribution-map CSV, on a ledger with noise around it.

    python bench/trace.py                                                   # SQLite in a temp folder
    DATABASE_URL=postgresql://postgres@127.0.0.1/wms_bench_trace python bench/trace.py   # (the schema is dropped)

Loads 20,000 shipped orders (10,000 with the traced lot, 10,000 with another lot), each with the ledger moves
picking and shipping make (bin → tote, tote → staging, staging → customer), i.e. 60,000 moves, then times
`trace.trace(lot)` + `distribution_csv` and the desk's trace page (Flask test client, in-process).
"""
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select  # noqa: E402

from bench.common import analyze, fresh_app  # noqa: E402
from tests.factories import build_world  # noqa: E402
from wms.extensions import db  # noqa: E402
from wms.inventory.models import Move  # noqa: E402
from wms.locations.models import LocationKind  # noqa: E402
from wms.orders.models import Order  # noqa: E402
from wms.recall import trace  # noqa: E402

ORDERS = 10_000
RUNS = 15


def load() -> int:
    world = build_world()
    med = world.products["MED"]
    traced, other = world.lots["L-SOON"], world.lots["L-LATE"]
    customer, stage, bin_ = world.virtual(LocationKind.CUSTOMER), world.loc["STAGE"], world.loc["A-01-01-1"]
    orders = [dict(channel="site", channel_order_id=f"B-{n}", payload_hash="x" * 64, status="shipped",
                   payment_status="paid", customer_name=f"Cliente {n}", customer_document=f"{n:011d}",
                   ship_street="Av. Paulista", ship_number=str(n), ship_city="São Paulo", ship_state="SP",
                   ship_cep="01310100", tracking_code=f"AA{n:08d}9BR", on_hold=False, priority=0,
                   min_shelf_life_days=0) for n in range(2 * ORDERS)]
    db.session.execute(insert(Order), orders)
    ids = list(db.session.scalars(select(Order.id).order_by(Order.id)))
    moves = []
    for index, order_id in enumerate(ids):
        lot = traced if index % 2 == 0 else other
        document = f"ORDER-{order_id}"
        for source, target, reason in ((bin_, stage, "pick"), (stage, stage, "stage"), (stage, customer, "ship")):
            moves.append(dict(product_id=med.id, lot_id=lot.id, from_location_id=source.id,
                              to_location_id=target.id, quantity=1 + index % 3, reason=reason, document=document))
    for start in range(0, len(moves), 10_000):
        db.session.execute(insert(Move), moves[start:start + 10_000])
    db.session.commit()
    analyze()
    return traced.id


def timed(fn, *, fresh_session: bool = True) -> list[float]:
    runs = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - start) * 1000)
        if fresh_session:
            db.session.remove()
    return runs


def report(name: str, runs: list[float]) -> None:
    runs = sorted(runs)
    print(f"| {name} | {statistics.median(runs):.0f} | {runs[-1]:.0f} |")


def main() -> None:
    app, database = fresh_app()
    with app.app_context():
        lot_id = load()
        found = trace.trace(lot_id)
        assert len(found.recipients) == ORDERS, len(found.recipients)
        print(f"{database}: lot shipped to {len(found.recipients)} orders, {found.shipped_units} units")
        print("| what (ms) | median | max |\n|---|---:|---:|")
        report("trace(lot): receipts, stock, 10,000 recipients, returns",
               timed(lambda: trace.trace(lot_id)))
        report("trace + distribution map CSV", timed(lambda: trace.distribution_csv(trace.trace(lot_id))))
    from wms.auth import services as auth

    with app.app_context():
        auth.create_user("bench", role="supervisor", password="bench", locale="en")
        db.session.commit()
    client = app.test_client()
    client.post("/login", data={"username": "bench", "password": "bench"})

    def page():
        response = client.get(f"/desk/recalls/lot/{lot_id}")
        assert response.status_code == 200

    report("desk trace page (GET, first 500 rows shown)", timed(page, fresh_session=False))


if __name__ == "__main__":
    main()
