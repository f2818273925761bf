"""What the warehouse map reads: every bay of the aisles (aisle × bay) with its bins' stock summed in SQL, GROUP BY
aisle, bay (units, capacity, nearest expiry, worst lot status), one bay's bins with their stock, and a wave's stops in the planner's order and in S-shape order."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, null, or_, select
from sqlalchemy.orm import joinedload

from ..catalog.models import Lot, Product
from ..extensions import db
from ..inventory.models import StockItem
from ..locations import layout as geometry
from ..locations.models import Location, Warehouse
from ..locations.routing import Layout, route_length, s_shape_order
from ..picking.models import PickTask, PickTaskStatus, Wave
from .warehouse_map import STATUS_RANK, Bay

_RANK_STATUS = {rank: status for status, rank in STATUS_RANK.items()}


def _in_aisles(warehouse: Warehouse):
    return (Location.warehouse_id == warehouse.id, Location.active.is_(True), Location.aisle.is_not(None),
            Location.bay.is_not(None))


def bays(warehouse: Warehouse, search: str | None = None, *, lots: bool = True) -> list[Bay]:
    """The aisles' bays with their stock: grouped statements (bins with stock, the search), one row per bay
    whatever the number of bins. `lots=False` leaves out the nearest expiry and the worst lot status (the join
    to the lots is most of the cost: the fill colours do not need it). `search` (a SKU or a lot code, exactly,
    any case) counts the bins holding it."""
    key = (Location.aisle, Location.bay)
    shelves = (select(*key, func.count(Location.id).label("bins"),
                      func.count(Location.capacity_units).label("sized"),
                      func.sum(Location.capacity_units).label("capacity"))
               .where(*_in_aisles(warehouse)).group_by(*key).subquery())
    rank = case(*((Lot.status == status, number) for status, number in STATUS_RANK.items()), else_=1)
    stock = (select(*key, func.sum(StockItem.quantity).label("units"),
                    *((func.min(Lot.expires_on).label("expiry"), func.max(rank).label("rank")) if lots else
                      (null().label("expiry"), null().label("rank"))))
             .select_from(StockItem).join(Location, Location.id == StockItem.location_id)
             .where(StockItem.quantity > 0, *_in_aisles(warehouse)).group_by(*key))
    if lots:
        stock = stock.outerjoin(Lot, Lot.id == StockItem.lot_id)
    stock = stock.subquery()
    found: dict[tuple[int, int], int] = {}
    if search:
        needle = search.strip().lower()
        products = list(db.session.scalars(select(Product.id).where(func.lower(Product.sku) == needle)))
        lot_ids = list(db.session.scalars(select(Lot.id).where(func.lower(Lot.code) == needle)))
        if products or lot_ids:
            # the bins first, through the items' product and lot indexes; then their bays
            holding = select(StockItem.location_id).where(
                StockItem.quantity > 0, or_(StockItem.product_id.in_(products), StockItem.lot_id.in_(lot_ids)))
            found = {(row.aisle, row.bay): row.bins for row in db.session.execute(
                select(*key, func.count(Location.id).label("bins"))
                .where(*_in_aisles(warehouse), Location.id.in_(holding)).group_by(*key))}
    rows = db.session.execute(
        select(shelves, stock.c.units, stock.c.expiry, stock.c.rank)
        .outerjoin(stock, (stock.c.aisle == shelves.c.aisle) & (stock.c.bay == shelves.c.bay))
        .order_by(shelves.c.aisle, shelves.c.bay)).all()
    return [Bay(aisle=row.aisle, bay=row.bay, bins=row.bins, units=int(row.units or 0),
                capacity=int(row.capacity) if row.capacity and row.sized == row.bins else None,
                nearest_expiry=row.expiry, worst_status=_RANK_STATUS.get(row.rank) if row.units else None,
                found=found.get((row.aisle, row.bay), 0))
            for row in rows]


@dataclass(frozen=True)
class BayBin:
    location: Location
    items: list[StockItem]


def bay_bins(warehouse: Warehouse, aisle: int, bay: int) -> list[BayBin]:
    """The bins of one bay (every zone and level) with their stock: two statements."""
    shelves = list(db.session.scalars(
        select(Location).where(*_in_aisles(warehouse), Location.aisle == aisle, Location.bay == bay)
        .order_by(Location.code)))
    items: dict[int, list[StockItem]] = {shelf.id: [] for shelf in shelves}
    if shelves:
        for item in db.session.scalars(
                select(StockItem).where(StockItem.location_id.in_(list(items)), StockItem.quantity > 0)
                .options(joinedload(StockItem.product), joinedload(StockItem.lot), joinedload(StockItem.lpn))
                .order_by(StockItem.id)):
            items[item.location_id].append(item)
    return [BayBin(shelf, items[shelf.id]) for shelf in shelves]


@dataclass(frozen=True)
class WaveWalk:
    layout: Layout
    planned: list[tuple[int, float]]  # stops in the order the planner chose
    planned_codes: list[str]
    planned_m: float
    s_shape: list[tuple[int, float]]
    s_shape_codes: list[str]
    s_shape_m: float

    @property
    def saved_m(self) -> float:
        return self.s_shape_m - self.planned_m


def wave_walk(wave: Wave) -> WaveWalk | None:
    """The wave's stops (one per task not cancelled) in its tasks' walking order, beside the S-shape order of the
    same stops, with both lengths over the same grid. None for a wave with nothing to pick."""
    tasks = list(db.session.scalars(
        select(PickTask).where(PickTask.wave_id == wave.id, PickTask.status != PickTaskStatus.CANCELLED.value)
        .options(joinedload(PickTask.location).joinedload(Location.warehouse))
        .order_by(PickTask.sequence, PickTask.id)))
    if not tasks:
        return None
    warehouse = tasks[0].location.warehouse
    layout = geometry.layout_of(warehouse)
    stops = [geometry.walk_stop(layout, t.location.aisle, t.location.bay, warehouse.bay_width_m) for t in tasks]
    codes = [t.location.code for t in tasks]
    order, s_metres = s_shape_order(layout, stops)
    return WaveWalk(layout=layout, planned=stops, planned_codes=codes, planned_m=route_length(layout, stops),
                    s_shape=[stops[i] for i in order], s_shape_codes=[codes[i] for i in order], s_shape_m=s_metres)
