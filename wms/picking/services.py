"""Picking use cases: allocate stock to orders (FEFO reservations), build waves, pick into totes, short picks,
lot substitution, replenishment of pick faces, and undoing an order's reservations and picks.

Reservations: `StockItem.reserved` is the sum of the reservations on the item, changed in the same transaction
as the reservation; `OrderLine.allocated` is the sum of the line's. `reservation_mismatches()` proves both.

Locking, always in this order so two transactions never wait on each other in a circle: the order rows (by id),
then pick tasks, then stock items (by id, `with_for_update`). On PostgreSQL these are row locks; on SQLite every
transaction holds the write lock from BEGIN (see wms.extensions).
"""
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from .. import audit, clock, idempotency
from ..catalog.models import Lot, LotStatus
from ..dbtypes import utcnow
from ..errors import Conflict, DomainError, NotFound, get_or_not_found
from ..extensions import db
from ..inventory import lookup
from ..inventory import services as inventory
from ..inventory.models import CountStatus, CountTask, Lpn, StockItem
from ..locations import layout
from ..locations import services as locations
from ..locations.models import Location, LocationKind, Warehouse
from ..messages import LotBecameUnavailable, StockBecameAvailable
from ..orders.models import FINAL_STATUSES, ChannelRule, Order, OrderLine, OrderStatus
from ..uow import use_case
from . import rules
from .models import (
    ACTIVE_WAVE_STATUSES,
    PickTask,
    PickTaskStatus,
    ReplenishmentStatus,
    ReplenishmentTask,
    Reservation,
    Wave,
    WaveOrder,
    WaveStatus,
)

PICKABLE = (LocationKind.PICK_FACE.value, LocationKind.RESERVE.value)
TOTE = "tote"
# Orders a wave may take: their stock is reserved. Partly reserved orders only when the supervisor says so.
WAVEABLE = (OrderStatus.ALLOCATED.value, OrderStatus.PARTIALLY_ALLOCATED.value)
MAX_WAVE_ORDERS = 60


def document(order: Order) -> str:
    return f"ORDER-{order.id}"


def carts_location(warehouse: Warehouse) -> Location:
    """Where picked units are while their totes ride on the pickers' carts: a staging place of its own
    (`<warehouse>/CARTS`, made on first use), never allocated from and never mistaken for a bin's stock by a
    count of that bin."""
    code = f"{warehouse.code}/CARTS"
    location = db.session.scalar(select(Location).where(Location.code == code))
    if location is None:
        location = Location(warehouse_id=warehouse.id, code=code, kind=LocationKind.STAGING.value)
        db.session.add(location)
        db.session.flush()
    return location


# --------------------------------------------------------------------------------------------- layout


# --------------------------------------------------------------------------------------------- shelf life


def channel_rules(channel: str) -> dict[str | None, int]:
    return {rule.category: rule.min_shelf_life_days
            for rule in db.session.scalars(select(ChannelRule).where(ChannelRule.channel == channel))}


def line_min_shelf_life(line: OrderLine, order: Order, by_channel: dict[str | None, int] | None = None) -> int:
    product = line.product
    return rules.strictest_shelf_life(product.min_shelf_life_days, by_channel if by_channel is not None
                                      else channel_rules(order.channel), product.category,
                                      order.min_shelf_life_days)


# --------------------------------------------------------------------------------------------- locks


def lock_orders(order_ids: Iterable[int]) -> list[Order]:
    """Lock orders and their lines (in id order) and read them fresh."""
    ids = sorted(set(order_ids))
    if not ids:
        return []
    orders = list(db.session.scalars(select(Order).where(Order.id.in_(ids)).order_by(Order.id).with_for_update()
                                     .execution_options(populate_existing=True)))
    list(db.session.scalars(select(OrderLine).where(OrderLine.order_id.in_(ids)).order_by(OrderLine.id)
                            .with_for_update().execution_options(populate_existing=True)
                            .options(selectinload(OrderLine.product))))
    return orders


def lock_order(order_id: int) -> Order:
    orders = lock_orders([order_id])
    if not orders:
        raise NotFound(_l("Order not found."))
    return orders[0]


# --------------------------------------------------------------------------------------------- reservations


