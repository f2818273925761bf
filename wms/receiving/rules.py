"""Receiving rules: pure functions, no Flask app and no database.

- `dock_check`: what happens to units arriving at the dock (stock, quarantine, damaged location, refused, or a
  supervisor must allow them), and which discrepancies they make.
- `allocate`: which ASN lines a scan counts against.
- `choose_putaway`: where received goods should be stored, from the desk's rules and the candidate locations.
- `parse_expiry`: an expiry date typed at the dock.
"""
import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

from ..catalog.rules import meets_shelf_life
from ..formatting import lazy_number

# What happens to arriving units.
STOCK = "stock"
QUARANTINE = "quarantine"
DAMAGED = "damaged"
REFUSE = "refuse"
SUPERVISOR = "supervisor"

# Why goods are held for QA (beyond the discrepancy kinds that also hold them).
ANVISA_CONTROLLED = "anvisa_controlled"

# The most units one ASN line or one dock scan may carry.
MAX_UNITS = 1_000_000


def plain_text(value) -> str:
    """A typed or imported value as one line of text: spaces collapsed, "" for nothing."""
    return " ".join(str(value).split()) if value is not None else ""


# --- dock checks ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Arrival:
    """What arrived in one scan (with the answers to what the barcode did not say)."""

    sku: str
    quantity: int
    lot_code: str | None = None
    expires_on: date | None = None
    min_shelf_life_days: int = 0
    anvisa_controlled: bool = False
    anvisa_mismatch: bool = False  # the barcode's (713) registration is not the product's
    damaged: bool = False


@dataclass(frozen=True)
class Expected:
    """The ASN's view of this product: None for a blind receipt."""

    on_asn: bool  # False: the product is not on the ASN at all
    quantity: int = 0  # all lines of the product
    received: int = 0  # taken in so far (damaged included: they arrived)
    lots: frozenset[str] = frozenset()  # lots the ASN names for the product (empty: any lot)


@dataclass(frozen=True)
class Verdict:
    outcome: str  # STOCK, QUARANTINE, DAMAGED, REFUSE or SUPERVISOR
    discrepancies: tuple[tuple[str, int], ...] = ()  # (kind, units)
    hold_reasons: tuple[str, ...] = ()  # why the goods wait for QA (QUARANTINE only)
    message: object = None  # what the worker is told, when there is something to say
    over: int = 0  # units beyond the ASN's quantity
    allowed_over: int = 0

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(kind for kind, _units in self.discrepancies)


def over_allowance(expected: int, tolerance_pct: int) -> int:
    """Units that may arrive beyond the expected quantity without a supervisor (rounded down)."""
    return expected * max(tolerance_pct, 0) // 100


def dock_check(arrival: Arrival, expected: Expected | None, *, today: date, tolerance_pct: int,
               supervisor_approved: bool = False) -> Verdict:
    """Decide what happens to the units of one scan.

    In order: an expired lot is refused (handed back: RDC 430/2020 keeps expired goods out of the building's
    usable stock, and a supplier's expired goods are the supplier's); damaged units go to the damaged
    location; more than the ASN's quantity beyond the tolerance needs a supervisor; an unexpected product, a
    short-dated lot, an Anvisa registration that does not match, and any Anvisa-controlled product are taken
    into quarantine for QA release; the rest goes to stock.
    """
    qty = arrival.quantity
    if arrival.expires_on is not None and arrival.expires_on < today:
        return Verdict(REFUSE, (("expired", qty),), message=lazy_ngettext(
            "Lot %(lot)s expired on %(date)s: do not take it in. Hand this unit back to the driver; "
            "the refusal is recorded.",
            "Lot %(lot)s expired on %(date)s: do not take it in. Hand these %(qty)s units back to the driver; "
            "the refusal is recorded.", qty, lot=arrival.lot_code or "-", date=arrival.expires_on.isoformat(),
            qty=lazy_number(qty)))
    discrepancies: list[tuple[str, int]] = []
    over = allowed = 0
    if expected is not None and expected.on_asn:
        allowed = over_allowance(expected.quantity, tolerance_pct)
        over = max(0, expected.received + qty - max(expected.quantity, expected.received))
        if expected.received + qty > expected.quantity + allowed and not supervisor_approved:
            return Verdict(SUPERVISOR, over=over, allowed_over=allowed, message=_l(
                "%(sku)s: %(qty)s more would make %(total)s, but the ASN says %(expected)s (up to %(allowed)s "
                "more allowed). A supervisor must allow it, or set the extra units aside.", sku=arrival.sku,
                qty=lazy_number(qty), total=lazy_number(expected.received + qty),
                expected=lazy_number(expected.quantity), allowed=lazy_number(allowed)))
        if over:
            discrepancies.append(("over", over))
        if arrival.lot_code and expected.lots and arrival.lot_code not in expected.lots:
            discrepancies.append(("wrong_lot", qty))
    if arrival.damaged:
        return Verdict(DAMAGED, (*discrepancies, ("damaged", qty)), over=over, allowed_over=allowed)
    holds: list[str] = []
    if expected is not None and not expected.on_asn:
        discrepancies.append(("unexpected", qty))
        holds.append("unexpected")
    if not meets_shelf_life(arrival.expires_on, today, arrival.min_shelf_life_days):
        discrepancies.append(("short_dated", qty))
        holds.append("short_dated")
    if arrival.anvisa_mismatch:
        discrepancies.append(("anvisa_mismatch", qty))
        holds.append("anvisa_mismatch")
    if arrival.anvisa_controlled:
        holds.append(ANVISA_CONTROLLED)
    if holds:
        return Verdict(QUARANTINE, tuple(discrepancies), tuple(holds), over=over, allowed_over=allowed)
    return Verdict(STOCK, tuple(discrepancies), over=over, allowed_over=allowed)


