"""Back-orders get their stock as soon as it can be picked: put away into a picking bin, or its lot released."""
from tests.factories import build_world, receive
from tests.picking_helpers import books_are_right, take
from wms.extensions import db
from wms.inventory import services as inventory
from wms.orders.models import Order


def _status(order_id):
    db.session.expire_all()
    return db.session.get(Order, order_id).status


def test_put_away_into_a_pick_face_allocates_the_back_order(ctx):
    world = build_world()
    order_id = take([("BOTTLE", 5)])
    assert _status(order_id) == "backordered"
    receive(world, "BOTTLE", "DOCK", 12)  # at the dock: not pickable yet
    assert _status(order_id) == "backordered"
    inventory.move_stock(product_id=world.products["BOTTLE"].id, lot_id=None, source_id=world.loc["DOCK"].id,
                         target_id=world.loc["A-01-04-1"].id, quantity=12, user_id=None)
    assert _status(order_id) == "allocated"
    assert books_are_right()


def test_releasing_a_lot_allocates_the_back_order(ctx):
    world = build_world()
    receive(world, "MED", "A-01-01-1", 10, "L-LATE")
    inventory.change_lot_status(world.lots["L-LATE"].id, "quarantine", reason="QA sample", user_id=None)
    order_id = take([("MED", 4)])
    assert _status(order_id) == "backordered"
    inventory.change_lot_status(world.lots["L-LATE"].id, "released", reason="QA passed", user_id=None)
    assert _status(order_id) == "allocated"
    assert books_are_right()
