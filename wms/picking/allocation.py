"""Allocation: FEFO reservations of stock for order lines, and giving them back (an order cancelled, a lot
withdrawn, a pick confirmed), and putting an order's picked units back.

Reservations: `StockItem.reserved` is the sum of the reservations on the item, changed in the same transaction
as the reservation; `OrderLine.allocated` is the sum of the line's (`reservations.reservation_mismatches()`
proves both).

Locking, always in this order so two transactions never wait on each other in a circle: the order rows (by id,
through `wms.orders.status`), then pick tasks, then stock items (by id, `with_for_update`). On PostgreSQL these
are row locks; on SQLite every transaction holds the write lock from BEGIN (see wms.extensions).
"""
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select

from .. import audit, clock
from ..catalog.models import Lot, LotStatus
from ..errors import DomainError
from ..extensions import db
from ..inventory import services as inventory
from ..inventory.models import CountStatus, CountTask, Lpn, StockItem
from ..locations import layout
from ..locations import services as locations
from ..locations.models import Location, LocationKind, Warehouse
from ..orders import status as order_status
from ..orders.models import ChannelRule, Order, OrderLine, OrderStatus
from ..uow import use_case
from . import replenishment, rules, waves
from .models import TOTE, PickTask, PickTaskStatus, Reservation, WaveOrder

PICKABLE = (LocationKind.PICK_FACE.value, LocationKind.RESERVE.value)


def document(order: Order) -> str:
    return f"ORDER-{order.id}"


def channel_rules(channel: str) -> dict[str | None, int]:
    return {rule.category: rule.min_shelf_life_days
            for rule in db.session.scalars(select(ChannelRule).where(ChannelRule.channel == channel))}


def line_min_shelf_life(line: OrderLine, order: Order, by_channel: dict[str | None, int] | None = None) -> int:
    product = line.product
    return rules.strictest_shelf_life(product.min_shelf_life_days, by_channel if by_channel is not None
                                      else channel_rules(order.channel), product.category,
                                      order.min_shelf_life_days)


def reserve(line: OrderLine, item: StockItem, quantity: int,
             held: dict[tuple[int, int], Reservation] | None = None) -> Reservation:
    """Hold units of a locked stock item for a line (merged with the line's reservation on the same item;
    `held` is the lines' reservations by (line, item) when the caller has read them already)."""
    if held is not None:
        reservation = held.get((line.id, item.id))
    else:
        reservation = db.session.scalar(select(Reservation).where(Reservation.order_line_id == line.id,
                                                                  Reservation.stock_item_id == item.id))
    if reservation is None:
        reservation = Reservation(order_line_id=line.id, stock_item_id=item.id, lot_id=item.lot_id,
                                  location_id=item.location_id, quantity=0)
        db.session.add(reservation)
        if held is not None:
            held[(line.id, item.id)] = reservation
    reservation.quantity += quantity
    item.reserved += quantity
    line.allocated += quantity
    return reservation


def release(reservation: Reservation, quantity: int, item: StockItem) -> None:
    """Give back reserved units (the item is locked by the caller). An emptied reservation is deleted."""
    if not 0 < quantity <= reservation.quantity:
        raise ValueError("release more than reserved")
    line = reservation.order_line
    if quantity == reservation.quantity:
        # Its tasks let go of it (the flush writes that before it deletes the reservation).
        for task in db.session.scalars(select(PickTask).where(PickTask.reservation_id == reservation.id)):
            task.reservation = None
    reservation.quantity -= quantity
    item.reserved -= quantity
    line.allocated -= quantity
    if reservation.quantity == 0:
        db.session.delete(reservation)


