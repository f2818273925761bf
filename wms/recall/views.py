"""The desk's recalls: recall a lot or a serial, the trace of a lot on one screen, the distribution map
(CSV and printable, RDC 625/2022 columns) and the lot's or a serial's history."""
from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..access import blueprint_role
from ..auth.models import Role
from ..catalog import services as catalog
from ..catalog.models import Lot, LotStatus
from ..errors import DomainError, NotFound
from ..extensions import db
from ..inventory.words import move_reason
from ..locations.models import LocationKind
from . import services, trace
from .models import Recall, RiskClass

bp = blueprint_role(Blueprint("recall_desk", __name__, url_prefix="/desk/recalls"), Role.SUPERVISOR)


@bp.context_processor
def _words():
    return {"lot_status": LotStatus.label_of, "location_kind": LocationKind.label_of, "move_reason": move_reason}


def _list(form=None, error=None, status=200):
    recalls = list(db.session.scalars(select(Recall).order_by(Recall.id.desc()).limit(100)))
    return render_template("recall/recalls.html", recalls=recalls, classes=[c.value for c in RiskClass],
                           form=form or {}, error=error), status


@bp.get("/")
def recalls():
    return _list()


def _lot_of(sku: str, code: str) -> Lot:
    product = catalog.by_sku((sku or "").strip()[:40])
    lot = catalog.find_lot(product.id, (code or "").strip()[:20]) if product else None
    if lot is None:
        raise NotFound(f"{(sku or '')[:40]} / {(code or '')[:20]}")
    return lot


@bp.post("/")
def recall():
    form = request.form
    try:
        common = dict(risk_class=form.get("risk_class", ""), reference=form.get("reference", ""),
                      reason=form.get("reason", ""), holder=form.get("holder"), user_id=current_user.id)
        if (form.get("serial") or "").strip():
            product = catalog.by_sku((form.get("sku") or "").strip()[:40])
            if product is None:
                raise NotFound(str(form.get("sku", ""))[:40])
            done = services.recall_serial(product.id, form.get("serial", ""), **common)
        else:
            done = services.recall_lot(_lot_of(form.get("sku", ""), form.get("lot", "")).id, **common)
    except DomainError as error:
        return _list(form, str(error), error.status)
    if done.serial:
        return redirect(url_for(".history", lot_id=done.lot_id, serial=done.serial))
    return redirect(url_for(".lot_trace", lot_id=done.lot_id))


@bp.get("/find")
def find():
    try:
        lot = _lot_of(request.args.get("sku", ""), request.args.get("lot", ""))
    except DomainError as error:
        return _list(request.args, str(error), error.status)
    return redirect(url_for(".lot_trace", lot_id=lot.id))


def _trace(lot_id: int) -> trace.Trace:
    if db.session.get(Lot, lot_id) is None:
        abort(404)
    return trace.trace(lot_id)


@bp.get("/lot/<int:lot_id>")
def lot_trace(lot_id: int):
    return render_template("recall/trace.html", t=_trace(lot_id))


@bp.get("/lot/<int:lot_id>/map.csv")
def map_csv(lot_id: int):
    found = _trace(lot_id)
    return Response(trace.distribution_csv(found), mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=distribution-map-{found.lot.id}.csv"})


@bp.get("/lot/<int:lot_id>/map")
def map_page(lot_id: int):
    found = _trace(lot_id)
    return render_template("recall/map.html", t=found, rows=trace.distribution_rows(found))


@bp.get("/lot/<int:lot_id>/history")
def history(lot_id: int):
    lot = db.session.get(Lot, lot_id)
    if lot is None:
        abort(404)
    serial = (request.args.get("serial") or "").strip()[:20] or None
    return render_template("recall/history.html", lot=lot, serial=serial, rows=trace.history(lot_id, serial))
