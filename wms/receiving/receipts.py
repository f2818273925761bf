"""Receipts at the dock: opened (against an ASN, shared by the workers on one truck, or blind), moved to another
dock, their plates finished and labelled, their progress against the ASN, and closed (shortfalls recorded, the
ERP told).
"""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, inspect, or_, select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from .. import audit, events, idempotency
from ..auth.models import User
from ..catalog.models import Lot, Product
from ..dbtypes import utcnow
from ..errors import Conflict, DomainError, NotFound, get_or_not_found
from ..extensions import db
from ..locations import services as locations
from ..locations.models import Location, LocationKind
from ..sql import locked
from ..uow import use_case
from . import plates, rules
from .models import (
    Asn,
    AsnLine,
    AsnStatus,
    Decision,
    Discrepancy,
    Outcome,
    Receipt,
    ReceiptItem,
    ReceiptStatus,
)


def received_by_line(line_ids: list[int]) -> dict[int, int]:
    """Units taken in per ASN line (damaged included: they arrived), over all receipts."""
    if not line_ids:
        return {}
    rows = db.session.execute(
        select(ReceiptItem.asn_line_id, func.sum(ReceiptItem.quantity))
        .where(ReceiptItem.asn_line_id.in_(line_ids)).group_by(ReceiptItem.asn_line_id))
    return {line_id: int(total) for line_id, total in rows}


def asn_lines(asn: Asn) -> list[AsnLine]:
    """The ASN's lines with their products, in one statement, kept on `asn.lines`: a scan is judged against them,
    then the screen after it shows the same rows (lines already read with their products are not read again)."""
    if "lines" not in inspect(asn).unloaded:
        lines = asn.lines
        if all("product" not in inspect(line).unloaded for line in lines):
            return lines
    lines = list(db.session.scalars(select(AsnLine).where(AsnLine.asn_id == asn.id)
                                    .options(joinedload(AsnLine.product)).order_by(AsnLine.line_no)))
    set_committed_value(asn, "lines", lines)
    return lines


def progress(asn: Asn) -> list[rules.LineProgress]:
    lines = asn_lines(asn)
    received = received_by_line([line.id for line in lines])
    return [rules.LineProgress(line.id, line.product_id, line.quantity, received.get(line.id, 0), line.lot_code)
            for line in lines]


def _dock(warehouse_id: int, dock_id: int | None) -> Location:
    if dock_id is not None:
        dock = db.session.get(Location, dock_id)
        if dock is None or dock.kind != LocationKind.RECEIVING.value:
            raise DomainError(_l("That is not a receiving dock: scan the dock's code."))
        return dock
    dock = locations.first_of_kind(warehouse_id, LocationKind.RECEIVING)
    if dock is None:
        raise DomainError(_l("There is no receiving dock: create a location of type receiving first."))
    return dock


@use_case
def start_receipt(*, asn_id: int | None = None, user_id: int | None, dock_id: int | None = None,
                  supplier: str | None = None, reference: str | None = None) -> Receipt:
    """The open receipt of the ASN (workers on one truck share it), or a new one; without an ASN, a blind
    receipt."""
    if asn_id is not None:
        asn = locked(Asn, asn_id)  # afresh: the start screen found it by reference before (closed or cancelled since?)
        if asn is None:
            raise NotFound(_l("ASN not found."))
        if asn.status == AsnStatus.CANCELLED:
            raise DomainError(_l("ASN %(reference)s was cancelled: ask your supervisor.", reference=asn.reference))
        if asn.status == AsnStatus.RECEIVED:
            raise DomainError(_l("ASN %(reference)s was already received and closed: start a blind receipt for "
                                 "goods that came later.", reference=asn.reference))
        open_receipt = next((r for r in asn.receipts if r.status == ReceiptStatus.OPEN), None)
        if open_receipt is not None:
            return open_receipt
        receipt = Receipt(warehouse_id=asn.warehouse_id, asn_id=asn.id, dock_id=_dock(asn.warehouse_id, dock_id).id,
                          supplier=asn.supplier, reference=asn.reference, opened_by_id=user_id)
        asn.status = AsnStatus.RECEIVING.value
    else:
        warehouse = locations.default_warehouse()
        receipt = Receipt(warehouse_id=warehouse.id, dock_id=_dock(warehouse.id, dock_id).id,
                          supplier=rules.plain_text(supplier) or None,
                          reference=rules.plain_text(reference) or None, opened_by_id=user_id)
    db.session.add(receipt)
    db.session.flush()
    audit.record("receipt.open", receipt, user_id=user_id, asn_id=asn_id)
    return receipt


