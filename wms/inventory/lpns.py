"""Licence plates (LPNs): finding, creating and numbering them, and moving a whole plate."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm.attributes import set_committed_value

from .. import idempotency
from ..catalog.models import Lot, Product
from ..errors import Conflict, DomainError, NotFound
from ..extensions import db
from ..locations.models import PICKABLE_KINDS, Location
from ..sql import rows_by_id
from ..uow import use_case
from .ledger import apply_move, lock_items_where, stock_became_available
from .models import Lpn, StockItem


def lpn_by_code(code: str) -> Lpn | None:
    return db.session.scalar(select(Lpn).where(Lpn.code == (code or "").strip().upper()))


def create_lpn(code: str, kind: str = "pallet", location_id: int | None = None, *, checked: bool = False) -> Lpn:
    """A new plate in the caller's transaction. `checked`: the caller has just looked the code up in this
    transaction and found no plate (it is not looked up again)."""
    code = (code or "").strip().upper()
    if not code or len(code) > 40:
        raise DomainError(_l("An LPN code is 1 to 40 characters."))
    if not checked and lpn_by_code(code):
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
@idempotency.by_scan_id("stock.move_lpn")
def move_lpn(*, lpn_id: int, target_id: int, user_id: int | None, reason: str = "move") -> dict:
    """Move a whole plate: one ledger move per stock item on it."""
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
    # The items' products, lots and place, each kind in one statement (not a lazy load per item).
    products, lots = rows_by_id(Product, {i.product_id for i in items}), rows_by_id(Lot, {i.lot_id for i in items})
    places = rows_by_id(Location, {i.location_id for i in items})
    for item in items:
        set_committed_value(item, "product", products[item.product_id])
        set_committed_value(item, "lot", lots.get(item.lot_id))
        set_committed_value(item, "location", places[item.location_id])
    moved = 0
    for item in items:
        quantity = item.quantity  # apply_move empties this very item
        apply_move(product=item.product, lot=item.lot, source=item.location, target=target,
                   quantity=quantity, reason=reason, user_id=user_id, from_lpn=lpn, to_lpn=lpn)
        moved += quantity
    lpn.location_id = target.id
    result = {"lpn": lpn.code, "target": target.code, "units": moved, "items": len(items)}
    products = {item.product_id for item in items}
    from_pickable = all(item.location.is_pickable for item in items)
    if target.kind_enum in PICKABLE_KINDS and not from_pickable:
        stock_became_available(products, user_id)
    return result
