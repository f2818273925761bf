"""The returns dock: each returned unit is scanned and checked against what left on the order (customer →
returns dock, a ledger move), then inspected (condition) and sent on by the rules or the worker's choice:
restock (directed put-away), quarantine, scrap (virtual) or the rejected-goods location for its supplier."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from .. import audit, clock
from ..catalog import services as catalog
from ..catalog.models import Lot, LotStatus, Product
from ..dbtypes import utcnow
from ..errors import Conflict, DomainError, NotFound
from ..extensions import db
from ..idempotency import by_scan_id
from ..inventory import lookup
from ..inventory import services as inventory
from ..locations import services as locations
from ..locations.models import PICKABLE_KINDS, Location, LocationKind
from ..receiving.models import Asn, Receipt, ReceiptItem
from ..sql import for_update, locked
from ..uow import use_case
from . import disposition as disposition_table
from . import putaway, rules, shipped
from .models import (
    Condition,
    Disposition,
    Flag,
    ReturnUnit,
    Rma,
    RmaStatus,
    SupplierReturn,
    SupplierReturnLine,
)

FLAG_WORDS = {
    Flag.WRONG_LOT: _l("another lot than the order's"),
    Flag.ANOTHER_ORDER: _l("shipped on another order of this customer"),
    Flag.NOT_SHIPPED: _l("never shipped on this order"),
    Flag.OVER: _l("more units than were shipped"),
    Flag.SERIAL: _l("a serial that did not leave on this order, of another lot, or returned already"),
}


class NeedLot(DomainError):
    """The product is lot-tracked and the scan named no lot: the worker scans or types it."""

    status = 200

    def __init__(self, product: Product):
        super().__init__(_l("%(sku)s is tracked by lot: scan or type the lot on the pack.", sku=product.sku))
        self.product = product


def returns_dock(warehouse_id: int) -> Location:
    dock = locations.first_of_kind(warehouse_id, LocationKind.RETURNS)
    if dock is None:
        raise DomainError(_l("There is no returns location: create one first."))
    return dock


def _remaining(rma: Rma) -> rules.Shipped:
    """What left on the order less what came back on its returns so far (the unexpected units excepted)."""
    left = shipped.shipped_on(rma.order_id)
    back = db.session.execute(
        select(ReturnUnit.product_id, ReturnUnit.lot_id, func.sum(ReturnUnit.quantity))
        .join(Rma, Rma.id == ReturnUnit.rma_id)
        .where(Rma.order_id == rma.order_id, ReturnUnit.flag == Flag.OK.value)
        .group_by(ReturnUnit.product_id, ReturnUnit.lot_id))
    for product_id, lot_id, quantity in back:
        if (product_id, lot_id) in left:
            left[(product_id, lot_id)] -= int(quantity)
    return rules.Shipped(left)


def _serial_facts(product: Product, serial: str | None, order_id: int) -> dict:
    """What receiving, packing and earlier returns know of a serial. Where packing recorded the order's units,
    the serial must be one packed for this order; else (orders shipped before packing was recorded) it must
    at least be one we received."""
    if serial is None:
        return {}
    received = db.session.scalar(select(ReceiptItem).where(ReceiptItem.product_id == product.id,
                                                           ReceiptItem.serial == serial).limit(1))
    before = db.session.scalar(select(ReturnUnit.id).where(ReturnUnit.product_id == product.id,
                                                           ReturnUnit.serial == serial).limit(1))
    on_order = other = None
    if shipped.packed_any(order_id):
        orders = shipped.orders_of_serial(product.id, serial)
        on_order = order_id in orders
        other = next((o for o in orders if o != order_id), None)
    return {"serial": serial, "serial_known": received is not None,
            "serial_lot_id": received.lot_id if received else None, "serial_returned_before": before is not None,
            "serial_on_order": on_order, "serial_other_order": other}


def _lot(product: Product, found: lookup.Identified, lot_code: str | None) -> Lot | None:
    if not product.lot_tracked:
        return None
    if found.lot is not None:
        return found.lot
    code = (found.lot_code or lot_code or "").strip()
    if not code:
        raise NeedLot(product)
    lot = catalog.find_lot(product.id, code)
    if lot is None:
        # A lot this warehouse never held: known by its GS1 expiry, it comes in to be segregated.
        if product.expiry_tracked and found.expires_on is None:
            raise DomainError(_l("Lot %(lot)s of %(sku)s was never here: scan the pack's GS1 code with its expiry.",
                                 lot=code[:20], sku=product.sku))
        lot = catalog.lot_in_transaction(product, code, expires_on=found.expires_on,
                                         status=LotStatus.QUARANTINE.value)
    return lot


@use_case
@by_scan_id("return.unit")
def receive_unit(rma_id: int, raw: str, *, lot_code: str | None = None, user_id: int | None) -> dict:
    """A unit (or a case) scanned out of a return parcel: checked against the order's shipment, flagged when it
    is not what left, and moved customer → returns dock under the RMA's document."""
    rma = locked(Rma, rma_id)
    if rma is None:
        raise NotFound(_l("Return not found."))
    if rma.status not in (RmaStatus.EXPECTED, RmaStatus.RECEIVING):
        raise Conflict(_l("Return RMA-%(id)s is %(status)s.", id=rma.id, status=rma.status))
    found = lookup.expect(lookup.identify(raw), "product")
    product = found.product
    lot = _lot(product, found, lot_code)
    quantity = found.quantity
    facts = _serial_facts(product, found.serial, rma.order_id)
    remaining = _remaining(rma)
    unit = rules.Returned(product_id=product.id, lot_id=lot.id if lot else None, quantity=quantity, **facts)
    other = None
    if (product.id, unit.lot_id) not in remaining.remaining:
        other = shipped.other_order_shipping(rma.order, product.id, unit.lot_id)
    check = rules.check_unit(unit, remaining, other_order_id=other)
    warehouse_id = locations.default_warehouse().id
    dock = returns_dock(warehouse_id)
    move = inventory.apply_move(
        product=product, lot=lot, source=locations.virtual_location(warehouse_id, LocationKind.CUSTOMER),
        target=dock, quantity=quantity, reason=shipped.RETURN_REASON, user_id=user_id, document=rma.document,
        check_target=False)
    line = next((ln for ln in rma.lines if ln.product_id == product.id), None)
    note = str(FLAG_WORDS[check.flag]) if check.flag != Flag.OK else None
    if check.flag == Flag.ANOTHER_ORDER or (check.flag == Flag.SERIAL and check.detail):
        note = f"{note}: ORDER-{check.detail}"
    returned = ReturnUnit(rma_id=rma.id, rma_line_id=line.id if line else None, product_id=product.id,
                          lot_id=lot.id if lot else None, serial=found.serial, quantity=quantity,
                          flag=check.flag.value, flag_note=note[:200] if note else None, dock_id=dock.id,
                          received_by_id=user_id)
    db.session.add(returned)
    if rma.status == RmaStatus.EXPECTED:
        rma.status = RmaStatus.RECEIVING.value
        rma.received_at = utcnow()
    db.session.flush()
    audit.record("return.unit", returned, user_id=user_id, rma=rma.id, sku=product.sku, flag=check.flag.value,
                 move=move.id)
    return {"unit_id": returned.id, "sku": product.sku, "lot": lot.code if lot else None, "serial": found.serial,
            "quantity": quantity, "flag": check.flag.value, "note": note}