def get_receipt(receipt_id: int) -> Receipt:
    return get_or_not_found(Receipt, receipt_id, _l("Receipt not found."))


def open_receipt(receipt_id: int) -> Receipt:
    """The receipt, locked: scans on one receipt are judged one after the other (over-receipts). Read afresh: the
    screen read it before the scan, and another worker may have closed it or moved its dock since."""
    receipt = locked(Receipt, receipt_id)
    if receipt is None:
        raise NotFound(_l("Receipt not found."))
    if receipt.status != ReceiptStatus.OPEN:
        raise Conflict(_l("Receipt %(id)s is closed.", id=receipt.id))
    return receipt


@use_case
def change_dock(receipt_id: int, dock_id: int, *, user_id: int | None) -> Receipt:
    """Goods scanned from now on are put down at this dock."""
    receipt = open_receipt(receipt_id)
    receipt.dock_id = _dock(receipt.warehouse_id, dock_id).id
    audit.record("receipt.dock", receipt, user_id=user_id, dock_id=dock_id)
    return receipt


def record_discrepancy(receipt: Receipt, kind: str, quantity: int, decision: str, *, product: Product | None,
                       lot_code: str | None, line_id: int | None, user_id: int | None,
                       approver: User | None = None, note: str | None = None) -> Discrepancy:
    row = Discrepancy(receipt_id=receipt.id, asn_line_id=line_id, product_id=product.id if product else None,
                      lot_code=lot_code, kind=kind, quantity=quantity, decision=decision, user_id=user_id,
                      approved_by_id=approver.id if approver else None, note=note)
    db.session.add(row)
    return row


@use_case
def new_plate(receipt_id: int, *, kind: str = "pallet", user_id: int | None) -> dict:
    """Finish the plates being built (their labels print) and start a new one of this kind for stock."""
    if kind not in ("pallet", "tote", "box"):
        raise DomainError(_l("A plate is a pallet, a tote or a box."))
    receipt = open_receipt(receipt_id)
    labels = plates.finish_building(receipt, user_id)
    lpn = plates.building_plate(receipt, hold=False, kind=kind)
    audit.record("receipt.plate", receipt, user_id=user_id, lpn=lpn.code, kind=kind)
    return {"lpn": lpn.code, "kind": kind, "printed": labels.printed, "label_problem": labels.problem}


@use_case
def finish_plates(receipt_id: int, *, user_id: int | None) -> dict:
    """The plates being built are done: their labels print on the dock printer. The next scan starts a new one."""
    receipt = open_receipt(receipt_id)
    labels = plates.finish_building(receipt, user_id)
    audit.record("receipt.finish_plates", receipt, user_id=user_id, printed=labels.printed)
    return {"printed": labels.printed, "label_problem": labels.problem}


@use_case
def reprint_plate(receipt_id: int, lpn_id: int, *, user_id: int | None) -> str:
    """Print a plate's label again (a damaged label, or none printed for want of a printer)."""
    receipt = get_receipt(receipt_id)
    plate = next((p for p in receipt.plates if p.lpn_id == lpn_id), None)
    if plate is None:
        raise NotFound(_l("LPN not found."))
    lines = plates.plate_lines(plate.lpn)
    if not lines:
        raise DomainError(_l("LPN %(code)s is empty.", code=plate.lpn.code))
    job, problem = plates.lpn_label(plate.lpn, lines, user_id=user_id)
    if job is None:
        raise DomainError(problem)
    plate.label_job = job
    audit.record("receipt.reprint", receipt, user_id=user_id, lpn=plate.lpn.code)
    return job


