"""Packing and the dock on the handheld (the same screens serve a desk with a scanner).

Packing: scan the tote (or order, or staging place); scan every unit into the open box; "Close box", then type
or scan the weight; a large difference asks for a recount and a second weighing. Dock: scan the manifest, then
every package onto the truck; the driver's name and plate. Every step answers with the good, attention or error
sound; a refused scan changes nothing."""
from flask import Blueprint, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_login import current_user

from ..access import blueprint_role
from ..auth.models import Role
from ..errors import DomainError
from ..formatting import lazy_number
from ..views_common import StaleScreen, answer, feedback, refused
from . import boxes, dispatch, documents, packing, words
from .models import ManifestStatus

bp = blueprint_role(Blueprint("shipping_hh", __name__, url_prefix="/hh/shipping"), Role.WORKER)
bp.context_processor(words.words)  # a package's status in words ("aberto"), as on the desk

PACK_START = "shipping/hh/pack_start.html"
PACK = "shipping/hh/pack.html"
DOCK_START = "shipping/hh/dock_start.html"
DOCK = "shipping/hh/dock.html"


def _station() -> str:
    code = (request.values.get("station") or "").strip().upper()[:40]
    return code


def _scan_id() -> str | None:
    return (request.form.get("scan_id") or "").strip()[:64] or None


def _user() -> int:
    return current_user.id


# --------------------------------------------------------------------------------------------- packing


def _start_context(**extra) -> dict:
    return {"station": _station(), **extra}


@bp.get("/pack")
def pack_start():
    return render_template(PACK_START, **_start_context())


@bp.post("/pack")
def pack_find():
    """A tote, an order or a staging place opens the order; a packing location sets the station."""
    raw = request.form.get("scan") or ""
    try:
        found = None
        if raw.strip():
            try:
                found = packing.station_location(raw)
            except DomainError:
                pass
        if found is not None:
            return answer(PACK_START, station=found.code,
                          ok=_l("Station %(code)s: scan a tote.", code=found.code))
        order = packing.find_order(raw)
    except DomainError as error:
        return refused(PACK_START, error, _start_context)
    response = feedback("", ok=True)
    response.headers["HX-Redirect"] = url_for("shipping_hh.pack", order_id=order.id, station=_station() or None)
    return response


def _pack_context(order_id: int, *, step: str = "scan", recount: bool = False, **extra) -> dict:
    view = packing.pack_view(order_id)
    if view.missing_sizes:
        step = "size"
    return {"view": view, "order": view.order, "station": _station(), "step": step, "recount": recount,
            "hidden": {"station": _station(), "step": step, "recount": "1" if recount else ""},
            "labels": documents.marketplace_labels(order_id), "invoice": documents.invoice_of(order_id), **extra}


@bp.get("/pack/<int:order_id>")
def pack(order_id: int):
    return render_template(PACK, **_pack_context(order_id))


@bp.post("/pack/<int:order_id>")
def pack_scan(order_id: int):
    """The one scan input: a unit (or box type) while scanning, the weight after "Close box"."""
    step = request.form.get("step") or "scan"
    if step not in ("scan", "weigh"):
        raise StaleScreen()
    recount = request.form.get("recount") == "1"
    raw = request.form.get("scan") or ""
    try:
        if step == "weigh":
            result = boxes.close_box(order_id, raw, recounted=recount, user_id=_user(), scan_id=_scan_id())
            box, tracking = result["package"], result["tracking_code"] or "-"
            if result["order_packed"]:  # the screen's heading says the order is packed: this says what to do
                message = lazy_ngettext(
                    "Box %(number)s closed: %(tracking)s. Its label is printing. Take the box to the dock.",
                    "Box %(number)s closed: %(tracking)s. Its label is printing. Take the %(num)s boxes to the dock.",
                    int(box.split("/")[-1]), number=box, tracking=tracking)
            else:
                message = _l("Box %(number)s closed: %(tracking)s. Its label is printing.", number=box,
                             tracking=tracking)
            return answer(PACK, attention=bool(result.get("difference_g")),
                          **_pack_context(order_id, ok=message, closed=result))
        result = packing.pack_unit(order_id, raw, station_code=_station() or None, user_id=_user(),
                                   scan_id=_scan_id())
    except boxes.WeightMismatch as error:
        return refused(PACK, error, lambda: _pack_context(order_id, step="weigh", recount=True))
    except DomainError as error:
        return refused(PACK, error, lambda: _pack_context(order_id, step=step, recount=recount))
    if result.get("sku"):
        message = _l("%(qty)s × %(sku)s into box %(box)s.", qty=lazy_number(result["quantity"]), sku=result["sku"],
                     box=result["package"])
    else:
        message = _l("Box %(number)s is a %(box)s.", number=result["package"], box=result["box"])
    return answer(PACK, **_pack_context(order_id, ok=message))


