"""The supervisors' desk for stock: what lies where, its history, expiry, lot status, adjustments, counts,
and the check that every stock item equals its ledger.

Views parse, call a service and render. The listings below are read-only queries shaped for one screen each;
every change goes through `services`.
"""
import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from math import ceil

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
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from .. import clock, desk, settings
from ..access import blueprint_role
from ..auth.models import Role, User
from ..catalog import services as catalog
from ..catalog.models import Lot, LotStatus, Product
from ..errors import DomainError, NotFound
from ..extensions import db
from ..locations import services as locations
from ..locations.models import PICKABLE_KINDS, VIRTUAL_KINDS, Location, LocationKind, Zone
from . import rules, services
from .models import (
    Adjustment,
    AdjustmentStatus,
    CountLine,
    CountStatus,
    CountTask,
    Lpn,
    Move,
    StockItem,
    item_key,
)

bp = blueprint_role(Blueprint("inventory_desk", __name__, url_prefix="/desk/stock"), Role.SUPERVISOR)

PER_PAGE = 50
EXPIRY_WINDOWS = (30, 60, 90)


def register(app) -> None:
    app.register_blueprint(bp)
    desk.add_navigation(30, "inventory_desk.stock", _l("Stock"))
    desk.add_navigation(40, "inventory_desk.expiry", _l("Expiry"))
    desk.add_navigation(50, "inventory_desk.adjustments", _l("Counts & adjustments"))


# Words for the codes the database keeps. Unknown codes (another area's move reasons) show as they are.
LOT_STATUS = {"released": _l("released"), "quarantine": _l("quarantine"), "blocked": _l("blocked"),
              "recalled": _l("recalled")}
LOCATION_KIND = {
    "receiving": _l("receiving dock"), "pick_face": _l("pick face"), "reserve": _l("reserve"),
    "staging": _l("staging"), "packing": _l("packing"), "shipping": _l("shipping dock"),
    "quarantine": _l("quarantine"), "returns": _l("returns"), "damaged": _l("damaged goods"),
    "supplier": _l("supplier"), "customer": _l("customer"), "adjustment": _l("inventory adjustment"),
    "scrap": _l("scrap"),
}
ADJUSTMENT_REASON = {"damaged": _l("damaged"), "found": _l("found"), "lost": _l("lost"),
                     "count_variance": _l("count variance"), "expired": _l("expired"),
                     "correction": _l("correction")}
MOVE_REASON = dict(ADJUSTMENT_REASON, receipt=_l("receipt"), move=_l("move"), quarantine=_l("quarantine"))
ADJUSTMENT_STATUS = {"pending": _l("pending"), "approved": _l("approved"), "rejected": _l("rejected")}
COUNT_STATUS = {"open": _l("open"), "counted": _l("counted"), "done": _l("done"), "cancelled": _l("cancelled")}
COUNT_REASON = {"cycle": _l("cycle count"), "request": _l("on request"), "short_pick": _l("after a short pick")}


def _label(table: dict, code: str | None) -> str:
    if not code:
        return ""
    return str(table.get(code, code.replace("_", " ")))


@bp.context_processor
def _helpers():
    return {
        "lot_status": lambda code: _label(LOT_STATUS, code),
        "location_kind": lambda code: _label(LOCATION_KIND, code),
        "move_reason": lambda code: _label(MOVE_REASON, code),
        "adjustment_status": lambda code: _label(ADJUSTMENT_STATUS, code),
        "count_status": lambda code: _label(COUNT_STATUS, code),
        "count_reason": lambda code: _label(COUNT_REASON, code),
        "units": lambda n: format_decimal(n or 0),
        "signed": lambda n: ("+" if n > 0 else "−" if n < 0 else "") + format_decimal(abs(n)),
        "today": clock.today(),
    }


# ---------------------------------------------------------------------------------------------- paging

@dataclass
class Page:
    number: int
    total: int
    size: int = PER_PAGE

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.size))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    def url(self, number: int) -> str:
        args = {**(request.view_args or {}), **request.args.to_dict(), "page": number}
        return url_for(request.endpoint, **args)


