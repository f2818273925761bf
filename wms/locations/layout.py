"""The warehouse's geometry, in one place: where a location stands on the aisle grid and how far apart places
are. Picking plans its walks with it, allocation prefers the nearest bin with it, put-away sends goods to the
closest fitting place with it. The grid and the exact route planner are in wms/locations/routing.py.
"""
from __future__ import annotations

from sqlalchemy import func, select

from ..extensions import db
from .models import Location, Warehouse
from .routing import Layout, grid_distance, plan_route


def _aisles(warehouse: Warehouse) -> int | None:
    """How many aisles the warehouse's locations use (None: no location has an aisle)."""
    return db.session.scalar(select(func.max(Location.aisle)).where(Location.warehouse_id == warehouse.id))


def layout_of(warehouse: Warehouse, aisles: int | None = None) -> Layout:
    """The route planner's view of a warehouse: as many aisles as its locations use (at least one; `aisles`:
    already counted by the caller)."""
    if aisles is None:
        aisles = _aisles(warehouse)
    return Layout(
        aisles=max(aisles or 1, 1), aisle_length=float(warehouse.aisle_length_m),
        aisle_pitch=float(warehouse.aisle_pitch_m), cross_aisles=tuple(sorted(warehouse.cross_aisles_m or ())),
        depot_x=float(warehouse.depot_x_m),
    )


def walk_stop(layout: Layout, aisle: int | None, bay: int | None, bay_width_m: float) -> tuple[int, float]:
    """Where a person stands for a location, as `plan_route` takes it: aisle `n` of a location code is aisle
    index n - 1, and bay `b` is at (b - 0.5) bay widths from the front. A place without an aisle (a dock, a
    staging area) is taken to be at the depot; a bay beyond the aisle's end, at its back."""
    if aisle is None or bay is None or not 1 <= aisle <= layout.aisles:
        index = min(max(round(layout.depot_x / layout.aisle_pitch), 0), layout.aisles - 1)
        return index, 0.0
    return aisle - 1, min(max((bay - 0.5) * bay_width_m, 0.0), layout.aisle_length)


def depot_metres(warehouse: Warehouse, aisle: int | None, bay: int | None) -> float:
    """How far a location is from the depot along the front cross-aisle and up its aisle (allocation's
    "nearest"); a place without an aisle counts as 0."""
    if aisle is None or bay is None:
        return 0.0
    x = (aisle - 1) * warehouse.aisle_pitch_m
    return abs(x - warehouse.depot_x_m) + max(bay - 0.5, 0) * warehouse.bay_width_m


def plan_walk(locations: list[Location]) -> tuple[list[int], float]:
    """Walking order (indexes into `locations`) and length in metres, from the depot and back."""
    if not locations:
        return [], 0.0
    warehouse = locations[0].warehouse
    layout = layout_of(warehouse)
    stops = [walk_stop(layout, loc.aisle, loc.bay, warehouse.bay_width_m) for loc in locations]
    return plan_route(layout, stops)


def walk_distances(warehouse: Warehouse, start: Location, places: list[Location]) -> dict[int, float]:
    """Walking metres from `start` (a dock) to each place over the aisle grid. A start outside the aisles stands
    at the depot, on the front cross-aisle; a place outside the aisles (a quarantine cage by the dock) counts
    as 0."""
    aisles = _aisles(warehouse)
    if not aisles:
        return {}
    layout = layout_of(warehouse, aisles)  # the aisles counted once

    def point(aisle: int | None, bay: int | None) -> tuple[int, float] | None:
        if aisle is None or bay is None or not 1 <= aisle <= layout.aisles:
            return None
        return walk_stop(layout, aisle, bay, warehouse.bay_width_m)

    begin = point(start.aisle, start.bay)
    lead = 0.0
    if begin is None:
        nearest = min(max(round(warehouse.depot_x_m / warehouse.aisle_pitch_m), 0), layout.aisles - 1)
        lead = abs(warehouse.depot_x_m - nearest * warehouse.aisle_pitch_m)
        begin = (nearest, 0.0)
    found = {}
    for place in places:
        stop = point(place.aisle, place.bay)
        found[place.id] = 0.0 if stop is None else lead + grid_distance(layout, begin, stop)
    return found
