"""Allocation of many orders at once (the back-order button, the refill after stock came, a bulk release):
the same FEFO rule as `allocation.allocate_lines`, in a handful of statements per batch instead of ~25 per order.

Per batch of orders:
1. lock the orders and their lines in id order (`orders.status.lock_orders`, as everywhere else);
2. ONE candidate query for every product of the batch, locking the stock items in id order
   (`FOR UPDATE OF stock_items` on PostgreSQL; SQLite holds the write lock from BEGIN), with the facts the rule
   needs read in the same query (lot status and expiry, location kind, aisle and bay) — plain tuples, no
   ORM objects;
3. the pure rule `rules.allocate` for each line, in the order the caller gave (most urgent first), over those
   tuples, with the free units of each item decreasing as earlier lines take them;
4. set-based writes: one INSERT of the new reservations, one `UPDATE … FROM (VALUES …)` of the stock items'
   `reserved`, of the order lines' `allocated` and of merged reservations.

Orders that are being picked in an active wave go through `allocation.allocate_in_transaction` one by one (their
new reservations become pick tasks of the wave). Locking order is the same as the single-order path (orders,
then stock items by id), so a batch and single allocations never wait on each other in a circle.
"""
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import and_, bindparam, or_, select, text
from sqlalchemy.orm.attributes import set_committed_value

from .. import audit, clock
from ..catalog.models import Lot, LotStatus, Product
from ..dbtypes import utcnow
from ..extensions import db
from ..inventory.models import CountStatus, CountTask, Lpn, StockItem
from ..locations import layout
from ..locations.models import Location, LocationKind, Warehouse
from ..orders import status as order_status
from ..orders.models import ChannelRule, Order, OrderLine, OrderStatus
from ..sql import chunks, for_update
from ..uow import use_case
from . import allocation, replenishment, rules
from .models import ACTIVE_WAVE_STATUSES, TOTE, Reservation, Wave, WaveOrder

BATCH = 250
ALLOCATABLE = (OrderStatus.RELEASED, OrderStatus.ALLOCATED, OrderStatus.PARTIALLY_ALLOCATED,
               OrderStatus.BACKORDERED, OrderStatus.PICKING)
# Rows per `UPDATE … FROM (VALUES …)` statement (SQLite allows 32,766 bound values; 3 per row here).
VALUES_ROWS = 5000
# On PostgreSQL, read the candidates without locks and lock only the items chosen (then re-check them); False locks
# every candidate as SQLite's write lock does (bench/allocate.py --lock-all-candidates compares the two).
LOCK_CHOSEN_ONLY = True


def allocate_orders(order_ids: Sequence[int], *, user_id: int | None = None, batch_size: int = BATCH) -> dict:
    """Allocate what these orders still need, in the given order (most urgent first), `batch_size` orders per
    statement set. Each batch is its own use case (a SAVEPOINT of the caller's unit of work, or its own unit).
    Returns {"orders": n, "units": units reserved, "reservations": rows written}."""
    total = {"orders": 0, "units": 0, "reservations": 0}
    ids = list(dict.fromkeys(order_ids))
    for batch in chunks(ids, batch_size):
        result = allocate_batch(batch, user_id=user_id)
        for key in total:
            total[key] += result[key]
    return total


@use_case
def allocate_batch(order_ids: Sequence[int], *, user_id: int | None = None) -> dict:
    """One batch (see the module): lock, one candidate query, FEFO over tuples, set-based writes."""
    orders = {o.id: o for o in order_status.lock_orders(order_ids)}
    _attach_lines(list(orders.values()))
    wanted_orders = [orders[i] for i in dict.fromkeys(order_ids) if i in orders
                     and orders[i].status in ALLOCATABLE]
    in_wave = _in_active_waves([o.id for o in wanted_orders if o.status != OrderStatus.RELEASED])
    batch = [o for o in wanted_orders if o.id not in in_wave]
    lines = [line for order in batch for line in sorted(order.lines, key=lambda line: line.id)
             if line.outstanding > 0]
    made_rows, units = _allocate_lines(batch, lines, user_id)
    for order in batch:
        order_status.refresh_status(order, in_wave=False)
    for order_id in sorted(in_wave):  # being picked: their reservations become pick tasks, one by one
        units += allocation.allocate_in_transaction(orders[order_id], user_id=user_id)
    return {"orders": len(wanted_orders), "units": units, "reservations": made_rows}


