"""Directed put-away: where the goods waiting at a dock (or in quarantine) should go (`rules.choose_putaway` over
the desk's rules and the candidate places, nearest to the dock first), and the move there by ledger moves. A
destination other than the suggested one needs a reason.
"""
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from .. import audit, idempotency
from ..catalog.models import Product
from ..errors import DomainError, NotFound
from ..extensions import db
from ..formatting import lazy_number
from ..inventory import services as inventory
from ..inventory.models import Lpn, StockItem
from ..locations import layout
from ..locations import services as locations
from ..locations.models import PICKABLE_KINDS, VIRTUAL_KINDS, Location, LocationKind, Warehouse, Zone
from ..sql import rows_by_id
from ..uow import use_case
from . import putaway_rules, quarantine, rules

OVERRIDE_REASONS = ("full", "blocked", "closer", "supervisor", "other")


def candidates(warehouse: Warehouse, dock: Location, kinds: set[str]) -> list[rules.Candidate]:
    """Every usable location of these kinds, with what it holds and how far it is from the dock."""
    filters = (Location.warehouse_id == warehouse.id, Location.kind.in_(kinds), Location.active.is_(True),
               Location.blocked.is_(False))
    places = db.session.execute(select(Location, Zone.code).outerjoin(Zone, Zone.id == Location.zone_id)
                                .where(*filters)).all()
    contents: dict[int, tuple[int, set, set]] = {}
    rows = db.session.execute(
        select(StockItem.location_id, StockItem.product_id, StockItem.lot_id, func.sum(StockItem.quantity))
        .join(Location, Location.id == StockItem.location_id).where(*filters, StockItem.quantity > 0)
        .group_by(StockItem.location_id, StockItem.product_id, StockItem.lot_id))
    for location_id, product_id, lot_id, total in rows:
        units, products, lots = contents.get(location_id, (0, set(), set()))
        products.add(product_id)
        lots.add(lot_id)
        contents[location_id] = (units + int(total), products, lots)
    distance = layout.walk_distances(warehouse, dock, [place for place, _zone in places])
    found = []
    for place, zone in places:
        units, products, lots = contents.get(place.id, (0, set(), set()))
        found.append(rules.Candidate(
            location_id=place.id, code=place.code, kind=place.kind, zone=zone,
            capacity_left=None if place.capacity_units is None else place.capacity_units - units,
            products=frozenset(products), lots=frozenset(lots), mixing=place.mixing,
            distance_m=distance.get(place.id, 0.0)))
    return found


@dataclass(frozen=True)
class PutawayPlan:
    """What is being put away, from where, and where it should go."""

    items: list[StockItem]
    source: Location
    lpn: Lpn | None
    quantity: int
    held: bool
    suggestion: rules.Suggestion | None
    # The goods' products, held while the plan lives: the session keeps rows only while they are referenced, and
    # the move (which locks and re-reads the items) finds them there instead of reading them again.
    products: dict[int, Product] = field(default_factory=dict, repr=False, compare=False)

    def as_dict(self) -> dict:
        return {"source": self.source.code, "lpn": self.lpn.code if self.lpn else None, "quantity": self.quantity,
                "held": self.held, "target": self.suggestion.code if self.suggestion else None,
                "target_id": self.suggestion.location_id if self.suggestion else None,
                "why": self.suggestion.reason if self.suggestion else None}


def _plan(items: list[StockItem], quantity: int, lpn: Lpn | None) -> PutawayPlan:
    first = items[0]
    source = first.location
    warehouse = source.warehouse  # read with the source when the screen read the goods
    by_product: dict[int, int] = {}
    for item in items:
        by_product[item.product_id] = by_product.get(item.product_id, 0) + item.quantity
    main = max(by_product, key=lambda product_id: (by_product[product_id], -product_id))
    # Every product on the plate in one statement, set on its items: the screen names them, and the move finds
    # them in the session.
    products = rows_by_id(Product, by_product)
    for item in items:
        set_committed_value(item, "product", products[item.product_id])
    product = products[main]
    held = quarantine.is_held(items)
    load = rules.Load(product_id=main, category=product.category, quantity=quantity,
                      lot_ids=frozenset(item.lot_id for item in items), product_ids=frozenset(by_product),
                      held=held)
    specs = putaway_rules.rule_specs(warehouse.id)
    kinds = {rules.QUARANTINE_KIND} if held else {spec.location_kind for spec in specs} | {rules.FALLBACK_KIND}
    dock = source if source.kind == LocationKind.RECEIVING.value else \
        locations.first_of_kind(warehouse.id, LocationKind.RECEIVING) or source
    places = [c for c in candidates(warehouse, dock, kinds) if c.location_id != source.id]
    return PutawayPlan(items, source, lpn, quantity, held, rules.choose_putaway(load, specs, places), products)


def plan_for_lpn(lpn: Lpn) -> PutawayPlan:
    items = list(db.session.scalars(select(StockItem).where(StockItem.lpn_id == lpn.id, StockItem.quantity > 0)
                                    .order_by(StockItem.id)))
    if not items:
        raise DomainError(_l("LPN %(code)s is empty.", code=lpn.code))
    if len({item.location_id for item in items}) > 1:
        raise DomainError(_l("LPN %(code)s is split over several places: move its units one product at a "
                             "time.", code=lpn.code))
    return _plan(items, sum(item.quantity for item in items), lpn)