def _reserve(line: OrderLine, item: StockItem, quantity: int,
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


def _release(reservation: Reservation, quantity: int, item: StockItem) -> None:
    """Give back reserved units (the item is locked by the caller). An emptied reservation is deleted."""
    if not 0 < quantity <= reservation.quantity:
        raise ValueError("release more than reserved")
    line = reservation.order_line
    if quantity == reservation.quantity:
        for task in db.session.scalars(select(PickTask).where(PickTask.reservation_id == reservation.id)):
            task.reservation = None
        db.session.flush()
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
            made.append(_reserve(line, items[take.item_id], take.quantity, held))
    return made


def _with_free(candidate: rules.Candidate, item: StockItem) -> rules.Candidate:
    return replace(candidate, free=item.quantity - item.reserved)


def in_active_wave(order_id: int) -> WaveOrder | None:
    return db.session.scalar(select(WaveOrder).join(Wave).where(
        WaveOrder.order_id == order_id, Wave.status.in_([s.value for s in ACTIVE_WAVE_STATUSES])))


_NOT_IN_A_WAVE = object()


def refresh_status(order: Order, wave_order=_NOT_IN_A_WAVE) -> str:
    """Set an open order's status from its lines (awaiting payment, cancelled, packed or shipped stay).
    `wave_order`: the order's place in an active wave (or None), when the caller knows it already."""
    if order.status in (OrderStatus.AWAITING_PAYMENT, OrderStatus.CANCELLED, OrderStatus.PACKED,
                        OrderStatus.SHIPPED):
        return order.status
    if wave_order is _NOT_IN_A_WAVE:
        wave_order = in_active_wave(order.id)
    lines = [rules.LineState(line.quantity, line.allocated, line.picked) for line in order.lines]
    order.status = rules.order_status(lines, picking=wave_order is not None)
    return order.status


def allocate_in_transaction(order: Order, *, user_id: int | None) -> int:
    """Allocate an open order (locked by the caller) and queue any replenishment; returns units reserved."""
    if order.status not in (OrderStatus.RELEASED, OrderStatus.ALLOCATED, OrderStatus.PARTIALLY_ALLOCATED,
                            OrderStatus.BACKORDERED, OrderStatus.PICKING):
        return 0
    made = allocate_lines(order, list(order.lines))
    reserved = sum(r.quantity for r in made)  # merged reservations may count earlier units: only a summary
    wave_order = in_active_wave(order.id) if order.status != OrderStatus.RELEASED else None
    _add_tasks_for_active_wave(order, made, wave_order)
    refresh_status(order, wave_order)
    db.session.flush()
    replenish_faces({r.location_id for r in made}, user_id=user_id)
    if made:
        audit.record("order.allocate", order, user_id=user_id, reservations=len(made),
                     backordered=sum(line.outstanding for line in order.lines))
    return reserved


@use_case
def allocate_order(order_id: int, *, user_id: int | None = None) -> dict:
    """Allocate what an order still needs; commits once."""
    order = lock_order(order_id)
    allocate_in_transaction(order, user_id=user_id)
    result = {"order_id": order.id, "status": order.status,
              "allocated": sum(line.allocated for line in order.lines),
              "backordered": sum(line.outstanding for line in order.lines)}
    return result


@use_case
def allocate_backorders(*, user_id: int | None, limit: int = 500,
                        product_ids: Iterable[int] | None = None) -> dict:
    """Try again for open orders that still miss stock (of these products, when given), most urgent first,
    each in its own transaction."""
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
    changed = 0
    for order_id in ids:
        before = db.session.scalar(select(func.sum(OrderLine.allocated)).where(OrderLine.order_id == order_id))
        result = allocate_order(order_id, user_id=user_id)
        changed += result["allocated"] > (before or 0)
    return {"orders": len(ids), "improved": changed}


def release_order_reservations(order: Order, *, user_id: int | None) -> int:
    """Give back everything an order holds (the order is locked by the caller); cancels its open pick tasks."""
    reservations = list(db.session.scalars(
        select(Reservation).join(OrderLine).where(OrderLine.order_id == order.id).order_by(Reservation.id)))
    if not reservations:
        return 0
    items = inventory.lock_items(r.stock_item.key for r in reservations)
    released = 0
    for reservation in reservations:
        _cancel_open_tasks(reservation)
        released += reservation.quantity
        _release(reservation, reservation.quantity, items[reservation.stock_item.key])
    audit.record("order.unreserve", order, user_id=user_id, units=released)
    return released


def _cancel_open_tasks(reservation: Reservation) -> None:
    for task in db.session.scalars(select(PickTask).where(PickTask.reservation_id == reservation.id,
                                                          PickTask.status == PickTaskStatus.OPEN.value)):
        task.status = PickTaskStatus.CANCELLED.value


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
    orders = lock_orders(order_ids)
    reservations = list(db.session.scalars(select(Reservation).where(Reservation.lot_id == lot.id)
                                           .order_by(Reservation.id)))
    items = inventory.lock_items(r.stock_item.key for r in reservations)
    for reservation in reservations:
        _cancel_open_tasks(reservation)
        _release(reservation, reservation.quantity, items[reservation.stock_item.key])
    db.session.flush()
    for order in orders:
        allocate_in_transaction(order, user_id=None)
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
                        lot=lot.code, status=lot.status, qty=item.quantity, sku=item.product.sku,
                        tote=item.lpn.code))
        order.on_hold = True
        order.hold_reason = reason[:200]
        audit.record("order.hold", order, reason=reason, lot=lot.code, tote=item.lpn.code)




def on_stock_available(event: StockBecameAvailable) -> None:
    """Stock of these products was put where it can be picked, or its lot released: back-orders get it now,
    the most urgent first, instead of waiting for a supervisor's button (after the commit that put it)."""
    allocate_backorders(user_id=event.user_id, product_ids=set(event.product_ids), limit=50)


# --------------------------------------------------------------------------------------------- checks


