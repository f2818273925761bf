"""The warehouse map as SVG, drawn from the same geometry the route planner uses (wms/locations/routing.py):
aisles as walking lanes, one cell per bay (aisle × bay, all its levels and zones summed) beside them, coloured by
fill, nearest expiry or worst lot status; and a pick walk as a line through its stops along aisles and cross-aisles. Pure: numbers in, markup out."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape

from ..locations.routing import Layout

MODES = ("fill", "expiry", "status")

# (css class, colour) per band; the legend shows them in this order.
FILL_BANDS = (("empty", "#ffffff"), ("low", "#c6dbef"), ("half", "#6baed6"), ("full", "#08519c"))
EXPIRY_BANDS = (("expired", "#c53030"), ("within-30", "#dd6b20"), ("within-90", "#ecc94b"),
                ("later", "#38a169"), ("no-expiry", "#a0aec0"), ("empty", "#ffffff"))
STATUS_BANDS = (("recalled", "#742a2a"), ("blocked", "#c53030"), ("quarantine", "#dd6b20"),
                ("released", "#38a169"), ("empty", "#ffffff"))
COLOURS = dict(FILL_BANDS + EXPIRY_BANDS + STATUS_BANDS)
BANDS = {"fill": FILL_BANDS, "expiry": EXPIRY_BANDS, "status": STATUS_BANDS}
# The worst status in a bin decides its colour.
STATUS_RANK = {"released": 1, "quarantine": 2, "blocked": 3, "recalled": 4}


@dataclass(frozen=True)
class Bay:
    """One bay of an aisle with the stock of all its bins summed: what one cell of the map shows."""

    aisle: int  # 1-based, as on the label
    bay: int
    bins: int = 1
    units: int = 0
    capacity: int | None = None  # of all its bins, None when a bin has none
    nearest_expiry: date | None = None
    worst_status: str | None = None  # released, quarantine, blocked, recalled
    found: int = 0  # bins holding what the search asked for


def band(bay: Bay, mode: str, today: date, most_units: int = 0) -> str:
    """The colour band of a bay in a mode."""
    if bay.units <= 0:
        return "empty"
    if mode == "expiry":
        if bay.nearest_expiry is None:
            return "no-expiry"
        days = (bay.nearest_expiry - today).days
        return "expired" if days < 0 else "within-30" if days <= 30 else "within-90" if days <= 90 else "later"
    if mode == "status":
        return bay.worst_status if bay.worst_status in STATUS_RANK else "released"
    full = bay.capacity if bay.capacity else max(most_units, 1)
    share = bay.units / full
    return "full" if share > 0.66 else "half" if share > 0.33 else "low"


@dataclass(frozen=True)
class Frame:
    """Metres to pixels: the front cross-aisle (and the depot) at the bottom, aisle 1 on the left."""

    layout: Layout
    scale: float
    margin: float = 30.0

    @property
    def width(self) -> float:
        return 2 * self.margin + ((self.layout.aisles - 1) * self.layout.aisle_pitch + 2) * self.scale

    @property
    def height(self) -> float:
        return 2 * self.margin + self.layout.aisle_length * self.scale + 14

    def x(self, metres: float) -> float:
        return self.margin + (metres + 1) * self.scale

    def y(self, metres: float) -> float:
        return self.margin + (self.layout.aisle_length - metres) * self.scale


def frame_for(layout: Layout, width: float = 900) -> Frame:
    span = (layout.aisles - 1) * layout.aisle_pitch + 2
    return Frame(layout, scale=max(min((width - 60) / span, 40.0), 4.0))


def grid_path(layout: Layout, a: tuple[float, float], b: tuple[float, float]) -> list[tuple[float, float]]:
    """Corner points, in metres (x, y), of a shortest walk from a to b over aisles and cross-aisles. Points
    are (x, y) with x on an aisle, except a depot on the front cross-aisle (y = 0)."""
    (ax, ay), (bx, by) = a, b
    if abs(ax - bx) < 1e-9:
        return [a, b]
    levels = (0.0, *map(float, layout.cross_aisles), float(layout.aisle_length))
    cross = min(levels, key=lambda level: abs(ay - level) + abs(by - level))
    return [a, (ax, cross), (bx, cross), b]


def walk_points(layout: Layout, stops: Sequence[tuple[int, float]]) -> list[tuple[float, float]]:
    """The whole walk, depot → stops in the given order → depot, as corner points in metres."""
    depot = (layout.depot_x, 0.0)
    places = [depot, *((aisle * layout.aisle_pitch, y) for aisle, y in stops), depot]
    points = [depot]
    for a, b in zip(places, places[1:], strict=False):
        points.extend(grid_path(layout, a, b)[1:])
    return points


def _aisles(frame: Frame) -> list[str]:
    layout, parts = frame.layout, []
    for index in range(layout.aisles):
        x = frame.x(index * layout.aisle_pitch)
        parts.append(f'<line class="aisle" x1="{x:.1f}" x2="{x:.1f}" y1="{frame.y(0):.1f}" '
                     f'y2="{frame.y(layout.aisle_length):.1f}" stroke="#e2e8f0" stroke-width="3"/>')
        parts.append(f'<text x="{x:.1f}" y="{frame.y(0) + 14:.1f}" text-anchor="middle" font-size="10">'
                     f"{index + 1}</text>")
    for level in (0.0, *layout.cross_aisles, layout.aisle_length):
        parts.append(f'<line class="cross-aisle" x1="{frame.x(0):.1f}" '
                     f'x2="{frame.x((layout.aisles - 1) * layout.aisle_pitch):.1f}" y1="{frame.y(level):.1f}" '
                     f'y2="{frame.y(level):.1f}" stroke="#e2e8f0" stroke-width="3"/>')
    parts.append(f'<circle class="depot" cx="{frame.x(layout.depot_x):.1f}" cy="{frame.y(0):.1f}" r="5" '
                 f'fill="#1a202c"><title>depot</title></circle>')
    return parts


def map_svg(layout: Layout, bay_width: float, bays: Sequence[Bay], *, mode: str, today: date,
            bay_url: str | None = None, width: float = 900, title: str = "") -> Markup:
    """The map, one cell per bay. With `bay_url` (ending in `/0/0` where the aisle and the bay go), a click on a
    cell asks htmx for that bay's bins and stock into `#bin-detail`."""
    frame = frame_for(layout, width)
    cell_w = max(min(layout.aisle_pitch * 0.4, 1.5) * frame.scale, 4)
    cell_h = max(bay_width * frame.scale - 1, 3)
    most = max((b.units for b in bays), default=0)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="warehouse-map" role="img" '
             f'viewBox="0 0 {frame.width:.0f} {frame.height:.0f}" width="{frame.width:.0f}" '
             f'height="{frame.height:.0f}" aria-label="{escape(title)}" data-mode="{escape(mode)}">', *_aisles(frame)]
    stem = bay_url[:-len("/0/0")] if bay_url and bay_url.endswith("/0/0") else None
    for bay in bays:
        if not 1 <= bay.aisle <= layout.aisles:
            continue
        colour_band = band(bay, mode, today, most)
        y_m = min(max((bay.bay - 0.5) * bay_width, 0.0), layout.aisle_length)
        x = frame.x((bay.aisle - 1) * layout.aisle_pitch) + 3
        y = frame.y(y_m) - cell_h / 2
        click = f' hx-get="{escape(stem)}/{bay.aisle}/{bay.bay}" hx-target="#bin-detail" tabindex="0"' if stem else ""
        expiry = f", {bay.nearest_expiry.isoformat()}" if bay.nearest_expiry else ""
        parts.append(
            f'<g class="bay band-{colour_band}{" found" if bay.found else ""}" data-aisle="{bay.aisle}" '
            f'data-bay="{bay.bay}" data-band="{colour_band}"{click}><title>{bay.aisle}-{bay.bay:02d} '
            f'({bay.bins}): {bay.units}{expiry}</title>'
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{cell_w:.1f}" height="{cell_h:.1f}" '
            f'fill="{COLOURS[colour_band]}" stroke="{"#e53e3e" if bay.found else "#4a5568"}" '
            f'stroke-width="{3 if bay.found else 0.5}"/></g>')
    parts.append("</svg>")
    return Markup("".join(parts))


