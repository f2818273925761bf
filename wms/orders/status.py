"""Where an order stands: the orders area is the only one that locks orders, sets their status or holds them.
Other areas (picking) ask through these functions, inside their own use case's transaction.

Locking order, always: the order rows (by id) and their lines first, then whatever the caller locks next (pick
tasks, stock items), so two transactions never wait on each other in a circle.
"""
from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value

from .. import audit
from ..catalog.models import Product
from ..errors import NotFound
from ..extensions import db
from ..sql import rows_by_id
from .models import Order, OrderLine, OrderStatus

# Statuses an order keeps whatever its lines say: waiting for the channel, or out of picking's hands.
SETTLED = (OrderStatus.AWAITING_PAYMENT, OrderStatus.CANCELLED, OrderStatus.PACKED, OrderStatus.SHIPPED)


def lock_orders(order_ids: Iterable[int]) -> list[Order]:
    """Lock orders and their lines (in id order) and read them fresh. The lines' products are read too, those the
    session does not hold already (a product is not locked: reading it again would change nothing)."""
    ids = sorted(set(order_ids))
    if not ids:
        return []
    orders = list(db.session.scalars(select(Order).where(Order.id.in_(ids)).order_by(Order.id).with_for_update()
                                     .execution_options(populate_existing=True)))
    lines = list(db.session.scalars(select(OrderLine).where(OrderLine.order_id.in_(ids)).order_by(OrderLine.id)
                                    .with_for_update().execution_options(populate_existing=True)))
    products = rows_by_id(Product, {line.product_id for line in lines})
    for line in lines:
        set_committed_value(line, "product", products.get(line.product_id))
    for order in orders:  # the lines just read are each order's lines: `order.lines` needs no second read
        set_committed_value(order, "lines", sorted((line for line in lines if line.order_id == order.id),
                                                   key=lambda line: line.line_no))
    return orders


def lock_order(order_id: int) -> Order:
    orders = lock_orders([order_id])
    if not orders:
        raise NotFound(_l("Order not found."))
    return orders[0]


def refresh_status(order: Order, *, in_wave: bool | None = None) -> str:
    """Set an open order's status from its lines (awaiting payment, cancelled, packed or shipped stay).
    `in_wave`: whether the order is in an active wave, when the caller knows it already (else picking is
    asked)."""
    if order.status in SETTLED:
        return order.status
    from ..picking import rules as picking_rules

    if in_wave is None:
        from ..picking.waves import in_active_wave

        in_wave = in_active_wave(order.id) is not None
    lines = [picking_rules.LineState(line.quantity, line.allocated, line.picked) for line in order.lines]
    order.status = picking_rules.order_status(lines, picking=in_wave)
    return order.status


def start_picking(order: Order) -> None:
    """The order (locked by the caller) went into a wave."""
    order.status = OrderStatus.PICKING.value


def hold(order: Order, reason: str, *, user_id: int | None = None, **details) -> None:
    """Keep a locked order out of waves and packing until a person lifts the hold, saying why."""
    order.on_hold = True
    order.hold_reason = reason
    audit.record("order.hold", order, user_id=user_id, reason=reason, **details)


def unhold(order: Order, *, user_id: int | None) -> None:
    if order.on_hold:
        order.on_hold = False
        order.hold_reason = None
        audit.record("order.unhold", order, user_id=user_id)