def reservation_mismatches() -> list[dict]:
    """Stock items whose `reserved` differs from the sum of their reservations, and order lines whose
    `allocated` differs from theirs (empty when the books are right)."""
    problems = []
    by_item = dict(db.session.execute(select(Reservation.stock_item_id, func.sum(Reservation.quantity))
                                      .group_by(Reservation.stock_item_id)).all())
    for item_id, reserved in db.session.execute(select(StockItem.id, StockItem.reserved)):
        if reserved != (by_item.get(item_id) or 0):
            problems.append({"stock_item": item_id, "reserved": reserved, "reservations": by_item.get(item_id) or 0})
    by_line = dict(db.session.execute(select(Reservation.order_line_id, func.sum(Reservation.quantity))
                                      .group_by(Reservation.order_line_id)).all())
    for line_id, allocated in db.session.execute(select(OrderLine.id, OrderLine.allocated)):
        if allocated != (by_line.get(line_id) or 0):
            problems.append({"order_line": line_id, "allocated": allocated, "reservations": by_line.get(line_id) or 0})
    return problems


# --------------------------------------------------------------------------------------------- waves


@dataclass(frozen=True)
class WaveFilter:
    carrier: str | None = None
    channel: str | None = None
    promised_by: object = None  # a date: orders promised on or before it
    min_priority: int | None = None
    include_partial: bool = False


def _waveable(criteria: WaveFilter):
    statuses = WAVEABLE if criteria.include_partial else (OrderStatus.ALLOCATED.value,)
    busy = select(WaveOrder.order_id).join(Wave).where(Wave.status.in_([s.value for s in ACTIVE_WAVE_STATUSES]))
    query = select(Order).where(Order.status.in_(statuses), Order.on_hold.is_(False), Order.id.not_in(busy))
    if criteria.carrier:
        query = query.where(Order.carrier == criteria.carrier)
    if criteria.channel:
        query = query.where(Order.channel == criteria.channel)
    if criteria.promised_by:
        query = query.where(Order.promised_ship_date <= criteria.promised_by)
    if criteria.min_priority is not None:
        query = query.where(Order.priority >= criteria.min_priority)
    return query


def _wave_candidates(orders: list[Order]) -> list[rules.WaveCandidate]:
    return [rules.WaveCandidate(o.id, o.carrier, o.channel, o.promised_ship_date, o.priority, o.id) for o in orders]


def waveable_orders(criteria: WaveFilter = WaveFilter(), limit: int = 500) -> list[Order]:
    return list(db.session.scalars(_waveable(criteria).order_by(Order.promised_ship_date, Order.id).limit(limit)))


def propose_wave(max_orders: int = 12) -> dict:
    """What the system would pick next: the carrier whose truck is most urgent, its most urgent orders."""
    carrier, ids = rules.propose_wave(_wave_candidates(waveable_orders(WaveFilter(include_partial=True))),
                                      max_orders)
    return {"carrier": carrier, "order_ids": ids}


def _check_max(max_orders: int) -> None:
    if not isinstance(max_orders, int) or not 1 <= max_orders <= MAX_WAVE_ORDERS:
        raise DomainError(_l("A wave takes 1 to %(max)s orders.", max=MAX_WAVE_ORDERS))


@use_case
def build_wave(criteria: WaveFilter = WaveFilter(), *, max_orders: int = 12, order_ids: list[int] | None = None,
               proposed: bool = False, user_id: int | None) -> Wave:
    """A wave of up to `max_orders` of the matching orders, most urgent first (or of the given orders), with
    pick tasks for their reservations in walking order. Commits once."""
    _check_max(max_orders)
    query = _waveable(criteria)
    if order_ids is not None:
        query = query.where(Order.id.in_(order_ids))
    ids = list(db.session.scalars(query.with_only_columns(Order.id).order_by(Order.id).limit(2000)))
    orders = lock_orders(ids)
    # Another supervisor may have waved some of them while we waited for the locks: look again.
    busy = set(db.session.scalars(select(WaveOrder.order_id).join(Wave).where(
        WaveOrder.order_id.in_(ids), Wave.status.in_([s.value for s in ACTIVE_WAVE_STATUSES]))))
    statuses = WAVEABLE if criteria.include_partial or order_ids is not None else (OrderStatus.ALLOCATED.value,)
    orders = [o for o in orders if o.id not in busy and o.status in statuses and not o.on_hold]
    chosen_ids = rules.choose_orders(_wave_candidates(orders), max_orders)
    if not chosen_ids:
        raise DomainError(_l("No allocated order matches: nothing to pick."))
    chosen = {o.id: o for o in orders}
    carts_location(locations.default_warehouse())
    wave = Wave(code="", carrier=criteria.carrier, channel=criteria.channel, promised_by=criteria.promised_by,
                min_priority=criteria.min_priority, max_orders=max_orders, proposed=proposed, created_by_id=user_id,
                status=WaveStatus.OPEN.value)
    db.session.add(wave)
    db.session.flush()
    wave.code = f"W{wave.id:05d}"
    for slot, order_id in enumerate(chosen_ids, start=1):
        order = chosen[order_id]
        wave_order = WaveOrder(wave_id=wave.id, order_id=order.id, slot=slot)
        db.session.add(wave_order)
        db.session.flush()
        reservations = list(db.session.scalars(select(Reservation).join(OrderLine)
                                               .where(OrderLine.order_id == order.id).order_by(Reservation.id)))
        _add_tasks(wave, wave_order, reservations)
        order.status = OrderStatus.PICKING.value
    db.session.flush()
    wave.planned_distance_m = round(_sequence(wave), 1)
    audit.record("wave.build", wave, user_id=user_id, orders=chosen_ids, proposed=proposed)
    return wave


