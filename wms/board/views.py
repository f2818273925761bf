"""The supervisor's day board (the desk home), its live part polled by htmx, the carrier cut-off table, and the
warehouse map with a wave's walk. Views parse, call a query or use case, render."""
from __future__ import annotations

from datetime import date, time

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import clock, desk
from ..access import blueprint_role
from ..auth.models import Role
from ..catalog.models import LotStatus
from ..desk_forms import is_fragment_request
from ..errors import DomainError
from ..extensions import db
from ..locations import layout as geometry
from ..locations import services as locations
from ..orders.words import STATUS
from ..picking.models import Wave
from . import charts, map_queries, queries, rules
from . import cutoffs as cutoff_table
from .models import CarrierCutoff, CarrierHoliday
from .warehouse_map import BANDS, COLOURS, MODES, map_svg, walk_svg

bp = blueprint_role(Blueprint("board", __name__, url_prefix="/desk/board"), Role.SUPERVISOR)

RISK_WORDS = {rules.Risk.LATE: _l("late"), rules.Risk.AT_RISK: _l("at risk"),
              rules.Risk.DUE_TODAY: _l("due today"), rules.Risk.ON_TRACK: _l("on track")}
WEEKDAYS = (_l("Mon"), _l("Tue"), _l("Wed"), _l("Thu"), _l("Fri"), _l("Sat"), _l("Sun"))
MODE_WORDS = {"fill": _l("fill"), "expiry": _l("nearest expiry"), "status": _l("lot status")}
BAND_WORDS = {"empty": _l("empty"), "low": _l("up to a third full"), "half": _l("up to two thirds full"),
              "full": _l("nearly full"), "expired": _l("expired"), "within-30": _l("expires within 30 days"),
              "within-90": _l("expires within 90 days"), "later": _l("expires later"),
              "no-expiry": _l("no expiry date"), **{s.value: s.label for s in LotStatus}}


def register(app) -> None:
    app.register_blueprint(bp)
    desk.add_navigation(80, "board.warehouse_map", _l("Map"))
    desk.add_navigation(76, "board.cutoffs", _l("Carrier cut-offs"), setup=True)


@bp.context_processor
def _helpers():
    return {"order_status": lambda code: str(STATUS.get(code, code)), "risk_word": lambda r: str(RISK_WORDS[r]),
            "weekday_word": lambda n: str(WEEKDAYS[n]), "time_word": lambda moment: format_datetime(moment, "short")}


# ---------------------------------------------------------------------------------------------- the day board

def _live_context() -> dict:
    today = clock.today()
    hours, per_worker = queries.picked_per_hour(today)
    weeks, shorts, variances = queries.problems_per_week(today)
    waves, waves_more = queries.waves_in_progress()
    return {
        "stages": queries.stages(today),
        "receipts": queries.receipts_today(today),
        "waves": waves,
        "waves_more": waves_more,
        "queues": queries.queues(),
        "at_risk": queries.orders_at_risk(today),
        "tiles": desk.tile_counts(),
        "charts": {
            "picked": charts.stacked_bar_chart(hours, per_worker, title=_("Units picked per hour today"))
            if hours else None,
            "shipped": charts.bar_chart(queries.shipped_per_day(today),
                                        title=_("Orders shipped per day, last 30 days"), width=640),
            "expiring": charts.bar_chart(queries.expiring_per_month(today),
                                         title=_("Lots expiring per month, next 12 months"), colour="#dd6b20"),
            "problems": charts.stacked_bar_chart(weeks, [(_("short picks"), shorts), (_("count variances"), variances)],
                                                 title=_("Short picks and count variances per week")),
        },
    }


def day_board():
    """The desk home: the live part is also served alone for htmx to poll."""
    return render_template("board/home.html", **_live_context(), **_helpers())


@bp.get("/live")
def live():
    if not is_fragment_request():
        return redirect(url_for("desk.home"))
    return render_template("board/_live.html", **_live_context())


# ---------------------------------------------------------------------------------------------- carrier cut-offs

