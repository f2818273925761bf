"""Where a restocked unit goes: receiving's directed put-away suggestion (its public `plan_for_item`), or, when
it has none, the product's own pick face, else a pickable bin that holds the product already.

The one place returns depend on receiving's put-away: re-wire here when that module moves.
"""
from sqlalchemy import select

from ..extensions import db
from ..inventory.models import StockItem, item_key
from ..locations.models import PICKABLE_KINDS, Location


def suggestion(dock: Location, product_id: int, lot_id: int | None, quantity: int) -> Location | None:
    from ..receiving import putaway as receiving  # receiving imports far: only when asked

    item = db.session.scalar(select(StockItem).where(StockItem.key == item_key(dock.id, product_id, lot_id, None)))
    if item is not None and item.available >= quantity:
        plan = receiving.plan_for_item(item, quantity)
        if plan.suggestion is not None:
            return db.session.get(Location, plan.suggestion.location_id)
    return fallback(dock.warehouse_id, product_id)


def fallback(warehouse_id: int, product_id: int) -> Location | None:
    kinds = [k.value for k in PICKABLE_KINDS]
    usable = (Location.warehouse_id == warehouse_id, Location.active.is_(True), Location.blocked.is_(False),
              Location.kind.in_(kinds))
    face = db.session.scalar(select(Location).where(*usable, Location.slot_product_id == product_id)
                             .order_by(Location.id).limit(1))
    if face is not None:
        return face
    return db.session.scalar(select(Location).join(StockItem, StockItem.location_id == Location.id)
                             .where(*usable, StockItem.product_id == product_id, StockItem.quantity > 0)
                             .order_by(Location.kind, Location.code).limit(1))