def _add_tasks(wave: Wave, wave_order: WaveOrder, reservations: list[Reservation]) -> list[PickTask]:
    tasks = []
    for reservation in reservations:
        task = PickTask(wave_id=wave.id, wave_order_id=wave_order.id, order_line_id=reservation.order_line_id,
                        reservation_id=reservation.id, location_id=reservation.location_id,
                        product_id=reservation.stock_item.product_id, lot_id=reservation.lot_id,
                        from_lpn_id=reservation.stock_item.lpn_id, quantity=reservation.quantity, sequence=0)
        db.session.add(task)
        tasks.append(task)
    return tasks


def _add_tasks_for_active_wave(order: Order, made: list[Reservation], wave_order=_NOT_IN_A_WAVE) -> None:
    """New reservations of an order that is being picked become tasks of its wave, in walking order."""
    if not made:
        return
    if wave_order is _NOT_IN_A_WAVE:
        wave_order = in_active_wave(order.id)
    if wave_order is None:
        return
    db.session.flush()
    covered = set(db.session.scalars(select(PickTask.reservation_id).where(
        PickTask.wave_id == wave_order.wave_id, PickTask.status == PickTaskStatus.OPEN.value,
        PickTask.reservation_id.is_not(None))))
    fresh: dict[int, Reservation] = {}
    for reservation in made:
        if reservation.id in covered:
            # A merged reservation grew: its open task takes the new units too.
            task = db.session.scalar(select(PickTask).where(PickTask.reservation_id == reservation.id,
                                                            PickTask.status == PickTaskStatus.OPEN.value))
            task.quantity = reservation.quantity
        else:
            fresh[reservation.id] = reservation
    _add_tasks(wave_order.wave, wave_order, list(fresh.values()))
    db.session.flush()
    _sequence(wave_order.wave)


def _sequence(wave: Wave) -> float:
    """Number the wave's open tasks in walking order after the ones already done; returns the walk's length."""
    tasks = list(db.session.scalars(select(PickTask).where(PickTask.wave_id == wave.id,
                                                           PickTask.status == PickTaskStatus.OPEN.value)
                                    .options(joinedload(PickTask.location)).order_by(PickTask.id)))
    done = db.session.scalar(select(func.max(PickTask.sequence)).where(
        PickTask.wave_id == wave.id, PickTask.status == PickTaskStatus.DONE.value)) or 0
    order, distance = layout.plan_walk([task.location for task in tasks])
    for position, index in enumerate(order, start=1):
        tasks[index].sequence = done + position
    return distance


def wave_tasks(wave_id: int) -> list[PickTask]:
    return list(db.session.scalars(
        select(PickTask).where(PickTask.wave_id == wave_id)
        .options(joinedload(PickTask.location), joinedload(PickTask.product), joinedload(PickTask.lot))
        .order_by(PickTask.sequence, PickTask.id)))


def next_task(wave_id: int) -> PickTask | None:
    """The next open task in walking order; skipped tasks come back after the others."""
    return db.session.scalar(select(PickTask).where(PickTask.wave_id == wave_id,
                                                    PickTask.status == PickTaskStatus.OPEN.value)
                             .order_by(PickTask.skips, PickTask.sequence, PickTask.id).limit(1))


def get_wave(wave_id: int) -> Wave:
    return get_or_not_found(Wave, wave_id, _l("Wave not found."))


def _lock_wave(wave_id: int) -> Wave:
    wave = db.session.scalar(select(Wave).where(Wave.id == wave_id).with_for_update()
                             .execution_options(populate_existing=True))
    if wave is None:
        raise NotFound(_l("Wave not found."))
    return wave


def tote_contents(tote_id: int) -> list[StockItem]:
    return list(db.session.scalars(select(StockItem).where(StockItem.lpn_id == tote_id, StockItem.quantity > 0)
                                   .order_by(StockItem.id)))