@bp.post("/pack/<int:order_id>/close")
def pack_close(order_id: int):
    """The "Close box" button: the next scan is the weight."""
    return answer(PACK, **_pack_context(order_id, step="weigh"))


@bp.post("/pack/<int:order_id>/size/<int:product_id>")
def pack_size(order_id: int, product_id: int):
    form = request.form
    try:
        packing.set_product_size(product_id, length_mm=form.get("length_mm"), width_mm=form.get("width_mm"),
                                 height_mm=form.get("height_mm"), weight_g=form.get("weight_g"), user_id=_user())
    except DomainError as error:
        return refused(PACK, error, lambda: _pack_context(order_id))
    return answer(PACK, **_pack_context(order_id, ok=_l("Size stored.")))


@bp.post("/pack/<int:order_id>/reprint/<int:package_id>")
def pack_reprint(order_id: int, package_id: int):
    try:
        documents.reprint(package_id, user_id=_user())
    except DomainError as error:
        return refused(PACK, error, lambda: _pack_context(order_id))
    return answer(PACK, **_pack_context(order_id, ok=_l("The label is printing again.")))


@bp.get("/orders/<int:order_id>/declaration")
def declaration(order_id: int):
    """Declaração de conteúdo: a printable page for an order without an NF-e."""
    return render_template("shipping/declaration.html", **documents.declaration(order_id))


# --------------------------------------------------------------------------------------------- dock


def _dock_start_context(**extra) -> dict:
    return {"manifests": dispatch.open_manifests(), **extra}


@bp.get("/dock")
def dock_start():
    return render_template(DOCK_START, **_dock_start_context())


@bp.post("/dock")
def dock_find():
    manifest = dispatch.manifest_by_code(request.form.get("scan") or "")
    if manifest is None or manifest.status != ManifestStatus.OPEN:
        return refused(DOCK_START, DomainError(_l("That is not an open manifest: scan or choose one below.")),
                       _dock_start_context)
    response = feedback("", ok=True)
    response.headers["HX-Redirect"] = url_for("shipping_hh.dock", manifest_id=manifest.id)
    return response


def _dock_context(manifest_id: int, **extra) -> dict:
    manifest = dispatch.get_manifest(manifest_id)
    packages = dispatch.packages_of(manifest.id)
    return {"manifest": manifest, "packages": packages, "loaded": sum(1 for p in packages if p.loaded_at),
            **extra}


@bp.get("/dock/<int:manifest_id>")
def dock(manifest_id: int):
    return render_template(DOCK, **_dock_context(manifest_id))


@bp.post("/dock/<int:manifest_id>")
def dock_scan(manifest_id: int):
    try:
        result = dispatch.load_package(manifest_id, request.form.get("scan") or "", user_id=_user(),
                                       scan_id=_scan_id())
    except DomainError as error:
        return refused(DOCK, error, lambda: _dock_context(manifest_id))
    message = _l("%(code)s is on the truck (%(loaded)s of %(total)s).", code=result["code"],
                 loaded=lazy_number(result["loaded"]), total=lazy_number(result["total"]))
    return answer(DOCK, attention=result["again"], **_dock_context(manifest_id, ok=message))


@bp.post("/dock/<int:manifest_id>/driver")
def dock_driver(manifest_id: int):
    try:
        dispatch.set_driver(manifest_id, driver_name=request.form.get("driver_name") or "",
                            vehicle_plate=request.form.get("vehicle_plate") or "", user_id=_user())
    except DomainError as error:
        return refused(DOCK, error, lambda: _dock_context(manifest_id))
    return answer(DOCK, **_dock_context(manifest_id, ok=_l("Driver and plate recorded.")))
