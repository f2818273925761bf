"""Helpers for the returns and recall tests (no tests here): orders picked through the real services and
shipped as the shipping area records it (tote → customer, reason "ship", document ORDER-<id>)."""
from sqlalchemy import select

from tests.picking_helpers import take
from wms.extensions import db
from wms.inventory import services as inventory
from wms.inventory.models import Lpn, StockItem
from wms.locations import services as locations
from wms.locations.models import LocationKind
from wms.orders.models import Order, OrderStatus
from wms.picking import picks, waves
from wms.picking.models import Wave

_totes = iter(range(1, 10**9))


def pick(order_ids: list[int]) -> dict[int, Lpn]:
    """Pick the orders in one wave into totes and leave them in staging; {order id: tote}."""
    wave = waves.build_wave(order_ids=order_ids, max_orders=len(order_ids), user_id=None)
    for _ in order_ids:
        picks.bind_tote(wave.id, f"RT-{next(_totes)}", user_id=None)
    while (task := waves.next_task(wave.id)) is not None:
        picks.confirm_pick(task.id, quantity=task.quantity, lot_id=task.lot_id,
                             tote_code=task.wave_order.tote.code, user_id=None)
    picks.finish_wave(wave.id, "STAGE", user_id=None)
    wave = db.session.get(Wave, wave.id)
    return {wo.order_id: wo.tote for wo in wave.orders}


def ship(order_id: int, tote: Lpn) -> None:
    """What the shipping area does when the box leaves: every unit in the tote to the customer."""
    order = db.session.get(Order, order_id)
    items = inventory.lock_items_where(StockItem.lpn_id == tote.id, StockItem.quantity > 0)
    customer = locations.virtual_location(items[0].location.warehouse_id, LocationKind.CUSTOMER)
    for item in items:
        inventory.apply_move(product=item.product, lot=item.lot, source=item.location, target=customer,
                             quantity=item.quantity, reason="ship", user_id=None, document=f"ORDER-{order_id}",
                             from_lpn=tote)
    order.status = OrderStatus.SHIPPED.value
    order.tracking_code = f"AA{order_id:08d}9BR"
    db.session.commit()


def shipped_order(lines, **kwargs) -> int:
    order_id = take(lines, **kwargs)
    totes = pick([order_id])
    ship(order_id, totes[order_id])
    return order_id


def lot_moves(lot_id: int):
    from wms.inventory.models import Move

    return list(db.session.scalars(select(Move).where(Move.lot_id == lot_id).order_by(Move.id)))
