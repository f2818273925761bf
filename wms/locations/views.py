"""Desk screens for locations: list, detail and edit, block, bulk range, CSV import, warehouse layout.

Supervisors do all of it except the layout: creating a range or importing is previewed (range) or checked row by
row (CSV), all-or-nothing, audited and undone by deactivating, while the layout changes every pick walk's route,
so saving it is for an admin.
"""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import numbers
from ..access import blueprint_role, requires
from ..auth.models import Role
from ..catalog import services as catalog
from ..catalog.models import Product
from ..desk_forms import barcode_svg, is_fragment_request, metres, read_csv_upload, whole_number
from ..errors import DomainError
from ..extensions import db
from . import rules, services
from .models import VIRTUAL_KINDS, Location, LocationKind, Mixing, Zone

bp = blueprint_role(Blueprint("locations", __name__, url_prefix="/desk/locations"), Role.SUPERVISOR)

PER_PAGE = 50

PHYSICAL_KINDS = [kind for kind in LocationKind if kind not in VIRTUAL_KINDS]
MIXING_LABELS = {
    Mixing.MIXED: _l("Any products and lots"),
    Mixing.ONE_PRODUCT: _l("One product"),
    Mixing.ONE_LOT: _l("One lot"),
}


def _int_pair(prefix: str, label) -> tuple[int, int]:
    low = whole_number(request.form.get(f"{prefix}_from"), label)
    high = whole_number(request.form.get(f"{prefix}_to"), label, blank=low)
    if low is None:
        raise DomainError(_l("%(field)s: give the first one.", field=label))
    return low, high


@bp.context_processor
def _labels():
    return {"mixing_labels": MIXING_LABELS}


# List


def _filters() -> dict:
    args = request.args
    return {
        "prefix": (args.get("prefix") or "").strip().upper(),
        "zone": (args.get("zone") or "").strip(),
        "kind": (args.get("kind") or "").strip(),
        "blocked": (args.get("blocked") or "").strip(),
    }


@bp.get("")
def index():
    filters = _filters()
    query = select(Location).where(Location.kind.not_in([k.value for k in VIRTUAL_KINDS]))
    if filters["prefix"]:
        query = query.where(Location.code.startswith(filters["prefix"], autoescape=True))
    if filters["zone"]:
        query = query.join(Zone, Location.zone_id == Zone.id).where(Zone.code == filters["zone"])
    if filters["kind"]:
        query = query.where(Location.kind == filters["kind"])
    if filters["blocked"] in ("yes", "no"):
        query = query.where(Location.blocked.is_(filters["blocked"] == "yes"))
    query = query.options(selectinload(Location.zone)).order_by(Location.code)
    page = db.paginate(query, per_page=PER_PAGE, max_per_page=PER_PAGE, error_out=False)
    slot_skus = dict(db.session.execute(
        select(Product.id, Product.sku).where(Product.id.in_({loc.slot_product_id for loc in page.items} - {None}))
    ).all())
    context = {"page": page, "filters": filters, "slot_skus": slot_skus,
               "args": {k: v for k, v in filters.items() if v}}
    if is_fragment_request():
        return render_template("locations/desk/_results.html", **context)
    zones = db.session.scalars(select(Zone.code).distinct().order_by(Zone.code)).all()
    return render_template("locations/desk/index.html", zones=zones, kinds=PHYSICAL_KINDS, **context)


# Detail, edit, block


def _detail(location: Location, *, form: dict | None = None, error=None, block_error=None, status: int = 200):
    if form is None:
        slot = db.session.get(Product, location.slot_product_id) if location.slot_product_id else None
        form = {
            "kind": location.kind, "capacity_units": location.capacity_units or "", "mixing": location.mixing,
            "active": location.active, "slot_sku": slot.sku if slot else "",
            "slot_min": "" if location.slot_min is None else location.slot_min,
            "slot_max": "" if location.slot_max is None else location.slot_max,
        }
    walk = None
    if location.aisle is not None and location.bay is not None:
        walk = rules.walk_point(location.aisle, location.bay, location.warehouse.bay_width_m)
    return render_template(
        "locations/desk/detail.html", location=location, form=form, error=error, block_error=block_error,
        kinds=PHYSICAL_KINDS, walk=walk, barcode=barcode_svg("code128", location.code),
    ), status


