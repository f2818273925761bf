"""Receiving use cases: ASNs (desk, CSV, API), receipts at the dock, quarantine decisions, directed put-away.

Every service loads, applies the rules (`wms.receiving.rules`), writes ledger moves through
`wms.inventory.services.apply_move` and commits once. Handheld submissions carry a scan id and are applied once.

Where received goods go:
- to stock: onto the receipt's plate on the dock (an LPN built for it, label printed when it is finished);
- to quarantine: onto a separate hold plate on the dock, kept apart (RDC 430/2020), with a hold in the desk's
  quarantine queue. A lot first seen in this receipt is created with status quarantine; a lot already in the
  warehouse keeps its status (it was released before, and its stock elsewhere must not stop) and the hold on the
  plate keeps these units out of storage until a supervisor releases them. Put-away takes a hold plate to a
  quarantine location;
- damaged units: straight to the damaged location (no plate);
- an expired lot is refused: recorded, nothing taken in.

Over-receipts beyond the tolerance (a desk setting, % of the ASN's quantity of the product) need a supervisor
at the dock: the supervisor scans their badge and types their PIN on the worker's handheld (checked like a
login: wrong PINs lock the badge). A supervisor is there when goods are on the dock, and the truck does not wait
for the desk.
"""
import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from .. import audit, clock, events, gs1, idempotency, settings, uow
from ..auth import services as auth_services
from ..auth.models import Role, User
from ..catalog import services as catalog
from ..catalog.models import Category, Lot, LotStatus, LotStatusChange, Product
from ..dbtypes import utcnow
from ..errors import Conflict, DomainError, NotFound, get_or_not_found
from ..extensions import db
from ..inventory import lookup
from ..inventory import services as inventory
from ..inventory.models import Lpn, StockItem
from ..locations import layout
from ..locations import services as locations
from ..locations.models import PICKABLE_KINDS, VIRTUAL_KINDS, Location, LocationKind, Warehouse, Zone
from ..printing import services as printing
from ..uow import use_case
from . import rules
from .models import (
    Asn,
    AsnLine,
    AsnStatus,
    Decision,
    Discrepancy,
    Hold,
    HoldStatus,
    Outcome,
    PutawayRule,
    Receipt,
    ReceiptItem,
    ReceiptLpn,
    ReceiptStatus,
)

MAX_LINES = 500
MAX_UNITS = 1_000_000


class AsnInvalid(DomainError):
    """Field errors of an ASN: `details["fields"]` maps a field ("lines[2].sku") to what is wrong with it."""

    def __init__(self, fields: dict[str, str]):
        super().__init__(_l("The ASN was not accepted: correct the fields listed."), fields=fields)
        self.fields = fields


# ---------------------------------------------------------------------------------------------- settings


def over_tolerance_pct() -> int:
    return settings.get("receiving_over_tolerance_pct")


@use_case
def set_over_tolerance(pct: int, *, user_id: int | None) -> int:
    if isinstance(pct, bool) or not isinstance(pct, int) or not 0 <= pct <= 100:
        raise DomainError(_l("The over-receipt tolerance is a whole percentage from 0 to 100."))
    before = over_tolerance_pct()
    settings.put("receiving_over_tolerance_pct", pct)
    audit.record("setting.receiving_over_tolerance_pct", None, user_id=user_id, before=before, after=pct)
    return pct


# ---------------------------------------------------------------------------------------------- ASNs


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def _product_for(code: str) -> Product | None:
    product = catalog.by_sku(code)
    if product is None:
        barcode = catalog.barcode_lookup(code)
        product = barcode.product if barcode is not None else None
    return product


@dataclass(frozen=True)
class CleanLine:
    product: Product
    quantity: int
    lot_code: str | None
    expires_on: date | None
    sscc: str | None

    def key(self) -> tuple:
        return self.product.id, self.quantity, self.lot_code, self.expires_on, self.sscc


def _clean_lines(lines: Any, fields: dict[str, str]) -> list[CleanLine]:
    if not isinstance(lines, list) or not lines:
        fields["lines"] = str(_l("At least one line: product and quantity."))
        return []
    if len(lines) > MAX_LINES:
        fields["lines"] = str(_l("At most %(max)s lines per ASN.", max=MAX_LINES))
        return []
    clean = []
    for index, line in enumerate(lines):
        where = f"lines[{index}]"
        if not isinstance(line, dict):
            fields[where] = str(_l("Each line is an object with sku and quantity."))
            continue
        code = _text(line.get("sku") or line.get("gtin"))
        product = _product_for(code) if code else None
        if not code:
            fields[f"{where}.sku"] = str(_l("Required: the product's SKU or GTIN."))
        elif product is None:
            fields[f"{where}.sku"] = str(_l("Unknown product %(code)s.", code=code[:64]))
        quantity = line.get("quantity")
        if isinstance(quantity, str) and quantity.strip().isdigit():
            quantity = int(quantity)
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_UNITS:
            fields[f"{where}.quantity"] = str(_l("A whole number of units from 1 to %(max)s.", max=MAX_UNITS))
        lot_code = _text(line.get("lot")) or None
        if lot_code is not None and (len(lot_code) > 20 or set(lot_code) - gs1.GS1_CHARSET_82):
            fields[f"{where}.lot"] = str(_l("A lot is 1 to 20 letters, digits or GS1 signs."))
        elif lot_code is not None and product is not None and not product.lot_tracked:
            fields[f"{where}.lot"] = str(_l("%(sku)s is not tracked by lot.", sku=product.sku))
        expires_on = None
        if line.get("expires_on") not in (None, ""):
            expires_on = _date(line.get("expires_on"))
            if expires_on is None:
                fields[f"{where}.expires_on"] = str(_l("A date as YYYY-MM-DD."))
            elif lot_code is None:
                fields[f"{where}.expires_on"] = str(_l("An expiry belongs to a lot: give the lot too."))
        sscc = _text(line.get("sscc")) or None
        if sscc is not None and not gs1.is_valid_sscc(sscc):
            fields[f"{where}.sscc"] = str(_l("An SSCC is 18 digits with a right check digit."))
        if not any(key.startswith(where) for key in fields):
            clean.append(CleanLine(product, quantity, lot_code, expires_on, sscc))
    return clean