def _page(total: int) -> Page:
    number = request.args.get("page", default=1, type=int) or 1
    page = Page(number=1, total=total)
    page.number = min(max(number, 1), page.pages)
    return page


def _count(stmt) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))


def _user_names(ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(wanted))).all())


# ---------------------------------------------------------------------------------------------- stock

@dataclass
class StockFilter:
    """The filters of the stock screens, read from the query string (and written back into links)."""

    q: str = ""  # SKU or name
    location: str = ""  # code prefix
    zone: str = ""
    lot: str = ""
    status: str = ""
    kind: str = ""
    available: bool = False

    @classmethod
    def from_args(cls, args) -> "StockFilter":
        status = args.get("status", "")
        kind = args.get("kind", "")
        return cls(
            q=args.get("q", "").strip()[:100],
            location=args.get("location", "").strip().upper()[:40],
            zone=args.get("zone", "").strip().upper()[:20],
            lot=args.get("lot", "").strip()[:20],
            status=status if status in LOT_STATUS else "",
            kind=kind if kind in LOCATION_KIND and LocationKind(kind) not in VIRTUAL_KINDS else "",
            available=args.get("available") in ("1", "on", "true", "yes"),
        )

    def args(self) -> dict:
        values = {k: v for k, v in self.__dict__.items() if v and k != "available"}
        if self.available:
            values["available"] = "1"
        return values

    def criteria(self) -> list:
        where = [StockItem.quantity > 0]
        if self.q:
            where.append(or_(Product.sku.icontains(self.q, autoescape=True),
                             Product.name.icontains(self.q, autoescape=True)))
        if self.location:
            where.append(Location.code.startswith(self.location, autoescape=True))
        if self.zone:
            where.append(Zone.code == self.zone)
        if self.lot:
            where.append(Lot.code.icontains(self.lot, autoescape=True))
        if self.status:
            where.append(Lot.status == self.status)
        if self.kind:
            where.append(Location.kind == self.kind)
        if self.available:
            where.append(StockItem.quantity > StockItem.reserved)
        return where


def _stock_select(filters: StockFilter, *columns):
    return (
        select(*columns)
        .select_from(StockItem)
        .join(Location, StockItem.location_id == Location.id)
        .join(Product, StockItem.product_id == Product.id)
        .outerjoin(Lot, StockItem.lot_id == Lot.id)
        .outerjoin(Zone, Location.zone_id == Zone.id)
        .outerjoin(Lpn, StockItem.lpn_id == Lpn.id)
        .where(*filters.criteria())
    )


ON_HAND = func.sum(StockItem.quantity).label("on_hand")
RESERVED = func.sum(StockItem.reserved).label("reserved")
AVAILABLE = (func.sum(StockItem.quantity) - func.sum(StockItem.reserved)).label("available")

VIEWS = {"product": _l("By product"), "location": _l("By location"), "lot": _l("By lot")}


def _stock_query(view: str, filters: StockFilter):
    if view == "product":
        return _stock_select(
            filters, Product.id.label("product_id"), Product.sku, Product.name, Product.unit, ON_HAND, RESERVED,
            AVAILABLE, func.count(func.distinct(StockItem.location_id)).label("places"),
            func.count(func.distinct(StockItem.lot_id)).label("lots"),
        ).group_by(Product.id, Product.sku, Product.name, Product.unit).order_by(Product.sku)
    if view == "lot":
        return _stock_select(
            filters, Product.id.label("product_id"), Product.sku, Product.name, Lot.id.label("lot_id"),
            Lot.code.label("lot_code"), Lot.expires_on, Lot.status, ON_HAND, RESERVED, AVAILABLE,
            func.count(func.distinct(StockItem.location_id)).label("places"),
        ).group_by(Product.id, Product.sku, Product.name, Lot.id, Lot.code, Lot.expires_on, Lot.status).order_by(
            Lot.expires_on.is_(None), Lot.expires_on, Product.sku, Lot.code)
    return _stock_select(
        filters, StockItem.id.label("item_id"), Location.id.label("location_id"), Location.code.label("location"),
        Location.kind, Zone.code.label("zone"), Product.id.label("product_id"), Product.sku, Product.name,
        Lot.id.label("lot_id"), Lot.code.label("lot_code"), Lot.expires_on, Lot.status, Lpn.code.label("lpn"),
        StockItem.quantity.label("on_hand"), StockItem.reserved.label("reserved"),
        (StockItem.quantity - StockItem.reserved).label("available"),
    ).order_by(Location.code, Product.sku, Lot.code, Lpn.code)


