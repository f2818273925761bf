"""Stock use cases. Every change of stock is a ledger move written by `apply_move`, in the caller's
transaction; the public services below commit once.

Locking: stock items are locked (SELECT ... FOR UPDATE on PostgreSQL, BEGIN IMMEDIATE on SQLite) in id
order before they are read for a decision, so two workers taking the last units of a bin cannot both succeed,
and two transactions never wait on each other in a circle.
"""
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from .. import audit, clock, idempotency, settings, uow
from ..catalog.models import Lot, LotStatus, LotStatusChange, Product
from ..dbtypes import utcnow
from ..errors import Conflict, DomainError, NotFound
from ..extensions import db
from ..locations import services as locations
from ..locations.models import PICKABLE_KINDS, VIRTUAL_KINDS, Location, LocationKind, Mixing
from ..messages import LotBecameUnavailable, StockBecameAvailable
from ..uow import use_case
from . import rules
from .models import (
    Adjustment,
    AdjustmentStatus,
    CountLine,
    CountStatus,
    CountTask,
    Lpn,
    Move,
    StockItem,
    item_key,
)


def stock_became_available(product_ids: Iterable[int], user_id: int | None) -> None:
    """Say that these products have more sellable stock (back-orders get it once this commits)."""
    product_ids = tuple(sorted(set(product_ids)))
    if product_ids:
        uow.publish(StockBecameAvailable(product_ids, user_id))