@dataclass(frozen=True)
class CleanAsn:
    supplier: str
    reference: str
    expected_on: date
    lines: list[CleanLine]
    note: str | None

    def same_as(self, asn: Asn) -> bool:
        mine = sorted(line.key() for line in self.lines)
        theirs = sorted((line.product_id, line.quantity, line.lot_code, line.expires_on, line.sscc)
                        for line in asn.lines)
        return asn.expected_on == self.expected_on and mine == theirs


def clean_asn(data: dict) -> CleanAsn:
    """The ASN's fields checked and normalised, or AsnInvalid with every problem at once."""
    fields: dict[str, str] = {}
    supplier, reference = _text(data.get("supplier")), _text(data.get("reference"))
    if not supplier or len(supplier) > 80:
        fields["supplier"] = str(_l("Required: the supplier's name or CNPJ, at most 80 characters."))
    if not reference or len(reference) > 40:
        fields["reference"] = str(_l("Required: the supplier's reference, at most 40 characters."))
    expected_on = _date(data.get("expected_on")) if data.get("expected_on") not in (None, "") else None
    if expected_on is None:
        fields["expected_on"] = str(_l("Required: the expected date as YYYY-MM-DD."))
    note = _text(data.get("note"))[:200] or None
    lines = _clean_lines(data.get("lines"), fields)
    if fields:
        raise AsnInvalid(fields)
    return CleanAsn(supplier, reference, expected_on, lines, note)


def _existing(supplier: str, reference: str) -> Asn | None:
    return db.session.scalar(select(Asn).where(Asn.supplier == supplier, Asn.reference == reference))


def _add_asn(clean: CleanAsn, *, warehouse: Warehouse, source: str, user_id: int | None) -> Asn:
    asn = Asn(warehouse_id=warehouse.id, supplier=clean.supplier, reference=clean.reference,
              expected_on=clean.expected_on, source=source, note=clean.note, created_by_id=user_id)
    for number, line in enumerate(clean.lines, start=1):
        asn.lines.append(AsnLine(line_no=number, product_id=line.product.id, quantity=line.quantity,
                                 lot_code=line.lot_code, expires_on=line.expires_on, sscc=line.sscc))
    db.session.add(asn)
    return asn


def _duplicate(asn: Asn) -> Conflict:
    return Conflict(_l("%(supplier)s already sent ASN %(reference)s with other contents: use a new reference, "
                       "or change the existing ASN on the desk.", supplier=asn.supplier, reference=asn.reference),
                    asn_id=asn.id)


@use_case
def create_asn(data: dict, *, source: str = "desk", user_id: int | None = None) -> tuple[Asn, bool]:
    """Create an ASN from {supplier, reference, expected_on, note, lines: [{sku|gtin, quantity, lot,
    expires_on, sscc}]}. Idempotent on (supplier, reference): the same contents again give the existing ASN
    (and False); other contents are a Conflict."""
    clean = clean_asn(data)
    existing = _existing(clean.supplier, clean.reference)
    if existing is not None:
        if clean.same_as(existing):
            return existing, False
        raise _duplicate(existing)
    asn = _add_asn(clean, warehouse=locations.default_warehouse(), source=source, user_id=user_id)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # the same reference sent twice at once: the other request won
        if asn in db.session:
            db.session.expunge(asn)
        existing = _existing(clean.supplier, clean.reference)
        if existing is not None and clean.same_as(existing):
            return existing, False
        raise _duplicate(existing) if existing is not None else Conflict(_l("Try again.")) from None
    audit.record("asn.create", asn, user_id=user_id, supplier=asn.supplier, reference=asn.reference,
                 lines=len(asn.lines), source=source)
    return asn, True


ASN_CSV_COLUMNS = ("supplier", "reference", "expected_on", "sku", "quantity", "lot", "expires_on", "sscc", "note")


@dataclass
class CsvReport:
    created: list[str]
    unchanged: list[str]
    errors: list[tuple[int, str]]  # (line number, message)