def _lock_candidates(product_ids: list[int]) -> list[tuple]:
    """Lock every stock item allocation may take for these products, in id order, with what the rule needs:
    (item, location kind, aisle, bay, warehouse id, lot status, expiry). Only free units in usable places:
    pick faces and reserve in use and not blocked, released unexpired lots, no stock on a tote, and no bin whose
    short pick is waiting for a count (its books are in doubt)."""
    today = clock.today()
    in_doubt = select(CountTask.location_id).where(CountTask.status == CountStatus.OPEN.value,
                                                   CountTask.reason == "short_pick")
    statement = (
        select(StockItem, Location.kind, Location.aisle, Location.bay, Location.warehouse_id, Lot.status,
               Lot.expires_on)
        .join(Location, StockItem.location_id == Location.id)
        .outerjoin(Lot, StockItem.lot_id == Lot.id)
        .outerjoin(Lpn, StockItem.lpn_id == Lpn.id)
        .where(
            StockItem.product_id.in_(product_ids),
            StockItem.quantity > StockItem.reserved,
            Location.kind.in_(PICKABLE), Location.active.is_(True), Location.blocked.is_(False),
            Location.id.not_in(in_doubt),
            or_(StockItem.lot_id.is_(None),
                and_(Lot.status == LotStatus.RELEASED.value, or_(Lot.expires_on.is_(None), Lot.expires_on >= today))),
            or_(StockItem.lpn_id.is_(None), Lpn.kind != TOTE),
        )
        .order_by(StockItem.id)
        .with_for_update(of=StockItem)
        .execution_options(populate_existing=True)
    )
    return list(db.session.execute(statement))


def allocate_lines(order: Order, lines: list[OrderLine], *, exclude_location_ids: Iterable[int] = ()
                   ) -> list[Reservation]:
    """Reserve stock for what the lines still need, in the caller's transaction (the order is locked by the
    caller). What cannot be covered stays back-ordered."""
    wanted = [line for line in lines if line.outstanding > 0]
    if not wanted:
        return []
    excluded = set(exclude_location_ids)
    rows = _lock_candidates(sorted({line.product_id for line in wanted}))
    warehouses: dict[int, Warehouse] = {}
    by_product: dict[int, list[tuple[StockItem, rules.Candidate]]] = defaultdict(list)
    for item, kind, aisle, bay, warehouse_id, lot_status, expires_on in rows:
        if item.location_id in excluded:
            continue
        warehouse = warehouses.get(warehouse_id) or warehouses.setdefault(
            warehouse_id, db.session.get(Warehouse, warehouse_id))
        by_product[item.product_id].append((item, rules.Candidate(
            item_id=item.id, free=0, lot_id=item.lot_id, lot_status=lot_status, expires_on=expires_on,
            pick_face=kind == LocationKind.PICK_FACE.value, distance=layout.depot_metres(warehouse, aisle, bay))))
    today = clock.today()
    by_channel = channel_rules(order.channel)
    held = {(r.order_line_id, r.stock_item_id): r for r in db.session.scalars(
        select(Reservation).where(Reservation.order_line_id.in_([line.id for line in wanted])))}
    made: list[Reservation] = []
    for line in wanted:
        pool = by_product.get(line.product_id, [])
        items = {item.id: item for item, _c in pool}
        # Free units are read now: earlier lines of this order may have taken some.
        candidates = [_with_free(c, items[c.item_id]) for _i, c in pool]
        takes, _short = rules.allocate(line.outstanding, candidates, today, line_min_shelf_life(line, order, by_channel))
        for take in takes:
            made.append(reserve(line, items[take.item_id], take.quantity, held))
    return made


def _with_free(candidate: rules.Candidate, item: StockItem) -> rules.Candidate:
    return replace(candidate, free=item.quantity - item.reserved)


def allocate_in_transaction(order: Order, *, user_id: int | None) -> int:
    """Allocate an open order (locked by the caller) and queue any replenishment; returns units reserved."""
    if order.status not in (OrderStatus.RELEASED, OrderStatus.ALLOCATED, OrderStatus.PARTIALLY_ALLOCATED,
                            OrderStatus.BACKORDERED, OrderStatus.PICKING):
        return 0
    made = allocate_lines(order, list(order.lines))
    reserved = sum(r.quantity for r in made)  # merged reservations may count earlier units: only a summary
    wave_order = waves.in_active_wave(order.id) if order.status != OrderStatus.RELEASED else None
    waves.add_tasks_for_active_wave(order, made, wave_order)
    order_status.refresh_status(order, in_wave=wave_order is not None)
    db.session.flush()
    replenishment.replenish_faces({r.location_id for r in made}, user_id=user_id)
    if made:
        audit.record("order.allocate", order, user_id=user_id, reservations=len(made),
                     backordered=sum(line.outstanding for line in order.lines))
    return reserved


