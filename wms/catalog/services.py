"""Catalogue: products, barcodes, lots. Services commit once; `*_in_transaction` helpers don't."""
import functools
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import contains_eager
from sqlalchemy.orm.attributes import set_committed_value

from .. import audit, gs1, numbers, uow
from ..errors import DomainError, get_or_not_found
from ..extensions import db
from ..locations.services import ImportReport, csv_rows
from ..uow import use_case
from . import rules
from .models import BarcodeKind, Category, Lot, LotStatus, Product, ProductBarcode

PRODUCT_FIELDS = ("sku", "name", "unit", "category", "lot_tracked", "expiry_tracked", "min_shelf_life_days",
                  "anvisa_registration", "weight_g", "length_mm", "width_mm", "height_mm", "photo_url",
                  "storage_notes")


def normalize_barcode(code: str, kind: str) -> str:
    """GTINs become 14 digits (so EAN-13 and its GTIN-14 form match); other codes are kept as typed."""
    code = (code or "").strip()
    if kind in (BarcodeKind.GTIN, BarcodeKind.CASE_GTIN):
        if code.isascii() and code.isdigit() and len(code) in gs1.GTIN_LENGTHS and not gs1.is_valid_gtin(code):
            raise DomainError(_l("%(code)s has a wrong check digit: a GTIN with these digits ends in %(digit)s. "
                                 "Check the number typed.", code=code, digit=gs1.check_digit(code[:-1])))
        if not gs1.is_valid_gtin(code):
            raise DomainError(_l("%(code)s is not a valid GTIN (8, 12, 13 or 14 digits with a right check digit).",
                                 code=code))
        return gs1.normalize_gtin(code)
    if not code or len(code) > 64:
        raise DomainError(_l("A barcode is 1 to 64 characters."))
    return code


def _validate(values: dict) -> dict:
    sku = (values.get("sku") or "").strip()
    name = (values.get("name") or "").strip()
    problem = rules.sku_problem(sku)
    if problem:
        raise DomainError(problem)
    if not name or len(name) > 200:
        raise DomainError(_l("A product needs a name of at most 200 characters."))
    unit = (values.get("unit") or "").strip() or "un"
    if len(unit) > 10:
        raise DomainError(_l("A unit is at most 10 characters, e.g. un, cx, kg."))
    photo_url = (values.get("photo_url") or "").strip() or None
    if photo_url and len(photo_url) > 500:
        raise DomainError(_l("A photo address is at most 500 characters."))
    category = values.get("category") or Category.OTHER.value
    try:
        category = Category(category).value
    except ValueError:
        raise DomainError(_l("Unknown category %(category)s.", category=category)) from None
    registration = (values.get("anvisa_registration") or "").strip() or None
    problem = rules.anvisa_problem(registration, category)
    if problem:
        raise DomainError(problem)
    clean = dict(values, sku=sku, name=name, unit=unit, photo_url=photo_url, category=category,
                 anvisa_registration=registration)
    for number in ("min_shelf_life_days", "weight_g", "length_mm", "width_mm", "height_mm"):
        value = clean.get(number)
        if value in (None, ""):
            clean[number] = 0 if number == "min_shelf_life_days" else None
            continue
        parsed = numbers.whole(value, least=-numbers.MAX_ID, signed=True)
        if parsed is None:
            raise DomainError(_l("%(field)s must be a whole number.", field=number))
        clean[number] = parsed
        if clean[number] < 0:
            raise DomainError(_l("%(field)s cannot be negative.", field=number))
    if clean.get("expiry_tracked"):
        clean["lot_tracked"] = True  # an expiry belongs to a lot
    return {k: clean.get(k) for k in PRODUCT_FIELDS if k in clean}