def _view_arg() -> str:
    view = request.args.get("by", "product")
    return view if view in VIEWS else "product"


@bp.get("/")
def stock():
    view, filters = _view_arg(), StockFilter.from_args(request.args)
    query = _stock_query(view, filters)
    page = _page(_count(query))
    rows = db.session.execute(query.limit(page.size).offset(page.offset)).all()
    on_hand, reserved = db.session.execute(_stock_select(
        filters, func.coalesce(func.sum(StockItem.quantity), 0), func.coalesce(func.sum(StockItem.reserved), 0)
    )).one()
    zones = db.session.scalars(select(Zone.code).distinct().order_by(Zone.code)).all()
    kinds = [k.value for k in LocationKind if k not in VIRTUAL_KINDS]
    return render_template(
        "inventory/desk/stock.html", view=view, views=VIEWS, filters=filters, rows=rows, page=page,
        totals={"on_hand": on_hand, "reserved": reserved, "available": on_hand - reserved},
        zones=zones, kinds=kinds, statuses=list(LOT_STATUS),
    )


# Excel in a pt_BR Windows reads CSV with the regional list separator, ";" (the comma is the decimal mark),
# and takes a file without a BOM for Windows-1252: ";" and a UTF-8 BOM make it open right with a double click.
CSV_DELIMITER = ";"
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


