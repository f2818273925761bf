"""The order's last two steps, set by the shipping area through these functions only: packed, shipped (and back
to picked when a supervisor unpacks it). The caller holds the order's lock and its unit of work."""
from flask_babel import lazy_gettext as _l

from .. import audit
from ..errors import Conflict
from .models import Order, OrderStatus


def mark_packed(order: Order, *, user_id: int | None) -> None:
    if order.status == OrderStatus.PACKED:
        return
    if order.status != OrderStatus.PICKED:
        raise Conflict(_l("Order %(order)s is %(status)s, not picked: it cannot be packed.", order=order.id,
                          status=order.status))
    order.status = OrderStatus.PACKED.value
    audit.record("order.packed", order, user_id=user_id)


def mark_unpacked(order: Order, *, user_id: int | None) -> None:
    """A box was opened again: the order waits at packing as a picked order."""
    if order.status == OrderStatus.SHIPPED:
        raise Conflict(_l("Order %(order)s has shipped: it cannot be unpacked.", order=order.id))
    if order.status == OrderStatus.PACKED:
        order.status = OrderStatus.PICKED.value
        audit.record("order.unpacked", order, user_id=user_id)


def mark_shipped(order: Order, *, tracking_code: str | None, user_id: int | None) -> None:
    if order.status == OrderStatus.SHIPPED:
        return
    if order.status != OrderStatus.PACKED:
        raise Conflict(_l("Order %(order)s is %(status)s, not packed: it cannot ship.", order=order.id,
                          status=order.status))
    order.status = OrderStatus.SHIPPED.value
    if tracking_code:
        order.tracking_code = tracking_code[:40]
    audit.record("order.shipped", order, user_id=user_id, tracking_code=tracking_code)
