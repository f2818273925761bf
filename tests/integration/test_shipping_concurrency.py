"""Tracking numbers under concurrent packing: 20 packers closing boxes at the same instant take 20 distinct
numbers from one range; a range that runs out refuses the rest with a clear message and issues nothing twice.

On PostgreSQL the range row is locked (SELECT ... FOR UPDATE) until the box's transaction commits; on SQLite
every writer holds the database's write lock. Both run here with real threads."""
from sqlalchemy import select

from tests.concurrency import at_once
from tests.picking_helpers import take
from tests.shipping_helpers import shipping_world
from wms import brazil
from wms.extensions import db
from wms.picking import picks, waves
from wms.shipping import boxes, carriers, packing
from wms.shipping.models import Carrier, Package, TrackingRange

THREADS = 20


def _twenty_boxes_ready(app, tmp_path, range_size: int) -> list[int]:
    """20 orders of one BOTTLE by the service TEST (a range of `range_size` numbers), each scanned into its box."""
    from tests.factories import BOTTLE_GTIN

    with app.app_context():
        shipping_world(tmp_path)
        correios = db.session.scalar(select(Carrier).where(Carrier.code == "correios"))
        service = carriers.save_service(correios.id, code="04000", name="TEST")
        carriers.import_range(service.id, prefix="TS", first=47312470, last=47312470 + range_size - 1)
        db.session.commit()
        ids = [take([("BOTTLE", 1)], service_level="TEST") for _ in range(THREADS)]
        wave = waves.build_wave(order_ids=ids, max_orders=THREADS, user_id=None)
        for slot in range(1, THREADS + 1):
            picks.bind_tote(wave.id, f"TOTE-{slot}", user_id=None)
        while (task := waves.next_task(wave.id)) is not None:
            picks.confirm_pick(task.id, quantity=task.quantity, lot_id=task.lot_id,
                                 tote_code=task.wave_order.tote.code, user_id=None)
        picks.finish_wave(wave.id, "STAGE", user_id=None)
        for order_id in ids:
            packing.pack_unit(order_id, BOTTLE_GTIN, station_code="PACK", user_id=None)
        db.session.commit()
        db.session.remove()
    return ids


def _close(order_id: int) -> str:
    """Close the order's box (1.35 kg): its tracking code."""
    return boxes.close_box(order_id, 1100 + 250, user_id=None)["tracking_code"]


def test_twenty_packers_closing_boxes_at_once_take_twenty_distinct_numbers(app, tmp_path):
    ids = _twenty_boxes_ready(app, tmp_path, range_size=100)
    outcomes = at_once(THREADS, lambda i: _close(ids[i]), app=app)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert len(set(outcomes)) == THREADS
    assert all(code.startswith("TS") and brazil.is_valid_tracking_code(code) for code in outcomes)
    assert sorted(int(code[2:10]) for code in outcomes) == list(range(47312470, 47312490))
    with app.app_context():
        found = db.session.scalar(select(TrackingRange).where(TrackingRange.prefix == "TS"))
        assert found.next_serial == 47312490 and found.left == 80
        stored = db.session.scalars(select(Package.tracking_code).where(Package.tracking_code.like("TS%"))).all()
        assert sorted(stored) == sorted(outcomes)


def test_a_range_that_runs_out_refuses_the_rest_and_issues_nothing_twice(app, tmp_path):
    ids = _twenty_boxes_ready(app, tmp_path, range_size=15)
    outcomes = at_once(THREADS, lambda i: _close(ids[i]), app=app)
    codes = [o for o in outcomes if isinstance(o, str)]
    refused = [o for o in outcomes if isinstance(o, Exception)]
    assert len(codes) == 15 and len(set(codes)) == 15
    assert len(refused) == 5
    assert all("have run out: import a new range" in str(exc) for exc in refused), refused
    with app.app_context():
        found = db.session.scalar(select(TrackingRange).where(TrackingRange.prefix == "TS"))
        assert found.left == 0
        assert db.session.scalar(select(Package).where(Package.tracking_code.is_(None),
                                                       Package.status == "closed")) is None
        assert len(carriers.ranges_running_out()) >= 1