@use_case
def bind_tote(wave_id: int, code: str, *, user_id: int | None, scan_id: str | None = None) -> dict:
    """Give the next order of the wave without a tote the scanned tote. A new code becomes a new tote; a tote
    must be empty and not bound to another active wave. When every order has its tote, picking starts."""
    earlier = idempotency.replay(scan_id, "pick.bind_tote")
    if earlier is not None:
        return earlier
    wave = _lock_wave(wave_id)
    if wave.status not in (WaveStatus.OPEN, WaveStatus.PICKING):
        raise Conflict(_l("Wave %(wave)s is %(status)s.", wave=wave.code, status=wave.status))
    waiting = [wo for wo in wave.orders if wo.tote_lpn_id is None]
    if not waiting:
        raise DomainError(_l("Every order of wave %(wave)s has its tote.", wave=wave.code))
    code = (code or "").strip().upper()
    tote = db.session.scalar(select(Lpn).where(Lpn.code == code).with_for_update())
    if tote is None:
        if not code or len(code) > 40 or not code.replace("-", "").isalnum():
            raise DomainError(_l("Scan the tote's label."))
        try:
            found = lookup.identify(code)
        except lookup.UnknownScan:  # a label never seen: a new tote
            tote = inventory.create_lpn(code, kind=TOTE)
        else:
            lookup.expect(found, "lpn")
    elif tote.kind != TOTE:
        raise DomainError(_l("%(code)s is a %(kind)s, not a tote: scan a tote.", code=tote.code, kind=tote.kind))
    other = db.session.scalar(select(WaveOrder).join(Wave).where(
        WaveOrder.tote_lpn_id == tote.id, Wave.status.in_([s.value for s in ACTIVE_WAVE_STATUSES])))
    if other is not None:
        raise DomainError(_l("Tote %(tote)s is already in use in wave %(wave)s: take another one.", tote=tote.code,
                             wave=other.wave.code))
    if tote_contents(tote.id):
        raise DomainError(_l("Tote %(tote)s is not empty: take an empty one.", tote=tote.code))
    wave_order = waiting[0]
    wave_order.tote_lpn_id = tote.id
    wave_order.bound_at = utcnow()
    started = len(waiting) == 1
    if started:
        wave.status = WaveStatus.PICKING.value
        wave.started_at = utcnow()
    audit.record("wave.tote", wave, user_id=user_id, tote=tote.code, slot=wave_order.slot,
                 order=wave_order.order_id)
    result = {"wave": wave.code, "tote": tote.code, "slot": wave_order.slot, "order_id": wave_order.order_id,
              "started": started}
    idempotency.remember(scan_id, "pick.bind_tote", result, user_id)
    return result


@use_case
def skip_task(task_id: int, *, user_id: int | None, scan_id: str | None = None) -> dict:
    """Leave a task for later: it comes back after the wave's other open tasks."""
    earlier = idempotency.replay(scan_id, "pick.skip")
    if earlier is not None:
        return earlier
    task = db.session.scalar(select(PickTask).where(PickTask.id == task_id).with_for_update()
                             .execution_options(populate_existing=True))
    if task is None:
        raise NotFound(_l("Pick task not found."))
    if task.status != PickTaskStatus.OPEN:
        raise Conflict(_l("This task is already done."))
    task.skips += 1
    audit.record("pick.skip", task, user_id=user_id, location=task.location.code)
    result = {"task_id": task.id, "skips": task.skips}
    idempotency.remember(scan_id, "pick.skip", result, user_id)
    return result


def substitute_item(task: PickTask, lot: Lot) -> StockItem:
    """The stock item of `lot` in the task's location that may replace the reserved lot, or a DomainError that
    says why not (read only: the swap happens when the pick is confirmed)."""
    order = task.order_line.order
    problem = rules.substitute_problem(
        _facts(task.lot), _facts(lot), clock.today(), line_min_shelf_life(task.order_line, order))
    if problem:
        raise DomainError(problem)
    items = list(db.session.scalars(
        select(StockItem).outerjoin(Lpn, StockItem.lpn_id == Lpn.id)
        .where(StockItem.location_id == task.location_id, StockItem.product_id == task.product_id,
               StockItem.lot_id == lot.id, or_(StockItem.lpn_id.is_(None), Lpn.kind != TOTE))
        .order_by(StockItem.id)))
    fitting = [i for i in items if i.quantity - i.reserved >= task.quantity]
    if not fitting:
        free = sum(max(i.quantity - i.reserved, 0) for i in items)
        raise DomainError(_l("Only %(free)s of lot %(lot)s are free at %(code)s, not %(qty)s: pick lot "
                             "%(wanted)s.", free=free, lot=lot.code, code=task.location.code, qty=task.quantity,
                             wanted=task.lot.code if task.lot else "-"))
    return fitting[0]


def _facts(lot: Lot) -> rules.LotFacts:
    return rules.LotFacts(lot.code, lot.status, lot.expires_on)


def _swap(task: PickTask, lot: Lot) -> None:
    """Move the task's reservation to another lot in the same location (checked again under the locks)."""
    old = task.reservation
    new_item = substitute_item(task, lot)
    items = inventory.lock_items([old.stock_item.key, new_item.key])
    new_item = items[new_item.key]
    if new_item.quantity - new_item.reserved < task.quantity:
        raise Conflict(_l("Lot %(lot)s was just reserved by someone else: pick lot %(wanted)s.", lot=lot.code,
                          wanted=task.lot.code))
    line = task.order_line
    _release(old, task.quantity, items[old.stock_item.key])
    reservation = _reserve(line, new_item, task.quantity)
    db.session.flush()
    task.substituted_lot_id = task.substituted_lot_id or task.lot_id
    task.lot = lot
    task.from_lpn = new_item.lpn
    task.reservation = reservation