# --- which ASN lines a scan counts against ----------------------------------------------------------------


@dataclass(frozen=True)
class LineProgress:
    line_id: int
    product_id: int
    expected: int
    received: int
    lot_code: str | None = None

    @property
    def remaining(self) -> int:
        return max(self.expected - self.received, 0)


def allocate(lines: Sequence[LineProgress], product_id: int, lot_code: str | None,
             quantity: int) -> list[tuple[int, int]]:
    """Split a scan's units over the product's ASN lines: [(line id, units)], empty when it is not on the ASN.

    Lines naming the same lot fill first, then lines naming no lot, then lines naming another lot. Units beyond
    every line's remaining quantity (an over-receipt) count against the first line that fits the lot best.
    """
    mine = [line for line in lines if line.product_id == product_id]
    if not mine:
        return []

    def fit(line: LineProgress) -> int:
        if lot_code is not None and line.lot_code == lot_code:
            return 0
        return 1 if line.lot_code is None else 2

    ranked = sorted(mine, key=lambda line: (fit(line), line.line_id))
    parts: dict[int, int] = {}
    left = quantity
    for line in ranked:
        take = min(left, line.remaining)
        if take:
            parts[line.line_id] = take
            left -= take
        if not left:
            break
    if left:
        first = ranked[0].line_id
        parts[first] = parts.get(first, 0) + left
    return [(line.line_id, parts[line.line_id]) for line in ranked if line.line_id in parts]


# --- put-away ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleSpec:
    rule_id: int
    priority: int
    location_kind: str
    product_id: int | None = None
    category: str | None = None
    zone: str | None = None  # None: any zone

    def matches(self, product_id: int, category: str) -> bool:
        if self.product_id is not None:
            return self.product_id == product_id
        if self.category is not None:
            return self.category == category
        return True

    @property
    def specificity(self) -> int:
        return 0 if self.product_id is not None else 1 if self.category is not None else 2


@dataclass(frozen=True)
class Load:
    """What is being put away: one product's units, or a whole plate (then `product_id` is its main product)."""

    product_id: int
    category: str
    quantity: int
    lot_ids: frozenset[int | None] = frozenset({None})
    product_ids: frozenset[int] = frozenset()  # every product on the plate; empty means {product_id}
    held: bool = False  # quarantined, suspect or rejected: only a quarantine location will do

    @property
    def products(self) -> frozenset[int]:
        return self.product_ids or frozenset({self.product_id})


@dataclass(frozen=True)
class Candidate:
    location_id: int
    code: str
    kind: str
    zone: str | None = None
    capacity_left: int | None = None  # None: no limit
    products: frozenset[int] = frozenset()  # what it holds now
    lots: frozenset[int | None] = frozenset()
    mixing: str = "mixed"  # mixed, one_product, one_lot
    blocked: bool = False  # blocked or not in use
    distance_m: float = 0.0  # walking distance from the dock


@dataclass(frozen=True)
class Suggestion:
    location_id: int
    code: str
    rule_id: int | None  # None: the quarantine rule or no rule matched (nearest reserve)
    reason: str  # same_lot, empty, same_product, mixed
    distance_m: float


QUARANTINE_KIND = "quarantine"
FALLBACK_KIND = "reserve"