@bp.get("/<int:location_id>")
def detail(location_id: int):
    return _detail(services.get(location_id))


@bp.post("/<int:location_id>")
def update(location_id: int):
    form = request.form
    try:
        slot_sku = (form.get("slot_sku") or "").strip()
        slot_product = None
        if slot_sku:
            slot_product = catalog.by_sku(slot_sku)
            if slot_product is None:
                raise DomainError(_l("No product has the SKU %(sku)s.", sku=slot_sku))
        services.update_location(
            location_id,
            kind=form.get("kind") or None,
            capacity_units=whole_number(form.get("capacity_units"), _l("Capacity"), blank=0),
            mixing=form.get("mixing") or None,
            active="active" in form,
            slot_product_id=slot_product.id if slot_product else None,
            slot_min=whole_number(form.get("slot_min"), _l("Slot minimum")) if slot_product else None,
            slot_max=whole_number(form.get("slot_max"), _l("Slot maximum")) if slot_product else None,
        )
    except DomainError as exc:
        if exc.status == 404:
            raise
        values = {key: form.get(key, "") for key in ("kind", "capacity_units", "mixing", "slot_sku", "slot_min",
                                                      "slot_max")}
        values["active"] = "active" in form
        return _detail(services.get(location_id), form=values, error=str(exc), status=422)
    flash(_("Location saved."), "success")
    return redirect(url_for(".detail", location_id=location_id))


@bp.post("/<int:location_id>/block")
def block(location_id: int):
    try:
        location = services.set_blocked(location_id, True, request.form.get("reason"))
    except DomainError as exc:
        if exc.status == 404:
            raise
        return _detail(services.get(location_id), block_error=str(exc), status=422)
    flash(_("%(code)s is blocked: nothing will be put away or picked there.", code=location.code), "success")
    return redirect(url_for(".detail", location_id=location_id))


@bp.post("/<int:location_id>/unblock")
def unblock(location_id: int):
    location = services.set_blocked(location_id, False)
    flash(_("%(code)s is unblocked.", code=location.code), "success")
    return redirect(url_for(".detail", location_id=location_id))


# One location, a range, a CSV


@bp.route("/new", methods=["GET", "POST"])
def new():
    form = request.form
    error = None
    if request.method == "POST":
        try:
            location = services.create_location(
                form.get("code", ""), form.get("kind", ""), zone=(form.get("zone") or "").strip() or None,
                capacity_units=whole_number(form.get("capacity_units"), _l("Capacity")),
                mixing=form.get("mixing") or None,
            )
        except DomainError as exc:
            error = str(exc)
        else:
            flash(_("Location %(code)s created.", code=location.code), "success")
            return redirect(url_for(".detail", location_id=location.id))
    return render_template("locations/desk/new.html", form=form, error=error, kinds=PHYSICAL_KINDS), (
        422 if error else 200)


def _range_request() -> dict:
    form = request.form
    return {
        "zone": (form.get("zone") or "").strip(),
        "aisles": _int_pair("aisle", _l("Aisles")),
        "bays": _int_pair("bay", _l("Bays")),
        "levels": _int_pair("level", _l("Levels")),
        "positions": (form.get("positions") or "").strip(),
    }


@bp.get("/range")
def range_form():
    return render_template("locations/desk/range.html", form={}, pick_face_levels=set(), kinds=PHYSICAL_KINDS,
                           preview=None, error=None)