@use_case
def confirm_pick(task_id: int, *, quantity: int, lot_id: int | None, tote_code: str | None,
                 user_id: int | None, scan_id: str | None = None) -> dict:
    """The picker found `quantity` units (of `lot_id`) and put them in the order's tote.

    The task's reservation becomes a move from the bin onto the tote, which rides in the warehouse's carts
    location until the wave is finished, and its units stop being reserved, in one transaction. Another lot swaps the
    reservation first. Fewer units than asked is a short pick: the rest of the line is allocated again
    elsewhere (or back-ordered) and the bin gets a count task. Applied once per scan id.
    """
    earlier = idempotency.replay(scan_id, "pick.confirm")
    if earlier is not None:
        return earlier
    task = db.session.get(PickTask, task_id)
    if task is None:
        raise NotFound(_l("Pick task not found."))
    order = lock_order(task.order_line.order_id)
    task = db.session.scalar(select(PickTask).where(PickTask.id == task_id).with_for_update()
                             .execution_options(populate_existing=True))
    if task.status != PickTaskStatus.OPEN:
        raise Conflict(_l("This task is already done."))
    wave = task.wave
    if wave.status != WaveStatus.PICKING:
        raise Conflict(_l("Wave %(wave)s is not being picked.", wave=wave.code))
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 0 <= quantity <= task.quantity:
        raise DomainError(_l("Type how many you took: 0 to %(qty)s.", qty=task.quantity))
    tote = task.wave_order.tote
    if quantity and (tote is None or (tote_code or "").strip().upper() != tote.code):
        raise DomainError(_l("That is not the tote of this order: scan tote %(tote)s.",
                             tote=tote.code if tote else "-"))
    if task.reservation is None:
        raise Conflict(_l("This task's reservation is gone: take the next task."))
    if lot_id is not None and lot_id != task.lot_id:
        lot = db.session.get(Lot, lot_id)
        if lot is None or lot.product_id != task.product_id:
            raise DomainError(_l("That lot is not a lot of %(sku)s.", sku=task.product.sku))
        _swap(task, lot)
    reservation = task.reservation
    item = inventory.lock_items([reservation.stock_item.key])[reservation.stock_item.key]
    line = task.order_line
    _release(reservation, task.quantity, item)
    if quantity:
        inventory.apply_move(product=task.product, lot=task.lot, source=task.location,
                             target=carts_location(task.location.warehouse), quantity=quantity, reason="pick",
                             user_id=user_id, document=document(order), from_lpn=task.from_lpn, to_lpn=tote,
                             check_target=False)
    line.picked += quantity
    task.picked = quantity
    task.status = PickTaskStatus.DONE.value
    task.short = quantity < task.quantity
    task.picker_id = user_id
    task.picked_at = utcnow()
    if task.short:
        db.session.flush()
        # The bin's books are in doubt until it is counted: take the rest from elsewhere.
        allocate_lines(order, [line], exclude_location_ids=[task.location_id])
        made = list(db.session.scalars(select(Reservation).where(Reservation.order_line_id == line.id)))
        _add_tasks_for_active_wave(order, made)
    refresh_status(order)
    db.session.flush()
    replenish_faces({task.location_id}, user_id=user_id)
    audit.record("pick.short" if task.short else "pick.confirm", task, user_id=user_id, order=order.id,
                 location=task.location.code, picked=quantity, wanted=task.quantity,
                 lot=task.lot.code if task.lot else None)
    result = {"task_id": task.id, "picked": quantity, "wanted": task.quantity, "short": task.short,
              "tote": tote.code if tote else None, "backordered": line.outstanding,
              "substituted": task.substituted_lot_id is not None}
    idempotency.remember(scan_id, "pick.confirm", result, user_id)
    if task.short:
        # open_count commits: it is the last step, so the pick, its receipt and the count are one transaction.
        inventory.open_count(task.location_id, user_id=user_id, reason="short_pick")
    else:
        pass
    return result


def staging_location(code: str) -> Location:
    location = locations.by_code(code or "")
    if location is None or location.kind not in (LocationKind.STAGING.value, LocationKind.PACKING.value):
        raise DomainError(_l("%(code)s is not a staging or packing location: scan where the totes wait for "
                             "packing.", code=(code or "").strip()[:40]))
    return location


@use_case
def finish_wave(wave_id: int, staging_code: str, *, user_id: int | None, scan_id: str | None = None) -> dict:
    """Every task is done: move each tote's stock to the staging location (ledger moves, the tote stays the
    plate) and close the wave."""
    earlier = idempotency.replay(scan_id, "pick.finish")
    if earlier is not None:
        return earlier
    wave = get_wave(wave_id)
    orders = lock_orders(wo.order_id for wo in wave.orders)
    wave = _lock_wave(wave_id)
    if wave.status != WaveStatus.PICKING:
        raise Conflict(_l("Wave %(wave)s is %(status)s.", wave=wave.code, status=wave.status))
    open_tasks = db.session.scalar(select(func.count()).select_from(PickTask).where(
        PickTask.wave_id == wave.id, PickTask.status == PickTaskStatus.OPEN.value))
    if open_tasks:
        raise DomainError(_l("%(count)s tasks of wave %(wave)s are still open: pick them (or type 0 if the "
                             "bin is empty).", count=open_tasks, wave=wave.code))
    staging = staging_location(staging_code)
    units = 0
    for wave_order in wave.orders:
        if wave_order.tote is None:
            continue
        for item in inventory.lock_items_where(StockItem.lpn_id == wave_order.tote_lpn_id, StockItem.quantity > 0):
            if item.location_id == staging.id:
                continue
            quantity = item.quantity
            inventory.apply_move(product=item.product, lot=item.lot, source=item.location, target=staging,
                                 quantity=quantity, reason="stage", user_id=user_id,
                                 document=document(wave_order.order), from_lpn=wave_order.tote,
                                 to_lpn=wave_order.tote, check_target=False)
            units += quantity
        wave_order.tote.location_id = staging.id
    wave.status = WaveStatus.DONE.value
    wave.finished_at = utcnow()
    wave.staging_location_id = staging.id
    db.session.flush()
    for order in orders:
        refresh_status(order)
    audit.record("wave.finish", wave, user_id=user_id, staging=staging.code, units=units)
    result = {"wave": wave.code, "staging": staging.code, "units": units,
              "totes": [wo.tote.code for wo in wave.orders if wo.tote]}
    idempotency.remember(scan_id, "pick.finish", result, user_id)
    return result


