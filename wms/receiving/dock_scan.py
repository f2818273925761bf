"""One scan at the dock: what it names, what the barcode did not say (asked of the worker), the dock checks
(`rules.dock_check`), and the goods taken in (onto the receipt's plate, a hold plate, the damaged location, or
the supplier's pallet whole) or refused.

Over-receipts beyond the tolerance need a supervisor at the dock: the supervisor scans their badge and types
their PIN on the worker's handheld (checked like a login: wrong PINs lock the badge, and the count is kept
although the scan is refused). A supervisor is there when goods are on the dock, and the truck does not wait for
the desk.
"""
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import audit, clock, idempotency
from ..auth import services as auth_services
from ..auth.models import Role, User
from ..catalog import services as catalog
from ..catalog.models import Lot, LotStatus, LotStatusChange, Product
from ..errors import DomainError
from ..extensions import db
from ..formatting import lazy_number
from ..inventory import lookup
from ..inventory import services as inventory
from ..locations import services as locations
from ..locations.models import Location, LocationKind
from ..uow import use_case
from . import plates, quarantine, receipts, rules, tolerance
from .models import (
    AsnLine,
    Decision,
    Outcome,
    Receipt,
    ReceiptItem,
    ReceiptLpn,
)

MAX_UNITS = rules.MAX_UNITS


@dataclass(frozen=True)
class Answers:
    """What the worker typed for what the barcode did not give."""

    lot: str | None = None
    expires_on: date | None = None
    quantity: int | None = None  # in the scanned barcode's unit (cases for a case GTIN)
    damaged: bool = False
    supervisor_badge: str | None = None
    supervisor_pin: str | None = None


def supervisor_by_badge(badge: str) -> User:
    """The supervisor whose badge was scanned to allow something at the dock."""
    try:
        user = auth_services.user_by_badge(badge)
    except auth_services.LoginFailed as exc:
        raise DomainError(exc.message) from None
    if not user.has_role(Role.SUPERVISOR):
        raise DomainError(_l("%(name)s is not a supervisor: a supervisor's badge is needed.", name=user.name))
    return user


def _approver(answers: Answers) -> User | None:
    """The supervisor allowing an over-receipt: badge and PIN checked like a handheld login (wrong PINs lock
    the badge; the count is kept although the scan is refused)."""
    if not answers.supervisor_badge or answers.supervisor_pin is None:
        return None
    supervisor_by_badge(answers.supervisor_badge)
    try:
        return auth_services.login_with_badge(answers.supervisor_badge, answers.supervisor_pin,
                                              wrong=_l("Wrong PIN: type it again."))
    except auth_services.LoginFailed as exc:
        raise DomainError(exc.message) from None


def _need(need: str, product: Product, **extra) -> dict:
    return {"status": "need", "need": need, "sku": product.sku, "name": product.name, **extra}


def _expected(receipt: Receipt, product: Product, lines: list[rules.LineProgress] | None = None
              ) -> tuple[rules.Expected | None, list[rules.LineProgress]]:
    """What the ASN expects of the product, from its lines' progress (`lines`: read already for this scan)."""
    if receipt.asn is None:
        return None, []
    if lines is None:
        lines = receipts.progress(receipt.asn)
    mine = [line for line in lines if line.product_id == product.id]
    if not mine:
        return rules.Expected(on_asn=False), lines
    return rules.Expected(on_asn=True, quantity=sum(line.expected for line in mine),
                          received=sum(line.received for line in mine),
                          lots=frozenset(line.lot_code for line in mine if line.lot_code)), lines


def _identify(raw: str) -> tuple[lookup.Identified, bool]:
    """What the scan names, and whether its Anvisa registration disagrees with the product's (then the goods are
    suspect and held, rather than refused at the scan: a supervisor decides)."""
    try:
        return lookup.identify(raw), False
    except lookup.AnvisaMismatch as exc:
        return exc.found, True