def _attach_lines(orders: list[Order]) -> None:
    """The locked lines (read by `lock_orders`, with their products) become each order's `lines` without a
    query per order."""
    if not orders:
        return
    by_order: dict[int, list[OrderLine]] = {o.id: [] for o in orders}
    for line in db.session.scalars(select(OrderLine).where(OrderLine.order_id.in_(list(by_order)))
                                   .order_by(OrderLine.order_id, OrderLine.line_no)):
        by_order[line.order_id].append(line)
    for order in orders:
        set_committed_value(order, "lines", by_order[order.id])


def _in_active_waves(order_ids: list[int]) -> set[int]:
    if not order_ids:
        return set()
    return set(db.session.scalars(select(WaveOrder.order_id).join(Wave).where(
        WaveOrder.order_id.in_(order_ids), Wave.status.in_([s.value for s in ACTIVE_WAVE_STATUSES]))))


def _candidates(product_ids: list[int], *, lock: bool, item_ids: Iterable[int] | None = None) -> list[tuple]:
    """The stock items allocation may take for these products (the rule of `allocation._lock_candidates`), in id
    order, as tuples: (item id, product id, lot id, location id, free, kind, aisle, bay, warehouse id, lot
    status, expiry, product category, product's minimum shelf life). With `lock`, `FOR UPDATE OF stock_items`;
    with `item_ids`, only those items (the re-check of the chosen ones)."""
    today = clock.today()
    in_doubt = select(CountTask.location_id).where(CountTask.status == CountStatus.OPEN.value,
                                                   CountTask.reason == "short_pick")
    statement = (
        select(StockItem.id, StockItem.product_id, StockItem.lot_id, StockItem.location_id,
               StockItem.quantity - StockItem.reserved, Location.kind, Location.aisle, Location.bay,
               Location.warehouse_id, Lot.status, Lot.expires_on, Product.category, Product.min_shelf_life_days)
        .join(Location, StockItem.location_id == Location.id)
        .join(Product, StockItem.product_id == Product.id)
        .outerjoin(Lot, StockItem.lot_id == Lot.id)
        .outerjoin(Lpn, StockItem.lpn_id == Lpn.id)
        .where(
            StockItem.product_id.in_(product_ids),
            StockItem.quantity > StockItem.reserved,
            Location.kind.in_(allocation.PICKABLE), Location.active.is_(True), Location.blocked.is_(False),
            Location.id.not_in(in_doubt),
            or_(StockItem.lot_id.is_(None),
                and_(Lot.status == LotStatus.RELEASED.value, or_(Lot.expires_on.is_(None), Lot.expires_on >= today))),
            or_(StockItem.lpn_id.is_(None), Lpn.kind != TOTE),
        )
        .order_by(StockItem.id)
    )
    if item_ids is not None:
        statement = statement.where(StockItem.id.in_(sorted(item_ids)))
    if lock:
        statement = for_update(statement, of=StockItem)
    return [tuple(row) for row in db.session.execute(statement)]


def _still_free(product_ids: list[int], wanted: dict[int, int]) -> bool:
    """Lock the chosen items only (id order) and check that each is still a candidate with the units taken free:
    what another allocation, a pick or a recall committed since the unlocked read is seen here (PostgreSQL
    answers FOR UPDATE with the newest committed row)."""
    try:
        with db.session.begin_nested():  # a SAVEPOINT: leaving it by _Taken lets go of the chosen items' locks
            locked = {row[0]: row[4] for row in _candidates(product_ids, lock=True, item_ids=wanted)}
            if not all(locked.get(item_id, 0) >= units for item_id, units in wanted.items()):
                raise _Taken
    except _Taken:
        return False  # the full lock that follows takes every candidate in id order again
    return True


class _Taken(Exception):
    """A chosen item is no longer free (or no longer a candidate)."""


