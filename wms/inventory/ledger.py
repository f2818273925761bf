"""The stock ledger: every change of stock is a move written by `apply_move`, in the caller's transaction.

Locking: stock items are locked (SELECT ... FOR UPDATE on PostgreSQL, BEGIN IMMEDIATE on SQLite) in id
order before they are read for a decision, so two workers taking the last units of a bin cannot both succeed,
and two transactions never wait on each other in a circle.

Also here: a worker's move of loose units (`move_stock`), the stock-available event, and the check that every
stock item equals its ledger.
"""
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, literal, or_, select, text, union_all
from sqlalchemy.sql.base import ExecutableOption

from .. import clock, idempotency, sql, uow
from ..catalog.models import Lot, Product
from ..dbtypes import utcnow
from ..errors import Conflict, DomainError, NotFound
from ..extensions import db
from ..formatting import lazy_number
from ..locations import services as locations
from ..locations.models import PICKABLE_KINDS, Location, LocationKind, Mixing
from ..messages import StockBecameAvailable
from ..uow import use_case
from . import rules
from .models import Lpn, Move, StockItem, item_key


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


def lock_items_where(*criteria, options: Iterable[ExecutableOption] = ()) -> list[StockItem]:
    """Lock the stock items that meet `criteria`, in id order, and return them fresh from the database; `options`:
    loader options for what is read with them (a `joinedload` of their lot or place). Only the items' rows are
    locked (`FOR UPDATE OF stock_items`: PostgreSQL refuses to lock the nullable side of a joined load)."""
    return list(
        db.session.scalars(
            select(StockItem).where(*criteria).order_by(StockItem.id).with_for_update(of=StockItem)
            .options(*options).execution_options(populate_existing=True)
        )
    )


def _ensure_item(location_id: int, product_id: int, lot_id: int | None, lpn_id: int | None) -> str:
    """Create the (empty) stock item if it is new, without ever failing on a concurrent creation."""
    return ensure_items([(location_id, product_id, lot_id, lpn_id)])[0]


