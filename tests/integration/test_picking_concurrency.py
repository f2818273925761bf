"""Reservations are real: many orders allocating the last units of a SKU at once never hold more than there is.

On PostgreSQL the candidate stock items are row-locked (SELECT ... FOR UPDATE OF stock_items, in id order);
on SQLite every transaction holds the write lock from BEGIN IMMEDIATE. Both run here with real threads."""
from sqlalchemy import func, select

from tests.concurrency import at_once
from tests.factories import build_world, receive
from tests.picking_helpers import books_are_right, payload
from wms.extensions import db
from wms.inventory.models import StockItem
from wms.orders import services as orders
from wms.orders.models import Order, OrderLine
from wms.picking import reservations

THREADS = 50


def test_fifty_orders_allocating_the_last_units_reserve_exactly_what_is_there(app):
    with app.app_context():
        world = build_world()
        # 20 units of the SKU, in three bins (two lots of MED would do as well: one product is enough)
        receive(world, "BOTTLE", "A-01-04-1", 7)
        receive(world, "BOTTLE", "A-02-02-2", 6)
        receive(world, "BOTTLE", "A-01-05-2", 7)
        ids = [orders.take_order(payload([("BOTTLE", i % 3 + 1)], payment_status="pending"))[0].id
               for i in range(THREADS)]
        demanded = sum(i % 3 + 1 for i in range(THREADS))
        db.session.remove()

    outcomes = at_once(THREADS, lambda i: orders.release(ids[i]).status, app=app)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    with app.app_context():
        reserved = db.session.scalar(select(func.sum(StockItem.reserved)))
        allocated = db.session.scalar(select(func.sum(OrderLine.allocated)))
        backordered = db.session.scalar(select(func.sum(OrderLine.quantity - OrderLine.allocated)))
        assert reserved == allocated == 20
        assert backordered == demanded - 20
        assert all(i.reserved <= i.quantity for i in db.session.scalars(select(StockItem)))
        statuses = db.session.scalars(select(Order.status)).all()
        assert set(statuses) <= {"allocated", "partially_allocated", "backordered"}
        assert books_are_right()


def test_the_same_channel_order_sent_by_many_requests_at_once_is_one_order(app):
    with app.app_context():
        world = build_world()
        receive(world, "BOTTLE", "A-01-04-1", 10)
        data = payload([("BOTTLE", 2)], channel_order_id="MLB-RACE")
        db.session.remove()

    outcomes = at_once(THREADS, lambda i: orders.take_order(dict(data))[0].id, app=app)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert len(set(outcomes)) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Order)) == 1
        assert db.session.scalar(select(func.sum(StockItem.reserved))) == 2
        assert reservations.reservation_mismatches() == []
