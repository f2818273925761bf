"""The supervisors' desk for waves: build one (or take the system's proposal), follow its progress (tasks done
per picker, lines per hour), its exceptions (short picks, skipped tasks, other lots), and reprint a tote label."""
from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from ..access import blueprint_role
from ..auth.models import Role
from ..errors import DomainError
from ..extensions import db
from ..orders.models import Channel
from ..orders.views import CHANNEL, STATUS
from . import services
from .models import ACTIVE_WAVE_STATUSES, Wave, WaveOrder

bp = blueprint_role(Blueprint("picking_desk", __name__, url_prefix="/desk/waves"), Role.SUPERVISOR)

WAVE_STATUS = {"open": _l("waiting for totes"), "picking": _l("picking"), "done": _l("done"),
               "cancelled": _l("cancelled")}


@bp.context_processor
def _helpers():
    return {"wave_status": lambda code: str(WAVE_STATUS.get(code, code)),
            "order_status": lambda code: str(STATUS.get(code, code)),
            "channel_name": lambda code: str(CHANNEL.get(code, code))}


def _carriers() -> list[str]:
    from ..orders.models import Order

    return [c for c in db.session.scalars(select(Order.carrier).where(Order.carrier.is_not(None)).distinct()
                                          .order_by(Order.carrier))]


def _list(form=None, error=None, status=200):
    active = list(db.session.scalars(select(Wave).where(Wave.status.in_([s.value for s in ACTIVE_WAVE_STATUSES]))
                                     .order_by(Wave.id)))
    recent = list(db.session.scalars(select(Wave).where(Wave.status.not_in([s.value for s in ACTIVE_WAVE_STATUSES]))
                                     .order_by(Wave.id.desc()).limit(20)))
    waiting = services.waveable_orders(services.WaveFilter(include_partial=True))
    proposal = services.propose_wave()
    return render_template("picking/desk/waves.html", active=active, recent=recent, waiting=waiting,
                           proposal=proposal, carriers=_carriers(), channels=[c.value for c in Channel],
                           replenishments=services.open_replenishments(), form=form or {}, error=error,
                           progress={w.id: services.wave_progress(w) for w in active}), status


@bp.get("/")
def waves():
    return _list()


def _int(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isdigit() else None


@bp.post("/build")
def build():
    form = request.form
    try:
        promised = date.fromisoformat(form["promised_by"]) if form.get("promised_by") else None
    except ValueError:
        promised = None
    criteria = services.WaveFilter(carrier=form.get("carrier") or None, channel=form.get("channel") or None,
                                   promised_by=promised, min_priority=_int(form.get("min_priority")),
                                   include_partial=bool(form.get("include_partial")))
    try:
        wave = services.build_wave(criteria, max_orders=_int(form.get("max_orders")) or 0, user_id=current_user.id)
    except DomainError as exc:
        db.session.rollback()
        return _list(form, str(exc), 422)
    flash(_("Wave %(wave)s built with %(count)s orders.", wave=wave.code, count=len(wave.orders)), "success")
    return redirect(url_for("picking_desk.wave", wave_id=wave.id))


@bp.post("/propose")
def build_proposed():
    ids = [int(i) for i in request.form.getlist("order_id") if i.isdigit()]
    try:
        wave = services.build_wave(order_ids=ids, max_orders=max(len(ids), 1), proposed=True,
                                   user_id=current_user.id)
    except DomainError as exc:
        db.session.rollback()
        return _list(None, str(exc), 422)
    flash(_("Wave %(wave)s built with %(count)s orders.", wave=wave.code, count=len(wave.orders)), "success")
    return redirect(url_for("picking_desk.wave", wave_id=wave.id))


@bp.get("/<int:wave_id>")
def wave(wave_id: int):
    wave = services.get_wave(wave_id)
    return render_template("picking/desk/wave.html", wave=wave, progress=services.wave_progress(wave),
                           contents={wo.id: services.tote_contents(wo.tote_lpn_id) if wo.tote_lpn_id else []
                                     for wo in wave.orders})


@bp.post("/<int:wave_id>/totes/<int:wave_order_id>/label")
def tote_label(wave_id: int, wave_order_id: int):
    wave_order = db.session.get(WaveOrder, wave_order_id)
    if wave_order is None or wave_order.wave_id != wave_id:
        flash(_("This order has no tote yet."), "error")
        return redirect(url_for("picking_desk.wave", wave_id=wave_id))
    try:
        result = services.reprint_tote_label(wave_order_id, user_id=current_user.id)
        flash(_("Label of tote %(tote)s sent to the picking printer.", tote=result["tote"]), "success")
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    return redirect(url_for("picking_desk.wave", wave_id=wave_id))