def ensure_items(places: Iterable[tuple[int, int, int | None, int | None]]) -> list[str]:
    """Create the (empty) stock items of these (location, product, lot, plate) that are new, in one statement,
    without ever failing on a concurrent creation (in key order); their keys, in the order given."""
    places = list(places)
    keys = [item_key(*place) for place in places]
    rows = {key: dict(key=key, location_id=place[0], product_id=place[1], lot_id=place[2], lpn_id=place[3],
                      quantity=0, reserved=0, updated_at=utcnow()) for key, place in zip(keys, places, strict=True)}
    if rows:
        db.session.execute(sql.conflict_insert(StockItem).values([rows[key] for key in sorted(rows)])
                           .on_conflict_do_nothing(index_elements=["key"]))
    return keys


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
        slot_product_id=location.slot_product_id,
        slot_sku=db.session.get(Product, location.slot_product_id).sku if location.slot_product_id else None,
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
        # Two moves into a bin with a limit must not both pass the check: hold the bin's row, and judge the bin as
        # locked (blocked, its limits changed since the screen read it?), not as the session read it.
        location = sql.locked(Location, location.id)
    if lot is not None and location.kind_enum in PICKABLE_KINDS:
        # Judged as it is, held FOR SHARE until the move commits: a lot recalled, quarantined or blocked after the
        # screen read it stays out of picking, and its status cannot change under the move (a recall waits).
        lot = sql.locked(Lot, lot.id, shared=True)
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
               from_lpn: Lpn | None = None, to_lpn: Lpn | None = None, check_target: bool = True,
               locked: dict[str, StockItem] | None = None) -> Move:
    """Move units in the caller's transaction: lock, check, update both stock items, write the ledger.

    Virtual locations (supplier, customer, adjustment, scrap) keep no stock items: their balance is the
    ledger's, and may be negative (the supplier has given more than it holds here). `locked`: stock items the
    caller has locked in this transaction already (`lock_items`, by key; a target among them exists): they are
    not locked or read again, the others are.
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
    held = locked or {}
    if not target.is_virtual:
        if check_target:
            check_destination(target, product, lot, quantity)
        target_key = item_key(target.id, product.id, lot_id, to_lpn.id if to_lpn else None)
        if target_key not in held:
            _ensure_item(target.id, product.id, lot_id, to_lpn.id if to_lpn else None)
        keys.append(target_key)
    locked = {key: held[key] for key in keys if key in held}
    locked.update(lock_items(key for key in keys if key not in held))
    if source_key is not None:
        item = locked.get(source_key)
        on_hand = item.quantity if item else 0
        free = item.available if item else 0
        if free < quantity:
            lot_text = " " + str(_l("lot")) + " " + lot.code if lot else ""  # babel does not look inside f-strings
            if on_hand >= quantity:
                raise Conflict(_l("Only %(free)s of %(sku)s%(lot)s at %(code)s are free; the rest is reserved "
                                  "for orders.", free=lazy_number(free), sku=product.sku, lot=lot_text,
                                  code=source.code))
            raise DomainError(_l("Only %(qty)s of %(sku)s%(lot)s at %(code)s, not %(wanted)s.",
                                 qty=lazy_number(on_hand),
                                 sku=product.sku, lot=lot_text, code=source.code, wanted=lazy_number(quantity)))
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
@idempotency.by_scan_id("stock.move")
def move_stock(*, product_id: int, lot_id: int | None, source_id: int, target_id: int, quantity: int,
               user_id: int | None, from_lpn_id: int | None = None, to_lpn_id: int | None = None,
               reason: str = "move", note: str | None = None) -> dict:
    """Move units between two physical places (a worker's move). Applied once per scan id."""
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
    if target.kind_enum in PICKABLE_KINDS and not source.is_pickable:
        stock_became_available({product_id}, user_id)
    return result


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


VIRTUAL_KINDS = (LocationKind.SUPPLIER, LocationKind.CUSTOMER, LocationKind.ADJUSTMENT, LocationKind.SCRAP)


def _mismatch_statement():
    """ONE grouped comparison in SQL: every move into a place (+), out of it (−) and every stock item's quantity,
    grouped by (place, product, lot, plate); only the groups whose ledger sum differs from the item (or whose
    item is negative) come back. Virtual places (supplier, customer, adjustment, scrap) have no items."""
    inbound = select(Move.to_location_id.label("location_id"), Move.product_id, Move.lot_id,
                     Move.to_lpn_id.label("lpn_id"), Move.quantity.label("ledger"), literal(0).label("item"))
    outbound = select(Move.from_location_id, Move.product_id, Move.lot_id, Move.from_lpn_id, -Move.quantity,
                      literal(0))
    items = select(StockItem.location_id, StockItem.product_id, StockItem.lot_id, StockItem.lpn_id, literal(0),
                   StockItem.quantity)
    rows = union_all(inbound, outbound, items).subquery("books")
    virtual = select(Location.id).where(Location.kind.in_([k.value for k in VIRTUAL_KINDS]))
    ledger, item = func.sum(rows.c.ledger), func.sum(rows.c.item)
    return (select(rows.c.location_id, rows.c.product_id, rows.c.lot_id, rows.c.lpn_id, ledger, item)
            .where(rows.c.location_id.not_in(virtual))
            .group_by(rows.c.location_id, rows.c.product_id, rows.c.lot_id, rows.c.lpn_id)
            .having(or_(ledger != item, func.min(rows.c.item) < 0)))


def iter_stock_mismatches(chunk: int = 1000) -> Iterator[dict]:
    """Every stock item whose quantity differs from its ledger sum, streamed from the database (a server-side
    cursor on PostgreSQL): nothing but the mismatches is ever in memory."""
    if db.session.get_bind().dialect.name == "postgresql":
        # The grouping of millions of rows stays in memory instead of spilling to disk, and the server-side cursor
        # is planned for the whole result (hash aggregate), not for its first rows (this transaction only).
        db.session.execute(text("SET LOCAL work_mem = '256MB'"))
        db.session.execute(text("SET LOCAL cursor_tuple_fraction = 1.0"))
    result = db.session.execute(_mismatch_statement().execution_options(yield_per=chunk))
    for location_id, product_id, lot_id, lpn_id, ledger, cached in result:
        yield {"key": item_key(location_id, product_id, lot_id, lpn_id), "ledger": int(ledger or 0),
               "item": int(cached or 0)}


def stock_mismatches() -> list[dict]:
    """Every stock item whose quantity differs from its ledger sum (empty when the books are right)."""
    return list(iter_stock_mismatches())