def plan_for_item(item: StockItem, quantity: int | None = None) -> PutawayPlan:
    quantity = item.available if quantity is None else quantity
    if not 1 <= quantity <= item.available:
        raise DomainError(_l("Only %(free)s of %(sku)s are free here: type %(free)s or less.",
                             free=lazy_number(item.available), sku=item.product.sku))
    return _plan([item], quantity, None)


def inbound_items(product: Product, lot_code: str | None = None) -> list[StockItem]:
    """The product's stock waiting for put-away: at a receiving dock or in quarantine."""
    query = (select(StockItem).join(Location, Location.id == StockItem.location_id)
             .where(StockItem.product_id == product.id, StockItem.quantity > StockItem.reserved,
                    Location.kind.in_([LocationKind.RECEIVING.value, LocationKind.QUARANTINE.value]))
             .options(contains_eager(StockItem.location), joinedload(StockItem.lot))  # the screen names them
             .order_by(StockItem.id))
    items = list(db.session.scalars(query))
    if lot_code:
        items = [item for item in items if item.lot and item.lot.code == lot_code]
    return items


def scan_action(lpn_id: int | None) -> str:
    """What a put-away's scan id is kept under: the move's own action (a plate's, or some units')."""
    return "stock.move_lpn" if lpn_id is not None else "stock.move"


def _same_goods(plan: PutawayPlan | None, lpn_id: int | None, item_id: int | None, quantity: int | None) -> bool:
    if plan is None:
        return False
    if lpn_id is not None:
        return plan.lpn is not None and plan.lpn.id == lpn_id
    return plan.lpn is None and plan.items[0].id == item_id and quantity is not None and plan.quantity == quantity


def _plan_of(lpn_id: int | None, item_id: int | None, quantity: int | None) -> PutawayPlan:
    if lpn_id is not None:
        lpn = db.session.get(Lpn, lpn_id)
        if lpn is None:
            raise NotFound(_l("LPN not found."))
        return plan_for_lpn(lpn)
    item = db.session.get(StockItem, item_id) if item_id is not None else None
    if item is None:
        raise NotFound(_l("Stock not found."))
    return plan_for_item(item, quantity)


@use_case
def put_away(*, target_id: int, user_id: int | None, lpn_id: int | None = None, item_id: int | None = None,
             quantity: int | None = None, reason: str | None = None, scan_id: str | None = None,
             plan: PutawayPlan | None = None) -> dict:
    """Move a plate (or some units of one stock item) from the dock to its storage place by ledger moves.
    A destination other than the suggested one needs a reason (kept in the audit trail and the move's note).
    `plan`: the plan of these same goods the caller worked out in this unit of work (the screen showed it before
    the scan), so it is not worked out again; the stock items are locked by the move either way."""
    # The move stores its result under the scan id (inventory's move_lpn/move_stock take it); a resend is
    # answered here, before the checks, which would refuse goods that have already moved. The receipt is read once
    # a transaction: the caller's look (the screen's), this one and the move's are one read.
    earlier = idempotency.replay(scan_id, scan_action(lpn_id))
    if earlier is not None:
        return earlier
    target = db.session.get(Location, target_id)
    if target is None or target.kind_enum in VIRTUAL_KINDS:
        raise NotFound(_l("Location not found."))
    if not _same_goods(plan, lpn_id, item_id, quantity):
        plan = _plan_of(lpn_id, item_id, quantity)
    suggested = plan.suggestion.location_id if plan.suggestion else None
    reason = (reason or "").strip() or None
    if suggested is not None and target.id != suggested:
        if reason not in OVERRIDE_REASONS:
            raise DomainError(_l("%(code)s is not where these goods should go (%(suggested)s): choose why.",
                                 code=target.code, suggested=plan.suggestion.code))
    if plan.held and target.kind_enum in PICKABLE_KINDS:
        raise DomainError(_l("These goods are held for QA: take them to a quarantine location, not to %(code)s.",
                             code=target.code))
    note = f"put-away; suggested {plan.suggestion.code}; reason {reason}" if reason and plan.suggestion else None
    if plan.lpn is not None:
        result = inventory.move_lpn(lpn_id=plan.lpn.id, target_id=target.id, user_id=user_id, reason="putaway",
                                    scan_id=scan_id)
    else:
        item = plan.items[0]
        result = inventory.move_stock(product_id=item.product_id, lot_id=item.lot_id, source_id=item.location_id,
                                      target_id=target.id, quantity=plan.quantity, user_id=user_id,
                                      from_lpn_id=item.lpn_id, reason="putaway", note=note, scan_id=scan_id)
    if not isinstance(result, idempotency.Replayed):  # the same scan's twin, applied meanwhile, wrote its own
        audit.record("putaway", target, user_id=user_id, lpn=plan.lpn.code if plan.lpn else None,
                     source=plan.source.code, suggested=plan.suggestion.code if plan.suggestion else None,
                     reason=reason, held=plan.held, units=plan.quantity)
    return result
