"""Desk screens for the product catalogue: list and search, create and edit, barcodes, lots, CSV import."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from .. import clock, gs1
from ..access import blueprint_role
from ..auth.models import Role, User
from ..desk_forms import barcode_svg, is_fragment_request, read_csv_upload, whole_number
from ..errors import DomainError
from ..extensions import db
from . import rules, services
from .models import BarcodeKind, Category, Lot, LotStatus, Product, ProductBarcode

bp = blueprint_role(Blueprint("catalog", __name__, url_prefix="/desk/products"), Role.SUPERVISOR)

PER_PAGE = 50
MAX_LOTS_SHOWN = 100

CATEGORY_LABELS = {
    Category.MEDICINE: _l("Medicine"),
    Category.COSMETIC: _l("Cosmetic"),
    Category.SANITIZER: _l("Sanitizer"),
    Category.FOOD: _l("Food"),
    Category.HEALTH_PRODUCT: _l("Health product"),
    Category.OTHER: _l("Other"),
}
BARCODE_KIND_LABELS = {
    BarcodeKind.GTIN: _l("Unit GTIN"),
    BarcodeKind.CASE_GTIN: _l("Case GTIN"),
    BarcodeKind.INTERNAL: _l("Internal code"),
}
TEXT_FIELDS = ("sku", "name", "unit", "category", "anvisa_registration", "photo_url", "storage_notes")
NUMBER_FIELDS = ("min_shelf_life_days", "weight_g", "length_mm", "width_mm", "height_mm")
FLAG_FIELDS = ("lot_tracked", "expiry_tracked")


@bp.context_processor
def _labels():
    return {"category_labels": CATEGORY_LABELS, "barcode_kind_labels": BARCODE_KIND_LABELS,
            "lot_status": LotStatus.label_of}


def gtin_svg(code: str):
    """The symbol a GTIN is printed as: EAN-8 or EAN-13 for a unit (UPC-A is an EAN-13 with a leading 0),
    ITF-14 for a GTIN-14 with a packaging indicator."""
    if code.startswith("000000"):
        return barcode_svg("ean8", code[6:])
    if code.startswith("0"):
        return barcode_svg("ean13", code[1:])
    return barcode_svg("itf", code)


# List and search


@bp.get("")
def index():
    q = (request.args.get("q") or "").strip()
    query = select(Product).options(selectinload(Product.barcodes))
    if q:
        codes = {q}
        if gs1.is_valid_gtin(q):
            codes.add(gs1.normalize_gtin(q))  # an EAN-13 finds the GTIN-14 it is stored as
        by_barcode = select(ProductBarcode.product_id).where(
            or_(ProductBarcode.code.in_(codes), ProductBarcode.code.contains(q, autoescape=True)))
        query = query.where(or_(
            Product.sku.icontains(q, autoescape=True),
            Product.name.icontains(q, autoescape=True),
            Product.id.in_(by_barcode),
        ))
    page = db.paginate(query.order_by(Product.sku), per_page=PER_PAGE, max_per_page=PER_PAGE, error_out=False)
    context = {"page": page, "q": q, "args": {"q": q} if q else {}}
    if is_fragment_request():
        return render_template("catalog/desk/_results.html", **context)
    return render_template("catalog/desk/index.html", **context)


# Create and edit


def _product_values(form) -> dict:
    values = {key: (form.get(key) or "").strip() for key in TEXT_FIELDS}
    for key in NUMBER_FIELDS:
        values[key] = form.get(key, "").strip()
    for key in FLAG_FIELDS:
        values[key] = key in form
    return values


def _form_page(product: Product | None, form: dict, error=None, status: int = 200):
    return render_template("catalog/desk/form.html", product=product, form=form, error=error,
                           categories=list(Category)), status


@bp.route("/new", methods=["GET", "POST"])
def new():
    if request.method == "GET":
        return _form_page(None, {"unit": "un", "category": Category.OTHER.value, "active": True})
    form = request.form
    values = _product_values(form)
    gtin = (form.get("gtin") or "").strip()
    try:
        product = services.create_product(barcodes=[(gtin, BarcodeKind.GTIN.value, 1)] if gtin else [], **values)
    except DomainError as exc:
        return _form_page(None, dict(values, gtin=gtin, active=True), str(exc), 422)
    flash(_("Product %(sku)s created.", sku=product.sku), "success")
    return redirect(url_for(".detail", product_id=product.id))


@bp.route("/<int:product_id>/edit", methods=["GET", "POST"])
def edit(product_id: int):
    product = services.get(product_id)
    if request.method == "GET":
        form = {key: getattr(product, key) for key in (*TEXT_FIELDS, *NUMBER_FIELDS, *FLAG_FIELDS, "active")}
        return _form_page(product, {k: ("" if v is None else v) for k, v in form.items()})
    values = _product_values(request.form)
    try:
        services.update_product(product_id, active="active" in request.form, **values)
    except DomainError as exc:
        if exc.status == 404:
            raise
        return _form_page(services.get(product_id), dict(values, active="active" in request.form), str(exc), 422)
    flash(_("Product %(sku)s saved.", sku=values["sku"]), "success")
    return redirect(url_for(".detail", product_id=product_id))


# A product's page: barcodes and lots


def _detail(product: Product, *, barcode_form: dict | None = None, barcode_error=None, status: int = 200):
    lot_count = db.session.scalar(select(func.count(Lot.id)).where(Lot.product_id == product.id))
    lots = db.session.scalars(
        select(Lot).where(Lot.product_id == product.id).options(selectinload(Lot.history))
        # newest expiry first; lots without an expiry last
        .order_by(Lot.expires_on.is_(None), Lot.expires_on.desc(), Lot.code).limit(MAX_LOTS_SHOWN)
    ).all()
    user_ids = {change.user_id for lot in lots for change in lot.history} - {None}
    users = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(user_ids))).all()) if user_ids else {}
    today = clock.today()
    lot_rows = [{
        "lot": lot,
        "days_left": rules.remaining_shelf_life_days(lot.expires_on, today),
        "expired": lot.is_expired(today),
        "short": not rules.meets_shelf_life(lot.expires_on, today, product.min_shelf_life_days),
    } for lot in lots]
    gtin = product.gtin
    return render_template(
        "catalog/desk/detail.html", product=product, lot_rows=lot_rows, lot_count=lot_count, users=users,
        gtin_barcode=gtin_svg(gtin) if gtin else None, barcode_form=barcode_form or {"kind": "gtin", "units": ""},
        barcode_error=barcode_error, barcode_kinds=list(BarcodeKind),
    ), status


@bp.get("/<int:product_id>")
def detail(product_id: int):
    return _detail(services.get(product_id))


@bp.post("/<int:product_id>/barcodes")
def add_barcode(product_id: int):
    form = request.form
    kind = form.get("kind") or BarcodeKind.GTIN.value
    code = (form.get("code") or "").strip()
    try:
        units = 1
        if kind == BarcodeKind.CASE_GTIN:
            units = whole_number(form.get("units"), _l("Units in the case"))
            if units is None:
                raise DomainError(_l("Say how many units the case holds."))
        services.add_barcode(product_id, code, kind, units)
    except DomainError as exc:
        if exc.status == 404:
            raise
        return _detail(services.get(product_id), barcode_form={"kind": kind, "code": code, "units": form.get("units", "")},
                       barcode_error=str(exc), status=422)
    flash(_("Barcode %(code)s added.", code=code), "success")
    return redirect(url_for(".detail", product_id=product_id) + "#barcodes")


# CSV import


@bp.get("/import")
def import_form():
    return render_template("catalog/desk/import.html", report=None, error=None)


@bp.post("/import")
def import_upload():
    report = error = None
    try:
        report = services.import_products_csv(read_csv_upload())
    except DomainError as exc:
        error = str(exc)
    if report is not None and report.ok and not is_fragment_request():
        flash(ngettext("%(num)s product imported.", "%(num)s products imported.", report.created), "success")
        return redirect(url_for(".index"))
    status = 200 if report is not None and report.ok else 422
    template = "catalog/desk/_import_result.html" if is_fragment_request() else "catalog/desk/import.html"
    return render_template(template, report=report, error=error), status
