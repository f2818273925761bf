"""Waves: orders picked together in one walk, each into its own tote. Building one (the filter, the most
urgent orders), its pick tasks in walking order, and the small reads of a wave the pick use cases share."""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from .. import audit
from ..errors import DomainError, NotFound, get_or_not_found
from ..extensions import db
from ..inventory.models import StockItem
from ..locations import layout
from ..locations import services as locations
from ..locations.models import Location, LocationKind, Warehouse
from ..orders import status as order_status
from ..orders.models import Order, OrderLine, OrderStatus
from ..uow import use_case
from . import rules
from .models import ACTIVE_WAVE_STATUSES, PickTask, PickTaskStatus, Reservation, Wave, WaveOrder, WaveStatus

# Orders a wave may take: their stock is reserved. Partly reserved orders only when the supervisor says so.
WAVEABLE = (OrderStatus.ALLOCATED.value, OrderStatus.PARTIALLY_ALLOCATED.value)
MAX_WAVE_ORDERS = 60


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


@dataclass(frozen=True)
class WaveFilter:
    carrier: str | None = None
    channel: str | None = None
    promised_by: object = None  # a date: orders promised on or before it
    min_priority: int | None = None
    include_partial: bool = False


def waveable_query(criteria: WaveFilter):
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


def wave_candidates(orders: list[Order]) -> list[rules.WaveCandidate]:
    return [rules.WaveCandidate(o.id, o.carrier, o.channel, o.promised_ship_date, o.priority, o.id) for o in orders]


def _check_max(max_orders: int) -> None:
    if not isinstance(max_orders, int) or not 1 <= max_orders <= MAX_WAVE_ORDERS:
        raise DomainError(_l("A wave takes 1 to %(max)s orders.", max=MAX_WAVE_ORDERS))


@use_case
def build_wave(criteria: WaveFilter = WaveFilter(), *, max_orders: int = 12, order_ids: list[int] | None = None,
               proposed: bool = False, user_id: int | None) -> Wave:
    """A wave of up to `max_orders` of the matching orders, most urgent first (or of the given orders), with
    pick tasks for their reservations in walking order."""
    _check_max(max_orders)
    query = waveable_query(criteria)
    if order_ids is not None:
        query = query.where(Order.id.in_(order_ids))
    ids = list(db.session.scalars(query.with_only_columns(Order.id).order_by(Order.id).limit(2000)))
    orders = order_status.lock_orders(ids)
    # Another supervisor may have waved some of them while we waited for the locks: look again.
    busy = set(db.session.scalars(select(WaveOrder.order_id).join(Wave).where(
        WaveOrder.order_id.in_(ids), Wave.status.in_([s.value for s in ACTIVE_WAVE_STATUSES]))))
    statuses = WAVEABLE if criteria.include_partial or order_ids is not None else (OrderStatus.ALLOCATED.value,)
    orders = [o for o in orders if o.id not in busy and o.status in statuses and not o.on_hold]
    chosen_ids = rules.choose_orders(wave_candidates(orders), max_orders)
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
        order_status.start_picking(order)
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


_NOT_IN_A_WAVE = object()


def add_tasks_for_active_wave(order: Order, made: list[Reservation], wave_order=_NOT_IN_A_WAVE) -> None:
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


def in_active_wave(order_id: int) -> WaveOrder | None:
    return db.session.scalar(select(WaveOrder).join(Wave).where(
        WaveOrder.order_id == order_id, Wave.status.in_([s.value for s in ACTIVE_WAVE_STATUSES])))


def get_wave(wave_id: int) -> Wave:
    return get_or_not_found(Wave, wave_id, _l("Wave not found."))


def lock_wave(wave_id: int) -> Wave:
    """Lock the wave's row and read it fresh with its orders and their totes (one statement: the row lock is the
    wave's alone)."""
    wave = db.session.execute(
        select(Wave).where(Wave.id == wave_id).with_for_update(of=Wave)
        .options(joinedload(Wave.orders).joinedload(WaveOrder.tote))
        .execution_options(populate_existing=True)).unique().scalar_one_or_none()
    if wave is None:
        raise NotFound(_l("Wave not found."))
    return wave


def tote_contents(tote_id: int) -> list[StockItem]:
    return list(db.session.scalars(select(StockItem).where(StockItem.lpn_id == tote_id, StockItem.quantity > 0)
                                   .order_by(StockItem.id)))


def tote_use(tote_id: int) -> tuple[str | None, bool]:
    """The code of the active wave a tote is bound to (None: none), and whether it holds stock, in one
    statement."""
    in_wave = (select(Wave.code).join(WaveOrder, WaveOrder.wave_id == Wave.id)
               .where(WaveOrder.tote_lpn_id == tote_id, Wave.status.in_([s.value for s in ACTIVE_WAVE_STATUSES]))
               .order_by(Wave.id).limit(1).scalar_subquery())
    holds = select(StockItem.id).where(StockItem.lpn_id == tote_id, StockItem.quantity > 0).exists()
    code, full = db.session.execute(select(in_wave, holds)).one()
    return code, bool(full)


def carts_location_of(warehouse_id: int) -> Location:
    """`carts_location` of the warehouse with this id, found in one statement (with its warehouse's code)."""
    location = db.session.scalar(select(Location).join(Warehouse, Location.warehouse_id == Warehouse.id)
                                 .where(Warehouse.id == warehouse_id, Location.code == Warehouse.code + "/CARTS"))
    return location if location is not None else carts_location(db.session.get(Warehouse, warehouse_id))


# The order open tasks are walked in: skipped tasks come back after the others.
WALK_ORDER = (PickTask.skips, PickTask.sequence, PickTask.id)


def next_task(wave_id: int) -> PickTask | None:
    """The next open task in walking order; skipped tasks come back after the others."""
    return db.session.scalar(select(PickTask).where(PickTask.wave_id == wave_id,
                                                    PickTask.status == PickTaskStatus.OPEN.value)
                             .options(joinedload(PickTask.location), joinedload(PickTask.product),
                                      joinedload(PickTask.lot), joinedload(PickTask.wave_order).joinedload(WaveOrder.tote))
                             .order_by(*WALK_ORDER).limit(1))


def wave_tasks(wave_id: int) -> list[PickTask]:
    return list(db.session.scalars(
        select(PickTask).where(PickTask.wave_id == wave_id)
        .options(joinedload(PickTask.location), joinedload(PickTask.product), joinedload(PickTask.lot))
        .order_by(PickTask.sequence, PickTask.id)))