def _add_barcodes(product: Product, barcodes) -> None:
    added: set[str] = set()
    for code, kind, units in barcodes:
        normalized = normalize_barcode(code, kind)
        if units < 1:
            raise DomainError(_l("A case holds at least one unit."))
        if normalized in added:  # not in the database yet, but would break its unique index at the flush
            raise DomainError(_l("Barcode %(code)s is given twice.", code=code))
        added.add(normalized)
        taken = db.session.scalar(select(ProductBarcode).where(ProductBarcode.code == normalized))
        if taken is not None:
            raise DomainError(_l("Barcode %(code)s already belongs to %(sku)s.", code=code, sku=taken.product.sku))
        product.barcodes.append(ProductBarcode(code=normalized, kind=BarcodeKind(kind).value, units=units))


@use_case
def create_product(*, barcodes=(), **values) -> Product:
    """barcodes: (code, kind, units) tuples."""
    clean = _validate(values)
    if db.session.scalar(select(Product.id).where(Product.sku == clean["sku"])):
        raise DomainError(_l("SKU %(sku)s already exists.", sku=clean["sku"]))
    product = Product(**clean)
    db.session.add(product)
    with db.session.no_autoflush:
        _add_barcodes(product, barcodes)
    db.session.flush()
    audit.record("product.create", product, sku=product.sku)
    return product


@use_case
def update_product(product_id: int, *, active: bool | None = None, **values) -> Product:
    """Change the fields given; `active=False` takes the product out of use (it stays for history)."""
    product = get(product_id)
    merged = {k: getattr(product, k) for k in PRODUCT_FIELDS}
    merged.update(values)
    clean = _validate(merged)
    if clean["sku"] != product.sku and db.session.scalar(select(Product.id).where(Product.sku == clean["sku"])):
        raise DomainError(_l("SKU %(sku)s already exists.", sku=clean["sku"]))
    for key, value in clean.items():
        setattr(product, key, value)
    if active is not None:
        product.active = active
    audit.record("product.update", product, active=product.active,
                 **{k: v for k, v in values.items() if k in PRODUCT_FIELDS})
    return product


@use_case
def add_barcode(product_id: int, code: str, kind: str = "gtin", units: int = 1) -> ProductBarcode:
    product = get(product_id)
    try:
        BarcodeKind(kind)
    except ValueError:
        raise DomainError(_l("Unknown barcode kind %(kind)s.", kind=kind)) from None
    _add_barcodes(product, [(code, kind, units)])
    db.session.flush()
    audit.record("product.barcode", product, code=code, kind=kind, units=units)
    return product.barcodes[-1]


def get(product_id: int) -> Product:
    return get_or_not_found(Product, product_id, _l("Product not found."))


def by_sku(sku: str) -> Product | None:
    return db.session.scalar(select(Product).where(Product.sku == (sku or "").strip()))


def barcode_lookup(code: str) -> ProductBarcode | None:
    """The barcode row for a scanned code, whatever form of a GTIN was scanned, with its product."""
    return barcode_and_lot(code)[0]


@functools.cache
def _barcode_statement(with_lot: bool):
    statement = (select(ProductBarcode, Lot) if with_lot else select(ProductBarcode)) \
        .join(ProductBarcode.product).options(contains_eager(ProductBarcode.product)) \
        .where(ProductBarcode.code.in_([bindparam("code"), bindparam("gtin")]))
    if with_lot:
        statement = statement.outerjoin(Lot, and_(Lot.product_id == ProductBarcode.product_id,
                                                  Lot.code == bindparam("lot_code")))
    return statement.limit(1)


def barcode_and_lot(code: str, lot_code: str | None = None) -> tuple[ProductBarcode | None, Lot | None]:
    """A scan's barcode row with its product and, when the scan names a lot, the product's known lot of that
    code (None if new): one statement, built once, for the scan path of every handheld screen."""
    code = (code or "").strip()
    # Two plain parameters rather than an expanding IN: nothing of the statement is rendered again per scan.
    codes = {"code": code, "gtin": gs1.normalize_gtin(code) if gs1.is_valid_gtin(code) else code}
    if not lot_code:
        return db.session.scalar(_barcode_statement(False), codes), None
    row = db.session.execute(_barcode_statement(True), {**codes, "lot_code": lot_code}).first()
    if row is None:
        return None, None
    barcode, lot = row
    if lot is not None and "product" not in lot.__dict__:
        set_committed_value(lot, "product", barcode.product)  # the same row: no lazy load when it is shown
    return barcode, lot