@use_case
def allocate_order(order_id: int, *, user_id: int | None = None) -> dict:
    """Allocate what an order still needs (one use case: it joins the caller's unit of work)."""
    order = order_status.lock_order(order_id)
    allocate_in_transaction(order, user_id=user_id)
    result = {"order_id": order.id, "status": order.status,
              "allocated": sum(line.allocated for line in order.lines),
              "backordered": sum(line.outstanding for line in order.lines)}
    return result


def release_order_reservations(order: Order, *, user_id: int | None) -> int:
    """Give back everything an order holds (the order is locked by the caller); cancels its open pick tasks."""
    reservations = list(db.session.scalars(
        select(Reservation).join(OrderLine).where(OrderLine.order_id == order.id).order_by(Reservation.id)))
    if not reservations:
        return 0
    items = inventory.lock_items(r.stock_item.key for r in reservations)
    released = 0
    for reservation in reservations:
        cancel_open_tasks(reservation)
        released += reservation.quantity
        release(reservation, reservation.quantity, items[reservation.stock_item.key])
    audit.record("order.unreserve", order, user_id=user_id, units=released)
    return released


def cancel_open_tasks(reservation: Reservation) -> None:
    for task in db.session.scalars(select(PickTask).where(PickTask.reservation_id == reservation.id,
                                                          PickTask.status == PickTaskStatus.OPEN.value)):
        task.status = PickTaskStatus.CANCELLED.value


def undo_picks(order: Order, *, user_id: int | None) -> list[dict]:
    """Put an order's picked units back (the order is locked by the caller), by ledger moves from its totes:
    to the bin each unit was picked from when that bin still takes them (in use, not blocked, lot still
    sellable there, room and mixing rules), otherwise to the returns location for a person to look at."""
    wave_orders = list(db.session.scalars(select(WaveOrder).where(WaveOrder.order_id == order.id,
                                                                  WaveOrder.tote_lpn_id.is_not(None))))
    done = list(db.session.scalars(select(PickTask).join(OrderLine).where(
        OrderLine.order_id == order.id, PickTask.status == PickTaskStatus.DONE.value, PickTask.picked > 0)
        .order_by(PickTask.id)))
    budget = {task.id: task.picked for task in done}  # units of each pick not put back yet
    returned = []
    returns = None
    for wave_order in wave_orders:
        tote = wave_order.tote
        for item in inventory.lock_items_where(StockItem.lpn_id == tote.id, StockItem.quantity > 0):
            left = item.quantity
            for task in done:
                if not left or not budget[task.id] or (task.product_id, task.lot_id) != (item.product_id,
                                                                                          item.lot_id):
                    continue
                quantity = min(left, budget[task.id])
                target = task.location
                try:
                    inventory.check_destination(target, item.product, item.lot, quantity)
                except DomainError:
                    continue
                inventory.apply_move(product=item.product, lot=item.lot, source=item.location, target=target,
                                     quantity=quantity, reason="unpick", user_id=user_id, document=document(order),
                                     from_lpn=tote, check_target=False)
                returned.append({"sku": item.product.sku, "quantity": quantity, "to": target.code})
                budget[task.id] -= quantity
                left -= quantity
            if left:
                returns = returns or locations.first_of_kind(item.location.warehouse_id, LocationKind.RETURNS)
                if returns is None:
                    raise DomainError(_l("There is no returns location for the picked units: create one first."))
                inventory.apply_move(product=item.product, lot=item.lot, source=item.location, target=returns,
                                     quantity=left, reason="unpick", user_id=user_id, document=document(order),
                                     from_lpn=tote, check_target=False)
                returned.append({"sku": item.product.sku, "quantity": left, "to": returns.code})
    for line in order.lines:
        line.picked = 0
    return returned
