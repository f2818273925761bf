"""Batch allocation (wms.picking.batch_allocation): the same FEFO choices as allocating order by order, in a number
of SQL statements that does not grow with the number of orders, and no oversell when two batches race for the
same stock on PostgreSQL."""
import threading

import pytest
from sqlalchemy import func, select, update

from tests.picking_helpers import books_are_right, stocked_world, take
from tests.statements import statements_while
from wms.extensions import db
from wms.inventory.models import StockItem
from wms.orders import services as orders
from wms.orders.models import Order, OrderLine, OrderStatus
from wms.picking import allocation, batch_allocation
from wms.picking.models import Reservation


def _mixed_orders(n: int, start: int = 0) -> list[int]:
    """n orders awaiting payment, then paid in bulk (released, not yet allocated): MED and BOTTLE lines, some from
    the marketplace (MED needs 200 days there, so only L-LATE), some customers asking 60 days."""
    ids = []
    for i in range(start, start + n):
        lines = [("MED", 5 + i % 7)] + ([("BOTTLE", 3 + i % 5)] if i % 3 else [])
        extra = {"min_shelf_life_days": 60} if i % 5 == 4 else {}
        ids.append(take(lines, channel="marketplace" if i % 4 == 1 else "site", payment_status="pending", **extra))
    db.session.execute(update(Order).where(Order.id.in_(ids)).values(status=OrderStatus.RELEASED.value))
    db.session.commit()
    return ids


def _reservations(ids: list[int]) -> list[list[tuple]]:
    """Per order (in the given order): its reservations as (sku, bin, lot, units), sorted; and its status."""
    out = []
    for order_id in ids:
        rows = db.session.scalars(select(Reservation).join(OrderLine).where(OrderLine.order_id == order_id)).all()
        out.append((db.session.get(Order, order_id).status,
                    sorted((r.order_line.product.sku, r.location.code, r.lot.code if r.lot else None, r.quantity)
                           for r in rows)))
    return out


def test_a_batch_reserves_exactly_what_allocating_order_by_order_reserves(ctx):
    stocked_world()
    orders.set_channel_rule("marketplace", "medicine", 200, user_id=None)
    first = _mixed_orders(16)
    for order_id in first:
        allocation.allocate_order(order_id)
    one_by_one = _reservations(first)
    db.session.remove()
    for order_id in first:
        orders.cancel(order_id)
    assert db.session.scalar(select(func.count()).select_from(Reservation)) == 0

    second = _mixed_orders(16)
    result = batch_allocation.allocate_orders(second, batch_size=5)
    db.session.remove()
    in_batches = _reservations(second)

    assert in_batches == one_by_one
    # Demand is more than there is: some BOTTLE units stay back-ordered, and every status says so.
    assert {status for status, _rows in in_batches} >= {"allocated", "partially_allocated"}
    assert result["units"] == db.session.scalar(select(func.sum(StockItem.reserved)))
    assert books_are_right()


def test_a_batch_takes_the_same_number_of_statements_for_2_or_20_orders(ctx):
    stocked_world()
    small, large = _mixed_orders(2), _mixed_orders(20, start=2)
    db.session.remove()
    few = len(statements_while(lambda: batch_allocation.allocate_orders(small)))
    db.session.remove()
    many = len(statements_while(lambda: batch_allocation.allocate_orders(large)))
    # Audit lines are one INSERT per flush; the orders' new statuses one UPDATE (executemany) per flush.
    assert many == few, (few, many)
    assert books_are_right()


def test_two_batches_racing_for_the_same_stock_never_reserve_more_than_there_is(app, is_postgres):
    if not is_postgres:
        pytest.skip("SQLite serialises every writer (one write lock): the race needs PostgreSQL row locks")
    with app.app_context():
        stocked_world()
        ids = _mixed_orders(40)
        on_hand = db.session.scalar(select(func.sum(StockItem.quantity)).where(StockItem.location_id.is_not(None)))
        db.session.remove()
    halves = [ids[0::2], ids[1::2]]
    barrier = threading.Barrier(2)
    outcomes: list = [None, None]

    def run(i):
        with app.app_context():
            try:
                barrier.wait()
                outcomes[i] = batch_allocation.allocate_orders(halves[i], batch_size=7)
            except Exception as exc:  # noqa: BLE001  reported by the assertion below
                db.session.rollback()
                outcomes[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    with app.app_context():
        med_free = db.session.scalar(select(func.sum(StockItem.quantity - StockItem.reserved))
                                     .join(StockItem.product).where(StockItem.product.has(sku="BOTTLE")))
        assert med_free == 0  # BOTTLE is short: all of it went, and not a unit more
        assert all(0 <= i.reserved <= i.quantity for i in db.session.scalars(select(StockItem)))
        reserved = db.session.scalar(select(func.sum(StockItem.reserved)))
        assert reserved == db.session.scalar(select(func.sum(OrderLine.allocated)))
        assert reserved == outcomes[0]["units"] + outcomes[1]["units"] <= on_hand
        assert books_are_right()


def test_items_taken_between_the_unlocked_read_and_the_lock_are_chosen_again(ctx, is_postgres, monkeypatch):
    """PostgreSQL reads the candidates without locks, then locks only the chosen items: when another transaction
    took them in between, the batch chooses again over locked candidates and never reserves units that are gone."""
    if not is_postgres:
        pytest.skip("SQLite reads the candidates under its one write lock: there is no unlocked read")
    stocked_world()
    ids = _mixed_orders(6)
    db.session.remove()
    original = batch_allocation._still_free
    stolen: dict[int, int] = {}

    def someone_takes_one_first(product_ids, wanted):
        with db.engine.begin() as other:  # another connection, committed before the lock
            for item_id in sorted(wanted)[:1]:
                stolen[item_id] = other.execute(
                    update(StockItem).where(StockItem.id == item_id)
                    .values(reserved=StockItem.quantity).returning(StockItem.quantity - StockItem.reserved)
                ).scalar_one()
        return original(product_ids, wanted)

    monkeypatch.setattr(batch_allocation, "_still_free", someone_takes_one_first)
    result = batch_allocation.allocate_orders(ids)
    db.session.remove()
    assert stolen, "the optimistic path ran"
    taken = db.session.scalar(select(func.count()).select_from(Reservation)
                              .where(Reservation.stock_item_id.in_(list(stolen))))
    assert taken == 0  # nothing reserved on the items that were gone
    assert all(0 <= i.reserved <= i.quantity for i in db.session.scalars(select(StockItem)))
    booked = db.session.scalar(select(func.sum(OrderLine.allocated)).where(OrderLine.order_id.in_(ids)))
    assert result["units"] == booked > 0  # the rest of the stock was chosen instead