@use_case
def import_asns_csv(text: str, *, user_id: int | None = None) -> CsvReport:
    """ASNs from CSV, one row per line: supplier,reference,expected_on,sku,quantity[,lot,expires_on,sscc,note].
    Rows with the same supplier and reference make one ASN. All or nothing: any error, nothing is created.
    An ASN that already exists with the same contents is left as it is."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = {(name or "").strip().lower() for name in reader.fieldnames or []}
    except csv.Error:
        header = set()
    if not {"supplier", "reference", "expected_on", "sku", "quantity"} <= header:
        raise DomainError(_l("The CSV needs a header line with at least: supplier,reference,expected_on,sku,"
                             "quantity"))
    groups: dict[tuple[str, str], dict] = {}
    errors: list[tuple[int, str]] = []
    try:
        for raw in reader:
            number = reader.line_num
            if None in raw:
                errors.append((number, str(_l("This line has more fields than the header."))))
                continue
            row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
            key = (_text(row.get("supplier")), _text(row.get("reference")))
            group = groups.setdefault(key, {"supplier": key[0], "reference": key[1], "expected_on":
                                            row.get("expected_on"), "note": row.get("note"), "lines": [],
                                            "rows": []})
            group["lines"].append({"sku": row.get("sku"), "quantity": row.get("quantity"), "lot": row.get("lot"),
                                   "expires_on": row.get("expires_on"), "sscc": row.get("sscc")})
            group["rows"].append(number)
    except csv.Error as exc:
        errors.append((reader.line_num, str(_l("This line is not readable CSV (%(problem)s).",
                                               problem=str(exc)))))
    if not groups and not errors:
        raise DomainError(_l("The CSV has no ASN lines."))
    warehouse = locations.default_warehouse()
    report = CsvReport([], [], errors)
    for group in groups.values():
        rows = group.pop("rows")
        try:
            clean = clean_asn(group)
        except AsnInvalid as exc:
            for name, message in exc.fields.items():
                number = rows[0]
                if name.startswith("lines["):
                    number = rows[int(name[6:name.index("]")])]
                report.errors.append((number, f"{name}: {message}"))
            continue
        existing = _existing(clean.supplier, clean.reference)
        label = f"{clean.supplier} {clean.reference}"
        if existing is not None:
            if clean.same_as(existing):
                report.unchanged.append(label)
            else:
                report.errors.append((rows[0], str(_duplicate(existing))))
            continue
        _add_asn(clean, warehouse=warehouse, source="csv", user_id=user_id)
        report.created.append(label)
    report.errors.sort()
    if report.errors:  # an import with errors is refused whole: nothing of it is kept
        report.created = []
        raise uow.Discard(report)
    if report.created:
        audit.record("asn.import", None, user_id=user_id, created=report.created)
    return report


def get_asn(asn_id: int) -> Asn:
    return get_or_not_found(Asn, asn_id, _l("ASN not found."))


@use_case
def cancel_asn(asn_id: int, *, user_id: int | None) -> Asn:
    asn = get_asn(asn_id)
    if asn.status != AsnStatus.EXPECTED:
        raise Conflict(_l("Only an ASN with nothing received yet can be cancelled."))
    asn.status = AsnStatus.CANCELLED.value
    audit.record("asn.cancel", asn, user_id=user_id)
    return asn


def received_by_line(line_ids: list[int]) -> dict[int, int]:
    """Units taken in per ASN line (damaged included: they arrived), over all receipts."""
    if not line_ids:
        return {}
    rows = db.session.execute(
        select(ReceiptItem.asn_line_id, func.sum(ReceiptItem.quantity))
        .where(ReceiptItem.asn_line_id.in_(line_ids)).group_by(ReceiptItem.asn_line_id))
    return {line_id: int(total) for line_id, total in rows}


def progress(asn: Asn) -> list[rules.LineProgress]:
    received = received_by_line([line.id for line in asn.lines])
    return [rules.LineProgress(line.id, line.product_id, line.quantity, received.get(line.id, 0), line.lot_code)
            for line in asn.lines]


def asn_as_dict(asn: Asn) -> dict:
    """The API's view of an ASN, with progress per line."""
    received = received_by_line([line.id for line in asn.lines])
    return {
        "id": asn.id, "supplier": asn.supplier, "reference": asn.reference,
        "expected_on": asn.expected_on.isoformat(), "status": asn.status, "source": asn.source, "note": asn.note,
        "lines": [{
            "line_no": line.line_no, "sku": line.product.sku, "quantity": line.quantity, "lot": line.lot_code,
            "expires_on": line.expires_on.isoformat() if line.expires_on else None, "sscc": line.sscc,
            "received": received.get(line.id, 0),
        } for line in asn.lines],
        "receipts": [{"id": r.id, "status": r.status} for r in asn.receipts],
    }


# ---------------------------------------------------------------------------------------------- receipts


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


def open_asns_for(text: str) -> list[Asn]:
    """ASNs still to receive whose reference is the text (any supplier), or that hold the pallet SSCC."""
    text = _text(text)
    if not text:
        return []
    open_states = (AsnStatus.EXPECTED.value, AsnStatus.RECEIVING.value)
    by_reference = select(Asn).where(func.upper(Asn.reference) == text.upper(), Asn.status.in_(open_states))
    found = list(db.session.scalars(by_reference.order_by(Asn.expected_on, Asn.id)))
    if not found and text.isdigit() and len(text) in (18, 20):
        sscc = text[-18:]
        found = list(db.session.scalars(
            select(Asn).join(AsnLine).where(AsnLine.sscc == sscc, Asn.status.in_(open_states)).distinct()))
    return found


@use_case
def start_receipt(*, asn_id: int | None = None, user_id: int | None, dock_id: int | None = None,
                  supplier: str | None = None, reference: str | None = None) -> Receipt:
    """The open receipt of the ASN (workers on one truck share it), or a new one; without an ASN, a blind
    receipt."""
    if asn_id is not None:
        asn = db.session.get(Asn, asn_id, with_for_update=True)
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
                          supplier=_text(supplier)[:80] or None, reference=_text(reference)[:40] or None,
                          opened_by_id=user_id)
    db.session.add(receipt)
    db.session.flush()
    audit.record("receipt.open", receipt, user_id=user_id, asn_id=asn_id)
    return receipt


def get_receipt(receipt_id: int) -> Receipt:
    return get_or_not_found(Receipt, receipt_id, _l("Receipt not found."))


def _open_receipt(receipt_id: int) -> Receipt:
    """The receipt, locked: scans on one receipt are judged one after the other (over-receipts)."""
    receipt = db.session.get(Receipt, receipt_id, with_for_update=True)
    if receipt is None:
        raise NotFound(_l("Receipt not found."))
    if receipt.status != ReceiptStatus.OPEN:
        raise Conflict(_l("Receipt %(id)s is closed.", id=receipt.id))
    return receipt


@use_case
def change_dock(receipt_id: int, dock_id: int, *, user_id: int | None) -> Receipt:
    """Goods scanned from now on are put down at this dock."""
    receipt = _open_receipt(receipt_id)
    receipt.dock_id = _dock(receipt.warehouse_id, dock_id).id
    audit.record("receipt.dock", receipt, user_id=user_id, dock_id=dock_id)
    return receipt


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
        return auth_services.login_with_badge(answers.supervisor_badge, answers.supervisor_pin)
    except auth_services.LoginFailed as exc:
        raise DomainError(exc.message) from None