def facts(unit: ReturnUnit, condition: Condition) -> rules.Facts:
    lot = unit.lot
    sellable = lot is None or (lot.status == LotStatus.RELEASED and not lot.is_expired(clock.today()))
    return rules.Facts(condition=condition, anvisa_controlled=unit.product.is_anvisa_controlled,
                       lot_sellable=sellable, flag=Flag(unit.flag), category=unit.product.category)


def pending_unit(unit_id: int) -> ReturnUnit:
    unit = db.session.get(ReturnUnit, unit_id)
    if unit is None:
        raise NotFound(_l("Returned unit not found."))
    return unit


def supplier_of(lot_id: int | None, product_id: int) -> str:
    """Who sold us these goods: the latest receipt of the lot (or of the product), by its ASN or as typed."""
    criteria = [ReceiptItem.lot_id == lot_id] if lot_id else [ReceiptItem.product_id == product_id]
    row = db.session.execute(select(Asn.supplier, Receipt.supplier).select_from(ReceiptItem)
                             .join(Receipt, Receipt.id == ReceiptItem.receipt_id)
                             .outerjoin(Asn, Asn.id == Receipt.asn_id).where(*criteria)
                             .order_by(ReceiptItem.id.desc()).limit(1)).first()
    return ((row[0] or row[1]) if row else None) or str(_l("unknown supplier"))


def add_to_supplier_return(*, warehouse_id: int, supplier: str, product_id: int, lot_id: int | None,
                           location: Location, quantity: int, source: str) -> SupplierReturn:
    """Put goods waiting in the rejected-goods location on the supplier's open return document."""
    document = db.session.scalar(for_update(select(SupplierReturn).where(
        SupplierReturn.warehouse_id == warehouse_id, SupplierReturn.supplier == supplier[:80],
        SupplierReturn.status == "open")))
    if document is None:
        document = SupplierReturn(warehouse_id=warehouse_id, supplier=supplier[:80])
        db.session.add(document)
        db.session.flush()
    db.session.add(SupplierReturnLine(supplier_return_id=document.id, product_id=product_id, lot_id=lot_id,
                                      location_id=location.id, quantity=quantity, source=source[:40]))
    return document


