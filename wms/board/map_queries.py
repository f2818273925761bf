"""What the warehouse map reads: every bin of the aisles with its stock summed in one GROUP BY (units, nearest
expiry, worst lot status), one bin's stock, and a wave's stops in the planner's order and in S-shape order."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import joinedload

from ..catalog.models import Lot, Product
from ..extensions import db
from ..inventory.models import StockItem
from ..locations import layout as geometry
from ..locations.models import Location, Warehouse
from ..locations.routing import Layout, route_length, s_shape_order
from ..picking.models import PickTask, PickTaskStatus, Wave
from .warehouse_map import STATUS_RANK, Bin

_RANK_STATUS = {rank: status for status, rank in STATUS_RANK.items()}


def bins(warehouse: Warehouse, search: str | None = None) -> list[Bin]:
    """The aisles' bins with their stock. `search` (a SKU or a lot code, exactly, any case) marks the bins
    holding it."""
    rank = case(*((Lot.status == status, number) for status, number in STATUS_RANK.items()), else_=1)
    stock = (select(StockItem.location_id.label("location_id"), func.sum(StockItem.quantity).label("units"),
                    func.min(Lot.expires_on).label("expiry"), func.max(rank).label("rank"))
             .outerjoin(Lot, Lot.id == StockItem.lot_id)
             .where(StockItem.quantity > 0).group_by(StockItem.location_id).subquery())
    found: set[int] = set()
    if search:
        needle = search.strip().lower()
        found = set(db.session.scalars(
            select(StockItem.location_id).join(Product, Product.id == StockItem.product_id)
            .outerjoin(Lot, Lot.id == StockItem.lot_id)
            .where(StockItem.quantity > 0, or_(func.lower(Product.sku) == needle, func.lower(Lot.code) == needle))))
    rows = db.session.execute(
        select(Location.id, Location.code, Location.aisle, Location.bay, Location.level, Location.capacity_units,
               stock.c.units, stock.c.expiry, stock.c.rank)
        .outerjoin(stock, stock.c.location_id == Location.id)
        .where(Location.warehouse_id == warehouse.id, Location.active.is_(True), Location.aisle.is_not(None),
               Location.bay.is_not(None))
        .order_by(Location.aisle, Location.bay, Location.level)).all()
    return [Bin(id=row.id, code=row.code, aisle=row.aisle, bay=row.bay, level=row.level or 1,
                units=int(row.units or 0), capacity=row.capacity_units, nearest_expiry=row.expiry,
                worst_status=_RANK_STATUS.get(row.rank) if row.units else None, found=row.id in found)
            for row in rows]


def bin_stock(location_id: int) -> list[StockItem]:
    return list(db.session.scalars(
        select(StockItem).where(StockItem.location_id == location_id, StockItem.quantity > 0)
        .options(joinedload(StockItem.product), joinedload(StockItem.lot), joinedload(StockItem.lpn))
        .order_by(StockItem.id)))


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
