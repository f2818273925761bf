"""The warehouse map: bay colours and the walk drawn over aisles and cross-aisles."""
from datetime import date, timedelta

from wms.board.warehouse_map import Bay, band, grid_path, map_svg, walk_points, walk_svg
from wms.locations.routing import Layout, route_length

TODAY = date(2026, 12, 7)
LAYOUT = Layout(aisles=3, aisle_length=10.0, aisle_pitch=3.0, cross_aisles=(5.0,), depot_x=0.0)


def test_a_bay_is_coloured_by_its_nearest_expiry():
    def colour(days):
        return band(Bay(1, 1, units=5, nearest_expiry=TODAY + timedelta(days=days)), "expiry", TODAY)

    assert [colour(d) for d in (-1, 10, 60, 200)] == ["expired", "within-30", "within-90", "later"]
    assert band(Bay(1, 1, units=5), "expiry", TODAY) == "no-expiry"
    assert band(Bay(1, 1), "expiry", TODAY) == "empty"


def test_fill_uses_capacity_when_known_else_the_fullest_bay():
    assert band(Bay(1, 1, units=9, capacity=10), "fill", TODAY) == "full"
    assert band(Bay(1, 1, units=2, capacity=10), "fill", TODAY) == "low"
    assert band(Bay(1, 1, units=5), "fill", TODAY, most_units=10) == "half"


def test_status_shows_the_worst_lot_in_the_bay():
    assert band(Bay(1, 1, units=1, worst_status="blocked"), "status", TODAY) == "blocked"


def test_the_walk_follows_aisles_and_the_cheapest_cross_aisle():
    assert grid_path(LAYOUT, (0.0, 4.0), (3.0, 6.0)) == [(0.0, 4.0), (0.0, 5.0), (3.0, 5.0), (3.0, 6.0)]
    stops = [(0, 4.0), (1, 6.0)]
    points = walk_points(LAYOUT, stops)
    walked = sum(abs(a[0] - b[0]) + abs(a[1] - b[1]) for a, b in zip(points, points[1:], strict=False))
    assert walked == route_length(LAYOUT, stops)


def test_the_map_draws_one_cell_per_bay_with_its_band_and_a_found_bay_stands_out():
    bays = [Bay(1, 1, bins=5, units=3, nearest_expiry=TODAY - timedelta(days=1), found=2), Bay(2, 1, bins=5)]
    svg = str(map_svg(LAYOUT, 1.0, bays, mode="expiry", today=TODAY, bay_url="/desk/map/bays/0/0"))
    assert svg.count('<g class="bay') == 2
    assert 'data-aisle="1" data-bay="1" data-band="expired" hx-get="/desk/map/bays/1/1"' in svg
    assert 'class="bay band-expired found"' in svg and 'data-band="empty"' in svg


def test_the_walk_numbers_its_stops_in_the_order_taken():
    svg = str(walk_svg(LAYOUT, [(2, 1.0), (0, 3.0)], title="planned"))
    assert svg.count('class="stop"') == 2 and 'class="route"' in svg
