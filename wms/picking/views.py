"""The supervisors' desk for waves: build one (or take the system's proposal), follow its progress (tasks done
per picker, lines per hour), its exceptions (short picks, skipped tasks, other lots), and reprint a tote label."""
from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from .. import numbers
from ..access import blueprint_role
from ..auth.models import Role
from ..errors import DomainError
from ..extensions import db
from ..orders import channels as sales_channels
from ..orders.words import CHANNEL, STATUS
from . import picks, queries
from . import waves as picking_waves
from .models import WaveOrder

bp = blueprint_role(Blueprint("picking_desk", __name__, url_prefix="/desk/waves"), Role.SUPERVISOR)

WAVE_STATUS = {"open": _l("waiting for totes"), "picking": _l("picking"), "done": _l("done"),
               "cancelled": _l("cancelled")}


@bp.context_processor
def _helpers():
    return {"wave_status": lambda code: str(WAVE_STATUS.get(code, code)),
            "order_status": lambda code: str(STATUS.get(code, code)),
            "channel_name": lambda code: str(CHANNEL.get(code, code))}


ACTIVE_SHOWN = 100  # waves being picked listed on the desk (oldest first); the rest are counted


def _list(form=None, error=None, status=200):
    active = queries.active_waves(ACTIVE_SHOWN + 1)
    recent = queries.recent_waves(20)
    waiting = queries.waveable_orders(picking_waves.WaveFilter(include_partial=True))
    proposal = queries.propose_wave()
    return render_template("picking/desk/waves.html", active=active[:ACTIVE_SHOWN], recent=recent, waiting=waiting,
                           proposal=proposal, carriers=queries.carriers(), channels=sales_channels.codes(),
                           replenishments=queries.open_replenishments(), form=form or {}, error=error,
                           active_more=queries.active_wave_count() - ACTIVE_SHOWN if len(active) > ACTIVE_SHOWN else 0,
                           progress=queries.active_wave_figures(active[:ACTIVE_SHOWN])), status


@bp.get("/")
def waves():
    return _list()


@bp.post("/build")
def build():
    form = request.form
    try:
        promised = date.fromisoformat(form["promised_by"]) if form.get("promised_by") else None
    except ValueError:
        promised = None
    criteria = picking_waves.WaveFilter(carrier=form.get("carrier") or None, channel=form.get("channel") or None,
                                   promised_by=promised, min_priority=numbers.whole(form.get("min_priority")),
                                   include_partial=bool(form.get("include_partial")))
    try:
        wave = picking_waves.build_wave(criteria, max_orders=numbers.whole(form.get("max_orders")) or 0,
                                        user_id=current_user.id)
    except DomainError as exc:
        return _list(form, str(exc), 422)
    flash(ngettext("Wave %(wave)s built with %(num)s order.", "Wave %(wave)s built with %(num)s orders.", len(wave.orders),
                   wave=wave.code), "success")
    return redirect(url_for("picking_desk.wave", wave_id=wave.id))


@bp.post("/propose")
def build_proposed():
    ids = [i for i in map(numbers.whole, request.form.getlist("order_id")) if i is not None]
    try:
        wave = picking_waves.build_wave(order_ids=ids, max_orders=max(len(ids), 1), proposed=True,
                                        user_id=current_user.id)
    except DomainError as exc:
        return _list(None, str(exc), 422)
    flash(ngettext("Wave %(wave)s built with %(num)s order.", "Wave %(wave)s built with %(num)s orders.", len(wave.orders),
                   wave=wave.code), "success")
    return redirect(url_for("picking_desk.wave", wave_id=wave.id))


@bp.get("/<int:wave_id>")
def wave(wave_id: int):
    wave = picking_waves.get_wave(wave_id)
    return render_template("picking/desk/wave.html", wave=wave, progress=queries.wave_progress(wave),
                           contents={wo.id: picking_waves.tote_contents(wo.tote_lpn_id) if wo.tote_lpn_id else []
                                     for wo in wave.orders})


@bp.post("/<int:wave_id>/totes/<int:wave_order_id>/label")
def tote_label(wave_id: int, wave_order_id: int):
    wave_order = db.session.get(WaveOrder, wave_order_id)
    if wave_order is None or wave_order.wave_id != wave_id:
        flash(_("This order has no tote yet."), "error")
        return redirect(url_for("picking_desk.wave", wave_id=wave_id))
    try:
        result = picks.reprint_tote_label(wave_order_id, user_id=current_user.id)
        flash(_("Label of tote %(tote)s sent to the picking printer.", tote=result["tote"]), "success")
    except DomainError as exc:
        flash(str(exc), "error")
    return redirect(url_for("picking_desk.wave", wave_id=wave_id))