def fits(load: Load, place: Candidate) -> bool:
    """Capacity and mixing allow the load there (kind and zone are the rule's business)."""
    if place.blocked:
        return False
    if place.capacity_left is not None and place.capacity_left < load.quantity:
        return False
    if place.mixing == "one_product" and (len(load.products) > 1 or place.products - load.products):
        return False
    if place.mixing == "one_lot" and (
        len(load.products) > 1 or len(load.lot_ids) > 1 or place.products - load.products
        or place.lots - load.lot_ids
    ):
        return False
    return True


def _preference(load: Load, place: Candidate) -> int:
    """0: already holds this product and lot (consolidate); 1: empty; 2: holds the product in another lot;
    3: holds other things."""
    if not place.products:
        return 1
    if place.products <= load.products:
        return 0 if place.lots <= load.lot_ids else 2
    return 3


def _best(load: Load, places: Iterable[Candidate]) -> tuple[Candidate, int] | None:
    ranked = sorted(
        ((place, _preference(load, place)) for place in places if fits(load, place)),
        key=lambda pair: (pair[1], pair[0].distance_m, pair[0].code),
    )
    return ranked[0] if ranked else None


_REASONS = {0: "same_lot", 1: "empty", 2: "same_product", 3: "mixed"}


def choose_putaway(load: Load, rules: Sequence[RuleSpec], candidates: Sequence[Candidate]) -> Suggestion | None:
    """Where the load should go, or None when no place fits.

    Held goods go to the nearest quarantine location that fits. Otherwise the rules matching the product (by
    product, else by category, else catch-all) are tried by priority, the more specific first on a tie; the
    first rule with a place that fits wins. Within a rule: a place already holding the same product and lot,
    then an empty one, then one with the product in another lot, then a mixed one; nearer the dock first.
    With no matching rule, the nearest reserve location that fits.
    """
    if load.held:
        found = _best(load, (c for c in candidates if c.kind == QUARANTINE_KIND))
        return _suggest(found, None)
    matching = sorted((r for r in rules if r.matches(load.product_id, load.category)),
                      key=lambda r: (r.priority, r.specificity, r.rule_id))
    for rule in matching:
        found = _best(load, (c for c in candidates if c.kind == rule.location_kind
                             and (rule.zone is None or c.zone == rule.zone)))
        if found:
            return _suggest(found, rule.rule_id)
    if matching:
        return None
    return _suggest(_best(load, (c for c in candidates if c.kind == FALLBACK_KIND)), None)


def _suggest(found: tuple[Candidate, int] | None, rule_id: int | None) -> Suggestion | None:
    if found is None:
        return None
    place, preference = found
    return Suggestion(place.location_id, place.code, rule_id, _REASONS[preference], place.distance_m)


# --- expiry typed at the dock -----------------------------------------------------------------------------

_DAY_FIRST = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})$", re.ASCII)
_MONTH_YEAR = re.compile(r"^(\d{1,2})[/.-](\d{2}|\d{4})$", re.ASCII)
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$", re.ASCII)


def _year(text: str, today: date) -> int:
    if len(text) == 4:
        return int(text)
    return today.year - today.year % 100 + int(text)  # labels print the next decades, not the last century


def parse_expiry(text: str, today: date) -> date:
    """An expiry as printed on a Brazilian label: 31/12/2027, 31/12/27, 12/2027 or 12/27 (the month's last
    day), 31122027, 311227, or 2027-12-31. ValueError with a message for anything else."""
    text = (text or "").strip()
    try:
        if match := _ISO.match(text):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := _DAY_FIRST.match(text):
            return date(_year(match[3], today), int(match[2]), int(match[1]))
        if match := _MONTH_YEAR.match(text):
            year, month = _year(match[2], today), int(match[1])
            return date(year, month, calendar.monthrange(year, month)[1])
        if text.isascii() and text.isdigit() and len(text) in (6, 8):
            return date(_year(text[4:], today), int(text[2:4]), int(text[:2]))
    except ValueError:
        pass
    raise ValueError(_l("%(text)s is not a date: type it as on the label, e.g. 31/12/2027 or 12/2027.",
                        text=text[:20] or "-"))


@dataclass
class LineSummary:
    """One ASN line (or an unexpected product) at closing."""

    sku: str
    expected: int
    received: int = 0
    quarantined: int = 0
    damaged: int = 0
    refused: int = 0
    discrepancies: dict[str, int] = field(default_factory=dict)

    @property
    def under(self) -> int:
        return max(self.expected - self.received, 0)