def _need(need: str, product: Product, **extra) -> dict:
    return {"status": "need", "need": need, "sku": product.sku, "name": product.name, **extra}


def _expected(receipt: Receipt, product: Product) -> tuple[rules.Expected | None, list[rules.LineProgress]]:
    if receipt.asn is None:
        return None, []
    lines = progress(receipt.asn)
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
def receive_scan(receipt_id: int, raw: str, answers: Answers | None = None, *, user_id: int | None,
                 scan_id: str | None = None) -> dict:
    """One scan at the dock: a product (unit, case or GS1 code with lot/expiry/serial/Anvisa registration) or a
    pallet SSCC. Answers {"status": "need", "need": "lot" | "expiry" | "quantity" | "supervisor", ...} when the
    barcode did not say enough (nothing changes); otherwise takes the goods in ("received", "pallet") or records
    a refusal ("refused") and commits. Applied once per scan id."""
    earlier = idempotency.replay(scan_id, "receiving.scan")
    if earlier is not None:
        return earlier
    answers = answers or Answers()
    approver = _approver(answers)
    receipt = _open_receipt(receipt_id)
    found, mismatch = _identify(raw)
    if found.kind == "sscc":
        if found.lpn is not None or inventory.lpn_by_code(found.sscc) is not None:
            raise DomainError(_l("Pallet %(sscc)s was already received.", sscc=found.sscc))
        if not (found.scan.gtin and found.count) or _pallet_lines(receipt, found.sscc):
            result = _receive_pallet(receipt, found, user_id)
            idempotency.remember(scan_id, "receiving.scan", result, user_id)
            return result
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
        raise DomainError(_l("Type a whole number of units from %(min)s to %(max)s.", min=1, max=MAX_UNITS))
    expected, lines = _expected(receipt, product)
    arrival = rules.Arrival(sku=product.sku, quantity=units, lot_code=lot_code, expires_on=expires_on,
                            min_shelf_life_days=product.min_shelf_life_days,
                            anvisa_controlled=product.is_anvisa_controlled, anvisa_mismatch=mismatch,
                            damaged=answers.damaged)
    today = clock.today()
    verdict = rules.dock_check(arrival, expected, today=today, tolerance_pct=over_tolerance_pct())
    if verdict.outcome != rules.SUPERVISOR:
        approver = None  # nothing to allow
    else:
        if approver is None:
            return _need("supervisor", product, lot=lot_code, units=units, message=str(verdict.message),
                         over=verdict.over, allowed=verdict.allowed_over)
        verdict = rules.dock_check(arrival, expected, today=today, tolerance_pct=over_tolerance_pct(),
                                   supervisor_approved=True)
    if verdict.outcome == rules.REFUSE:
        result = _refuse(receipt, product, arrival, verdict, user_id)
    else:
        parts = rules.allocate(lines, product.id, lot_code, units) or [(None, units)]
        result = _take_in(receipt, product, arrival, verdict, parts, user_id=user_id,
                          approver=approver, serial=found.serial, sscc=found.sscc, known_lot=known_lot)
    idempotency.remember(scan_id, "receiving.scan", result, user_id)
    return result


def _asn_lots(receipt: Receipt, product: Product) -> list[str]:
    if receipt.asn is None:
        return []
    return sorted({line.lot_code for line in receipt.asn.lines if line.product_id == product.id and line.lot_code})


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


def _discrepancy(receipt: Receipt, kind: str, quantity: int, decision: str, *, product: Product | None,
                 lot_code: str | None, line_id: int | None, user_id: int | None,
                 approver: User | None = None, note: str | None = None) -> Discrepancy:
    row = Discrepancy(receipt_id=receipt.id, asn_line_id=line_id, product_id=product.id if product else None,
                      lot_code=lot_code, kind=kind, quantity=quantity, decision=decision, user_id=user_id,
                      approved_by_id=approver.id if approver else None, note=note)
    db.session.add(row)
    return row


def _refuse(receipt: Receipt, product: Product, arrival: rules.Arrival, verdict: rules.Verdict,
            user_id: int | None) -> dict:
    for kind, quantity in verdict.discrepancies:
        _discrepancy(receipt, kind, quantity, Decision.REFUSED.value, product=product, lot_code=arrival.lot_code,
                     line_id=None, user_id=user_id)
    audit.record("receipt.refuse", receipt, user_id=user_id, sku=product.sku, lot=arrival.lot_code,
                 quantity=arrival.quantity, reasons=list(verdict.kinds))
    return {"status": "refused", "reason": verdict.kinds[0], "sku": product.sku, "name": product.name,
            "lot": arrival.lot_code, "quantity": arrival.quantity,
            "expires_on": arrival.expires_on.isoformat() if arrival.expires_on else None}


def _plate(receipt: Receipt, *, hold: bool, kind: str = "pallet") -> Lpn:
    """The plate the receipt is building on the dock (a new one if none)."""
    for plate in receipt.plates:
        if plate.building and plate.hold == hold:
            return plate.lpn
    lpn = inventory.create_numbered_lpn(kind=kind, location_id=receipt.dock_id)
    db.session.add(ReceiptLpn(receipt_id=receipt.id, lpn_id=lpn.id, hold=hold, building=True))
    db.session.flush()
    db.session.refresh(receipt, ["plates"])
    return lpn


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


