"""The supervisors' desk for stock: what lies where, its history, expiry and lot status. Counts, adjustments
and the ledger check are in `views_counts`.

Views parse, call a service and render. The listings are read-only queries in `queries`; every change goes
through the area's use cases (`lots`, `adjustments`, `counts`).
"""

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import clock, csv_export, desk
from ..access import blueprint_role
from ..auth.models import Role
from ..catalog.models import Lot, LotStatus, Product
from ..errors import DomainError, NotFound
from ..extensions import db
from ..locations import services as locations
from ..locations.models import PICKABLE_KINDS, VIRTUAL_KINDS, Location, LocationKind
from . import lot_queries, lots, queries, rules
from .ledger import quarantine_code
from .models import StockItem
from .words import move_reason, word

bp = blueprint_role(Blueprint("inventory_desk", __name__, url_prefix="/desk/stock"), Role.SUPERVISOR)

EXPIRY_WINDOWS = (30, 60, 90)


def register(app) -> None:
    from . import views_counts  # noqa: F401  its routes are on this blueprint

    app.register_blueprint(bp)
    desk.add_navigation(30, "inventory_desk.stock", _l("Stock"))
    desk.add_navigation(40, "inventory_desk.expiry", _l("Expiry"))
    desk.add_navigation(50, "inventory_desk.adjustments", _l("Counts & adjustments"))


# Words for the codes the database keeps (lot status and location kind words are the enums' own; move and
# adjustment reasons are in `words`). Unknown codes show as they are.
ADJUSTMENT_STATUS = {"pending": _l("pending"), "approved": _l("approved"), "rejected": _l("rejected")}
COUNT_STATUS = {"open": _l("open"), "counted": _l("counted"), "done": _l("done"), "cancelled": _l("cancelled")}
COUNT_REASON = {"cycle": _l("cycle count"), "request": _l("on request"), "short_pick": _l("after a short pick")}


@bp.context_processor
def _helpers():
    return {
        "lot_status": LotStatus.label_of,
        "location_kind": LocationKind.label_of,
        "move_reason": move_reason,
        "adjustment_status": lambda code: word(ADJUSTMENT_STATUS, code),
        "count_status": lambda code: word(COUNT_STATUS, code),
        "count_reason": lambda code: word(COUNT_REASON, code),
        "units": lambda n: format_decimal(n or 0),
        "signed": lambda n: ("+" if n > 0 else "−" if n < 0 else "") + format_decimal(abs(n)),
        "today": clock.today(),
    }


def wanted_page() -> int:
    return request.args.get("page", default=1, type=int) or 1


# ---------------------------------------------------------------------------------------------- stock

VIEWS = {"product": _l("By product"), "location": _l("By location"), "lot": _l("By lot")}


def _view_arg() -> str:
    view = request.args.get("by", "product")
    return view if view in VIEWS else "product"


@bp.get("/")
def stock():
    view, filters = _view_arg(), queries.StockFilter.from_args(request.args)
    found = queries.stock_page(view, filters, wanted_page())
    page, rows, on_hand, reserved = found.page, found.rows, found.on_hand, found.reserved
    kinds = [k.value for k in LocationKind if k not in VIRTUAL_KINDS]
    return render_template(
        "inventory/desk/stock.html", view=view, views=VIEWS, filters=filters, rows=rows, page=page,
        totals={"on_hand": on_hand, "reserved": reserved, "available": found.available},
        zones=queries.zone_codes(), kinds=kinds, statuses=[s.value for s in LotStatus],
    )


CSV_COLUMNS = {
    "product": [(_l("SKU"), "sku"), (_l("Product"), "name"), (_l("Unit"), "unit"), (_l("On hand"), "on_hand"),
                (_l("Reserved"), "reserved"), (_l("Available"), "available"), (_l("Locations"), "places"),
                (_l("Lots"), "lots")],
    "lot": [(_l("SKU"), "sku"), (_l("Product"), "name"), (_l("Lot"), "lot_code"), (_l("Expires on"), "expires_on"),
            (_l("Status"), "status"), (_l("On hand"), "on_hand"), (_l("Reserved"), "reserved"),
            (_l("Available"), "available"), (_l("Locations"), "places")],
    "location": [(_l("Location"), "location"), (_l("Type"), "kind"), (_l("Zone"), "zone"), (_l("SKU"), "sku"),
                 (_l("Product"), "name"), (_l("Lot"), "lot_code"), (_l("Expires on"), "expires_on"),
                 (_l("Status"), "status"), (_l("LPN"), "lpn"), (_l("On hand"), "on_hand"),
                 (_l("Reserved"), "reserved"), (_l("Available"), "available")],
}