@use_case
@idempotency.by_scan_id("receiving.scan")
def receive_scan(receipt_id: int, raw: str, answers: Answers | None = None, *, user_id: int | None) -> dict:
    """One scan at the dock: a product (unit, case or GS1 code with lot/expiry/serial/Anvisa registration) or a
    pallet SSCC. Answers {"status": "need", "need": "lot" | "expiry" | "quantity" | "supervisor", ...} when the
    barcode did not say enough (no goods move); otherwise takes the goods in ("received", "pallet") or records
    a refusal ("refused"). Applied once per scan id (keyword `scan_id`)."""
    answers = answers or Answers()
    approver = _approver(answers)
    receipt = receipts.open_receipt(receipt_id)
    found, mismatch = _identify(raw)
    if found.kind == "sscc":
        if found.lpn is not None or inventory.lpn_by_code(found.sscc) is not None:
            raise DomainError(_l("Pallet %(sscc)s was already received.", sscc=found.sscc))
        if not (found.scan.gtin and found.count) or _pallet_lines(receipt, found.sscc):
            return _receive_pallet(receipt, found, user_id)
        found = _pallet_contents(found)  # a pallet labelled (00)(02)(37) with no ASN lines: its contents
    lookup.expect(found, "product")
    product = found.product
    lot_code = (found.lot_code or answers.lot or "").strip() or None
    if not product.lot_tracked:
        lot_code = None  # a lot on the label of a product not tracked by lot is not kept
    elif lot_code is None:
        return _need("lot", product, expected_lots=_asn_lots(receipt, product))
    known_lot = None
    if lot_code:
        known_lot = found.lot if found.lot_code == lot_code else catalog.find_lot(product.id, lot_code)
    expires_on = found.expires_on or answers.expires_on or (known_lot.expires_on if known_lot else None)
    if product.expiry_tracked and expires_on is None:
        return _need("expiry", product, lot=lot_code)
    if found.serial:
        units = found.units  # one serialised trade item
        _refuse_serial_twice(product, found.serial)
    elif found.count:
        units = found.quantity
    elif answers.quantity:
        units = answers.quantity * found.units
    else:
        return _need("quantity", product, lot=lot_code, units=found.units)
    if units > MAX_UNITS:
        raise DomainError(_l("Type a whole number of units from %(min)s to %(max)s.", min=1,
                                 max=lazy_number(MAX_UNITS)))
    expected, lines = _expected(receipt, product)
    arrival = rules.Arrival(sku=product.sku, quantity=units, lot_code=lot_code, expires_on=expires_on,
                            min_shelf_life_days=product.min_shelf_life_days,
                            anvisa_controlled=product.is_anvisa_controlled, anvisa_mismatch=mismatch,
                            damaged=answers.damaged)
    today = clock.today()
    verdict = rules.dock_check(arrival, expected, today=today, tolerance_pct=tolerance.over_tolerance_pct())
    if verdict.outcome != rules.SUPERVISOR:
        approver = None  # nothing to allow
    else:
        if approver is None:
            return _need("supervisor", product, lot=lot_code, units=units, message=str(verdict.message),
                         over=verdict.over, allowed=verdict.allowed_over)
        verdict = rules.dock_check(arrival, expected, today=today, tolerance_pct=tolerance.over_tolerance_pct(),
                                   supervisor_approved=True)
    if verdict.outcome == rules.REFUSE:
        result = _refuse(receipt, product, arrival, verdict, user_id)
    else:
        parts = rules.allocate(lines, product.id, lot_code, units) or [(None, units)]
        result = _take_in(receipt, product, arrival, verdict, parts, user_id=user_id,
                          approver=approver, serial=found.serial, sscc=found.sscc, known_lot=known_lot)
    return result


def _asn_lots(receipt: Receipt, product: Product) -> list[str]:
    if receipt.asn is None:
        return []
    return sorted({line.lot_code for line in receipts.asn_lines(receipt.asn)
                   if line.product_id == product.id and line.lot_code})


def _refuse_serial_twice(product: Product, serial: str) -> None:
    earlier = db.session.scalar(select(ReceiptItem).where(ReceiptItem.product_id == product.id,
                                                          ReceiptItem.serial == serial))
    if earlier is not None:
        raise DomainError(_l("%(sku)s serial %(serial)s was already received (receipt %(receipt)s): this box was "
                             "scanned before.", sku=product.sku, serial=serial, receipt=earlier.receipt_id))


def _pallet_contents(found: lookup.Identified) -> lookup.Identified:
    """A pallet label (00)(02)(37) not announced by pallet: read as its product and count."""
    barcode = catalog.barcode_lookup(found.scan.gtin)
    if barcode is None:
        raise lookup.UnknownScan(_l("Barcode %(code)s is not in the catalogue: check the product or call your "
                                    "supervisor.", code=found.scan.gtin))
    lot = catalog.find_lot(barcode.product_id, found.lot_code) if found.lot_code else None
    return lookup.Identified(kind="product", scan=found.scan, product=barcode.product, units=barcode.units,
                             lot=lot, lot_code=found.lot_code, expires_on=found.expires_on, count=found.count,
                             sscc=found.sscc)


def _refuse(receipt: Receipt, product: Product, arrival: rules.Arrival, verdict: rules.Verdict,
            user_id: int | None) -> dict:
    for kind, quantity in verdict.discrepancies:
        receipts.record_discrepancy(receipt, kind, quantity, Decision.REFUSED.value, product=product,
                                    lot_code=arrival.lot_code, line_id=None, user_id=user_id)
    audit.record("receipt.refuse", receipt, user_id=user_id, sku=product.sku, lot=arrival.lot_code,
                 quantity=arrival.quantity, reasons=list(verdict.kinds))
    return {"status": "refused", "reason": verdict.kinds[0], "sku": product.sku, "name": product.name,
            "lot": arrival.lot_code, "quantity": arrival.quantity,
            "expires_on": arrival.expires_on.isoformat() if arrival.expires_on else None}


