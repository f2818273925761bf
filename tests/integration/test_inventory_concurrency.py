"""Workers taking the last units of one bin at once: never more than is there.

On PostgreSQL the stock items are row-locked (SELECT ... FOR UPDATE); on SQLite every transaction takes the
write lock at BEGIN (BEGIN IMMEDIATE). Both are exercised here with real threads."""
from sqlalchemy import func, select

from tests.concurrency import at_once
from tests.factories import build_world, receive
from wms.extensions import db
from wms.inventory import services as inventory
from wms.inventory.models import Move


def _race(app, n_threads, work) -> list[str]:
    """`work(i)` in `n_threads` threads at once: "ok", or the name of the error a thread was refused with."""
    return ["ok" if not isinstance(outcome, Exception) else type(outcome).__name__
            for outcome in at_once(n_threads, work, app=app, timeout=60)]


def test_two_moves_of_the_last_units_cannot_both_succeed(app):
    with app.app_context():
        world = build_world()
        receive(world, "MED", "A-01-01-2", 10, "L-LATE")
        ids = dict(product_id=world.products["MED"].id, lot_id=world.lots["L-LATE"].id,
                   source_id=world.loc["A-01-01-2"].id)
        targets = [world.loc["A-01-01-1"].id, world.loc["A-02-01-1"].id]
        db.session.remove()

    outcomes = _race(app, 2, lambda i: inventory.move_stock(**ids, target_id=targets[i], quantity=10, user_id=None))
    assert sorted(outcomes) == ["DomainError", "ok"]
    with app.app_context():
        world_moves = db.session.scalar(select(func.count()).select_from(Move).where(Move.reason == "move"))
        assert world_moves == 1
        assert inventory.stock_mismatches() == []


def test_many_workers_draining_one_bin_never_go_negative(app):
    with app.app_context():
        world = build_world()
        receive(world, "BOTTLE", "A-01-01-2", 25)
        ids = dict(product_id=world.products["BOTTLE"].id, lot_id=None, source_id=world.loc["A-01-01-2"].id,
                   target_id=world.loc["A-01-01-1"].id)
        db.session.remove()

    outcomes = _race(app, 12, lambda i: inventory.move_stock(**ids, quantity=3, user_id=None))
    assert outcomes.count("ok") == 8  # 8 × 3 = 24 ≤ 25 < 27
    with app.app_context():
        assert inventory.stock_mismatches() == []
        from wms.inventory.models import StockItem

        quantities = sorted(i.quantity for i in db.session.scalars(select(StockItem)))
        assert quantities == [1, 24]


def test_plates_numbered_at_the_same_instant_get_different_codes(app):
    from wms.inventory.models import Lpn

    def make(_i):
        inventory.create_numbered_lpn()
        db.session.commit()

    outcomes = _race(app, 6, make)
    assert outcomes == ["ok"] * 6
    with app.app_context():
        codes = list(db.session.scalars(select(Lpn.code)))
        assert len(codes) == len(set(codes)) == 6
