"""Advance ship notices: created on the desk, imported from CSV or sent through the API; found at the dock by
reference or pallet SSCC; cancelled while nothing is received.
"""
import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import audit, clock, gs1, numbers, uow
from ..catalog import services as catalog
from ..catalog.models import Product
from ..errors import Conflict, DomainError, NotFound, get_or_not_found
from ..extensions import db
from ..locations import services as locations
from ..locations.models import Warehouse
from ..sql import locked
from ..uow import use_case
from . import receipts, rules
from .models import (
    Asn,
    AsnLine,
    AsnStatus,
)

MAX_LINES = 500
MAX_UNITS = rules.MAX_UNITS


class AsnInvalid(DomainError):
    """Field errors of an ASN: `details["fields"]` maps a field ("lines[2].sku") to what is wrong with it."""

    def __init__(self, fields: dict[str, str]):
        super().__init__(_l("The ASN was not accepted: correct the fields listed."), fields=fields)
        self.fields = fields


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def product_for(code: str) -> Product | None:
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
        code = rules.plain_text(line.get("sku") or line.get("gtin"))
        product = product_for(code) if code else None
        if not code:
            fields[f"{where}.sku"] = str(_l("Required: the product's SKU or GTIN."))
        elif product is None:
            fields[f"{where}.sku"] = str(_l("Unknown product %(code)s.", code=code[:64]))
        quantity = line.get("quantity")
        if isinstance(quantity, str):
            quantity = numbers.whole(quantity, least=1, most=MAX_UNITS)
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_UNITS:
            fields[f"{where}.quantity"] = str(_l("A whole number of units from 1 to %(max)s.", max=MAX_UNITS))
        lot_code = rules.plain_text(line.get("lot")) or None
        if lot_code is not None and (len(lot_code) > 20 or set(lot_code) - gs1.GS1_CHARSET_82):
            fields[f"{where}.lot"] = str(_l("A lot is 1 to 20 letters, digits or GS1 signs."))
        elif lot_code is not None and product is not None and not product.lot_tracked:
            fields[f"{where}.lot"] = str(_l("%(sku)s is not tracked by lot.", sku=product.sku))
        expires_on = None
        if line.get("expires_on") not in (None, ""):
            expires_on = _date(line.get("expires_on"))
            if expires_on is None:
                fields[f"{where}.expires_on"] = str(_l("A date as YYYY-MM-DD."))
            elif expires_on < clock.today():
                fields[f"{where}.expires_on"] = str(_l("This lot expired on %(day)s: an expired lot is not "
                                                       "expected.", day=expires_on.isoformat()))
            elif lot_code is None:
                fields[f"{where}.expires_on"] = str(_l("An expiry belongs to a lot: give the lot too."))
        sscc = rules.plain_text(line.get("sscc")) or None
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
    supplier, reference = rules.plain_text(data.get("supplier")), rules.plain_text(data.get("reference"))
    if not supplier or len(supplier) > 80:
        fields["supplier"] = str(_l("Required: the supplier's name or CNPJ, at most 80 characters."))
    if not reference or len(reference) > 40:
        fields["reference"] = str(_l("Required: the supplier's reference, at most 40 characters."))
    expected_on = _date(data.get("expected_on")) if data.get("expected_on") not in (None, "") else None
    if expected_on is None:
        fields["expected_on"] = str(_l("Required: the expected date as YYYY-MM-DD."))
    elif problem := clock.date_window_problem(expected_on, clock.today()):
        fields["expected_on"] = str(problem)
    note = rules.plain_text(data.get("note")) or None  # longer than its column: refused at flush
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
            key = (rules.plain_text(row.get("supplier")), rules.plain_text(row.get("reference")))
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
    # locked: a receipt being opened on it at this moment is seen, not written over
    asn = locked(Asn, asn_id)
    if asn is None:
        raise NotFound(_l("ASN not found."))
    if asn.status != AsnStatus.EXPECTED:
        raise Conflict(_l("Only an ASN with nothing received yet can be cancelled."))
    asn.status = AsnStatus.CANCELLED.value
    audit.record("asn.cancel", asn, user_id=user_id)
    return asn


def asn_as_dict(asn: Asn) -> dict:
    """The API's view of an ASN, with progress per line."""
    received = receipts.received_by_line([line.id for line in asn.lines])
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


def open_asns_for(text: str) -> list[Asn]:
    """ASNs still to receive whose reference is the text (any supplier), or that hold the pallet SSCC."""
    text = rules.plain_text(text)
    if not text:
        return []
    open_states = (AsnStatus.EXPECTED.value, AsnStatus.RECEIVING.value)
    by_reference = select(Asn).where(func.upper(Asn.reference) == text.upper(), Asn.status.in_(open_states))
    found = list(db.session.scalars(by_reference.order_by(Asn.expected_on, Asn.id)))
    if not found and text.isascii() and text.isdigit() and len(text) in (18, 20):
        sscc = text[-18:]
        found = list(db.session.scalars(
            select(Asn).join(AsnLine).where(AsnLine.sscc == sscc, Asn.status.in_(open_states)).distinct()))
    return found
