"""Stock rules: pure functions, no database."""
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from ..catalog.models import LotStatus
from ..formatting import lazy_number
from ..locations.models import PICKABLE_KINDS, VIRTUAL_KINDS, LocationKind, Mixing

ADJUSTMENT_REASONS = ("damaged", "found", "lost", "count_variance", "expired", "correction")

# Which status a lot may take from the one it has.
LOT_TRANSITIONS = {
    LotStatus.RELEASED: {LotStatus.QUARANTINE, LotStatus.BLOCKED, LotStatus.RECALLED},
    LotStatus.QUARANTINE: {LotStatus.RELEASED, LotStatus.BLOCKED, LotStatus.RECALLED},
    LotStatus.BLOCKED: {LotStatus.RELEASED, LotStatus.QUARANTINE, LotStatus.RECALLED},
    LotStatus.RECALLED: {LotStatus.BLOCKED},
}


@dataclass(frozen=True)
class Destination:
    """What the rule needs to know about the place stock is going to."""

    code: str
    kind: LocationKind
    active: bool
    blocked: bool
    mixing: Mixing
    capacity_units: int | None
    units_now: int  # units already there
    products_now: frozenset[int]
    lots_now: frozenset[int | None]
    slot_product_id: int | None = None  # a pick face slotted for one product takes that product only
    slot_sku: str | None = None


@dataclass(frozen=True)
class Goods:
    product_id: int
    sku: str
    lot_id: int | None
    lot_code: str | None
    lot_status: str | None
    expires_on: date | None
    quantity: int


def destination_problem(dest: Destination, goods: Goods, today: date, quarantine_code: str | None = None):
    """Why these goods may not go there, or None. A message a worker can act on."""
    if dest.kind in VIRTUAL_KINDS:
        return _l("%(code)s is not a physical place.", code=dest.code)
    if not dest.active:
        return _l("Location %(code)s is not in use.", code=dest.code)
    if dest.blocked:
        return _l("Location %(code)s is blocked: choose another one.", code=dest.code)
    if dest.kind in PICKABLE_KINDS and goods.lot_id is not None:
        where = quarantine_code or _l("quarantine")
        if goods.expires_on is not None and goods.expires_on < today:
            return _l("Lot %(lot)s expired on %(date)s: put it in %(where)s, not in a picking location.",
                      lot=goods.lot_code, date=goods.expires_on.isoformat(), where=where)
        if goods.lot_status != LotStatus.RELEASED:
            return _l("Lot %(lot)s is %(status)s: put it in %(where)s, not in a picking location.",
                      lot=goods.lot_code, status=goods.lot_status, where=where)
    if dest.slot_product_id is not None and goods.product_id != dest.slot_product_id:
        return _l("%(code)s is the pick face of %(slot)s: put %(sku)s somewhere else.", code=dest.code,
                  slot=dest.slot_sku or "-", sku=goods.sku)
    if dest.mixing == Mixing.ONE_PRODUCT and dest.products_now - {goods.product_id}:
        return _l("%(code)s holds another product and takes one product only.", code=dest.code)
    if dest.mixing == Mixing.ONE_LOT and (
        dest.products_now - {goods.product_id} or dest.lots_now - {goods.lot_id}
    ):
        return _l("%(code)s holds another lot and takes one lot only.", code=dest.code)
    if dest.capacity_units is not None and dest.units_now + goods.quantity > dest.capacity_units:
        return _l("%(code)s has room for %(room)s more units, not %(qty)s.", code=dest.code,
                  room=lazy_number(max(dest.capacity_units - dest.units_now, 0)), qty=lazy_number(goods.quantity))
    return None


def needs_approval(delta: int, threshold: int, is_supervisor: bool) -> bool:
    """Large corrections need a second pair of eyes; a supervisor's own are applied at once."""
    return abs(delta) > threshold and not is_supervisor


def count_variances(expected: dict, counted: dict) -> dict:
    """Per stock key: counted − expected, for every key either side knows (unseen keys count as 0)."""
    keys = set(expected) | set(counted)
    return {key: counted.get(key, 0) - expected.get(key, 0) for key in keys}



# ---------------------------------------------------------------------------------------------- available to promise

@dataclass(frozen=True)
class ItemFacts:
    """What the available-to-promise rule needs to know about one stock item."""

    quantity: int
    reserved: int
    location_kind: str
    location_active: bool = True
    location_blocked: bool = False
    lot_status: str | None = None  # None: a product not tracked by lot
    expires_on: date | None = None
    on_tote: bool = False  # picked already, on its way to packing


def available_to_promise(item: ItemFacts, today: date, min_shelf_life_days: int = 0) -> int:
    """Units of this item a channel may sell: only in a sellable place (a pick face or reserve in use, not
    blocked, not on a tote), only of a released lot (not quarantined, blocked or recalled) that is not expired
    and still has the channel's minimum shelf life, less what is reserved. The one rule for the API's stock, the
    `stock.changed` events and the desk's "Available"."""
    from ..catalog.rules import meets_shelf_life

    if item.location_kind not in {kind.value for kind in PICKABLE_KINDS}:
        return 0
    if not item.location_active or item.location_blocked or item.on_tote:
        return 0
    if item.lot_status is not None and item.lot_status != LotStatus.RELEASED.value:
        return 0
    if not meets_shelf_life(item.expires_on, today, min_shelf_life_days):
        return 0
    return max(item.quantity - item.reserved, 0)
