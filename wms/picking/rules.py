"""Picking rules: pure functions over plain dataclasses. No Flask app, no session.

- `allocate`: FEFO choice of stock for one order line.
- `strictest_shelf_life`: the minimum remaining shelf life a line's lots must have.
- `substitute_problem`: may the picker take another lot than the one reserved?
- `order_status`: where an order stands from its lines.
- `propose_wave`: which orders the system suggests picking together.
"""
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from ..catalog.rules import meets_shelf_life

RELEASED = "released"


@dataclass(frozen=True)
class Candidate:
    """A stock item allocation may take from. `lot_status` and `expires_on` are None for products without lots;
    `distance` is any measure of how far the picker walks to it (metres from the depot): nearer first."""

    item_id: int
    free: int
    lot_id: int | None = None
    lot_status: str | None = None
    expires_on: date | None = None
    pick_face: bool = False
    distance: float = 0.0


@dataclass(frozen=True)
class Take:
    item_id: int
    quantity: int


def sellable(candidate: Candidate, today: date, min_shelf_life_days: int) -> bool:
    """Released (or not lot-tracked), not expired, with at least the minimum shelf life left."""
    if candidate.lot_id is not None and candidate.lot_status != RELEASED:
        return False
    return meets_shelf_life(candidate.expires_on, today, min_shelf_life_days)


def allocate(line_qty: int, candidates: Iterable[Candidate], today: date, min_shelf_life_days: int
             ) -> tuple[list[Take], int]:
    """Which stock to reserve for a line of `line_qty` units, and how many units cannot be covered.

    First expired, first out: lots are taken in order of expiry (no expiry last), and a later lot is only
    touched when every earlier one is used up. Among stock of the same expiry, pick faces come before reserve;
    within each, the nearest item that covers what is still needed on its own is taken (one split less), and
    when none does, the largest (fewer splits), the nearer of equals.
    """
    if line_qty <= 0:
        raise ValueError("a line needs at least one unit")
    usable = [c for c in candidates if c.free > 0 and sellable(c, today, min_shelf_life_days)]
    tiers: dict[date, list[Candidate]] = {}
    for candidate in usable:
        tiers.setdefault(candidate.expires_on or date.max, []).append(candidate)
    takes: list[Take] = []
    remaining = line_qty
    for expiry in sorted(tiers):
        for pick_face in (True, False):
            pool = [c for c in tiers[expiry] if c.pick_face == pick_face]
            while remaining and pool:
                covering = [c for c in pool if c.free >= remaining]
                if covering:
                    chosen = min(covering, key=lambda c: (c.distance, c.item_id))
                else:
                    chosen = min(pool, key=lambda c: (-c.free, c.distance, c.item_id))
                pool.remove(chosen)
                quantity = min(chosen.free, remaining)
                takes.append(Take(chosen.item_id, quantity))
                remaining -= quantity
            if not remaining:
                return takes, 0
    return takes, remaining


def strictest_shelf_life(product_days: int, channel_rules: dict[str | None, int], category: str,
                         customer_days: int) -> int:
    """The largest of the product's, the channel's (its rule for every category and its rule for this
    category) and the customer's minimum remaining shelf life, in days."""
    channel_days = max(channel_rules.get(None, 0), channel_rules.get(category, 0))
    return max(product_days or 0, channel_days, customer_days or 0, 0)


@dataclass(frozen=True)
class LotFacts:
    code: str
    status: str
    expires_on: date | None


def substitute_problem(reserved: LotFacts, scanned: LotFacts, today: date, min_shelf_life_days: int):
    """Why the scanned lot may not replace the reserved one, or None. Another lot is fine when it is released,
    not expired, expires no earlier than the reserved lot (the customer gets at least as much shelf life) and
    still meets the line's minimum."""
    if scanned.expires_on is not None and scanned.expires_on < today:
        return _l("Lot %(lot)s expired on %(date)s: put it aside and pick lot %(wanted)s.", lot=scanned.code,
                  date=scanned.expires_on.isoformat(), wanted=reserved.code)
    if scanned.status != RELEASED:
        return _l("Lot %(lot)s is %(status)s and may not be sold: put it aside and pick lot %(wanted)s.",
                  lot=scanned.code, status=scanned.status, wanted=reserved.code)
    if reserved.expires_on is not None and (scanned.expires_on is None or scanned.expires_on < reserved.expires_on):
        return _l("Lot %(lot)s expires before lot %(wanted)s: pick lot %(wanted)s.", lot=scanned.code,
                  wanted=reserved.code)
    if not meets_shelf_life(scanned.expires_on, today, min_shelf_life_days):
        return _l("Lot %(lot)s has less than the %(days)s days of shelf life this order needs: pick lot "
                  "%(wanted)s.", lot=scanned.code, days=min_shelf_life_days, wanted=reserved.code)
    return None


@dataclass(frozen=True)
class LineState:
    quantity: int
    allocated: int
    picked: int


def order_status(lines: Sequence[LineState], *, picking: bool) -> str:
    """An open order's status from its lines: `picking` while it is in an active wave with something left to
    pick; `picked` when every unit is picked; else how much of what is still needed is reserved."""
    needed = sum(line.quantity - line.picked for line in lines)
    if needed == 0:
        return "picked"
    reserved = sum(line.allocated for line in lines)
    if picking and reserved:
        return "picking"
    if reserved == 0:
        return "backordered"
    if reserved == needed:
        return "allocated"
    return "partially_allocated"


@dataclass(frozen=True)
class WaveCandidate:
    order_id: int
    carrier: str | None
    channel: str
    promised_ship_date: date | None
    priority: int
    created_order: int  # position in arrival order


def _urgency(order: WaveCandidate) -> tuple:
    return (order.promised_ship_date or date.max, -order.priority, order.created_order)


def choose_orders(orders: Iterable[WaveCandidate], max_orders: int) -> list[int]:
    """The most urgent orders first: earliest promised ship date, then highest priority, then oldest."""
    return [o.order_id for o in sorted(orders, key=_urgency)[:max_orders]]


def propose_wave(orders: Iterable[WaveCandidate], max_orders: int) -> tuple[str | None, list[int]]:
    """The wave the system suggests: the carrier whose most urgent order is the most urgent of all (its truck
    leaves first), and up to `max_orders` of that carrier's orders, most urgent first."""
    orders = list(orders)
    if not orders:
        return None, []
    first = min(orders, key=_urgency)
    same_carrier = [o for o in orders if o.carrier == first.carrier]
    return first.carrier, choose_orders(same_carrier, max_orders)