@dataclass
class LineView:
    """One line of a receipt's summary: an ASN line, or a product that was not on the ASN."""

    sku: str
    name: str
    expected: int
    line_no: int | None = None
    lots: str = ""
    received: int = 0
    quarantined: int = 0
    damaged: int = 0
    refused: int = 0
    discrepancies: dict[str, int] | None = None

    @property
    def remaining(self) -> int:
        return max(self.expected - self.received, 0)

    def as_dict(self) -> dict:
        return {"line_no": self.line_no, "sku": self.sku, "expected": self.expected, "received": self.received,
                "quarantined": self.quarantined, "damaged": self.damaged, "refused": self.refused,
                "discrepancies": dict(self.discrepancies or {})}


def summary(receipt: Receipt) -> list[LineView]:
    """Per ASN line (then per product not on the ASN): expected, received, held, damaged, refused, and the
    discrepancies recorded, summed by kind. A few grouped queries, however many scans the receipt has: the
    handheld shows it after every scan (the ASN's lines as the scan read them, `asn_lines`)."""
    views: dict[tuple, LineView] = {}
    lines = asn_lines(receipt.asn) if receipt.asn_id is not None else []
    first_line = {}
    for line in lines:
        views[("line", line.id)] = LineView(line.product.sku, line.product.name, line.quantity, line.line_no,
                                            line.lot_code or "", discrepancies={})
        first_line.setdefault(line.product_id, line.id)
    # What this receipt took in, and what every receipt of the ASN took in of its lines, in one grouped query.
    mine = ReceiptItem.receipt_id == receipt.id
    taken = db.session.execute(
        select(ReceiptItem.receipt_id, ReceiptItem.asn_line_id, ReceiptItem.product_id, ReceiptItem.outcome,
               func.sum(ReceiptItem.quantity))
        .where(or_(mine, ReceiptItem.asn_line_id.in_(select(AsnLine.id).where(AsnLine.asn_id == receipt.asn_id)))
               if receipt.asn_id is not None else mine)
        .group_by(ReceiptItem.receipt_id, ReceiptItem.asn_line_id, ReceiptItem.product_id, ReceiptItem.outcome)).all()
    items = []
    for receipt_id, line_id, product_id, outcome, total in taken:
        if line_id is not None and ("line", line_id) in views:
            views[("line", line_id)].received += int(total)  # damaged included: they arrived
        if receipt_id == receipt.id:
            items.append((line_id, product_id, outcome, total))
    found = db.session.execute(
        select(Discrepancy.asn_line_id, Discrepancy.product_id, Discrepancy.kind, Discrepancy.decision,
               func.sum(Discrepancy.quantity))
        .where(Discrepancy.receipt_id == receipt.id, Discrepancy.product_id.is_not(None))
        .group_by(Discrepancy.asn_line_id, Discrepancy.product_id, Discrepancy.kind, Discrepancy.decision)).all()
    others = {product_id for line_id, product_id, *_rest in [*items, *found] if line_id is None}
    products = {p.id: p for p in db.session.scalars(select(Product).where(Product.id.in_(others)))} if others else {}

    def view_for(line_id: int | None, product_id: int) -> LineView:
        key = ("line", line_id) if line_id is not None else ("product", product_id)
        if key not in views:
            product = products[product_id]
            views[key] = LineView(product.sku, product.name, 0, discrepancies={})
        return views[key]

    for line_id, product_id, outcome, total in items:
        view = view_for(line_id, product_id)
        if line_id is None:
            view.received += int(total)
        if outcome == Outcome.QUARANTINE:
            view.quarantined += int(total)
        elif outcome == Outcome.DAMAGED:
            view.damaged += int(total)
    for line_id, product_id, kind, decision, total in found:
        if line_id is None and decision == Decision.REFUSED:
            line_id = first_line.get(product_id)  # refused goods count against the product's line
        view = view_for(line_id, product_id)
        view.discrepancies[kind] = view.discrepancies.get(kind, 0) + int(total)
        if decision == Decision.REFUSED:
            view.refused += int(total)
    return sorted(views.values(), key=lambda v: (v.line_no is None, v.line_no or 0, v.sku))