def _cutoff_page(error=None, status=200):
    rows = db.session.scalars(select(CarrierCutoff).order_by(
        CarrierCutoff.carrier, CarrierCutoff.service, CarrierCutoff.weekday)).all()
    holidays = db.session.scalars(select(CarrierHoliday).where(CarrierHoliday.on >= clock.today())
                                  .order_by(CarrierHoliday.on, CarrierHoliday.carrier)).all()
    carriers = cutoff_table.carrier_choices()
    return render_template("board/cutoffs.html", rows=rows, holidays=holidays, error=error, carriers=carriers,
                           carrier_names={c.code.lower(): c.name for c, _services in carriers},
                           service_names={(c.code.lower(), s.code.lower()): f"{s.name} ({s.code})"
                                          for c, services in carriers for s in services},
                           form=request.form if request.method == "POST" else {}), status


def _clock_time(text: str | None) -> time:
    try:
        return time.fromisoformat((text or "").strip()[:5])
    except ValueError:
        raise DomainError(_l("Type the cut-off as hours and minutes, e.g. 16:30.")) from None


def _day(text: str | None) -> date:
    try:
        return date.fromisoformat((text or "").strip()[:10])
    except ValueError:
        raise DomainError(_l("Choose a date.")) from None


@bp.get("/cutoffs")
def cutoffs():
    return _cutoff_page()


@bp.post("/cutoffs")
def cutoff_save():
    form = request.form
    try:
        weekdays = [int(d) for d in form.getlist("weekday") if d in {"0", "1", "2", "3", "4", "5", "6"}]
        cutoff_table.set_cutoff(form.get("carrier", ""), form.get("service", ""), weekdays, _clock_time(form.get("at")))
    except DomainError as exc:
        return _cutoff_page(str(exc), exc.status)
    flash(_("Cut-off saved."), "success")
    return redirect(url_for("board.cutoffs"))


@bp.post("/cutoffs/<int:cutoff_id>/delete")
def cutoff_delete(cutoff_id: int):
    cutoff_table.remove_cutoff(cutoff_id)
    flash(_("Cut-off removed."), "success")
    return redirect(url_for("board.cutoffs"))


@bp.post("/holidays")
def holiday_save():
    form = request.form
    try:
        cutoff_table.add_holiday(_day(form.get("on")), form.get("carrier", ""), form.get("name", ""))
    except DomainError as exc:
        return _cutoff_page(str(exc), exc.status)
    flash(_("Day without collection saved."), "success")
    return redirect(url_for("board.cutoffs"))


@bp.post("/holidays/<int:holiday_id>/delete")
def holiday_delete(holiday_id: int):
    cutoff_table.remove_holiday(holiday_id)
    flash(_("Day without collection removed."), "success")
    return redirect(url_for("board.cutoffs"))


# ---------------------------------------------------------------------------------------------- the map

@bp.get("/map")
def warehouse_map():
    mode = request.args.get("mode", "fill")
    mode = mode if mode in MODES else "fill"
    search = request.args.get("q", "").strip()[:40]
    warehouse = locations.default_warehouse()
    layout = geometry.layout_of(warehouse)
    found_bays = map_queries.bays(warehouse, search or None, lots=mode != "fill")
    svg = map_svg(layout, warehouse.bay_width_m, found_bays, mode=mode, today=clock.today(),
                  bay_url=url_for("board.bay_detail", aisle=0, bay=0), title=_("Warehouse map"))
    legend = [(BAND_WORDS.get(name, name), COLOURS[name]) for name, _colour in BANDS[mode]]
    return render_template("board/map.html", svg=svg, mode=mode, modes=MODE_WORDS, search=search, legend=legend,
                           found=sum(b.found for b in found_bays), warehouse=warehouse)


@bp.get("/map/bays/<int:aisle>/<int:bay>")
def bay_detail(aisle: int, bay: int):
    """A bay's bins and their stock, for htmx into the map's side panel."""
    shelves = map_queries.bay_bins(locations.default_warehouse(), aisle, bay)
    if not shelves:
        abort(404)
    return render_template("board/_bay.html", aisle=aisle, bay=bay, shelves=shelves, lot_status=LotStatus.label_of)


@bp.get("/map/waves/<int:wave_id>")
def wave_walk(wave_id: int):
    wave = db.session.get(Wave, wave_id)
    if wave is None:
        abort(404)
    walk = map_queries.wave_walk(wave)
    drawings = None
    if walk is not None:
        drawings = (walk_svg(walk.layout, walk.planned, title=_("Planned walk")),
                    walk_svg(walk.layout, walk.s_shape, title=_("S-shape walk"), colour="#dd6b20"))
    return render_template("board/wave_walk.html", wave=wave, walk=walk, drawings=drawings)