@bp.get("/export.csv")
def export():
    """The filtered stock view, every page of it, streamed row by row."""
    view, filters = _view_arg(), queries.StockFilter.from_args(request.args)
    columns = CSV_COLUMNS[view]
    labels = {"kind": LocationKind.label_of, "status": LotStatus.label_of}
    query = queries.stock_query(view, filters).execution_options(yield_per=1000)

    def rows():
        for row in db.session.execute(query):
            values = row._mapping
            yield [labels[key](values[key]) if key in labels else values[key] for _label_, key in columns]

    filename = f"stock-{view}-{clock.today().isoformat()}.csv"
    return Response(
        stream_with_context(csv_export.lines([str(label) for label, _key in columns], rows())),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# ---------------------------------------------------------------------------------------------- ledger

@bp.get("/products/<int:subject_id>/ledger", defaults={"subject": "product"})
@bp.get("/locations/<int:subject_id>/ledger", defaults={"subject": "location"})
@bp.get("/lots/<int:subject_id>/ledger", defaults={"subject": "lot"})
def ledger(subject: str, subject_id: int):
    """Every move of a product, a location or a lot, newest first."""
    model = {"product": Product, "location": Location, "lot": Lot}[subject]
    thing = db.session.get(model, subject_id)
    if thing is None:
        abort(404)
    page, moves, on_hand = lot_queries.ledger_moves(subject, subject_id, wanted_page())
    return render_template(
        "inventory/desk/ledger.html", subject=subject, thing=thing, moves=moves, page=page,
        names=queries.user_names(m.user_id for m in moves), on_hand=on_hand,
    )


# ---------------------------------------------------------------------------------------------- expiry

@bp.get("/expiry")
def expiry():
    """Lots with stock that expired already or expire within 30, 60 or 90 days, and where they lie."""
    days = request.args.get("days", type=int)
    days = days if days in EXPIRY_WINDOWS else EXPIRY_WINDOWS[0]
    today = clock.today()
    page, found = lot_queries.expiring_lots(today, days, wanted_page())
    expired_count, expiring_count = lot_queries.expiring_counts(today, days)
    expired = [e for e in found if e.days_left < 0]
    expiring = [e for e in found if e.days_left >= 0]
    return render_template("inventory/desk/expiry.html", days=days, windows=EXPIRY_WINDOWS, expired=expired,
                           expiring=expiring, page=page, expired_count=expired_count,
                           expiring_count=expiring_count)


# ---------------------------------------------------------------------------------------------- lots

def _render_lot(lot_id: int, *, error: str | None = None, form=None, status: int = 200):
    lot = db.session.get(Lot, lot_id)
    if lot is None:
        abort(404)
    items = lot_queries.lot_items(lot.id)
    allowed = [s.value for s in LotStatus if s in rules.LOT_TRANSITIONS[LotStatus(lot.status)]]
    body = render_template(
        "inventory/desk/lot.html", lot=lot, items=items, shipped=lot_queries.shipped_units(lot.id), allowed=allowed,
        error=error, form=form if form is not None else {},
        names=queries.user_names(change.user_id for change in lot.history),
        in_picking=sum(i.quantity for i in items if i.location.kind_enum in PICKABLE_KINDS),
        total=sum(i.quantity for i in items), quarantine=quarantine_code(_lot_warehouse(items)),
    )
    return body, status


def _lot_warehouse(items: list[StockItem]) -> int:
    if items:
        return items[0].location.warehouse_id
    return locations.default_warehouse().id


@bp.get("/lots/<int:lot_id>")
def lot(lot_id: int):
    return _render_lot(lot_id)


@bp.post("/lots/<int:lot_id>/status")
def lot_status(lot_id: int):
    form = request.form
    try:
        result = lots.change_lot_status(
            lot_id, form.get("status", ""), reason=form.get("reason", ""), user_id=current_user.id,
            reference=form.get("reference"), segregate=form.get("segregate") == "1",
        )
    except NotFound:
        raise
    except DomainError as exc:
        return _render_lot(lot_id, error=str(exc), form=form, status=exc.status)
    message = _("Lot %(lot)s is now %(status)s.", lot=result["lot"], status=LotStatus.label_of(result["status"]))
    if result["moved"]:
        message += " " + ngettext("%(units)s unit was moved out of picking locations to quarantine.",
                                  "%(units)s units were moved out of picking locations to quarantine.", result["moved"],
                                  units=format_decimal(result["moved"]))
    flash(message, "success")
    return redirect(url_for(".lot", lot_id=lot_id))