@bp.post("/range")
def range_create():
    """Preview (action=preview; a fragment for htmx) or create the range previewed (action=create)."""
    form = request.form
    levels = [numbers.whole(v, most=9) for v in form.getlist("pick_face_levels")]
    pick_face_levels = {n for n in levels if n is not None}
    preview = error = None
    try:
        if None in levels:
            raise DomainError(_l("Pick-face levels are level numbers from 0 to 9."))
        wanted = _range_request()
        preview = services.preview_range(wanted["zone"], wanted["aisles"], wanted["bays"], wanted["levels"],
                                         positions=wanted["positions"])
        if form.get("action") == "create":
            if form.get("expected_count") != str(preview.count):
                raise DomainError(_l("The range changed since its preview: look at the new count and create again."))
            made = services.create_range(
                wanted["zone"], wanted["aisles"], wanted["bays"], wanted["levels"], positions=wanted["positions"],
                kind=form.get("kind") or "reserve", mixing=form.get("mixing") or None,
                capacity_units=whole_number(form.get("capacity_units"), _l("Capacity")),
                pick_face_levels=tuple(sorted(pick_face_levels)),
            )
            flash(ngettext("%(num)s location created, %(first)s to %(last)s.", "%(num)s locations created, %(first)s to %(last)s.",
                           len(made), first=made[0].code, last=made[-1].code), "success")
            return redirect(url_for(".index", prefix=made[0].code.split("-")[0] + "-"))
    except DomainError as exc:
        error = str(exc)
    status = 422 if error else 200
    if is_fragment_request():
        return render_template("locations/desk/_range_preview.html", preview=preview, error=error), status
    return render_template("locations/desk/range.html", form=form, pick_face_levels=pick_face_levels,
                           kinds=PHYSICAL_KINDS, preview=preview, error=error), status


@bp.get("/import")
def import_form():
    return render_template("locations/desk/import.html", report=None, error=None)


@bp.post("/import")
def import_upload():
    report = error = None
    try:
        report = services.import_csv(read_csv_upload())
    except DomainError as exc:
        error = str(exc)
    if report is not None and report.ok and not is_fragment_request():
        flash(ngettext("%(num)s location imported.", "%(num)s locations imported.", report.created), "success")
        return redirect(url_for(".index"))
    status = 200 if report is not None and report.ok else 422
    template = "locations/desk/_import_result.html" if is_fragment_request() else "locations/desk/import.html"
    return render_template(template, report=report, error=error), status


# Warehouse layout


def _layout_page(form: dict | None = None, error=None, status: int = 200):
    warehouse = services.default_warehouse()
    if form is None:
        form = {key: f"{getattr(warehouse, key):g}" for key in ("aisle_length_m", "aisle_pitch_m", "bay_width_m",
                                                                 "depot_x_m")}
        form["cross_aisles_m"] = [f"{value:g}" for value in warehouse.cross_aisles_m or []]
    cross = list(form["cross_aisles_m"])
    cross += [""] * max(4 - len(cross), 1)
    return render_template("locations/desk/layout.html", warehouse=warehouse, form=form, cross=cross,
                           can_edit=current_user.has_role(Role.ADMIN), error=error), status


@bp.get("/layout")
def layout():
    return _layout_page()


@bp.post("/layout")
@requires(Role.ADMIN)
def save_layout():
    form = request.form
    try:
        warehouse = services.default_warehouse()
        services.update_layout(
            warehouse.id,
            aisle_length_m=metres(form.get("aisle_length_m"), _l("Aisle length")),
            aisle_pitch_m=metres(form.get("aisle_pitch_m"), _l("Aisle pitch")),
            bay_width_m=metres(form.get("bay_width_m"), _l("Bay width")),
            cross_aisles_m=[metres(v, _l("Cross-aisle")) for v in form.getlist("cross_aisles_m") if v.strip()],
            depot_x_m=metres(form.get("depot_x_m"), _l("Depot position")),
        )
    except DomainError as exc:
        if exc.status == 404:
            raise
        values = {key: form.get(key, "") for key in ("aisle_length_m", "aisle_pitch_m", "bay_width_m", "depot_x_m")}
        values["cross_aisles_m"] = [v for v in form.getlist("cross_aisles_m") if v.strip()]
        return _layout_page(values, str(exc), 422)
    flash(_("Warehouse layout saved."), "success")
    return redirect(url_for(".layout"))