def _hold(receipt: Receipt, product: Product, lot: Lot | None, lpn: Lpn | None, quantity: int,
          reasons: tuple[str, ...]) -> Hold:
    """The receipt's open hold for these goods on this plate, grown by `quantity` and the new reasons."""
    hold = db.session.scalar(select(Hold).where(
        Hold.receipt_id == receipt.id, Hold.product_id == product.id, Hold.status == HoldStatus.OPEN.value,
        Hold.lot_id.is_(None) if lot is None else Hold.lot_id == lot.id,
        Hold.lpn_id.is_(None) if lpn is None else Hold.lpn_id == lpn.id))
    if hold is None:
        hold = Hold(receipt_id=receipt.id, product_id=product.id, lot_id=lot.id if lot else None,
                    lpn_id=lpn.id if lpn else None, quantity=0, reasons="")
        db.session.add(hold)
    codes = list(dict.fromkeys([*hold.reason_codes, *reasons]))
    hold.reasons = ",".join(codes)[:200]
    hold.quantity += quantity
    return hold


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
        target, lpn = receipt.dock, _plate(receipt, hold=outcome == Outcome.QUARANTINE)
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
        _discrepancy(receipt, kind, quantity, this.value, product=product, lot_code=arrival.lot_code,
                     line_id=line_id, user_id=user_id, approver=approver if kind == "over" else None)
    if outcome == Outcome.QUARANTINE:
        _hold(receipt, product, lot, lpn, arrival.quantity, verdict.hold_reasons)
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
    return [line for line in receipt.asn.lines if line.sscc == sscc]


def _receive_pallet(receipt: Receipt, found: lookup.Identified, user_id: int | None) -> dict:
    """A pallet SSCC the ASN announced: all its lines in one scan, onto a plate with the SSCC as its code.
    Anything that would need a decision per case (an expired lot, more than announced, a line without its
    lot) stops the scan: the pallet must be broken down and its cases scanned."""
    sscc = found.sscc
    lines = _pallet_lines(receipt, sscc)
    if not lines:
        raise DomainError(_l("Pallet %(sscc)s is not announced with its contents: break it down and scan its "
                             "cases.", sscc=sscc))
    progress_now = {line.line_id: line for line in progress(receipt.asn)}
    today, tolerance = clock.today(), over_tolerance_pct()
    checked = []
    for line in lines:
        product = line.product
        if product.lot_tracked and not line.lot_code or product.expiry_tracked and not line.expires_on:
            raise DomainError(_l("The ASN does not give the lot and expiry of %(sku)s on pallet %(sscc)s: break "
                                 "it down and scan its cases.", sku=product.sku, sscc=sscc))
        expected, _lines = _expected(receipt, product)
        arrival = rules.Arrival(sku=product.sku, quantity=line.quantity, lot_code=line.lot_code,
                                expires_on=line.expires_on, min_shelf_life_days=product.min_shelf_life_days,
                                anvisa_controlled=product.is_anvisa_controlled)
        if progress_now[line.id].received:
            raise DomainError(_l("Line %(line)s of pallet %(sscc)s was already received case by case: scan the "
                                 "remaining cases instead.", line=line.line_no, sscc=sscc))
        verdict = rules.dock_check(arrival, expected, today=today, tolerance_pct=tolerance)
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
            _discrepancy(receipt, kind, quantity, (Decision.QUARANTINE if held else Decision.ACCEPTED).value,
                         product=product, lot_code=line.lot_code, line_id=line.id, user_id=user_id)
        if held:
            _hold(receipt, product, lot, lpn, line.quantity, verdict.hold_reasons or ("same_pallet",))
        units += line.quantity
    audit.record("receipt.pallet", receipt, user_id=user_id, sscc=sscc, lines=len(checked), units=units, held=held)
    return {"status": "pallet", "sscc": sscc, "lpn": lpn.code, "lines": len(checked), "units": units,
            "outcome": (Outcome.QUARANTINE if held else Outcome.STOCK).value}


@use_case
def new_plate(receipt_id: int, *, kind: str = "pallet", user_id: int | None) -> dict:
    """Finish the plates being built (their labels print) and start a new one of this kind for stock."""
    if kind not in ("pallet", "tote", "box"):
        raise DomainError(_l("A plate is a pallet, a tote or a box."))
    receipt = _open_receipt(receipt_id)
    labels = _finish_plates(receipt, user_id)
    lpn = _plate(receipt, hold=False, kind=kind)
    audit.record("receipt.plate", receipt, user_id=user_id, lpn=lpn.code, kind=kind)
    return {"lpn": lpn.code, "kind": kind, "printed": labels.printed, "label_problem": labels.problem}


@use_case
def finish_plates(receipt_id: int, *, user_id: int | None) -> dict:
    """The plates being built are done: their labels print on the dock printer. The next scan starts a new one."""
    receipt = _open_receipt(receipt_id)
    labels = _finish_plates(receipt, user_id)
    audit.record("receipt.finish_plates", receipt, user_id=user_id, printed=labels.printed)
    return {"printed": labels.printed, "label_problem": labels.problem}


def _plate_lines(lpn: Lpn) -> list[dict]:
    items = db.session.scalars(select(StockItem).where(StockItem.lpn_id == lpn.id, StockItem.quantity > 0)
                               .order_by(StockItem.id)).all()
    return [{"sku": i.product.sku, "lot": i.lot.code if i.lot else "", "qty": i.quantity} for i in items]


@dataclass
class Labels:
    """Plates whose labels were queued on the dock printer, and why a label could not be (no printer...)."""

    printed: list[str]
    problem: str | None = None


def _finish_plates(receipt: Receipt, user_id: int | None) -> Labels:
    labels = Labels([])
    for plate in receipt.plates:
        if not plate.building:
            continue
        plate.building = False
        lines = _plate_lines(plate.lpn)
        if not lines:
            continue
        job, problem = lpn_label(plate.lpn, lines, user_id=user_id)
        plate.label_job = job
        if job is not None:
            labels.printed.append(plate.lpn.code)
        labels.problem = labels.problem or problem
    return labels


DOCK_STATION = "dock"  # the printing area's station word for the receiving docks