def walk_svg(layout: Layout, stops: Sequence[tuple[int, float]], *, title: str, colour: str = "#2b6cb0",
             width: float = 440) -> Markup:
    """A pick walk: the aisles, the line walked, and the stops numbered in the order taken."""
    frame = frame_for(layout, width)
    points = walk_points(layout, stops)
    line = " ".join(f"{frame.x(x):.1f},{frame.y(y):.1f}" for x, y in points)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="walk" role="img" '
             f'viewBox="0 0 {frame.width:.0f} {frame.height:.0f}" width="{frame.width:.0f}" '
             f'height="{frame.height:.0f}" aria-label="{escape(title)}">', f"<title>{escape(title)}</title>",
             *_aisles(frame),
             f'<polyline class="route" points="{line}" fill="none" stroke="{colour}" stroke-width="2" '
             f'stroke-linejoin="round" opacity="0.8"/>']
    for number, (aisle, y) in enumerate(stops, start=1):
        cx, cy = frame.x(aisle * layout.aisle_pitch), frame.y(y)
        parts.append(f'<g class="stop" data-number="{number}"><circle cx="{cx:.1f}" cy="{cy:.1f}" r="7" '
                     f'fill="#fff" stroke="{colour}"/><text x="{cx:.1f}" y="{cy + 3:.1f}" text-anchor="middle" '
                     f'font-size="8">{number}</text></g>')
    parts.append("</svg>")
    return Markup("".join(parts))