def _lot(receipt: Receipt, product: Product, code: str | None, expires_on: date | None,
         hold_reasons: tuple[str, ...], user_id: int | None, *, known: Lot | None | bool = False) -> Lot | None:
    """The lot, created if new: in quarantine when the goods are held (with the reason in its history).
    `known`: the lot already looked up (None: there is none yet), to spare a query."""
    if code is None:
        return None
    if known is False:
        known = catalog.find_lot(product.id, code)
    quarantine = bool(hold_reasons) and known is None
    lot = catalog.lot_in_transaction(product, code, expires_on=expires_on,
                                     status=LotStatus.QUARANTINE.value if quarantine else LotStatus.RELEASED.value)
    if quarantine:
        db.session.add(LotStatusChange(lot_id=lot.id, from_status=LotStatus.RELEASED.value,
                                       to_status=LotStatus.QUARANTINE.value,
                                       reason=("received: " + ", ".join(hold_reasons))[:200],
                                       reference=receipt.document, user_id=user_id))
    return lot


def _damaged_location(receipt: Receipt) -> Location:
    place = locations.first_of_kind(receipt.warehouse_id, LocationKind.DAMAGED)
    if place is None:
        raise DomainError(_l("There is no damaged-goods location: create a location of type damaged first."))
    return place


def _take_in(receipt: Receipt, product: Product, arrival: rules.Arrival, verdict: rules.Verdict,
             parts: list[tuple[int | None, int]], *, user_id: int | None, approver: User | None,
             serial: str | None, sscc: str | None = None, known_lot: Lot | None | bool = False) -> dict:
    outcome = {rules.STOCK: Outcome.STOCK, rules.QUARANTINE: Outcome.QUARANTINE,
               rules.DAMAGED: Outcome.DAMAGED}[verdict.outcome]
    lot = _lot(receipt, product, arrival.lot_code, arrival.expires_on, verdict.hold_reasons, user_id,
               known=known_lot)
    supplier = locations.virtual_location(receipt.warehouse_id, LocationKind.SUPPLIER)
    if outcome == Outcome.DAMAGED:
        target, lpn = _damaged_location(receipt), None
    elif sscc is not None:  # the supplier's pallet stays whole, under its own SSCC
        target = receipt.dock
        lpn = inventory.create_lpn(sscc, kind="pallet", location_id=receipt.dock_id)
        db.session.add(ReceiptLpn(receipt_id=receipt.id, lpn_id=lpn.id, hold=outcome == Outcome.QUARANTINE,
                                  building=False))
    else:
        target, lpn = receipt.dock, plates.building_plate(receipt, hold=outcome == Outcome.QUARANTINE)
    for line_id, quantity in parts:
        move = inventory.apply_move(product=product, lot=lot, source=supplier, target=target, quantity=quantity,
                                    reason="receipt", user_id=user_id, document=receipt.document, to_lpn=lpn,
                                    check_target=False)
        db.session.flush()
        db.session.add(ReceiptItem(receipt_id=receipt.id, asn_line_id=line_id, product_id=product.id,
                                   lot_id=lot.id if lot else None, quantity=quantity, outcome=outcome.value,
                                   location_id=target.id, lpn_id=lpn.id if lpn else None, move_id=move.id,
                                   serial=serial, user_id=user_id, approved_by_id=approver.id if approver else None))
    decision = {Outcome.STOCK: Decision.ACCEPTED, Outcome.QUARANTINE: Decision.QUARANTINE,
                Outcome.DAMAGED: Decision.DAMAGED}[outcome]
    line_id = parts[0][0]
    for kind, quantity in verdict.discrepancies:
        this = decision
        if kind == "over":
            this = Decision.APPROVED if approver else Decision.ACCEPTED
        receipts.record_discrepancy(receipt, kind, quantity, this.value, product=product,
                                    lot_code=arrival.lot_code, line_id=line_id, user_id=user_id,
                                    approver=approver if kind == "over" else None)
    if outcome == Outcome.QUARANTINE:
        quarantine.hold_goods(receipt, product, lot, lpn, arrival.quantity, verdict.hold_reasons)
    audit.record("receipt.scan", receipt, user_id=user_id, sku=product.sku, lot=arrival.lot_code,
                 quantity=arrival.quantity, outcome=outcome.value, discrepancies=list(verdict.kinds),
                 approved_by=approver.id if approver else None)
    return {"status": "received", "outcome": outcome.value, "sku": product.sku, "name": product.name,
            "lot": arrival.lot_code, "expires_on": arrival.expires_on.isoformat() if arrival.expires_on else None,
            "quantity": arrival.quantity, "lpn": lpn.code if lpn else None, "location": target.code,
            "discrepancies": list(verdict.kinds), "holds": list(verdict.hold_reasons), "over": verdict.over,
            "approved_by": approver.name if approver else None}