def lpn_label(lpn: Lpn, lines: list[dict], *, user_id: int | None) -> tuple[str | None, str | None]:
    """Queue the plate's label on the dock printer, in the caller's transaction: (print job id, None), or
    (None, why not). A missing printer must not stop a truck being unloaded: the label is printed again from
    the receipt's page once a printer is set up."""
    try:
        job = printing.queue_label("lpn", {"code": lpn.code, "contents": lines}, station=DOCK_STATION,
                                   user_id=user_id)
    except DomainError as exc:  # raised before the job is added: nothing to undo
        current_app.logger.warning("no label for LPN %s: %s", lpn.code, exc)
        return None, str(exc)
    return str(job), None


@use_case
def reprint_plate(receipt_id: int, lpn_id: int, *, user_id: int | None) -> str:
    """Print a plate's label again (a damaged label, or none printed for want of a printer)."""
    receipt = get_receipt(receipt_id)
    plate = next((p for p in receipt.plates if p.lpn_id == lpn_id), None)
    if plate is None:
        raise NotFound(_l("LPN not found."))
    lines = _plate_lines(plate.lpn)
    if not lines:
        raise DomainError(_l("LPN %(code)s is empty.", code=plate.lpn.code))
    job, problem = lpn_label(plate.lpn, lines, user_id=user_id)
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
    handheld shows it after every scan."""
    views: dict[tuple, LineView] = {}
    asn_lines = []
    if receipt.asn_id is not None:
        asn_lines = list(db.session.scalars(select(AsnLine).where(AsnLine.asn_id == receipt.asn_id)
                                            .options(joinedload(AsnLine.product)).order_by(AsnLine.line_no)))
    first_line = {}
    for line in asn_lines:
        views[("line", line.id)] = LineView(line.product.sku, line.product.name, line.quantity, line.line_no,
                                            line.lot_code or "", discrepancies={})
        first_line.setdefault(line.product_id, line.id)
    for line_id, total in received_by_line([line.id for line in asn_lines]).items():
        views[("line", line_id)].received = total
    items = db.session.execute(
        select(ReceiptItem.asn_line_id, ReceiptItem.product_id, ReceiptItem.outcome, func.sum(ReceiptItem.quantity))
        .where(ReceiptItem.receipt_id == receipt.id)
        .group_by(ReceiptItem.asn_line_id, ReceiptItem.product_id, ReceiptItem.outcome)).all()
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
def close_receipt(receipt_id: int, *, user_id: int | None, scan_id: str | None = None) -> dict:
    """Close the receipt: plates finished (labels print), lines short of the ASN recorded as under, the ASN
    received, and a "receipt.closed" event for the ERP."""
    earlier = idempotency.replay(scan_id, "receiving.close")
    if earlier is not None:
        return earlier
    receipt = _open_receipt(receipt_id)
    labels = _finish_plates(receipt, user_id)
    if receipt.asn is not None:
        received = received_by_line([line.id for line in receipt.asn.lines])
        for line in receipt.asn.lines:
            short = line.quantity - received.get(line.id, 0)
            if short > 0:
                _discrepancy(receipt, "under", short, Decision.RECORDED.value, product=line.product,
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
    result = {"receipt_id": receipt.id, "discrepancies": len(payload["discrepancies"]), "lpns": payload["lpns"],
              "printed": labels.printed, "label_problem": labels.problem}
    idempotency.remember(scan_id, "receiving.close", result, user_id)
    return result


# ---------------------------------------------------------------------------------------------- quarantine


@use_case
def decide_hold(hold_id: int, *, release: bool, reason: str, user_id: int) -> dict:
    """A supervisor's QA decision on held goods, with the reason kept. Release: the goods may be stored (and a
    lot quarantined by receiving is released once none of its holds is open). Reject: they stay segregated
    (a lot quarantined by receiving becomes blocked) until returned to the supplier or scrapped."""
    hold = db.session.get(Hold, hold_id, with_for_update=True)
    if hold is None:
        raise NotFound(_l("Hold not found."))
    if hold.status != HoldStatus.OPEN:
        raise Conflict(_l("These goods were already %(status)s.", status=hold.status))
    user = db.session.get(User, user_id)
    if user is None or not user.has_role(Role.SUPERVISOR):
        raise DomainError(_l("Only a supervisor releases or rejects goods in quarantine."))
    reason = _text(reason)
    if not reason:
        raise DomainError(_l("Say why: the reason is kept with the decision."))
    hold.status = (HoldStatus.RELEASED if release else HoldStatus.REJECTED).value
    hold.decided_by_id, hold.decided_at, hold.decision_note = user_id, utcnow(), reason[:200]
    audit.record("hold." + hold.status, hold, user_id=user_id, reason=reason, sku=hold.product.sku,
                 lot=hold.lot.code if hold.lot else None, quantity=hold.quantity)
    result = {"hold_id": hold.id, "status": hold.status, "lot": hold.lot.code if hold.lot else None,
              "lot_status": hold.lot.status if hold.lot else None}
    lot = hold.lot
    if lot is not None and lot.status == LotStatus.QUARANTINE:
        others = db.session.scalar(select(func.count()).select_from(Hold).where(
            Hold.lot_id == lot.id, Hold.status == HoldStatus.OPEN.value, Hold.id != hold.id))
        if not release or not others:
            target = LotStatus.RELEASED if release else LotStatus.BLOCKED
            # change_lot_status commits, with the hold's decision above, in one transaction.
            changed = inventory.change_lot_status(lot.id, target.value, reason=reason, user_id=user_id,
                                                  reference=hold.receipt.document)
            result["lot_status"] = changed["status"]
            return result
    return result


def open_holds() -> list[Hold]:
    return list(db.session.scalars(select(Hold).where(Hold.status == HoldStatus.OPEN.value)
                                   .order_by(Hold.created_at, Hold.id)))


# ---------------------------------------------------------------------------------------------- put-away rules

STORAGE_KINDS = (LocationKind.RESERVE, LocationKind.PICK_FACE, LocationKind.STAGING, LocationKind.QUARANTINE)


def rule_specs(warehouse_id: int) -> list[rules.RuleSpec]:
    rows = db.session.execute(
        select(PutawayRule, Zone.code).outerjoin(Zone, Zone.id == PutawayRule.zone_id)
        .where(PutawayRule.warehouse_id == warehouse_id, PutawayRule.active.is_(True))).all()
    return [rules.RuleSpec(rule.id, rule.priority, rule.location_kind, rule.product_id, rule.category, zone)
            for rule, zone in rows]


@use_case
def save_rule(*, rule_id: int | None = None, priority: int, location_kind: str, sku: str | None = None,
              category: str | None = None, zone: str | None = None, active: bool = True,
              note: str | None = None, user_id: int | None) -> PutawayRule:
    """Add or change a put-away rule: product (by SKU) or category (or neither: anything) → zone and location
    type, tried by priority, lowest first."""
    warehouse = locations.default_warehouse()
    if isinstance(priority, bool) or not isinstance(priority, int) or not 0 <= priority <= 9999:
        raise DomainError(_l("The priority is a whole number from 0 to 9999 (lowest is tried first)."))
    if location_kind not in {k.value for k in STORAGE_KINDS}:
        raise DomainError(_l("Put-away goes to a reserve, pick face, staging or quarantine location."))
    sku, category, zone = _text(sku), _text(category), _text(zone).upper()
    product = None
    if sku:
        product = _product_for(sku)
        if product is None:
            raise DomainError(_l("Unknown product %(code)s.", code=sku[:64]))
    if category:
        if product is not None:
            raise DomainError(_l("A rule is for one product or for one category, not both."))
        if category not in {c.value for c in Category}:
            raise DomainError(_l("Unknown category %(category)s.", category=category))
    zone_row = None
    if zone:
        zone_row = db.session.scalar(select(Zone).where(Zone.warehouse_id == warehouse.id, Zone.code == zone))
        if zone_row is None:
            raise DomainError(_l("There is no zone %(zone)s.", zone=zone))
    if rule_id is None:
        rule = PutawayRule(warehouse_id=warehouse.id)
        db.session.add(rule)
    else:
        rule = db.session.get(PutawayRule, rule_id)
        if rule is None:
            raise NotFound(_l("Put-away rule not found."))
    rule.priority, rule.location_kind, rule.active = priority, location_kind, active
    rule.product_id = product.id if product else None
    rule.category = category or None
    rule.zone_id = zone_row.id if zone_row else None
    rule.note = _text(note)[:200] or None
    db.session.flush()
    audit.record("putaway_rule.save", rule, user_id=user_id, priority=priority, kind=location_kind,
                 sku=product.sku if product else None, category=category or None, zone=zone or None, active=active)
    return rule


@use_case
def delete_rule(rule_id: int, *, user_id: int | None) -> None:
    rule = db.session.get(PutawayRule, rule_id)
    if rule is None:
        raise NotFound(_l("Put-away rule not found."))
    audit.record("putaway_rule.delete", rule, user_id=user_id, priority=rule.priority, kind=rule.location_kind)
    db.session.delete(rule)


# ---------------------------------------------------------------------------------------------- put-away

OVERRIDE_REASONS = ("full", "blocked", "closer", "supervisor", "other")


def candidates(warehouse: Warehouse, dock: Location, kinds: set[str]) -> list[rules.Candidate]:
    """Every usable location of these kinds, with what it holds and how far it is from the dock."""
    filters = (Location.warehouse_id == warehouse.id, Location.kind.in_(kinds), Location.active.is_(True),
               Location.blocked.is_(False))
    places = db.session.execute(select(Location, Zone.code).outerjoin(Zone, Zone.id == Location.zone_id)
                                .where(*filters)).all()
    contents: dict[int, tuple[int, set, set]] = {}
    rows = db.session.execute(
        select(StockItem.location_id, StockItem.product_id, StockItem.lot_id, func.sum(StockItem.quantity))
        .join(Location, Location.id == StockItem.location_id).where(*filters, StockItem.quantity > 0)
        .group_by(StockItem.location_id, StockItem.product_id, StockItem.lot_id))
    for location_id, product_id, lot_id, total in rows:
        units, products, lots = contents.get(location_id, (0, set(), set()))
        products.add(product_id)
        lots.add(lot_id)
        contents[location_id] = (units + int(total), products, lots)
    distance = layout.walk_distances(warehouse, dock, [place for place, _zone in places])
    found = []
    for place, zone in places:
        units, products, lots = contents.get(place.id, (0, set(), set()))
        found.append(rules.Candidate(
            location_id=place.id, code=place.code, kind=place.kind, zone=zone,
            capacity_left=None if place.capacity_units is None else place.capacity_units - units,
            products=frozenset(products), lots=frozenset(lots), mixing=place.mixing,
            distance_m=distance.get(place.id, 0.0)))
    return found


def _held(items: list[StockItem]) -> bool:
    """Goods that may not be stored for sale: a lot not released, or units a receipt holds for QA."""
    for item in items:
        if item.lot is not None and item.lot.status != LotStatus.RELEASED:
            return True
        if item.lpn_id is not None and db.session.scalar(select(Hold.id).where(
                Hold.lpn_id == item.lpn_id, Hold.product_id == item.product_id,
                Hold.lot_id.is_(None) if item.lot_id is None else Hold.lot_id == item.lot_id,
                Hold.status.in_([HoldStatus.OPEN.value, HoldStatus.REJECTED.value]))):
            return True
    return False


@dataclass(frozen=True)
class PutawayPlan:
    """What is being put away, from where, and where it should go."""

    items: list[StockItem]
    source: Location
    lpn: Lpn | None
    quantity: int
    held: bool
    suggestion: rules.Suggestion | None

    def as_dict(self) -> dict:
        return {"source": self.source.code, "lpn": self.lpn.code if self.lpn else None, "quantity": self.quantity,
                "held": self.held, "target": self.suggestion.code if self.suggestion else None,
                "target_id": self.suggestion.location_id if self.suggestion else None,
                "why": self.suggestion.reason if self.suggestion else None}


def _plan(items: list[StockItem], quantity: int, lpn: Lpn | None) -> PutawayPlan:
    first = items[0]
    source = first.location
    warehouse = db.session.get(Warehouse, source.warehouse_id)
    by_product: dict[int, int] = {}
    for item in items:
        by_product[item.product_id] = by_product.get(item.product_id, 0) + item.quantity
    main = max(by_product, key=lambda product_id: (by_product[product_id], -product_id))
    product = db.session.get(Product, main)
    held = _held(items)
    load = rules.Load(product_id=main, category=product.category, quantity=quantity,
                      lot_ids=frozenset(item.lot_id for item in items), product_ids=frozenset(by_product),
                      held=held)
    specs = rule_specs(warehouse.id)
    kinds = {rules.QUARANTINE_KIND} if held else {spec.location_kind for spec in specs} | {rules.FALLBACK_KIND}
    dock = source if source.kind == LocationKind.RECEIVING.value else \
        locations.first_of_kind(warehouse.id, LocationKind.RECEIVING) or source
    places = [c for c in candidates(warehouse, dock, kinds) if c.location_id != source.id]
    return PutawayPlan(items, source, lpn, quantity, held, rules.choose_putaway(load, specs, places))


def plan_for_lpn(lpn: Lpn) -> PutawayPlan:
    items = list(db.session.scalars(select(StockItem).where(StockItem.lpn_id == lpn.id, StockItem.quantity > 0)
                                    .order_by(StockItem.id)))
    if not items:
        raise DomainError(_l("LPN %(code)s is empty.", code=lpn.code))
    if len({item.location_id for item in items}) > 1:
        raise DomainError(_l("LPN %(code)s is split over several places: move its units one product at a "
                             "time.", code=lpn.code))
    return _plan(items, sum(item.quantity for item in items), lpn)


def plan_for_item(item: StockItem, quantity: int | None = None) -> PutawayPlan:
    quantity = item.available if quantity is None else quantity
    if not 1 <= quantity <= item.available:
        raise DomainError(_l("Only %(free)s of %(sku)s are free here: type %(free)s or less.", free=item.available,
                             sku=item.product.sku))
    return _plan([item], quantity, None)


def inbound_items(product: Product, lot_code: str | None = None) -> list[StockItem]:
    """The product's stock waiting for put-away: at a receiving dock or in quarantine."""
    query = (select(StockItem).join(Location, Location.id == StockItem.location_id)
             .where(StockItem.product_id == product.id, StockItem.quantity > StockItem.reserved,
                    Location.kind.in_([LocationKind.RECEIVING.value, LocationKind.QUARANTINE.value]))
             .order_by(StockItem.id))
    items = list(db.session.scalars(query))
    if lot_code:
        items = [item for item in items if item.lot and item.lot.code == lot_code]
    return items