@use_case
@by_scan_id("return.inspect")
def inspect_unit(unit_id: int, *, condition: str, disposition: str | None = None, target: str | None = None,
                 user_id: int | None) -> dict:
    """The worker says the condition; the rules decide the disposition where they can, else the worker
    chooses; restock asks for the put-away location to be scanned. Answers {"need": ...} while a choice is
    missing (nothing changed), {"done": ...} once the unit has moved."""
    unit = locked(ReturnUnit, unit_id)  # afresh: the screen read it, and another handheld may have inspected it
    if unit is None:
        raise NotFound(_l("Returned unit not found."))
    if unit.disposition is not None:
        raise Conflict(_l("This unit was inspected already: %(disposition)s.", disposition=unit.disposition))
    try:
        state = Condition(condition)
    except ValueError:
        raise DomainError(_l("Choose the condition: sealed, opened or damaged.")) from None
    known = facts(unit, state)
    table = disposition_table.rows()
    allowed = rules.allowed_dispositions(known, table)
    decided = rules.decided_disposition(known, table)
    if disposition in (None, ""):
        if decided is None:
            return {"need": "disposition", "allowed": [d.value for d in allowed]}
        choice = decided
    else:
        try:
            choice = Disposition(disposition)
        except ValueError:
            raise DomainError(_l("Choose restock, quarantine, scrap or supplier.")) from None
        if choice not in allowed:
            raise DomainError(_l("The rules send this unit to %(disposition)s.", disposition=allowed[0].value))
    warehouse_id = unit.dock.warehouse_id
    rma = unit.rma
    moved_to: Location
    reason = f"return_{choice.value}"
    if choice == Disposition.RESTOCK:
        suggested = putaway.suggestion(unit.dock, unit.product_id, unit.lot_id, unit.quantity)
        if not target:
            return {"need": "location", "suggested": suggested.code if suggested else None,
                    "disposition": choice.value}
        moved_to = locations.by_code(target.strip().upper()[:40])
        if moved_to is None:
            raise DomainError(_l("%(code)s is not a location: scan the bin's label.", code=target.strip()[:40]))
        if suggested is not None and moved_to.id != suggested.id:
            raise DomainError(_l("Put it in %(code)s, as put-away says.", code=suggested.code))
        if moved_to.kind_enum not in PICKABLE_KINDS:
            raise DomainError(_l("%(code)s is not a storage bin.", code=moved_to.code))
    elif choice == Disposition.QUARANTINE:
        moved_to = locations.first_of_kind(warehouse_id, LocationKind.QUARANTINE)
        if moved_to is None:
            raise DomainError(_l("There is no quarantine location: create one first."))
    elif choice == Disposition.SCRAP:
        moved_to = locations.virtual_location(warehouse_id, LocationKind.SCRAP)
    else:
        moved_to = locations.first_of_kind(warehouse_id, LocationKind.DAMAGED)
        if moved_to is None:
            raise DomainError(_l("There is no rejected-goods (damaged) location: create one first."))
    inventory.apply_move(product=unit.product, lot=unit.lot, source=unit.dock, target=moved_to,
                         quantity=unit.quantity, reason=reason, user_id=user_id, document=rma.document,
                         check_target=choice == Disposition.RESTOCK)
    if choice == Disposition.SUPPLIER:
        add_to_supplier_return(warehouse_id=warehouse_id, supplier=supplier_of(unit.lot_id, unit.product_id),
                               product_id=unit.product_id, lot_id=unit.lot_id, location=moved_to,
                               quantity=unit.quantity, source=rma.document)
    if choice == Disposition.RESTOCK:
        inventory.stock_became_available({unit.product_id}, user_id)
    unit.condition, unit.disposition, unit.location_id = state.value, choice.value, moved_to.id
    unit.disposed_by_id, unit.disposed_at = user_id, utcnow()
    audit.record("return.inspect", unit, user_id=user_id, condition=state.value, disposition=choice.value,
                 to=moved_to.code, decided=decided is not None)
    return {"done": True, "unit_id": unit.id, "sku": unit.product.sku, "quantity": unit.quantity,
            "condition": state.value, "disposition": choice.value, "location": moved_to.code,
            "decided": decided is not None}
