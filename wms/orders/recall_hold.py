"""Holding an order because goods in it were recalled: the one way the recall area changes an order.

Unlike `services.hold` it holds picked and packed orders too (their totes or boxes must be opened), and only
refuses orders that have left (shipped) or are cancelled.
"""
from .. import audit, sql
from .models import Order, OrderStatus


def hold_for_recall(order_id: int, reason: str, *, user_id: int | None) -> bool:
    """Hold the order with what to take out (in the caller's transaction); False when it is gone already."""
    # Afresh: an order the session holds from earlier in the recall may have been shipped or cancelled since.
    order = sql.locked(Order, order_id)
    if order is None or order.status in (OrderStatus.SHIPPED, OrderStatus.CANCELLED):
        return False
    order.on_hold = True
    order.hold_reason = reason[:200]
    audit.record("order.hold", order, user_id=user_id, reason=reason, recall=True)
    return True
