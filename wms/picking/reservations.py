"""Reservations when the stock under them changes its mind: a lot that may no longer be sold gives back its
reservations (handler of `LotBecameUnavailable`, inside the transaction that withdrew the lot), and the check that
the reservation books add up."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from .. import audit
from ..catalog.models import Lot
from ..extensions import db
from ..formatting import lazy_number
from ..inventory import services as inventory
from ..inventory.models import StockItem
from ..messages import LotBecameUnavailable
from ..orders import status as order_status
from ..orders.models import FINAL_STATUSES, Order, OrderLine
from . import allocation
from .models import Reservation, WaveOrder


def on_lot_unavailable(event: LotBecameUnavailable) -> None:
    """Handles LotBecameUnavailable inside the transaction that quarantines, blocks or recalls a lot, release every
    reservation on it (cancelling their open pick tasks) and allocate those lines again from other lots; and
    hold every order that already has units of the lot in its tote, so they are taken out before packing."""
    lot = db.session.get(Lot, event.lot_id)
    _hold_orders_with_picked_units(lot)
    reservations = list(db.session.scalars(select(Reservation).where(Reservation.lot_id == lot.id)))
    if not reservations:
        return
    order_ids = {r.order_line.order_id for r in reservations}
    orders = order_status.lock_orders(order_ids)
    reservations = list(db.session.scalars(select(Reservation).where(Reservation.lot_id == lot.id)
                                           .order_by(Reservation.id)))
    items = inventory.lock_items(r.stock_item.key for r in reservations)
    for reservation in reservations:
        allocation.cancel_open_tasks(reservation)
        allocation.release(reservation, reservation.quantity, items[reservation.stock_item.key])
    db.session.flush()
    for order in orders:
        allocation.allocate_in_transaction(order, user_id=None)
        audit.record("order.lot_unavailable", order, lot=lot.code, status=lot.status)


def _hold_orders_with_picked_units(lot: Lot) -> None:
    """Units of the lot already on a tote belong to an order that must not be packed as it is (RDC 430/2020:
    recalled or suspect stock never reaches a customer): put that order on hold, saying what to take out."""
    rows = db.session.execute(
        select(StockItem, WaveOrder)
        .join(WaveOrder, WaveOrder.tote_lpn_id == StockItem.lpn_id)
        .join(Order, Order.id == WaveOrder.order_id)
        .where(StockItem.lot_id == lot.id, StockItem.quantity > 0,
               Order.status.not_in([s.value for s in FINAL_STATUSES]))
        .order_by(WaveOrder.id)
    ).all()
    for item, wave_order in rows:
        order = wave_order.order
        reason = str(_l("Lot %(lot)s is %(status)s: take %(qty)s × %(sku)s out of tote %(tote)s.",
                        lot=lot.code, status=lot.status, qty=lazy_number(item.quantity), sku=item.product.sku,
                        tote=item.lpn.code))
        order_status.hold(order, reason[:200], lot=lot.code, tote=item.lpn.code)  # composed here, not typed


def reservation_mismatches() -> list[dict]:
    """Stock items whose `reserved` differs from the sum of their reservations, and order lines whose
    `allocated` differs from theirs (empty when the books are right): two SQL comparisons that return only the
    rows that disagree."""
    by_item = (select(Reservation.stock_item_id.label("id"), func.sum(Reservation.quantity).label("total"))
               .group_by(Reservation.stock_item_id).subquery())
    item_total = func.coalesce(by_item.c.total, 0)
    problems = [{"stock_item": item_id, "reserved": reserved, "reservations": int(total)}
                for item_id, reserved, total in db.session.execute(
                    select(StockItem.id, StockItem.reserved, item_total)
                    .outerjoin(by_item, by_item.c.id == StockItem.id)
                    .where(StockItem.reserved != item_total).order_by(StockItem.id))]
    by_line = (select(Reservation.order_line_id.label("id"), func.sum(Reservation.quantity).label("total"))
               .group_by(Reservation.order_line_id).subquery())
    line_total = func.coalesce(by_line.c.total, 0)
    problems += [{"order_line": line_id, "allocated": allocated, "reservations": int(total)}
                 for line_id, allocated, total in db.session.execute(
                     select(OrderLine.id, OrderLine.allocated, line_total)
                     .outerjoin(by_line, by_line.c.id == OrderLine.id)
                     .where(OrderLine.allocated != line_total).order_by(OrderLine.id))]
    return problems