def find_lot(product_id: int, code: str) -> Lot | None:
    return db.session.scalar(select(Lot).where(Lot.product_id == product_id, Lot.code == code))


def lot_in_transaction(product: Product, code: str, *, expires_on: date | None = None,
                       manufactured_on: date | None = None, status: str = LotStatus.RELEASED.value) -> Lot:
    """The product's lot with this code, created if new. A known lot scanned with another expiry is refused:
    one lot has one expiry, and a mismatch means a wrong label or a wrong product."""
    code = (code or "").strip()
    if not code or len(code) > 20:
        raise DomainError(_l("A lot code is 1 to 20 characters."))
    if product.expiry_tracked and expires_on is None:
        raise DomainError(_l("%(sku)s needs an expiry date for lot %(lot)s.", sku=product.sku, lot=code))
    lot = find_lot(product.id, code)
    if lot is not None:
        if expires_on is not None and lot.expires_on is not None and lot.expires_on != expires_on:
            raise DomainError(_l("Lot %(lot)s of %(sku)s expires on %(known)s, not %(scanned)s: check the label.",
                                 lot=code, sku=product.sku, known=lot.expires_on.isoformat(),
                                 scanned=expires_on.isoformat()))
        if lot.expires_on is None and expires_on is not None:
            lot.expires_on = expires_on
        return lot
    lot = Lot(product_id=product.id, code=code, expires_on=expires_on, manufactured_on=manufactured_on,
              status=status)
    db.session.add(lot)
    db.session.flush()
    audit.record("lot.create", lot, sku=product.sku, lot=code, expires_on=expires_on)
    return lot


@use_case
def create_lot(product_id: int, code: str, *, expires_on: date | None = None,
               manufactured_on: date | None = None) -> Lot:
    lot = lot_in_transaction(get(product_id), code, expires_on=expires_on, manufactured_on=manufactured_on)
    return lot


def _truthy(value: str) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "sim", "s", "y", "x")


@use_case
def import_products_csv(text: str) -> ImportReport:
    """sku,name[,unit,category,lot_tracked,expiry_tracked,min_shelf_life_days,anvisa_registration,gtin,
    case_gtin,case_units,...]. All rows or none; each bad row is reported with its line number."""
    report = ImportReport()
    rows = csv_rows(text, {"sku", "name"})
    if rows is None:
        raise DomainError(_l("The CSV needs a header line with at least: sku,name"))
    seen: set[str] = set()
    for number, row, problem in rows:
        product = None
        try:
            if problem:
                raise DomainError(problem)
            for flag in ("lot_tracked", "expiry_tracked"):
                row[flag] = _truthy(row.get(flag, ""))
            clean = _validate(row)
            if clean["sku"] in seen or db.session.scalar(select(Product.id).where(Product.sku == clean["sku"])):
                raise DomainError(_l("SKU %(sku)s already exists.", sku=clean["sku"]))
            seen.add(clean["sku"])
            product = Product(**clean)
            db.session.add(product)
            barcodes = []
            if row.get("gtin"):
                barcodes.append((row["gtin"], BarcodeKind.GTIN.value, 1))
            if row.get("case_gtin"):
                units = numbers.whole(row.get("case_units") or "0", least=1, most=100_000)
                if units is None:
                    raise DomainError(_l("case_units must be the number of units in the case."))
                barcodes.append((row["case_gtin"], BarcodeKind.CASE_GTIN.value, units))
            with db.session.no_autoflush:
                _add_barcodes(product, barcodes)
            db.session.flush()
            report.created += 1
        except DomainError as exc:
            if product is not None and product in db.session:
                db.session.expunge(product)
            report.errors.append((number, str(exc)))
    if report.errors:  # an import with errors is refused whole: nothing of it is kept
        report.created = 0
        raise uow.Discard(report)
    audit.record("product.import", None, count=report.created)
    return report
