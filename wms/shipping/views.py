"""Shipping on the desk (supervisor): the packing board, shipments, manifests (close, print, CSV), carriers with
their services, tracking ranges and freight tables, box types, channel rules and the shipping settings."""
from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import clock
from ..access import blueprint_role
from ..auth.models import Role
from ..board import queries as board_queries
from ..board.views import RISK_WORDS
from ..errors import DomainError, get_or_not_found
from ..extensions import db
from ..orders.channels import codes as channel_codes
from ..orders.models import Order, OrderStatus
from ..views_common import desk_post, refusal_text
from . import boxes as packed_boxes
from . import carriers, dispatch, documents, packing, queries, settings, tracking, words
from .models import CarrierKind, Manifest, Shipment, ShipmentStatus

bp = blueprint_role(Blueprint("shipping_desk", __name__, url_prefix="/shipping"), Role.SUPERVISOR)
bp.context_processor(words.words)


def _back(endpoint: str, **values):
    return redirect(url_for(endpoint, **values))


def _setup_saved(action, done):
    """A carriers-page form: run it, say how it went, back to the carriers page."""
    return desk_post(action, done, url_for("shipping_desk.carriers_page"))


@bp.get("/")
def board():
    """Orders ready to pack (by promised date and carrier) and orders packed, waiting for their pickup."""
    today = clock.today()
    waiting_pack = select(Order).where(Order.status == OrderStatus.PICKED.value)
    waiting_pickup = select(Order).where(Order.status == OrderStatus.PACKED.value)
    urgent = {**board_queries.urgent_orders(waiting_pack, today), **board_queries.urgent_orders(waiting_pickup, today)}
    ready = list(db.session.scalars(waiting_pack.order_by(
        board_queries.urgent_first(urgent), Order.promised_ship_date.is_(None), Order.promised_ship_date,
        Order.carrier, Order.id).limit(300)))
    packed = list(db.session.scalars(waiting_pickup.order_by(board_queries.urgent_first(urgent), Order.id)
                                     .limit(300)))
    return render_template("shipping/desk/board.html", ready=ready, packed=packed, urgent=urgent,
                           risk_words=RISK_WORDS,
                           running_out=carriers.ranges_running_out(),
                           shipments={s.order_id: s for s in db.session.scalars(
                               select(Shipment).where(Shipment.order_id.in_([o.id for o in ready + packed])))})


@bp.get("/orders/<int:order_id>")
def order(order_id: int):
    view = packing.pack_view(order_id)
    return render_template("shipping/desk/order.html", view=view, order=view.order,
                           invoice=documents.invoice_of(order_id), labels=documents.marketplace_labels(order_id))


@bp.post("/packages/<int:package_id>/unpack")
def unpack(package_id: int):
    return desk_post(lambda: packed_boxes.unpack(package_id, user_id=current_user.id),
                     lambda result: ngettext("Box %(box)s unpacked: %(units)s unit back in tote %(tote)s.",
                                             "Box %(box)s unpacked: %(units)s units back in tote %(tote)s.",
                                             result["units"], **result),
                     request.referrer or url_for("shipping_desk.board"))


@bp.post("/packages/<int:package_id>/reprint")
def reprint(package_id: int):
    return desk_post(lambda: documents.reprint(package_id, user_id=current_user.id,
                                               station=request.form.get("station") or None),
                     _l("The label is printing again."), request.referrer or url_for("shipping_desk.board"))


@bp.post("/orders/<int:order_id>/documents")
def reprint_documents(order_id: int):
    return desk_post(lambda: documents.reprint_order_documents(order_id, user_id=current_user.id),
                     _l("The order's documents are printing again."), url_for("shipping_desk.order", order_id=order_id))