def _pallet_lines(receipt: Receipt, sscc: str) -> list[AsnLine]:
    if receipt.asn is None:
        return []
    return [line for line in receipts.asn_lines(receipt.asn) if line.sscc == sscc]


def _receive_pallet(receipt: Receipt, found: lookup.Identified, user_id: int | None) -> dict:
    """A pallet SSCC the ASN announced: all its lines in one scan, onto a plate with the SSCC as its code.
    Anything that would need a decision per case (an expired lot, more than announced, a line without its
    lot) stops the scan: the pallet must be broken down and its cases scanned."""
    sscc = found.sscc
    lines = _pallet_lines(receipt, sscc)
    if not lines:
        raise DomainError(_l("Pallet %(sscc)s is not announced with its contents: break it down and scan its "
                             "cases.", sscc=sscc))
    lines_now = receipts.progress(receipt.asn)  # read once for the whole pallet, not once per line
    progress_now = {line.line_id: line for line in lines_now}
    today, tolerance_pct = clock.today(), tolerance.over_tolerance_pct()
    checked = []
    for line in lines:
        product = line.product
        if product.lot_tracked and not line.lot_code or product.expiry_tracked and not line.expires_on:
            raise DomainError(_l("The ASN does not give the lot and expiry of %(sku)s on pallet %(sscc)s: break "
                                 "it down and scan its cases.", sku=product.sku, sscc=sscc))
        expected, _lines = _expected(receipt, product, lines_now)
        arrival = rules.Arrival(sku=product.sku, quantity=line.quantity, lot_code=line.lot_code,
                                expires_on=line.expires_on, min_shelf_life_days=product.min_shelf_life_days,
                                anvisa_controlled=product.is_anvisa_controlled)
        if progress_now[line.id].received:
            raise DomainError(_l("Line %(line)s of pallet %(sscc)s was already received case by case: scan the "
                                 "remaining cases instead.", line=line.line_no, sscc=sscc))
        verdict = rules.dock_check(arrival, expected, today=today, tolerance_pct=tolerance_pct)
        if verdict.outcome in (rules.REFUSE, rules.SUPERVISOR):
            raise DomainError(_l("Pallet %(sscc)s: %(problem)s Break the pallet down and scan its cases.",
                                 sscc=sscc, problem=verdict.message))
        checked.append((line, verdict))
    held = any(verdict.outcome == rules.QUARANTINE for _line, verdict in checked)
    lpn = inventory.create_lpn(sscc, kind="pallet", location_id=receipt.dock_id)
    db.session.add(ReceiptLpn(receipt_id=receipt.id, lpn_id=lpn.id, hold=held, building=False))
    supplier = locations.virtual_location(receipt.warehouse_id, LocationKind.SUPPLIER)
    units = 0
    for line, verdict in checked:
        product = line.product
        lot = _lot(receipt, product, line.lot_code, line.expires_on, verdict.hold_reasons, user_id)
        move = inventory.apply_move(product=product, lot=lot, source=supplier, target=receipt.dock,
                                    quantity=line.quantity, reason="receipt", user_id=user_id,
                                    document=receipt.document, to_lpn=lpn, check_target=False)
        db.session.flush()
        outcome = Outcome.QUARANTINE if held else Outcome.STOCK
        db.session.add(ReceiptItem(receipt_id=receipt.id, asn_line_id=line.id, product_id=product.id,
                                   lot_id=lot.id if lot else None, quantity=line.quantity, outcome=outcome.value,
                                   location_id=receipt.dock_id, lpn_id=lpn.id, move_id=move.id, user_id=user_id))
        for kind, quantity in verdict.discrepancies:
            decision = Decision.QUARANTINE if held else Decision.ACCEPTED
            receipts.record_discrepancy(receipt, kind, quantity, decision.value, product=product,
                                        lot_code=line.lot_code, line_id=line.id, user_id=user_id)
        if held:
            quarantine.hold_goods(receipt, product, lot, lpn, line.quantity, verdict.hold_reasons or ("same_pallet",))
        units += line.quantity
    audit.record("receipt.pallet", receipt, user_id=user_id, sscc=sscc, lines=len(checked), units=units, held=held)
    return {"status": "pallet", "sscc": sscc, "lpn": lpn.code, "lines": len(checked), "units": units,
            "outcome": (Outcome.QUARANTINE if held else Outcome.STOCK).value}

