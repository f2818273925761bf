"""Back-orders: open orders that still miss stock get it when it comes (by the supervisor's button, or after
the commit that made stock of their products available: handler of `StockBecameAvailable`)."""
from collections.abc import Iterable

from sqlalchemy import func, select

from ..extensions import db
from ..messages import StockBecameAvailable
from ..orders.models import Order, OrderLine, OrderStatus
from ..uow import use_case
from . import batch_allocation


@use_case
def allocate_backorders(*, user_id: int | None, limit: int = 500,
                        product_ids: Iterable[int] | None = None) -> dict:
    """Try again for open orders that still miss stock (of these products, when given), most urgent first,
    all in one unit of work (`batch_allocation`: a few statements per batch of orders, each batch in a
    SAVEPOINT of it)."""
    criteria = [Order.status.in_([OrderStatus.RELEASED.value, OrderStatus.BACKORDERED.value,
                                  OrderStatus.PARTIALLY_ALLOCATED.value]),
                OrderLine.quantity > OrderLine.allocated + OrderLine.picked]
    if product_ids is not None:
        criteria.append(OrderLine.product_id.in_(list(product_ids)))
    ids = list(db.session.scalars(
        select(Order.id).join(OrderLine)
        .where(*criteria)
        .group_by(Order.id, Order.promised_ship_date, Order.priority, Order.created_at)
        .order_by(Order.promised_ship_date.is_(None), Order.promised_ship_date, Order.priority.desc(),
                  Order.created_at, Order.id)
        .limit(limit)))
    if not ids:
        return {"orders": 0, "improved": 0}
    before = _allocated(ids)
    batch_allocation.allocate_orders(ids, user_id=user_id)
    after = _allocated(ids)
    return {"orders": len(ids), "improved": sum(after[i] > before[i] for i in ids)}


def _allocated(order_ids: list[int]) -> dict[int, int]:
    return dict(db.session.execute(select(OrderLine.order_id, func.sum(OrderLine.allocated))
                                   .where(OrderLine.order_id.in_(order_ids)).group_by(OrderLine.order_id)).all())


def on_stock_available(event: StockBecameAvailable) -> None:
    """Stock of these products was put where it can be picked, or its lot released: back-orders get it now,
    the most urgent first, instead of waiting for a supervisor's button (after the commit that put it)."""
    allocate_backorders(user_id=event.user_id, product_ids=set(event.product_ids), limit=50)