@bp.get("/orders/<int:order_id>/label.pdf")
def label_pdf(order_id: int):
    found = [label for label in documents.marketplace_labels(order_id) if label.format == "pdf"]
    if not found:
        flash(_l("This order has no PDF label."), "error")
        return _back("shipping_desk.order", order_id=order_id)
    return Response(found[0].content, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="order-{order_id}-label.pdf"'})


# --------------------------------------------------------------------------------------------- shipments


@bp.get("/shipments")
def shipments():
    """Shipments by carrier and status; `late=1`: those past their promised days, the most overdue first."""
    carrier = (request.args.get("carrier") or "").strip()[:40]
    status = (request.args.get("status") or "").strip()[:20]
    late_only = request.args.get("late") == "1"
    if late_only:
        late = queries.late_shipments(carrier=carrier)
        found = [item.shipment for item in late]
        marks = {item.shipment.id: item for item in late}
    else:
        query = select(Shipment).order_by(Shipment.id.desc()).limit(300)
        if carrier:
            query = query.where(Shipment.carrier == carrier)
        if status:
            query = query.where(Shipment.status == status)
        found = list(db.session.scalars(query))
        marks = queries.late_by_id(found)
    return render_template("shipping/desk/shipments.html", shipments=found, late=marks, late_only=late_only,
                           carrier=carrier, status=status, carriers=carriers.carriers(),
                           statuses=[s.value for s in ShipmentStatus])


@bp.get("/shipments/<int:shipment_id>")
def shipment(shipment_id: int):
    """A shipment, its boxes and its tracking history, the latest event first."""
    found = get_or_not_found(Shipment, shipment_id, _l("That shipment does not exist."))
    return render_template("shipping/desk/shipment.html", shipment=found, events=tracking.history(found.id),
                           late=queries.late_by_id([found]).get(found.id),
                           promised_days=queries.promised_days(found),
                           tracking_url=dispatch.tracking_url(found.carrier, found.tracking_code))


# --------------------------------------------------------------------------------------------- manifests


@bp.get("/manifests")
def manifests():
    found = list(db.session.scalars(select(Manifest).options(joinedload(Manifest.carrier))
                                    .order_by(Manifest.status.desc(), Manifest.pickup_on.desc(), Manifest.id.desc())
                                    .limit(200)))
    return render_template("shipping/desk/manifests.html", manifests=found,
                           counts=dispatch.package_counts([m.id for m in found]))


@bp.get("/manifests/<int:manifest_id>")
def manifest(manifest_id: int):
    found = dispatch.get_manifest(manifest_id)
    template = "shipping/desk/manifest_print.html" if request.args.get("print") else "shipping/desk/manifest.html"
    return render_template(template, manifest=found, shipments=dispatch.shipments_of(found.id),
                           packages=dispatch.packages_of(found.id), missing=dispatch.missing(found))


@bp.get("/manifests/<int:manifest_id>.csv")
def manifest_csv(manifest_id: int):
    return Response(dispatch.manifest_csv(manifest_id), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="manifest-{manifest_id}.csv"'})


@bp.post("/manifests/<int:manifest_id>/driver")
def manifest_driver(manifest_id: int):
    return desk_post(lambda: dispatch.set_driver(manifest_id, driver_name=request.form.get("driver_name") or "",
                                                 vehicle_plate=request.form.get("vehicle_plate") or "",
                                                 user_id=current_user.id),
                     None, url_for("shipping_desk.manifest", manifest_id=manifest_id))


@bp.post("/manifests/<int:manifest_id>/close")
def manifest_close(manifest_id: int):
    return desk_post(lambda: dispatch.close_manifest(manifest_id, user_id=current_user.id),
                     lambda result: ngettext("%(manifest)s closed: %(num)s order shipped",
                                             "%(manifest)s closed: %(num)s orders shipped", result["orders"],
                                             manifest=result["manifest"]) + " "
                     + ngettext("(%(num)s unit).", "(%(num)s units).", result["units"]),
                     url_for("shipping_desk.manifest", manifest_id=manifest_id))


@bp.post("/shipments/<int:shipment_id>/leave-behind")
def leave_behind(shipment_id: int):
    manifest_id = request.form.get("manifest_id", type=int)
    back = url_for("shipping_desk.manifest", manifest_id=manifest_id) if manifest_id else url_for("shipping_desk.board")
    return desk_post(lambda: dispatch.leave_behind(shipment_id, user_id=current_user.id),
                     _l("The shipment is off the manifest."), back)


# --------------------------------------------------------------------------------------------- carriers


@bp.get("/carriers")
def carriers_page():
    return render_template("shipping/desk/carriers.html", carriers=carriers.carriers(), ranges=carriers.ranges(),
                           running_out=carriers.ranges_running_out(), kinds=[k.value for k in CarrierKind],
                           channels=channel_codes(),
                           channel_rules={code: carriers.channel_rule(code) for code in channel_codes()},
                           settings={k: settings.get(k) for k in settings.DEFAULTS})


@bp.post("/carriers")
def carrier_save():
    form = request.form
    return _setup_saved(lambda: carriers.save_carrier(
        code=form.get("code", ""), name=form.get("name", ""), kind=form.get("kind", ""),
        contract=form.get("contract", ""), posting_card=form.get("posting_card", ""),
        cubic_divisor=form.get("cubic_divisor", ""), insurance_bp=form.get("insurance_bp", "0"),
        tracking_pattern=form.get("tracking_pattern", ""), tracking_url=form.get("tracking_url", ""),
        active=form.get("active") != "0", user_id=current_user.id), _l("Carrier saved."))


@bp.post("/carriers/<int:carrier_id>/services")
def service_save(carrier_id: int):
    form = request.form
    return _setup_saved(lambda: carriers.save_service(
        carrier_id, code=form.get("code", ""), name=form.get("name", ""), symbol=form.get("symbol", ""),
        active=form.get("active") != "0", user_id=current_user.id), _l("Service saved."))


@bp.post("/services/<int:service_id>/ranges")
def range_import(service_id: int):
    form = request.form
    return _setup_saved(lambda: carriers.import_range(
        service_id, prefix=form.get("prefix", ""), first=form.get("first", ""), last=form.get("last", ""),
        warn_below=form.get("warn_below", "100"), user_id=current_user.id), _l("Range imported."))


@bp.post("/services/<int:service_id>/rates")
def rates_import(service_id: int):
    upload = request.files.get("file")
    raw = upload.read(2_000_001) if upload else (request.form.get("text") or "").encode()
    if len(raw) > 2_000_000:
        flash(_l("The file is larger than 2 MB."), "error")
        return _back("shipping_desk.carriers_page")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        flash(_l("The file is not UTF-8 text."), "error")
        return _back("shipping_desk.carriers_page")
    try:
        report = carriers.import_rates_csv(service_id, text, user_id=current_user.id)
    except DomainError as error:
        flash(refusal_text(error), "error")
        return _back("shipping_desk.carriers_page")
    if report.errors:
        flash("; ".join(str(_l("line %(line)s: %(problem)s", line=line, problem=problem))
                        for line, problem in report.errors[:10]), "error")
    else:
        flash(ngettext("%(num)s rate imported.", "%(num)s rates imported.", report.created), "success")
    return _back("shipping_desk.carriers_page")


@bp.post("/channels/<channel>")
def channel_save(channel: str):
    service_id = request.form.get("service_id", type=int)
    return _setup_saved(lambda: carriers.save_channel_rule(
        channel, service_id=service_id or None, require_invoice=request.form.get("require_invoice") == "1",
        user_id=current_user.id), _l("Channel rule saved."))


@bp.post("/settings")
def settings_save():
    form = request.form
    submitted = {key: form[key] for key in settings.DEFAULTS if key in form}
    return _setup_saved(lambda: settings.save_settings(submitted, user_id=current_user.id), _l("Settings saved."))


# --------------------------------------------------------------------------------------------- box types


@bp.get("/boxes")
def boxes():
    return render_template("shipping/desk/boxes.html",
                           boxes=list(db.session.scalars(select(carriers.BoxType).order_by(carriers.BoxType.code))))


@bp.post("/boxes")
def box_save():
    form = request.form
    return desk_post(lambda: carriers.save_box_type(
        code=form.get("code", ""), name=form.get("name", ""), length_mm=form.get("length_mm", ""),
        width_mm=form.get("width_mm", ""), height_mm=form.get("height_mm", ""), tare_g=form.get("tare_g", ""),
        max_weight_g=form.get("max_weight_g", ""), carriers=form.get("carriers", ""),
        active=form.get("active") != "0", user_id=current_user.id), _l("Box type saved."),
        url_for("shipping_desk.boxes"))