def _allocate_lines(orders: list[Order], lines: list[OrderLine], user_id: int | None) -> tuple[int, int]:
    if not lines:
        return 0, 0
    db.session.flush()  # what the caller changed is in the database before the set-based writes below
    product_ids = sorted({line.product_id for line in lines})
    optimistic = LOCK_CHOSEN_ONLY and db.engine.dialect.name == "postgresql"
    plan = _plan(orders, lines, _candidates(product_ids, lock=not optimistic))
    if optimistic and plan.item_delta and not _still_free(product_ids, plan.item_delta):
        # Someone took or changed a chosen item since the unlocked read: choose again with every candidate locked.
        plan = _plan(orders, lines, _candidates(product_ids, lock=True))
    return _write(orders, lines, plan, user_id)


@dataclass
class _Plan:
    new: dict[tuple[int, int], int]  # (line, item) -> units of a new reservation
    grown: dict[int, int]  # existing reservation id -> units added
    item_delta: dict[int, int]
    line_delta: dict[int, int]
    taken_by_order: dict[int, int]
    where: dict[int, tuple[int | None, int]]  # item id -> (lot id, location id)


def _plan(orders: list[Order], lines: list[OrderLine], rows: list[tuple]) -> _Plan:
    """The FEFO rule over the candidate tuples, line after line in the caller's order (pure but for reading the
    warehouses, the channels' rules and the lines' existing reservations)."""
    warehouses = {w.id: w for w in db.session.scalars(
        select(Warehouse).where(Warehouse.id.in_({row[8] for row in rows})))} if rows else {}
    metres: dict[tuple, float] = {}  # (warehouse, aisle, bay) -> distance from the depot, once per bay
    by_product: dict[int, list[rules.Candidate]] = defaultdict(list)
    slot: dict[int, tuple[int, int]] = {}  # item id -> (product id, index in by_product[product id])
    where: dict[int, tuple[int | None, int]] = {}  # item id -> (lot id, location id)
    product_facts: dict[int, tuple[str, int]] = {}  # product id -> (category, own minimum shelf life)
    pick_face = LocationKind.PICK_FACE.value
    for item_id, product_id, lot_id, location_id, available, kind, aisle, bay, warehouse_id, lot_status, \
            expires_on, category, product_days in rows:
        product_facts[product_id] = (category, product_days)
        distance = metres.get((warehouse_id, aisle, bay))
        if distance is None:
            distance = metres[(warehouse_id, aisle, bay)] = layout.depot_metres(warehouses[warehouse_id], aisle, bay)
        candidates = by_product[product_id]
        slot[item_id] = (product_id, len(candidates))
        candidates.append(rules.Candidate(item_id, available, lot_id, lot_status, expires_on, kind == pick_face,
                                          distance))
        where[item_id] = (lot_id, location_id)
    channels = {o.channel for o in orders}
    by_channel: dict[str, dict[str | None, int]] = {c: {} for c in channels}
    for rule in db.session.scalars(select(ChannelRule).where(ChannelRule.channel.in_(channels))):
        by_channel[rule.channel][rule.category] = rule.min_shelf_life_days
    held = {(line_id, item_id): (reservation_id, quantity) for reservation_id, line_id, item_id, quantity in
            db.session.execute(select(Reservation.id, Reservation.order_line_id, Reservation.stock_item_id,
                                      Reservation.quantity)
                               .where(Reservation.order_line_id.in_([line.id for line in lines])))}
    orders_by_id = {o.id: o for o in orders}
    today = clock.today()
    new: dict[tuple[int, int], int] = {}  # (line, item) -> units of a new reservation
    grown: dict[int, int] = defaultdict(int)  # existing reservation id -> units added
    item_delta: dict[int, int] = defaultdict(int)
    line_delta: dict[int, int] = {}
    taken_by_order: dict[int, int] = defaultdict(int)
    for line in lines:
        order = orders_by_id[line.order_id]
        pool = [c for c in by_product.get(line.product_id, ()) if c.free > 0]
        if not pool:
            continue
        category, product_days = product_facts[line.product_id]
        days = rules.strictest_shelf_life(product_days, by_channel[order.channel], category,
                                          order.min_shelf_life_days)
        takes, _short = rules.allocate(line.outstanding, pool, today, days)
        for take in takes:
            product_id, index = slot[take.item_id]
            taken = by_product[product_id][index]
            by_product[product_id][index] = replace(taken, free=taken.free - take.quantity)
            item_delta[take.item_id] += take.quantity
            line_delta[line.id] = line_delta.get(line.id, 0) + take.quantity
            taken_by_order[order.id] += 1
            existing = held.get((line.id, take.item_id))
            if existing is not None:
                grown[existing[0]] += take.quantity
            else:
                new[(line.id, take.item_id)] = new.get((line.id, take.item_id), 0) + take.quantity
    return _Plan(new, grown, item_delta, line_delta, taken_by_order, where)