def lock_items(keys: Iterable[str]) -> dict[str, StockItem]:
    """Lock the stock items with these keys, in id order, and return them fresh from the database."""
    keys = sorted(set(keys))
    if not keys:
        return {}
    rows = db.session.scalars(
        select(StockItem)
        .where(StockItem.key.in_(keys))
        .order_by(StockItem.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    return {row.key: row for row in rows}


def lock_items_where(*criteria) -> list[StockItem]:
    return list(
        db.session.scalars(
            select(StockItem).where(*criteria).order_by(StockItem.id).with_for_update()
            .execution_options(populate_existing=True)
        )
    )


def _ensure_item(location_id: int, product_id: int, lot_id: int | None, lpn_id: int | None) -> str:
    """Create the (empty) stock item if it is new, without ever failing on a concurrent creation."""
    key = item_key(location_id, product_id, lot_id, lpn_id)
    values = dict(key=key, location_id=location_id, product_id=product_id, lot_id=lot_id, lpn_id=lpn_id,
                  quantity=0, reserved=0, updated_at=utcnow())
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(insert(StockItem).values(**values).on_conflict_do_nothing(index_elements=["key"]))
    return key


def _destination(location: Location, items: list[StockItem], incoming: int) -> rules.Destination:
    return rules.Destination(
        code=location.code,
        kind=location.kind_enum,
        active=location.active,
        blocked=location.blocked,
        mixing=Mixing(location.mixing),
        capacity_units=location.capacity_units,
        units_now=sum(i.quantity for i in items),
        products_now=frozenset(i.product_id for i in items if i.quantity > 0),
        lots_now=frozenset(i.lot_id for i in items if i.quantity > 0),
    )


def goods(product: Product, lot: Lot | None, quantity: int) -> rules.Goods:
    return rules.Goods(
        product_id=product.id, sku=product.sku, lot_id=lot.id if lot else None, lot_code=lot.code if lot else None,
        lot_status=lot.status if lot else None, expires_on=lot.expires_on if lot else None, quantity=quantity,
    )


def quarantine_code(warehouse_id: int) -> str | None:
    place = locations.first_of_kind(warehouse_id, LocationKind.QUARANTINE)
    return place.code if place else None


def check_destination(location: Location, product: Product, lot: Lot | None, quantity: int) -> None:
    """Raise if the goods may not be put there (blocked, expired or unreleased lot into picking, mixing,
    capacity). Reads the location's current contents."""
    if location.capacity_units is not None or location.mixing != Mixing.MIXED:
        # Two moves into a bin with a limit must not both pass the check: hold the bin's row.
        db.session.execute(select(Location.id).where(Location.id == location.id).with_for_update())
    items = list(db.session.scalars(select(StockItem).where(StockItem.location_id == location.id,
                                                             StockItem.quantity > 0)
                                    .execution_options(populate_existing=True)))
    problem = rules.destination_problem(
        _destination(location, items, quantity), goods(product, lot, quantity), clock.today(),
        quarantine_code(location.warehouse_id),
    )
    if problem:
        raise DomainError(problem)


def apply_move(*, product: Product, lot: Lot | None, source: Location, target: Location, quantity: int,
               reason: str, user_id: int | None, document: str | None = None, note: str | None = None,
               from_lpn: Lpn | None = None, to_lpn: Lpn | None = None, check_target: bool = True) -> Move:
    """Move units in the caller's transaction: lock, check, update both stock items, write the ledger.

    Virtual locations (supplier, customer, adjustment, scrap) keep no stock items: their balance is the
    ledger's, and may be negative (the supplier has given more than it holds here).
    """
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
        raise DomainError(_l("The quantity must be a whole number of at least 1."))
    if product.lot_tracked and lot is None:
        raise DomainError(_l("%(sku)s is tracked by lot: scan or type the lot.", sku=product.sku))
    if lot is not None and lot.product_id != product.id:
        raise DomainError(_l("Lot %(lot)s is not a lot of %(sku)s.", lot=lot.code, sku=product.sku))
    if source.id == target.id and (from_lpn.id if from_lpn else None) == (to_lpn.id if to_lpn else None):
        raise DomainError(_l("Stock is already in %(code)s.", code=target.code))
    lot_id = lot.id if lot else None
    keys = []
    source_key = target_key = None
    if not source.is_virtual:
        source_key = item_key(source.id, product.id, lot_id, from_lpn.id if from_lpn else None)
        keys.append(source_key)
    if not target.is_virtual:
        if check_target:
            check_destination(target, product, lot, quantity)
        target_key = _ensure_item(target.id, product.id, lot_id, to_lpn.id if to_lpn else None)
        keys.append(target_key)
    locked = lock_items(keys)
    if source_key is not None:
        item = locked.get(source_key)
        on_hand = item.quantity if item else 0
        free = item.available if item else 0
        if free < quantity:
            lot_text = " " + str(_l("lot")) + " " + lot.code if lot else ""  # babel does not look inside f-strings
            if on_hand >= quantity:
                raise Conflict(_l("Only %(free)s of %(sku)s%(lot)s at %(code)s are free; the rest is reserved "
                                  "for orders.", free=free, sku=product.sku, lot=lot_text, code=source.code))
            raise DomainError(_l("Only %(qty)s of %(sku)s%(lot)s at %(code)s, not %(wanted)s.", qty=on_hand,
                                 sku=product.sku, lot=lot_text, code=source.code, wanted=quantity))
        item.quantity -= quantity
    if target_key is not None:
        locked[target_key].quantity += quantity
    move = Move(
        product_id=product.id, lot_id=lot_id, from_location_id=source.id, to_location_id=target.id,
        from_lpn_id=from_lpn.id if from_lpn else None, to_lpn_id=to_lpn.id if to_lpn else None,
        quantity=quantity, reason=reason, document=document, note=note, user_id=user_id,
    )
    db.session.add(move)
    if to_lpn is not None and not target.is_virtual:
        to_lpn.location_id = target.id
    return move


@dataclass(frozen=True)
class MoveResult:
    move_id: int
    sku: str
    lot: str | None
    quantity: int
    source: str
    target: str

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _result(move: Move, product: Product, lot: Lot | None, source: Location, target: Location) -> MoveResult:
    return MoveResult(move.id, product.sku, lot.code if lot else None, move.quantity, source.code, target.code)


@use_case
def move_stock(*, product_id: int, lot_id: int | None, source_id: int, target_id: int, quantity: int,
               user_id: int | None, from_lpn_id: int | None = None, to_lpn_id: int | None = None,
               reason: str = "move", note: str | None = None, scan_id: str | None = None) -> dict:
    """Move units between two physical places (a worker's move). Applied once per scan id."""
    earlier = idempotency.replay(scan_id, "stock.move")
    if earlier is not None:
        return earlier
    product = db.session.get(Product, product_id)
    lot = db.session.get(Lot, lot_id) if lot_id else None
    source, target = db.session.get(Location, source_id), db.session.get(Location, target_id)
    if product is None or source is None or target is None:
        raise NotFound(_l("Product or location not found."))
    if source.is_virtual or target.is_virtual:
        raise DomainError(_l("A move goes from one physical place to another."))
    move = apply_move(
        product=product, lot=lot, source=source, target=target, quantity=quantity, reason=reason,
        user_id=user_id, note=note, from_lpn=db.session.get(Lpn, from_lpn_id) if from_lpn_id else None,
        to_lpn=db.session.get(Lpn, to_lpn_id) if to_lpn_id else None,
    )
    db.session.flush()
    result = _result(move, product, lot, source, target).as_dict()
    idempotency.remember(scan_id, "stock.move", result, user_id)
    if target.kind_enum in PICKABLE_KINDS and not source.is_pickable:
        stock_became_available({product_id}, user_id)
    return result


def lpn_by_code(code: str) -> Lpn | None:
    return db.session.scalar(select(Lpn).where(Lpn.code == (code or "").strip().upper()))


def create_lpn(code: str, kind: str = "pallet", location_id: int | None = None) -> Lpn:
    """A new plate in the caller's transaction."""
    code = (code or "").strip().upper()
    if not code or len(code) > 40:
        raise DomainError(_l("An LPN code is 1 to 40 characters."))
    if lpn_by_code(code):
        raise DomainError(_l("LPN %(code)s already exists.", code=code))
    lpn = Lpn(code=code, kind=kind, location_id=location_id)
    db.session.add(lpn)
    db.session.flush()
    return lpn


def next_lpn_code(prefix: str = "LPN") -> str:
    """The next free plate code: LPN00000001, LPN00000002... (a hint: `create_numbered_lpn` makes it safe)."""
    last = db.session.scalar(select(func.max(Lpn.id))) or 0
    code = f"{prefix}{last + 1:08d}"
    while lpn_by_code(code):
        last += 1
        code = f"{prefix}{last + 1:08d}"
    return code


def create_numbered_lpn(kind: str = "pallet", location_id: int | None = None, prefix: str = "LPN") -> Lpn:
    """A new plate with the next free number, in the caller's transaction. Two docks creating plates at the
    same instant may pick the same number: the loser's insert fails inside a savepoint and it takes the next."""
    from sqlalchemy.exc import IntegrityError

    for _attempt in range(20):
        code = next_lpn_code(prefix)
        try:
            with db.session.begin_nested():
                lpn = Lpn(code=code, kind=kind, location_id=location_id)
                db.session.add(lpn)
            return lpn
        except IntegrityError:
            continue
    raise Conflict(_l("Could not number a new LPN: try again."))


@use_case
def move_lpn(*, lpn_id: int, target_id: int, user_id: int | None, reason: str = "move",
             scan_id: str | None = None) -> dict:
    """Move a whole plate: one ledger move per stock item on it."""
    earlier = idempotency.replay(scan_id, "stock.move_lpn")
    if earlier is not None:
        return earlier
    lpn, target = db.session.get(Lpn, lpn_id), db.session.get(Location, target_id)
    if lpn is None or target is None:
        raise NotFound(_l("LPN or location not found."))
    if target.is_virtual:
        raise DomainError(_l("A move goes from one physical place to another."))
    items = [i for i in lock_items_where(StockItem.lpn_id == lpn.id) if i.quantity > 0]
    if not items:
        raise DomainError(_l("LPN %(code)s is empty.", code=lpn.code))
    if any(i.reserved for i in items):
        raise Conflict(_l("LPN %(code)s holds stock reserved for orders: pick from it instead.", code=lpn.code))
    if any(i.location_id == target.id for i in items):
        raise DomainError(_l("Stock is already in %(code)s.", code=target.code))
    moved = 0
    for item in items:
        quantity = item.quantity  # apply_move empties this very item
        apply_move(product=item.product, lot=item.lot, source=item.location, target=target,
                   quantity=quantity, reason=reason, user_id=user_id, from_lpn=lpn, to_lpn=lpn)
        moved += quantity
    lpn.location_id = target.id
    result = {"lpn": lpn.code, "target": target.code, "units": moved, "items": len(items)}
    idempotency.remember(scan_id, "stock.move_lpn", result, user_id)
    products = {item.product_id for item in items}
    from_pickable = all(item.location.is_pickable for item in items)
    if target.kind_enum in PICKABLE_KINDS and not from_pickable:
        stock_became_available(products, user_id)
    return result


def _is_supervisor(user_id: int | None) -> bool:
    from ..auth.models import Role, User

    user = db.session.get(User, user_id) if user_id else None
    return bool(user and user.has_role(Role.SUPERVISOR))


def _apply_adjustment(adjustment: Adjustment, user_id: int | None) -> Move:
    location = adjustment.location
    virtual = locations.virtual_location(location.warehouse_id, LocationKind.ADJUSTMENT)
    lpn = db.session.get(Lpn, adjustment.lpn_id) if adjustment.lpn_id else None
    if adjustment.delta > 0:
        source, target, from_lpn, to_lpn = virtual, location, None, lpn
    else:
        source, target, from_lpn, to_lpn = location, virtual, lpn, None
    return apply_move(
        product=adjustment.product, lot=adjustment.lot, source=source, target=target,
        quantity=abs(adjustment.delta), reason=adjustment.reason, user_id=user_id,
        document=f"ADJ-{adjustment.id}", note=adjustment.note, from_lpn=from_lpn, to_lpn=to_lpn,
        check_target=False,  # a correction records what is there; it does not choose a place
    )


def _new_adjustment(*, location: Location, product: Product, lot: Lot | None, lpn_id: int | None, delta: int,
                    reason: str, note: str | None, user_id: int | None, count_task_id: int | None = None
                    ) -> Adjustment:
    if reason not in rules.ADJUSTMENT_REASONS:
        raise DomainError(_l("Choose a reason: %(reasons)s.", reasons=", ".join(rules.ADJUSTMENT_REASONS)))
    if delta == 0:
        raise DomainError(_l("An adjustment changes the quantity by at least one unit."))
    if location.is_virtual:
        raise DomainError(_l("%(code)s is not a physical place.", code=location.code))
    adjustment = Adjustment(
        location_id=location.id, product_id=product.id, lot_id=lot.id if lot else None, lpn_id=lpn_id,
        delta=delta, reason=reason, note=(note or "").strip()[:200] or None, requested_by_id=user_id,
        count_task_id=count_task_id,
    )
    db.session.add(adjustment)
    db.session.flush()
    return adjustment


@use_case
def adjust_stock(*, location_id: int, product_id: int, lot_id: int | None, delta: int, reason: str,
                 user_id: int | None, note: str | None = None, lpn_id: int | None = None,
                 scan_id: str | None = None) -> dict:
    """Correct stock with a reason. Small corrections (or a supervisor's) apply at once; large ones wait."""
    earlier = idempotency.replay(scan_id, "stock.adjust")
    if earlier is not None:
        return earlier
    location, product = db.session.get(Location, location_id), db.session.get(Product, product_id)
    lot = db.session.get(Lot, lot_id) if lot_id else None
    if location is None or product is None:
        raise NotFound(_l("Product or location not found."))
    adjustment = _new_adjustment(location=location, product=product, lot=lot, lpn_id=lpn_id, delta=delta,
                                 reason=reason, note=note, user_id=user_id)
    if rules.needs_approval(delta, settings.get("adjustment_approval_units"), _is_supervisor(user_id)):
        audit.record("adjustment.request", adjustment, delta=delta, reason=reason)
    else:
        _apply_adjustment(adjustment, user_id)
        adjustment.status = AdjustmentStatus.APPROVED.value
        adjustment.decided_by_id = user_id
        adjustment.decided_at = utcnow()
        audit.record("adjustment.apply", adjustment, delta=delta, reason=reason)
    result = {"adjustment_id": adjustment.id, "status": adjustment.status, "delta": delta}
    idempotency.remember(scan_id, "stock.adjust", result, user_id)
    return result


@use_case
def set_adjustment_threshold(units: int, *, user_id: int | None) -> int:
    """The supervisor's rule: adjustments and count variances of more units than this wait for approval."""
    if not isinstance(units, int) or isinstance(units, bool) or not (0 <= units <= 1_000_000):
        raise DomainError(_l("The approval threshold is a whole number of units from 0 to %(max)s.",
                             max=1_000_000))
    before = settings.get("adjustment_approval_units")
    settings.put("adjustment_approval_units", units)
    audit.record("setting.adjustment_approval_units", None, user_id=user_id, before=before, after=units)
    return units


@use_case
def decide_adjustment(adjustment_id: int, *, approve: bool, user_id: int) -> Adjustment:
    """A supervisor approves (the stock changes now) or rejects (nothing changes) a pending adjustment."""
    adjustment = db.session.get(Adjustment, adjustment_id, with_for_update=True)
    if adjustment is None:
        raise NotFound(_l("Adjustment not found."))
    if adjustment.status != AdjustmentStatus.PENDING:
        raise Conflict(_l("This adjustment was already %(status)s.", status=adjustment.status))
    if not _is_supervisor(user_id):
        raise DomainError(_l("Only a supervisor approves adjustments."))
    if approve:
        _apply_adjustment(adjustment, user_id)
    adjustment.status = (AdjustmentStatus.APPROVED if approve else AdjustmentStatus.REJECTED).value
    adjustment.decided_by_id = user_id
    adjustment.decided_at = utcnow()
    audit.record("adjustment." + adjustment.status, adjustment, user_id=user_id)
    _close_count_if_decided(adjustment.count_task_id)
    return adjustment


LOT_TRANSITIONS = {
    LotStatus.RELEASED: {LotStatus.QUARANTINE, LotStatus.BLOCKED, LotStatus.RECALLED},
    LotStatus.QUARANTINE: {LotStatus.RELEASED, LotStatus.BLOCKED, LotStatus.RECALLED},
    LotStatus.BLOCKED: {LotStatus.RELEASED, LotStatus.QUARANTINE, LotStatus.RECALLED},
    LotStatus.RECALLED: {LotStatus.BLOCKED},
}


@use_case
def change_lot_status(lot_id: int, new_status: str, *, reason: str, user_id: int | None,
                      reference: str | None = None, segregate: bool = False) -> dict:
    """Release, quarantine, block or recall a lot, with the reason kept. With `segregate`, its stock in
    picking locations is moved to the quarantine location (RDC 430/2020: keep it physically apart)."""
    lot = db.session.get(Lot, lot_id, with_for_update=True)
    if lot is None:
        raise NotFound(_l("Lot not found."))
    try:
        target = LotStatus(new_status)
    except ValueError:
        raise DomainError(_l("Unknown lot status %(status)s.", status=new_status)) from None
    if not (reason or "").strip():
        raise DomainError(_l("Say why the lot's status changes."))
    reference = (reference or "").strip() or None
    if reference is not None and len(reference) > 80:
        raise DomainError(_l("A reference is at most 80 characters."))
    current = LotStatus(lot.status)
    if target not in LOT_TRANSITIONS[current]:
        raise DomainError(_l("A %(current)s lot cannot become %(target)s.", current=current.value,
                             target=target.value))
    lot.status = target.value
    db.session.add(LotStatusChange(lot_id=lot.id, from_status=current.value, to_status=target.value,
                                   reason=reason.strip()[:200], reference=reference, user_id=user_id))
    moved = 0
    if target != LotStatus.RELEASED:
        uow.publish(LotBecameUnavailable(lot.id))
        if segregate:
            moved = _segregate(lot, user_id, reference or f"LOT-{lot.code}")
    audit.record("lot.status", lot, user_id=user_id, from_status=current.value, to_status=target.value,
                 reason=reason, moved=moved)
    product_id = lot.product_id
    if target == LotStatus.RELEASED:
        stock_became_available({product_id}, user_id)
    return {"lot": lot.code, "status": lot.status, "moved": moved}


def _segregate(lot: Lot, user_id: int | None, document: str) -> int:
    items = lock_items_where(StockItem.lot_id == lot.id, StockItem.quantity > 0)
    moved = 0
    for item in items:
        if item.location.kind_enum not in PICKABLE_KINDS:
            continue
        quarantine = locations.first_of_kind(item.location.warehouse_id, LocationKind.QUARANTINE)
        if quarantine is None:
            raise DomainError(_l("There is no quarantine location: create one first."))
        if item.reserved:
            raise Conflict(_l("%(qty)s units of lot %(lot)s at %(code)s are still reserved for orders.",
                              qty=item.reserved, lot=lot.code, code=item.location.code))
        quantity = item.quantity  # apply_move empties this very item
        apply_move(product=item.product, lot=lot, source=item.location, target=quarantine, quantity=quantity,
                   reason="quarantine", user_id=user_id, document=document, check_target=False,
                   from_lpn=item.lpn)  # the units leave their plate; the rest of the plate stays put
        moved += quantity
    return moved


def _open_count(location: Location, user_id: int | None, reason: str) -> tuple[CountTask, bool]:
    """The location's open count task, made if there is none; and whether it is new."""
    task = db.session.scalar(select(CountTask).where(CountTask.location_id == location.id,
                                                     CountTask.status == CountStatus.OPEN.value))
    if task is not None:
        return task, False
    task = CountTask(location_id=location.id, reason=reason, created_by_id=user_id)
    db.session.add(task)
    db.session.flush()
    audit.record("count.open", task, location=location.code, reason=reason)
    return task, True


@use_case
def open_count(location_id: int, *, user_id: int | None, reason: str = "cycle") -> CountTask:
    """A count task for a location; the open one if there is one already."""
    location = db.session.get(Location, location_id)
    if location is None or location.is_virtual:
        raise NotFound(_l("Location not found."))
    task, _new = _open_count(location, user_id, reason)
    return task


MAX_COUNTS_AT_ONCE = 500


@use_case
def open_counts(code: str, *, prefix: bool, user_id: int | None, reason: str = "cycle") -> dict:
    """Count tasks for one location (its code) or for every active location whose code starts with `code`
    (`A-03`: the whole aisle), in one transaction. Locations with an open count keep theirs."""
    code = (code or "").strip().upper()
    if not code:
        raise DomainError(_l("Type a location code or the start of one."))
    if reason not in ("cycle", "request", "short_pick"):
        raise DomainError(_l("Unknown count reason %(reason)s.", reason=reason))
    query = select(Location).where(Location.kind.not_in([k.value for k in VIRTUAL_KINDS]),
                                   Location.active.is_(True))
    if prefix:
        query = query.where(Location.code.startswith(code, autoescape=True))
    else:
        query = query.where(Location.code == code)
    places = list(db.session.scalars(query.order_by(Location.code).limit(MAX_COUNTS_AT_ONCE + 1)))
    if not places:
        raise DomainError(_l("No location in use has the code %(code)s.", code=code) if not prefix else
                          _l("No location in use starts with %(code)s.", code=code))
    if len(places) > MAX_COUNTS_AT_ONCE:
        raise DomainError(_l("More than %(max)s locations start with %(code)s: narrow the range.",
                             max=MAX_COUNTS_AT_ONCE, code=code))
    created, existing = [], []
    for location in places:
        task, new = _open_count(location, user_id, reason)
        (created if new else existing).append(task.id)
    return {"created": created, "already_open": existing, "locations": [p.code for p in places]}


@use_case
def submit_count(task_id: int, counted: dict[tuple[int, int | None, int | None], int], *, user_id: int | None,
                 scan_id: str | None = None) -> dict:
    """Record a blind count: {(product_id, lot_id, lpn_id): units}. What the count does not mention is 0.
    Variances within the approval threshold are adjusted at once; larger ones wait for a supervisor."""
    earlier = idempotency.replay(scan_id, "count.submit")
    if earlier is not None:
        return earlier
    task = db.session.get(CountTask, task_id, with_for_update=True)
    if task is None:
        raise NotFound(_l("Count task not found."))
    if task.status != CountStatus.OPEN:
        raise Conflict(_l("This count was already submitted."))
    if any(qty < 0 for qty in counted.values()):
        raise DomainError(_l("A count cannot be negative."))
    items = lock_items_where(StockItem.location_id == task.location_id)
    expected = {(i.product_id, i.lot_id, i.lpn_id): i.quantity for i in items if i.quantity}
    variances = rules.count_variances(expected, counted)
    threshold = settings.get("adjustment_approval_units")
    supervisor = _is_supervisor(user_id)
    pending = 0
    for key in sorted(variances, key=lambda k: (k[0], k[1] or 0, k[2] or 0)):
        product_id, lot_id, lpn_id = key
        db.session.add(CountLine(task_id=task.id, product_id=product_id, lot_id=lot_id, lpn_id=lpn_id,
                                 expected=expected.get(key, 0), counted=counted.get(key, 0)))
        delta = variances[key]
        if delta == 0:
            continue
        adjustment = _new_adjustment(
            location=task.location, product=db.session.get(Product, product_id),
            lot=db.session.get(Lot, lot_id) if lot_id else None, lpn_id=lpn_id, delta=delta,
            reason="count_variance", note=f"count {task.id}", user_id=user_id, count_task_id=task.id,
        )
        if rules.needs_approval(delta, threshold, supervisor):
            pending += 1
        else:
            _apply_adjustment(adjustment, user_id)
            adjustment.status = AdjustmentStatus.APPROVED.value
            adjustment.decided_by_id = user_id
            adjustment.decided_at = utcnow()
    task.counted_by_id = user_id
    task.counted_at = utcnow()
    task.status = (CountStatus.COUNTED if pending else CountStatus.DONE).value
    audit.record("count.submit", task, variances=sum(1 for v in variances.values() if v), pending=pending)
    result = {"task_id": task.id, "status": task.status, "lines": len(variances),
              "variances": sum(1 for v in variances.values() if v), "pending": pending}
    idempotency.remember(scan_id, "count.submit", result, user_id)
    return result


def _close_count_if_decided(task_id: int | None) -> None:
    if task_id is None:
        return
    task = db.session.get(CountTask, task_id)
    if task is None or task.status != CountStatus.COUNTED:
        return
    waiting = db.session.scalar(select(func.count()).select_from(Adjustment).where(
        Adjustment.count_task_id == task_id, Adjustment.status == AdjustmentStatus.PENDING.value))
    if not waiting:
        task.status = CountStatus.DONE.value


def ledger_balance(location_id: int, product_id: int, lot_id: int | None, lpn_id: int | None) -> int:
    into = select(func.coalesce(func.sum(Move.quantity), 0)).where(
        Move.to_location_id == location_id, Move.product_id == product_id,
        Move.lot_id.is_(lot_id) if lot_id is None else Move.lot_id == lot_id,
        Move.to_lpn_id.is_(lpn_id) if lpn_id is None else Move.to_lpn_id == lpn_id)
    out = select(func.coalesce(func.sum(Move.quantity), 0)).where(
        Move.from_location_id == location_id, Move.product_id == product_id,
        Move.lot_id.is_(lot_id) if lot_id is None else Move.lot_id == lot_id,
        Move.from_lpn_id.is_(lpn_id) if lpn_id is None else Move.from_lpn_id == lpn_id)
    return db.session.scalar(into) - db.session.scalar(out)


def stock_mismatches() -> list[dict]:
    """Every stock item whose quantity differs from its ledger sum (empty when the books are right).
    One grouped query per direction: fast enough for hundreds of thousands of moves."""
    balances: dict[str, int] = {}
    for column_loc, column_lpn, sign in ((Move.to_location_id, Move.to_lpn_id, 1),
                                         (Move.from_location_id, Move.from_lpn_id, -1)):
        rows = db.session.execute(
            select(column_loc, Move.product_id, Move.lot_id, column_lpn, func.sum(Move.quantity))
            .group_by(column_loc, Move.product_id, Move.lot_id, column_lpn)
        )
        for location_id, product_id, lot_id, lpn_id, total in rows:
            key = item_key(location_id, product_id, lot_id, lpn_id)
            balances[key] = balances.get(key, 0) + sign * int(total)
    physical = set(db.session.scalars(select(Location.id).where(Location.kind.not_in(
        [k.value for k in (LocationKind.SUPPLIER, LocationKind.CUSTOMER, LocationKind.ADJUSTMENT,
                           LocationKind.SCRAP)]))))
    problems = []
    items = {i.key: i for i in db.session.scalars(select(StockItem))}
    for key in set(balances) | set(items):
        location_id = int(key.split(":")[0])
        if location_id not in physical:
            continue
        ledger = balances.get(key, 0)
        cached = items[key].quantity if key in items else 0
        if ledger != cached or cached < 0:
            problems.append({"key": key, "ledger": ledger, "item": cached})
    return problems
