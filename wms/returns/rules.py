"""Pure rules of returns: the withdrawal window, the check of a returned unit against what was shipped, and
the default disposition. No Flask, no session."""
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from .models import Condition, Disposition, Flag

WITHDRAWAL_DAYS = 7  # CDC art. 49: 7 days from receiving the goods

DEFAULT_REASONS = (
    ("regret", "Changed mind (withdrawal, CDC art. 49)"),
    ("damaged_in_transit", "Arrived damaged"),
    ("wrong_item", "Wrong item sent"),
    ("defective", "Defective"),
    ("expired", "Expired or short-dated"),
    ("other", "Other"),
)


def within_window(delivered_on: date | None, requested_on: date) -> bool | None:
    """Whether a return asked for on `requested_on` is inside the 7-day withdrawal window (None: the delivery
    date is unknown). Day 7 after delivery is still inside."""
    if delivered_on is None:
        return None
    return 0 <= (requested_on - delivered_on).days <= WITHDRAWAL_DAYS


@dataclass(frozen=True)
class Shipped:
    """What left on an order, by (product id, lot id), less what earlier returns of it brought back."""

    remaining: Mapping[tuple[int, int | None], int]

    def products(self) -> set[int]:
        return {product_id for product_id, _lot in self.remaining}


@dataclass(frozen=True)
class Returned:
    product_id: int
    lot_id: int | None
    quantity: int
    serial: str | None = None
    # About the serial, from receiving: the lot it came in with (None: never received), returned already
    serial_lot_id: int | None = None
    serial_known: bool = True
    serial_returned_before: bool = False
    # From packing: whether the serial was packed for this order (None: the order's packing was not recorded,
    # it shipped before the shipping area did, so receipts are all we know), and the other order it left on.
    serial_on_order: bool | None = None
    serial_other_order: int | None = None


@dataclass(frozen=True)
class Check:
    flag: Flag
    detail: str = ""  # a code the view turns into words: the order id, the shipped lots


def check_unit(unit: Returned, shipped: Shipped, *, other_order_id: int | None = None) -> Check:
    """Is this unit one that left on the order? Product first, then lot, then how many, then the serial.
    `other_order_id` is another order of the same customer that shipped this product and lot, if any."""
    if unit.product_id not in shipped.products():
        if other_order_id is not None:
            return Check(Flag.ANOTHER_ORDER, str(other_order_id))
        return Check(Flag.NOT_SHIPPED)
    left = shipped.remaining.get((unit.product_id, unit.lot_id), 0)
    if (unit.product_id, unit.lot_id) not in shipped.remaining:
        if other_order_id is not None:
            return Check(Flag.ANOTHER_ORDER, str(other_order_id))
        return Check(Flag.WRONG_LOT)
    if unit.quantity > left:
        return Check(Flag.OVER, str(left))
    if unit.serial is not None:
        if unit.serial_on_order is False:
            # Packing recorded the order's serials and this one is not among them: it left on another order
            # (detail: that order) or never left at all.
            return Check(Flag.SERIAL, str(unit.serial_other_order) if unit.serial_other_order else "")
        if not (unit.serial_known or unit.serial_on_order) or unit.serial_returned_before:
            return Check(Flag.SERIAL)
        if unit.lot_id is not None and unit.serial_lot_id is not None and unit.serial_lot_id != unit.lot_id:
            return Check(Flag.SERIAL)
    return Check(Flag.OK)


@dataclass(frozen=True)
class Facts:
    condition: Condition
    anvisa_controlled: bool
    lot_sellable: bool  # the lot is released (not recalled, blocked or in quarantine) and not expired
    flag: Flag
    category: str = ""  # the product's category (catalog Category)


@dataclass(frozen=True)
class DispositionRow:
    """One row of the desk's disposition table (None: any category / either / the worker chooses)."""

    condition: Condition
    category: str | None
    anvisa_controlled: bool | None
    disposition: Disposition | None

    def matches(self, facts: Facts) -> bool:
        return (self.condition == facts.condition
                and (self.category is None or self.category == facts.category)
                and (self.anvisa_controlled is None or self.anvisa_controlled == facts.anvisa_controlled))

    @property
    def specificity(self) -> int:
        return (self.category is not None) * 2 + (self.anvisa_controlled is not None)


# The table the desk starts from (and falls back to while it keeps no row): what the rules were when they were
# fixed in code.
DEFAULT_ROWS = (
    DispositionRow(Condition.DAMAGED, None, None, Disposition.SCRAP),  # nothing damaged goes back on a shelf
    DispositionRow(Condition.SEALED, None, True, Disposition.QUARANTINE),
    DispositionRow(Condition.OPENED, None, True, Disposition.QUARANTINE),
)

# Dispositions at least as strict as quarantine: where a unit may go when the floor applies.
_FLOOR_KEEPS = (Disposition.QUARANTINE, Disposition.SCRAP)


def table_disposition(facts: Facts, rows: Iterable[DispositionRow]) -> Disposition | None:
    """What the table says: the most specific matching row (the first of equals), None when none matches."""
    best: DispositionRow | None = None
    for row in rows:
        if row.matches(facts) and (best is None or row.specificity > best.specificity):
            best = row
    return best.disposition if best else None


def decided_disposition(facts: Facts, rows: Iterable[DispositionRow] = DEFAULT_ROWS) -> Disposition | None:
    """The disposition the rules decide, or None when the worker chooses.

    The desk's table decides first (`rows`, default: DEFAULT_ROWS). Then floors no row can lower; a row may only
    make them stricter (scrap instead of quarantine):
    - an Anvisa-controlled product that left the warehouse → quarantine until the quality manager releases it:
      RDC 430/2020 (good distribution and storage practices) makes returned medicines and other controlled
      goods wait, segregated, for QA's evaluation before they may be sold again, so no desk setting may put one
      straight back on a shelf or leave it to the worker;
    - a unit of a lot that may not be sold (recalled, blocked, expired) → quarantine;
    - a unit that is not what was shipped → quarantine, for a supervisor to look at.
    """
    chosen = table_disposition(facts, rows)
    if facts.anvisa_controlled or not facts.lot_sellable or facts.flag != Flag.OK:
        if chosen not in _FLOOR_KEEPS:
            return Disposition.QUARANTINE
    return chosen


def allowed_dispositions(facts: Facts, rows: Iterable[DispositionRow] = DEFAULT_ROWS) -> tuple[Disposition, ...]:
    """What the worker may choose when the rules do not decide; a damaged unit is never restocked."""
    decided = decided_disposition(facts, rows)
    if decided is not None:
        return (decided,)
    if facts.condition == Condition.DAMAGED:
        return (Disposition.QUARANTINE, Disposition.SCRAP, Disposition.SUPPLIER)
    return (Disposition.RESTOCK, Disposition.QUARANTINE, Disposition.SCRAP, Disposition.SUPPLIER)


def rate(part: int, whole: int) -> float:
    return 0.0 if whole <= 0 else round(100.0 * part / whole, 1)