def put_away(*, target_id: int, user_id: int | None, lpn_id: int | None = None, item_id: int | None = None,
             quantity: int | None = None, reason: str | None = None, scan_id: str | None = None) -> dict:
    """Move a plate (or some units of one stock item) from the dock to its storage place by ledger moves.
    A destination other than the suggested one needs a reason (kept in the audit trail and the move's note)."""
    action = "stock.move_lpn" if lpn_id is not None else "stock.move"
    earlier = idempotency.replay(scan_id, action)
    if earlier is not None:
        return earlier
    target = db.session.get(Location, target_id)
    if target is None or target.kind_enum in VIRTUAL_KINDS:
        raise NotFound(_l("Location not found."))
    if lpn_id is not None:
        lpn = db.session.get(Lpn, lpn_id)
        if lpn is None:
            raise NotFound(_l("LPN not found."))
        plan = plan_for_lpn(lpn)
    else:
        item = db.session.get(StockItem, item_id) if item_id is not None else None
        if item is None:
            raise NotFound(_l("Stock not found."))
        plan = plan_for_item(item, quantity)
    suggested = plan.suggestion.location_id if plan.suggestion else None
    reason = (reason or "").strip() or None
    if suggested is not None and target.id != suggested:
        if reason not in OVERRIDE_REASONS:
            raise DomainError(_l("%(code)s is not where these goods should go (%(suggested)s): choose why.",
                                 code=target.code, suggested=plan.suggestion.code))
    if plan.held and target.kind_enum in PICKABLE_KINDS:
        raise DomainError(_l("These goods are held for QA: take them to a quarantine location, not to %(code)s.",
                             code=target.code))
    audit.record("putaway", target, user_id=user_id, lpn=plan.lpn.code if plan.lpn else None,
                 source=plan.source.code, suggested=plan.suggestion.code if plan.suggestion else None,
                 reason=reason, held=plan.held, units=plan.quantity)
    note = f"put-away; suggested {plan.suggestion.code}; reason {reason}" if reason and plan.suggestion else None
    if plan.lpn is not None:
        result = inventory.move_lpn(lpn_id=plan.lpn.id, target_id=target.id, user_id=user_id, reason="putaway",
                                    scan_id=scan_id)
    else:
        item = plan.items[0]
        result = inventory.move_stock(product_id=item.product_id, lot_id=item.lot_id, source_id=item.location_id,
                                      target_id=target.id, quantity=plan.quantity, user_id=user_id,
                                      from_lpn_id=item.lpn_id, reason="putaway", note=note, scan_id=scan_id)
    return result