# --------------------------------------------------------------------------------------------- cancel


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


# --------------------------------------------------------------------------------------------- replenishment


def replenish_faces(location_ids: Iterable[int], *, user_id: int | None) -> list[ReplenishmentTask]:
    """For each of these pick faces that is the slot of a product and whose free units fell below its
    minimum, a replenishment task up to its maximum from reserve, FEFO (none when one is open already)."""
    ids = sorted(set(location_ids))
    if not ids:
        return []
    faces = list(db.session.scalars(select(Location).where(
        Location.id.in_(ids), Location.kind == LocationKind.PICK_FACE.value, Location.slot_product_id.is_not(None),
        Location.slot_min.is_not(None))))
    made = []
    for face in faces:
        on_hand, reserved = db.session.execute(
            select(func.coalesce(func.sum(StockItem.quantity), 0), func.coalesce(func.sum(StockItem.reserved), 0))
            .where(StockItem.location_id == face.id, StockItem.product_id == face.slot_product_id)).one()
        if on_hand - reserved >= face.slot_min:
            continue
        if db.session.scalar(select(ReplenishmentTask.id).where(
                ReplenishmentTask.to_location_id == face.id,
                ReplenishmentTask.status == ReplenishmentStatus.OPEN.value).limit(1)):
            continue
        wanted = max(face.slot_max or face.slot_min, face.slot_min) - on_hand
        if wanted <= 0:
            continue
        made.extend(_replenishment_tasks(face, wanted, user_id))
    return made


def _replenishment_tasks(face: Location, wanted: int, user_id: int | None) -> list[ReplenishmentTask]:
    today = clock.today()
    rows = db.session.execute(
        select(StockItem, Location.aisle, Location.bay, Lot.status, Lot.expires_on)
        .join(Location, StockItem.location_id == Location.id)
        .outerjoin(Lot, StockItem.lot_id == Lot.id)
        .outerjoin(Lpn, StockItem.lpn_id == Lpn.id)
        .where(StockItem.product_id == face.slot_product_id, StockItem.quantity > StockItem.reserved,
               Location.kind == LocationKind.RESERVE.value, Location.active.is_(True),
               Location.blocked.is_(False), Location.warehouse_id == face.warehouse_id,
               or_(StockItem.lpn_id.is_(None), Lpn.kind != TOTE))
        .order_by(StockItem.id)).all()
    items = {item.id: item for item, *_rest in rows}
    candidates = [rules.Candidate(item.id, item.quantity - item.reserved, item.lot_id, status, expires,
                                  distance=abs((aisle or 0) - (face.aisle or 0)) * 100 + abs((bay or 0) - (face.bay or 0)))
                  for item, aisle, bay, status, expires in rows]
    takes, _short = rules.allocate(wanted, candidates, today, 0)
    made = []
    for take in takes:
        item = items[take.item_id]
        task = ReplenishmentTask(product_id=item.product_id, lot_id=item.lot_id, from_location_id=item.location_id,
                                 from_lpn_id=item.lpn_id, to_location_id=face.id, quantity=take.quantity)
        db.session.add(task)
        made.append(task)
    if made:
        db.session.flush()
        audit.record("replenishment.open", face, user_id=user_id, tasks=[t.id for t in made], units=wanted)
    return made


def open_replenishments(limit: int = 50) -> list[tuple[ReplenishmentTask, str | None]]:
    """Open replenishment tasks, those whose pick face an active wave still has to visit first (with that
    wave's code), then the oldest."""
    tasks = list(db.session.scalars(
        select(ReplenishmentTask).where(ReplenishmentTask.status == ReplenishmentStatus.OPEN.value)
        .options(joinedload(ReplenishmentTask.from_location), joinedload(ReplenishmentTask.to_location),
                 joinedload(ReplenishmentTask.product), joinedload(ReplenishmentTask.lot))
        .order_by(ReplenishmentTask.created_at, ReplenishmentTask.id).limit(500)))
    needed: dict[int, tuple] = {}
    if tasks:
        rows = db.session.execute(
            select(PickTask.location_id, Wave.id, Wave.code, PickTask.sequence).join(Wave)
            .where(PickTask.status == PickTaskStatus.OPEN.value,
                   Wave.status.in_([s.value for s in ACTIVE_WAVE_STATUSES]),
                   PickTask.location_id.in_({t.to_location_id for t in tasks}))
            .order_by(Wave.id, PickTask.sequence))
        for location_id, wave_id, code, sequence in rows:
            needed.setdefault(location_id, ((wave_id, sequence), code))
    ranked = sorted(tasks, key=lambda t: (t.to_location_id not in needed,
                                          needed.get(t.to_location_id, ((0, 0), None))[0], t.id))
    return [(t, needed.get(t.to_location_id, (None, None))[1]) for t in ranked[:limit]]