def csv_cell(value) -> str | int:
    """A value as Excel should see it. Text that starts like a formula is quoted with an apostrophe so a
    product name such as "=HYPERLINK(...)" stays text (CSV injection)."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return value
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_lines(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
        if buffer.tell() > 32_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


@bp.get("/export.csv")
def export():
    """The filtered stock view, every page of it, streamed row by row."""
    view, filters = _view_arg(), StockFilter.from_args(request.args)
    columns = CSV_COLUMNS[view]
    labels = {"kind": lambda v: _label(LOCATION_KIND, v), "status": lambda v: _label(LOT_STATUS, v)}
    query = _stock_query(view, filters).execution_options(yield_per=1000)

    def rows():
        for row in db.session.execute(query):
            values = row._mapping
            yield [labels[key](values[key]) if key in labels else values[key] for _label_, key in columns]

    filename = f"stock-{view}-{clock.today().isoformat()}.csv"
    return Response(
        stream_with_context(csv_lines([str(label) for label, _key in columns], rows())),
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
    where = {
        "product": Move.product_id == subject_id,
        "location": or_(Move.from_location_id == subject_id, Move.to_location_id == subject_id),
        "lot": Move.lot_id == subject_id,
    }[subject]
    query = select(Move).where(where)
    page = _page(_count(query))
    moves = db.session.scalars(
        query.options(selectinload(Move.product), selectinload(Move.lot), selectinload(Move.from_location),
                      selectinload(Move.to_location))
        .order_by(Move.at.desc(), Move.id.desc()).limit(page.size).offset(page.offset)
    ).all()
    on_hand = {
        "product": StockItem.product_id == subject_id,
        "location": StockItem.location_id == subject_id,
        "lot": StockItem.lot_id == subject_id,
    }[subject]
    return render_template(
        "inventory/desk/ledger.html", subject=subject, thing=thing, moves=moves, page=page,
        names=_user_names(m.user_id for m in moves),
        on_hand=db.session.scalar(select(func.coalesce(func.sum(StockItem.quantity), 0)).where(on_hand)),
    )


# ---------------------------------------------------------------------------------------------- expiry

@dataclass
class ExpiringLot:
    lot: Lot
    product: Product
    days_left: int
    places: list[tuple[Location, int, int]] = field(default_factory=list)  # (location, on hand, reserved)

    @property
    def units(self) -> int:
        return sum(qty for _place, qty, _reserved in self.places)

    @property
    def units_in_picking(self) -> int:
        return sum(qty for place, qty, _reserved in self.places if place.kind_enum in PICKABLE_KINDS)


@bp.get("/expiry")
def expiry():
    """Lots with stock that expired already or expire within 30, 60 or 90 days, and where they lie."""
    days = request.args.get("days", type=int)
    days = days if days in EXPIRY_WINDOWS else EXPIRY_WINDOWS[0]
    today = clock.today()
    rows = db.session.execute(
        select(Lot, Product, Location, StockItem.quantity, StockItem.reserved)
        .join(StockItem, StockItem.lot_id == Lot.id).join(Product, Lot.product_id == Product.id)
        .join(Location, StockItem.location_id == Location.id)
        .where(StockItem.quantity > 0, Lot.expires_on.is_not(None), Lot.expires_on <= today + timedelta(days=days))
        .order_by(Lot.expires_on, Product.sku, Lot.code, Location.code)
    ).all()
    lots: dict[int, ExpiringLot] = {}
    for lot, product, location, quantity, reserved in rows:
        entry = lots.setdefault(lot.id, ExpiringLot(lot, product, (lot.expires_on - today).days))
        entry.places.append((location, quantity, reserved))
    expired = [e for e in lots.values() if e.days_left < 0]
    expiring = [e for e in lots.values() if e.days_left >= 0]
    return render_template("inventory/desk/expiry.html", days=days, windows=EXPIRY_WINDOWS, expired=expired,
                           expiring=expiring)


# ---------------------------------------------------------------------------------------------- lots

def _render_lot(lot_id: int, *, error: str | None = None, form=None, status: int = 200):
    lot = db.session.get(Lot, lot_id)
    if lot is None:
        abort(404)
    items = db.session.scalars(
        select(StockItem).join(Location, StockItem.location_id == Location.id)
        .where(StockItem.lot_id == lot.id, StockItem.quantity > 0)
        .options(selectinload(StockItem.location), selectinload(StockItem.lpn)).order_by(Location.code)
    ).all()
    customer_kind = LocationKind.CUSTOMER.value
    shipped = db.session.scalar(
        select(func.coalesce(func.sum(Move.quantity), 0)).join(Location, Move.to_location_id == Location.id)
        .where(Move.lot_id == lot.id, Location.kind == customer_kind)
    ) - db.session.scalar(
        select(func.coalesce(func.sum(Move.quantity), 0)).join(Location, Move.from_location_id == Location.id)
        .where(Move.lot_id == lot.id, Location.kind == customer_kind)
    )
    allowed = [s.value for s in LotStatus if s in services.LOT_TRANSITIONS[LotStatus(lot.status)]]
    body = render_template(
        "inventory/desk/lot.html", lot=lot, items=items, shipped=shipped, allowed=allowed, error=error,
        form=form if form is not None else {}, names=_user_names(change.user_id for change in lot.history),
        in_picking=sum(i.quantity for i in items if i.location.kind_enum in PICKABLE_KINDS),
        total=sum(i.quantity for i in items), quarantine=services.quarantine_code(_lot_warehouse(items)),
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
        result = services.change_lot_status(
            lot_id, form.get("status", ""), reason=form.get("reason", ""), user_id=current_user.id,
            reference=form.get("reference"), segregate=form.get("segregate") == "1",
        )
    except NotFound:
        raise
    except DomainError as exc:
        db.session.rollback()
        return _render_lot(lot_id, error=str(exc), form=form, status=exc.status)
    message = _("Lot %(lot)s is now %(status)s.", lot=result["lot"], status=_label(LOT_STATUS, result["status"]))
    if result["moved"]:
        message += " " + _("%(units)s units were moved out of picking locations to quarantine.",
                           units=format_decimal(result["moved"]))
    flash(message, "success")
    return redirect(url_for(".lot", lot_id=lot_id))


# ---------------------------------------------------------------------------------------------- adjustments

@dataclass
class AdjustmentRow:
    adjustment: Adjustment
    requested_by: str
    decided_by: str
    on_hand: int  # of the stock item it corrects, now
    lpn: str | None


def _adjustment_rows(query) -> list[AdjustmentRow]:
    adjustments = db.session.scalars(query.options(
        selectinload(Adjustment.location), selectinload(Adjustment.product), selectinload(Adjustment.lot))).all()
    names = _user_names([a.requested_by_id for a in adjustments] + [a.decided_by_id for a in adjustments])
    keys = {a.id: item_key(a.location_id, a.product_id, a.lot_id, a.lpn_id) for a in adjustments}
    on_hand = dict(db.session.execute(
        select(StockItem.key, StockItem.quantity).where(StockItem.key.in_(set(keys.values())))).all())
    plates = dict(db.session.execute(select(Lpn.id, Lpn.code).where(
        Lpn.id.in_({a.lpn_id for a in adjustments if a.lpn_id}))).all())
    return [AdjustmentRow(a, names.get(a.requested_by_id, ""), names.get(a.decided_by_id, ""),
                          on_hand.get(keys[a.id], 0), plates.get(a.lpn_id)) for a in adjustments]


def _render_adjustments(*, error: str | None = None, form=None, threshold_error: str | None = None,
                        status: int = 200):
    pending = _adjustment_rows(select(Adjustment).where(Adjustment.status == AdjustmentStatus.PENDING.value)
                               .order_by(Adjustment.requested_at, Adjustment.id))
    recent = _adjustment_rows(select(Adjustment).where(Adjustment.status != AdjustmentStatus.PENDING.value)
                              .order_by(Adjustment.decided_at.desc(), Adjustment.id.desc()).limit(20))
    body = render_template(
        "inventory/desk/adjustments.html", pending=pending, recent=recent, error=error,
        form=form if form is not None else request.args, threshold_error=threshold_error,
        threshold=settings.get("adjustment_approval_units"), reasons=rules.ADJUSTMENT_REASONS,
        reason_labels=ADJUSTMENT_REASON,
    )
    return body, status


@bp.get("/adjustments")
def adjustments():
    return _render_adjustments()


def _find_stock_item(form) -> tuple[Location, Product, Lot | None, Lpn | None]:
    """The stock item a supervisor names by location code, SKU (or barcode), lot code and LPN code."""
    location_code = (form.get("location") or "").strip().upper()
    location = locations.by_code(location_code) if location_code else None
    if location is None or location.is_virtual:
        raise DomainError(_l("Type the code of a location: %(code)s is not one.", code=location_code or "—"))
    code = (form.get("sku") or "").strip()
    product = catalog.by_sku(code) if code else None
    if product is None and code:
        barcode = catalog.barcode_lookup(code)
        product = barcode.product if barcode else None
    if product is None:
        raise DomainError(_l("Type a SKU or a barcode: %(code)s is not a product.", code=code or "—"))
    lot = None
    lot_code = (form.get("lot") or "").strip()
    if lot_code:
        lot = catalog.find_lot(product.id, lot_code)
        if lot is None:
            raise DomainError(_l("%(sku)s has no lot %(lot)s.", sku=product.sku, lot=lot_code))
    lpn = None
    lpn_code = (form.get("lpn") or "").strip()
    if lpn_code:
        lpn = services.lpn_by_code(lpn_code)
        if lpn is None:
            raise DomainError(_l("There is no LPN %(code)s.", code=lpn_code))
    return location, product, lot, lpn


def parse_delta(text: str | None) -> int:
    """The change a supervisor types: -3 takes three units away, +5 or 5 adds five."""
    text = (text or "").strip().replace("−", "-")
    try:
        delta = int(text)
    except ValueError:
        delta = 0
    if delta == 0 or abs(delta) > 1_000_000:
        raise DomainError(_l("Type the change in units, such as -3 or +5 (not 0)."))
    return delta


@bp.post("/adjustments")
def adjust():
    form = request.form
    try:
        location, product, lot, lpn = _find_stock_item(form)
        delta = parse_delta(form.get("delta"))
        result = services.adjust_stock(
            location_id=location.id, product_id=product.id, lot_id=lot.id if lot else None,
            lpn_id=lpn.id if lpn else None, delta=delta, reason=form.get("reason", ""), note=form.get("note"),
            user_id=current_user.id,
        )
    except DomainError as exc:
        db.session.rollback()
        return _render_adjustments(error=str(exc), form=form, status=exc.status)
    what = f"{location.code} · {product.sku}" + (f" · {lot.code}" if lot else "")
    if result["status"] == AdjustmentStatus.APPROVED:
        flash(_("Adjusted %(what)s by %(delta)s.", what=what, delta=f"{delta:+d}"), "success")
    else:
        flash(_("The adjustment of %(what)s by %(delta)s waits for approval.", what=what, delta=f"{delta:+d}"),
              "success")
    return redirect(url_for(".adjustments"))


@bp.post("/adjustments/<int:adjustment_id>/approve", defaults={"decision": "approve"})
@bp.post("/adjustments/<int:adjustment_id>/reject", defaults={"decision": "reject"})
def decide(adjustment_id: int, decision: str):
    """Approve (the stock changes now, by a ledger move) or reject (nothing changes). htmx swaps the row."""
    error, status = None, 200
    try:
        services.decide_adjustment(adjustment_id, approve=decision == "approve", user_id=current_user.id)
    except NotFound:
        raise
    except DomainError as exc:
        db.session.rollback()
        error, status = str(exc), exc.status
    if request.headers.get("HX-Request"):
        row = _adjustment_rows(select(Adjustment).where(Adjustment.id == adjustment_id))[0]
        from_count = request.form.get("from") == "count" and row.adjustment.count_task_id
        return render_template(
            "inventory/desk/_adjustment_row.html", row=row, row_error=error, swapped=True,
            row_context="count" if from_count else "",
            task=db.session.get(CountTask, row.adjustment.count_task_id) if from_count else None,
        ), status
    if error:
        flash(error, "error")
    else:
        flash(_("Adjustment %(id)s approved.", id=adjustment_id) if decision == "approve"
              else _("Adjustment %(id)s rejected.", id=adjustment_id), "success")
    back = request.form.get("next", "")
    return redirect(back if back.startswith("/desk/stock/") and "//" not in back else url_for(".adjustments"))


@bp.post("/adjustments/threshold")
def threshold():
    text = (request.form.get("units") or "").strip()
    try:
        if not text.isdigit():
            raise DomainError(_l("The approval threshold is a whole number of units from 0 to %(max)s.",
                                 max=1_000_000))
        units = services.set_adjustment_threshold(int(text), user_id=current_user.id)
    except DomainError as exc:
        db.session.rollback()
        return _render_adjustments(threshold_error=str(exc), status=exc.status)
    flash(_("Adjustments and count variances of more than %(units)s units now wait for a supervisor.",
            units=units), "success")
    return redirect(url_for(".adjustments"))


# ---------------------------------------------------------------------------------------------- counts

COUNT_TABS = (CountStatus.OPEN.value, CountStatus.COUNTED.value, CountStatus.DONE.value)


def _render_counts(*, error: str | None = None, form=None, status: int = 200):
    tab = request.args.get("status", CountStatus.OPEN.value)
    tab = tab if tab in COUNT_TABS else CountStatus.OPEN.value
    query = select(CountTask).where(CountTask.status == tab)
    page = _page(_count(query))
    tasks = db.session.scalars(query.options(selectinload(CountTask.location))
                               .order_by(CountTask.id.desc()).limit(page.size).offset(page.offset)).all()
    ids = [t.id for t in tasks]
    lines = dict(db.session.execute(select(CountLine.task_id, func.count()).where(CountLine.task_id.in_(ids))
                                    .group_by(CountLine.task_id)).all())
    variances = dict(db.session.execute(
        select(CountLine.task_id, func.count()).where(CountLine.task_id.in_(ids),
                                                      CountLine.counted != CountLine.expected)
        .group_by(CountLine.task_id)).all())
    pending = dict(db.session.execute(
        select(Adjustment.count_task_id, func.count()).where(Adjustment.count_task_id.in_(ids),
                                                             Adjustment.status == AdjustmentStatus.PENDING.value)
        .group_by(Adjustment.count_task_id)).all())
    tallies = dict(db.session.execute(select(CountTask.status, func.count()).group_by(CountTask.status)).all())
    body = render_template(
        "inventory/desk/counts.html", tab=tab, tabs=COUNT_TABS, tallies=tallies, tasks=tasks, page=page,
        lines=lines, variances=variances, pending=pending, error=error, form=form or {},
        names=_user_names([t.created_by_id for t in tasks] + [t.counted_by_id for t in tasks]),
        reasons=COUNT_REASON,
    )
    return body, status


@bp.get("/counts")
def counts():
    return _render_counts()


@bp.post("/counts")
def create_counts():
    form = request.form
    try:
        result = services.open_counts(form.get("code", ""), prefix=form.get("scope") == "prefix",
                                      user_id=current_user.id, reason=form.get("reason", "cycle"))
    except DomainError as exc:
        db.session.rollback()
        return _render_counts(error=str(exc), form=form, status=exc.status)
    created, already = len(result["created"]), len(result["already_open"])
    message = _("%(created)s count tasks created.", created=created)
    if already:
        message += " " + _("%(already)s locations already had an open count.", already=already)
    flash(message, "success")
    return redirect(url_for(".counts", status=CountStatus.OPEN.value))


@bp.get("/counts/<int:task_id>")
def count_task(task_id: int):
    task = db.session.get(CountTask, task_id)
    if task is None:
        abort(404)
    plates = dict(db.session.execute(select(Lpn.id, Lpn.code).where(
        Lpn.id.in_({line.lpn_id for line in task.lines if line.lpn_id}))).all())
    adjustments = _adjustment_rows(select(Adjustment).where(Adjustment.count_task_id == task.id)
                                   .order_by(Adjustment.id))
    return render_template(
        "inventory/desk/count_task.html", task=task, plates=plates, adjustments=adjustments,
        names=_user_names([task.created_by_id, task.counted_by_id]),
    )


# ---------------------------------------------------------------------------------------------- check

@dataclass
class Mismatch:
    location: Location | None
    product: Product | None
    lot: Lot | None
    lpn: str | None
    item: int
    ledger: int


@bp.get("/check")
def check():
    """Recompute every stock item from the ledger and show the ones that disagree."""
    problems = services.stock_mismatches()
    parts = [tuple(int(p) for p in problem["key"].split(":")) for problem in problems]

    def load(model, ids):
        ids = {i for i in ids if i}
        return {row.id: row for row in db.session.scalars(select(model).where(model.id.in_(ids)))} if ids else {}

    places = load(Location, (p[0] for p in parts))
    products = load(Product, (p[1] for p in parts))
    lots = load(Lot, (p[2] for p in parts))
    plates = load(Lpn, (p[3] for p in parts))
    mismatches = [
        Mismatch(places.get(loc), products.get(prod), lots.get(lot), plates[lpn].code if lpn in plates else None,
                 problem["item"], problem["ledger"])
        for (loc, prod, lot, lpn), problem in zip(parts, problems, strict=True)
    ]
    mismatches.sort(key=lambda m: (m.location.code if m.location else "", m.product.sku if m.product else ""))
    return render_template(
        "inventory/desk/check.html", mismatches=mismatches,
        items=db.session.scalar(select(func.count()).select_from(StockItem)),
        moves=db.session.scalar(select(func.count()).select_from(Move)),
    )
