"""Recall a lot (or one serial) in one transaction: the lot is recalled (reservations released and lines
re-allocated, totes held: inventory's change_lot_status), orders that picked or packed it and have not left are
held with what to take out, the recall is recorded and `lot.recalled` goes to the store (outbox)."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from .. import audit, events, numbers, sql
from ..catalog.models import Lot, LotStatus, Product
from ..errors import Conflict, DomainError, NotFound
from ..extensions import db
from ..formatting import lazy_number
from ..inventory import services as inventory
from ..inventory.models import Move
from ..locations.models import PICKABLE_KINDS, VIRTUAL_KINDS, Location
from ..orders.recall_hold import hold_for_recall
from ..receiving.models import ReceiptItem
from ..returns import shipped
from ..uow import use_case
from .models import Recall, RiskClass


def _clean(risk_class: str, reference: str, reason: str, holder: str | None) -> tuple[RiskClass, str, str, str]:
    try:
        risk = RiskClass((risk_class or "").strip().upper())
    except ValueError:
        raise DomainError(_l("Choose the risk class: I, II or III.")) from None
    reference, reason, holder = (reference or "").strip(), (reason or "").strip(), (holder or "").strip()
    if not reference or len(reference) > 80 or not reference.isprintable():
        raise DomainError(_l("Give the holder's or Anvisa's reference (at most 80 characters)."))
    if not reason or len(reason) > 200 or not reason.isprintable():
        raise DomainError(_l("Say why (at most 200 characters)."))
    if len(holder) > 120 or not holder.isprintable():
        raise DomainError(_l("The holder's name is at most 120 characters."))
    return risk, reference, reason, holder or None


def _in_open_orders(lot: Lot) -> list[tuple[int, int]]:
    """(order id, units) of the lot picked on orders: picked, less what went back to a bin or left (shipped)."""
    gone = select(Location.id).where(Location.kind.in_([k.value for k in VIRTUAL_KINDS | PICKABLE_KINDS]))
    picked = dict(db.session.execute(
        select(Move.document, func.sum(Move.quantity)).where(
            Move.lot_id == lot.id, Move.reason == "pick", Move.document.like("ORDER-%"))
        .group_by(Move.document)).all())
    if not picked:
        return []
    out = dict(db.session.execute(
        select(Move.document, func.sum(Move.quantity)).where(
            Move.lot_id == lot.id, Move.document.in_(list(picked)), Move.reason != "pick",
            Move.to_location_id.in_(gone))
        .group_by(Move.document)).all())
    found = []
    for document, quantity in picked.items():
        order_id = shipped.order_id_of(document)
        left = int(quantity) - int(out.get(document, 0))
        if order_id is not None and left > 0:
            found.append((order_id, left))
    return sorted(found)


@use_case
def recall_lot(lot_id: int, *, risk_class: str, reference: str, reason: str, holder: str | None = None,
               user_id: int | None) -> Recall:
    """Recall every unit of the lot. Orders holding it that have not left are put on hold saying what to take out."""
    risk, reference, reason, holder = _clean(risk_class, reference, reason, holder)
    # Locked before it is judged: of two recalls at once, the second sees the lot recalled by the first.
    lot = sql.locked(Lot, lot_id) if numbers.whole(lot_id, least=1) else None
    if lot is None:
        raise NotFound(_l("Lot not found."))
    if lot.status == LotStatus.RECALLED:
        raise Conflict(_l("Lot %(lot)s is recalled already.", lot=lot.code))
    inventory.change_lot_status(lot.id, LotStatus.RECALLED.value, reason=f"recall {risk.value}: {reason}"[:200],
                                user_id=user_id, reference=reference)
    held = []
    for order_id, units in _in_open_orders(lot):
        text = str(_l("Lot %(lot)s recalled (%(reference)s): take %(qty)s × %(sku)s out before it ships.",
                      lot=lot.code, reference=reference, qty=lazy_number(units), sku=lot.product.sku))
        if hold_for_recall(order_id, text, user_id=user_id):
            held.append(order_id)
    recall = Recall(product_id=lot.product_id, lot_id=lot.id, risk_class=risk.value, reference=reference,
                    holder=holder, reason=reason, user_id=user_id)
    db.session.add(recall)
    db.session.flush()
    events.emit("lot.recalled", {
        "recall_id": recall.id, "sku": lot.product.sku, "anvisa_registration": lot.product.anvisa_registration,
        "lot": lot.code, "expires_on": lot.expires_on.isoformat() if lot.expires_on else None,
        "risk_class": risk.value, "reference": reference, "holder": holder, "reason": reason,
        "held_orders": held, "shipped_orders": len(shipped_orders(lot.id))})
    audit.record("lot.recall", recall, user_id=user_id, lot=lot.code, risk_class=risk.value, held=held)
    return recall


@use_case
def recall_serial(product_id: int, serial: str, *, risk_class: str, reference: str, reason: str,
                  holder: str | None = None, user_id: int | None) -> Recall:
    """Recall one serialised unit. Stock is counted by lot, not by serial, so the unit is found by its serial in
    the receipts and returns; the lot it came in with is named in the event for the store."""
    risk, reference, reason, holder = _clean(risk_class, reference, reason, holder)
    product = db.session.get(Product, product_id) if numbers.whole(product_id, least=1) else None
    serial = (serial or "").strip()
    if product is None:
        raise NotFound(_l("Product not found."))
    if not serial or len(serial) > 20 or not serial.isprintable():
        raise DomainError(_l("A serial is 1 to 20 characters."))
    received = db.session.scalar(select(ReceiptItem).where(ReceiptItem.product_id == product.id,
                                                           ReceiptItem.serial == serial).limit(1))
    if received is None:
        raise NotFound(_l("%(sku)s serial %(serial)s was never received here.", sku=product.sku, serial=serial))
    recall = Recall(product_id=product.id, lot_id=received.lot_id, serial=serial, risk_class=risk.value,
                    reference=reference, holder=holder, reason=reason, user_id=user_id)
    db.session.add(recall)
    db.session.flush()
    events.emit("lot.recalled", {
        "recall_id": recall.id, "sku": product.sku, "anvisa_registration": product.anvisa_registration,
        "lot": received.lot.code if received.lot else None, "serial": serial, "risk_class": risk.value,
        "reference": reference, "holder": holder, "reason": reason})
    audit.record("serial.recall", recall, user_id=user_id, serial=serial, risk_class=risk.value)
    return recall


def shipped_orders(lot_id: int) -> list[tuple[int, int, object]]:
    """(order id, units, last shipped at) of every order the lot left on: ledger moves to the customer."""
    rows = db.session.execute(
        select(Move.document, func.sum(Move.quantity), func.max(Move.at))
        .where(Move.lot_id == lot_id, Move.reason == shipped.SHIP_REASON,
               Move.to_location_id.in_(shipped.customer_location_ids()))
        .group_by(Move.document))
    found = []
    for document, quantity, at in rows:
        order_id = shipped.order_id_of(document)
        if order_id is not None:
            found.append((order_id, int(quantity), at))
    return sorted(found)