@use_case
def complete_replenishment(task_id: int, *, quantity: int, user_id: int | None, scan_id: str | None = None) -> dict:
    """The worker moved `quantity` units from reserve to the pick face (less than planned if that is all
    there was)."""
    earlier = idempotency.replay(scan_id, "replenish.done")
    if earlier is not None:
        return earlier
    task = db.session.scalar(select(ReplenishmentTask).where(ReplenishmentTask.id == task_id).with_for_update()
                             .execution_options(populate_existing=True))
    if task is None:
        raise NotFound(_l("Replenishment task not found."))
    if task.status != ReplenishmentStatus.OPEN:
        raise Conflict(_l("This replenishment is already done."))
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= task.quantity:
        raise DomainError(_l("Type how many you moved: 1 to %(qty)s.", qty=task.quantity))
    move = inventory.apply_move(product=task.product, lot=task.lot, source=task.from_location,
                                target=task.to_location, quantity=quantity, reason="replenish", user_id=user_id,
                                document=f"REPL-{task.id}", from_lpn=task.from_lpn)
    task.moved = quantity
    task.status = ReplenishmentStatus.DONE.value
    task.done_by_id = user_id
    task.done_at = utcnow()
    db.session.flush()
    audit.record("replenishment.done", task, user_id=user_id, moved=quantity)
    result = {"task_id": task.id, "moved": quantity, "move_id": move.id, "from": task.from_location.code,
              "to": task.to_location.code, "sku": task.product.sku}
    idempotency.remember(scan_id, "replenish.done", result, user_id)
    return result


# --------------------------------------------------------------------------------------------- desk figures


@dataclass
class PickerFigures:
    name: str
    tasks: int
    units: int
    shorts: int
    lines_per_hour: float | None


def wave_progress(wave: Wave) -> dict:
    """Tasks done per picker and lines per hour (from the first to the last pick of each picker; the wave's
    from its start), exceptions (short picks, skipped tasks, substituted lots)."""
    from ..auth.models import User

    tasks = wave_tasks(wave.id)
    done = [t for t in tasks if t.status == PickTaskStatus.DONE]
    per_picker: dict[int | None, list[PickTask]] = defaultdict(list)
    for task in done:
        per_picker[task.picker_id].append(task)
    pickers = []
    for picker_id, picked in sorted(per_picker.items(), key=lambda kv: -len(kv[1])):
        user = db.session.get(User, picker_id) if picker_id else None
        times = sorted(t.picked_at for t in picked if t.picked_at)
        hours = (times[-1] - times[0]).total_seconds() / 3600 if len(times) > 1 else 0
        pickers.append(PickerFigures(user.name if user else "-", len(picked), sum(t.picked for t in picked),
                                     sum(t.short for t in picked), round((len(picked) - 1) / hours, 1) if hours else None))
    last = max((t.picked_at for t in done if t.picked_at), default=None)
    hours = (last - wave.started_at).total_seconds() / 3600 if last and wave.started_at else 0
    live = [t for t in tasks if t.status != PickTaskStatus.CANCELLED]
    return {
        "tasks": len(live), "done": len(done), "units": sum(t.quantity for t in live),
        "picked": sum(t.picked for t in done), "pickers": pickers,
        "lines_per_hour": round(len(done) / hours, 1) if hours > 0 else None,
        "shorts": [t for t in done if t.short],
        "skipped": [t for t in tasks if t.skips and t.status == PickTaskStatus.OPEN],
        "substituted": [t for t in done if t.substituted_lot_id],
        "tasks_list": tasks,
    }


@use_case
def reprint_tote_label(wave_order_id: int, *, user_id: int | None) -> dict:
    """Queue the tote's label (code and contents) at the picking station's printer."""
    wave_order = db.session.get(WaveOrder, wave_order_id)
    if wave_order is None or wave_order.tote is None:
        raise NotFound(_l("This order has no tote yet."))
    try:
        from ..printing import services as printing
    except ImportError:
        raise DomainError(_l("Printing is not set up on this server: ask an administrator to configure the "
                             "picking station's printer.")) from None
    contents = [{"sku": i.product.sku, "qty": i.quantity, **({"lot": i.lot.code} if i.lot else {})}
                for i in tote_contents(wave_order.tote_lpn_id)]
    job_id = printing.queue_label("lpn", {"code": wave_order.tote.code, "contents": contents}, station="picking",
                                  user_id=user_id)
    audit.record("wave.tote_label", wave_order.wave, user_id=user_id, tote=wave_order.tote.code, job=job_id)
    return {"tote": wave_order.tote.code, "job": job_id}