def _write(orders: list[Order], lines: list[OrderLine], plan: _Plan, user_id: int | None) -> tuple[int, int]:
    """The set-based writes of a plan: one INSERT of reservations, `UPDATE … FROM (VALUES …)` of items, lines
    and grown reservations, the faces' refills and one INSERT of the audit lines."""
    new, grown, item_delta, line_delta, taken_by_order, where = (
        plan.new, plan.grown, plan.item_delta, plan.line_delta, plan.taken_by_order, plan.where)
    if not item_delta:
        return 0, 0
    now = utcnow()
    if new:
        db.session.execute(Reservation.__table__.insert(), [
            {"order_line_id": line_id, "stock_item_id": item_id, "lot_id": where[item_id][0],
             "location_id": where[item_id][1], "quantity": quantity, "created_at": now}
            for (line_id, item_id), quantity in new.items()])
    _add_from_values("stock_items", "reserved", item_delta, now=now)
    _add_from_values("order_lines", "allocated", line_delta)
    _add_from_values("reservations", "quantity", grown)
    _forget_items(item_delta)
    for line in lines:
        if line.id in line_delta:
            set_committed_value(line, "allocated", line.allocated + line_delta[line.id])
    replenishment.replenish_faces({where[item_id][1] for item_id in item_delta}, user_id=user_id)
    # The audit trail, one line per order that got stock (as `audit.record` writes it), in one INSERT.
    who = user_id if user_id is not None else audit.current_user_id()
    db.session.execute(audit.AuditEvent.__table__.insert(), [
        {"at": now, "user_id": who, "action": "order.allocate", "target_type": Order.__tablename__,
         "target_id": str(order.id), "details": {"reservations": taken_by_order[order.id],
                                                 "backordered": sum(line.outstanding for line in order.lines)}}
        for order in orders if taken_by_order.get(order.id)])
    return len(new) + len(grown), sum(item_delta.values())


def _add_from_values(table: str, column: str, deltas: dict[int, int], *, now=None) -> None:
    """`UPDATE table SET column = column + v.delta FROM (VALUES (id, delta), …) WHERE id = v.id`: one statement
    for up to VALUES_ROWS rows (PostgreSQL and SQLite ≥ 3.33 both take UPDATE … FROM). The pairs are integers
    written into the statement by `int()` (nothing else can get in), which spares compiling thousands of
    parameters."""
    items = sorted(deltas.items())
    for start in range(0, len(items), VALUES_ROWS):
        values = ", ".join(f"({int(row_id)}, {int(delta)})" for row_id, delta in items[start:start + VALUES_ROWS])
        statement = text(f"UPDATE {table} SET {column} = {table}.{column} + v.column2"  # noqa: S608
                         + (", updated_at = :now" if now is not None else "")
                         + f" FROM (VALUES {values}) AS v WHERE {table}.id = v.column1")
        if now is not None:
            statement = statement.bindparams(bindparam("now", value=now,
                                                       type_=StockItem.__table__.c.updated_at.type))
        db.session.execute(statement)


def _forget_items(item_ids: Iterable[int]) -> None:
    """Stock items this session holds as objects are stale after the set-based update: read them again."""
    identity_map = db.session.identity_map
    for item_id in item_ids:
        item = identity_map.get(db.session.identity_key(StockItem, item_id))
        if item is not None:
            db.session.expire(item, ["reserved", "updated_at"])