def receipt_payload(receipt: Receipt) -> dict:
    """What the ERP is told when a receipt closes."""
    lots = db.session.execute(
        select(ReceiptItem.product_id, ReceiptItem.lot_id, ReceiptItem.outcome, func.sum(ReceiptItem.quantity))
        .where(ReceiptItem.receipt_id == receipt.id)
        .group_by(ReceiptItem.product_id, ReceiptItem.lot_id, ReceiptItem.outcome)).all()
    received = []
    for product_id, lot_id, outcome, total in lots:
        product, lot = db.session.get(Product, product_id), db.session.get(Lot, lot_id) if lot_id else None
        received.append({"sku": product.sku, "lot": lot.code if lot else None,
                         "expires_on": lot.expires_on.isoformat() if lot and lot.expires_on else None,
                         "outcome": outcome, "quantity": int(total)})
    return {
        "receipt_id": receipt.id,
        "asn": {"id": receipt.asn.id, "supplier": receipt.asn.supplier, "reference": receipt.asn.reference}
        if receipt.asn else None,
        "supplier": receipt.supplier, "reference": receipt.reference, "dock": receipt.dock.code,
        "opened_at": receipt.opened_at.isoformat(),
        "closed_at": receipt.closed_at.isoformat() if receipt.closed_at else None,
        "lines": [view.as_dict() for view in summary(receipt)],
        "received": sorted(received, key=lambda r: (r["sku"], r["lot"] or "", r["outcome"])),
        "discrepancies": [{"kind": d.kind, "sku": d.product.sku if d.product else None, "lot": d.lot_code,
                           "quantity": d.quantity, "decision": d.decision} for d in receipt.discrepancies],
        "lpns": [plate.lpn.code for plate in receipt.plates],
    }


@use_case
@idempotency.by_scan_id("receiving.close")
def close_receipt(receipt_id: int, *, user_id: int | None) -> dict:
    """Close the receipt: plates finished (labels print), lines short of the ASN recorded as under, the ASN
    received, and a "receipt.closed" event for the ERP. Applied once per scan id (keyword `scan_id`)."""
    receipt = open_receipt(receipt_id)
    labels = plates.finish_building(receipt, user_id)
    if receipt.asn is not None:
        received = received_by_line([line.id for line in receipt.asn.lines])
        for line in receipt.asn.lines:
            short = line.quantity - received.get(line.id, 0)
            if short > 0:
                record_discrepancy(receipt, "under", short, Decision.RECORDED.value, product=line.product,
                                   lot_code=line.lot_code, line_id=line.id, user_id=user_id)
        receipt.asn.status = AsnStatus.RECEIVED.value
    receipt.status = ReceiptStatus.CLOSED.value
    receipt.closed_at = utcnow()
    receipt.closed_by_id = user_id
    db.session.flush()
    db.session.refresh(receipt, ["discrepancies"])
    payload = receipt_payload(receipt)
    events.emit("receipt.closed", payload)
    audit.record("receipt.close", receipt, user_id=user_id, discrepancies=len(receipt.discrepancies))
    return {"receipt_id": receipt.id, "discrepancies": len(payload["discrepancies"]), "lpns": payload["lpns"],
            "printed": labels.printed, "label_problem": labels.problem}
