"""The supervisors' desk for orders: the list with filters, an order's lines, allocations, picks and history,
holds and manual release, cancelling, and the channels' shelf-life rules."""
from datetime import date
from decimal import Decimal
from math import ceil

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_currency
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..access import blueprint_role
from ..audit import AuditEvent
from ..auth.models import Role, User
from ..catalog.models import Category
from ..errors import DomainError
from ..extensions import db
from ..picking import services as picking
from ..picking.models import PickTask, Reservation, Wave, WaveOrder
from . import services
from .models import ChannelRule, Order, OrderLine, OrderStatus

bp = blueprint_role(Blueprint("orders_desk", __name__, url_prefix="/desk/orders"), Role.SUPERVISOR)

PER_PAGE = 50

STATUS = {
    "awaiting_payment": _l("awaiting payment"), "released": _l("released"), "allocated": _l("allocated"),
    "partially_allocated": _l("partially allocated"), "backordered": _l("back-ordered"), "picking": _l("picking"),
    "picked": _l("picked"), "packed": _l("packed"), "shipped": _l("shipped"), "cancelled": _l("cancelled"),
}
CHANNEL = {"site": _l("site"), "marketplace": _l("marketplace"), "shop": _l("shop")}
PAYMENT = {"pending": _l("pending"), "authorized": _l("authorized"), "paid": _l("paid")}
CATEGORY = {"medicine": _l("medicine"), "cosmetic": _l("cosmetic"), "sanitizer": _l("sanitizer"),
            "food": _l("food"), "health_product": _l("health product"), "other": _l("other")}
TASK_STATUS = {"open": _l("open"), "done": _l("done"), "cancelled": _l("cancelled")}
HISTORY = {"order.take": _l("taken from the channel"), "order.release": _l("released (payment confirmed)"),
           "order.allocate": _l("stock reserved"), "order.unreserve": _l("reservations released"),
           "order.hold": _l("put on hold"), "order.unhold": _l("hold lifted"), "order.cancel": _l("cancelled"),
           "order.lot_unavailable": _l("a reserved lot became unavailable")}


@bp.context_processor
def _helpers():
    return {
        "order_status": lambda code: str(STATUS.get(code, code)),
        "channel_name": lambda code: str(CHANNEL.get(code, code)),
        "payment_name": lambda code: str(PAYMENT.get(code, code)),
        "category_name": lambda code: str(CATEGORY.get(code, code)) if code else _("all categories"),
        "task_status": lambda code: str(TASK_STATUS.get(code, code)),
        "history_action": lambda code: str(HISTORY.get(code, code)),
        "money": lambda cents: format_currency(Decimal(cents) / 100, "BRL"),
        "cep": lambda digits: f"{digits[:5]}-{digits[5:]}" if digits and len(digits) == 8 else digits,
    }


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@bp.get("/")
def orders():
    args = request.args
    filters = {
        "status": args.get("status", ""), "channel": args.get("channel", ""), "q": args.get("q", "").strip()[:64],
        "promised_from": args.get("promised_from", ""), "promised_to": args.get("promised_to", ""),
        "held": args.get("held", ""),
    }
    query = select(Order)
    if filters["status"] in STATUS:
        query = query.where(Order.status == filters["status"])
    elif filters["status"] == "open":
        query = query.where(Order.status.not_in(["packed", "shipped", "cancelled"]))
    if filters["channel"] in CHANNEL:
        query = query.where(Order.channel == filters["channel"])
    if filters["q"]:
        like = f"%{filters['q']}%"
        query = query.where(or_(Order.channel_order_id.ilike(like), Order.customer_name.ilike(like)))
    if (start := _date(filters["promised_from"])) is not None:
        query = query.where(Order.promised_ship_date >= start)
    if (end := _date(filters["promised_to"])) is not None:
        query = query.where(Order.promised_ship_date <= end)
    if filters["held"]:
        query = query.where(Order.on_hold.is_(True))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    pages = max(1, ceil(total / PER_PAGE))
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    rows = list(db.session.scalars(
        query.options(selectinload(Order.lines))
        .order_by(Order.promised_ship_date.is_(None), Order.promised_ship_date, Order.id.desc())
        .offset((page - 1) * PER_PAGE).limit(PER_PAGE)))
    counts = dict(db.session.execute(select(Order.status, func.count()).group_by(Order.status)).all())
    return render_template("orders/desk/list.html", rows=rows, filters=filters, total=total, page=page,
                           pages=pages, statuses=STATUS, channels=CHANNEL, counts=counts)


def _history(order: Order) -> list[tuple[AuditEvent, str]]:
    events = list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.target_type == Order.__tablename__, AuditEvent.target_id == str(order.id))
        .order_by(AuditEvent.at, AuditEvent.id)))
    names = {u.id: u.name for u in db.session.scalars(select(User).where(
        User.id.in_({e.user_id for e in events if e.user_id})))}
    return [(event, names.get(event.user_id, "")) for event in events]


@bp.get("/<int:order_id>")
def order(order_id: int):
    order = services.get(order_id)
    reservations = list(db.session.scalars(
        select(Reservation).join(OrderLine).where(OrderLine.order_id == order.id)
        .options(joinedload(Reservation.location), joinedload(Reservation.lot), joinedload(Reservation.order_line))
        .order_by(OrderLine.line_no, Reservation.id)))
    tasks = list(db.session.scalars(
        select(PickTask).join(OrderLine).where(OrderLine.order_id == order.id)
        .options(joinedload(PickTask.location), joinedload(PickTask.lot), joinedload(PickTask.wave))
        .order_by(PickTask.wave_id, PickTask.sequence)))
    waves = list(db.session.scalars(select(WaveOrder).join(Wave).where(WaveOrder.order_id == order.id)
                                    .order_by(Wave.id)))
    pickers = {u.id: u.name for u in db.session.scalars(select(User).where(
        User.id.in_({t.picker_id for t in tasks if t.picker_id})))}
    return render_template("orders/desk/order.html", order=order, reservations=reservations, tasks=tasks,
                           waves=waves, pickers=pickers, history=_history(order),
                           min_days={line.id: picking.line_min_shelf_life(line, order) for line in order.lines},
                           error=request.args.get("error"))


def _act(order_id: int, action):
    try:
        message = action()
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(message, "success")
    return redirect(url_for("orders_desk.order", order_id=order_id))


@bp.post("/<int:order_id>/release")
def release(order_id: int):
    def action():
        order = services.release(order_id, user_id=current_user.id, note=request.form.get("note"))
        return _("Order %(id)s released: %(status)s.", id=order.id, status=STATUS[order.status])
    return _act(order_id, action)


@bp.post("/<int:order_id>/hold")
def hold(order_id: int):
    def action():
        services.hold(order_id, request.form.get("reason", ""), user_id=current_user.id)
        return _("Order %(id)s is on hold.", id=order_id)
    return _act(order_id, action)


@bp.post("/<int:order_id>/unhold")
def unhold(order_id: int):
    def action():
        services.unhold(order_id, user_id=current_user.id)
        return _("Order %(id)s is no longer on hold.", id=order_id)
    return _act(order_id, action)


@bp.post("/<int:order_id>/allocate")
def allocate(order_id: int):
    def action():
        result = picking.allocate_order(order_id, user_id=current_user.id)
        return _("Order %(id)s: %(status)s, %(missing)s units back-ordered.", id=order_id,
                 status=STATUS.get(result["status"], result["status"]), missing=result["backordered"])
    return _act(order_id, action)


@bp.post("/<int:order_id>/cancel")
def cancel(order_id: int):
    def action():
        _order, returned = services.cancel(order_id, user_id=current_user.id, reason=request.form.get("reason"))
        units = sum(r["quantity"] for r in returned)
        return _("Order %(id)s cancelled; %(units)s picked units put back.", id=order_id, units=units)
    return _act(order_id, action)


@bp.post("/allocate-backorders")
def allocate_backorders():
    result = picking.allocate_backorders(user_id=current_user.id)
    flash(_("Tried %(orders)s orders again; %(improved)s got more stock.", **result), "success")
    return redirect(url_for("orders_desk.orders", status=OrderStatus.BACKORDERED.value))


# --------------------------------------------------------------------------------------------- channel rules


@bp.get("/channel-rules")
def channel_rules():
    rules = list(db.session.scalars(select(ChannelRule).order_by(ChannelRule.channel, ChannelRule.category)))
    return render_template("orders/desk/channel_rules.html", rules=rules, channels=CHANNEL,
                           categories=[c.value for c in Category], form={}, error=None)


@bp.post("/channel-rules")
def channel_rule_save():
    form = request.form
    days = form.get("days", "").strip()
    try:
        if not days.isdigit():
            raise DomainError(_l("Shelf life is a whole number of days from 0 to 3650."))
        rule = services.set_channel_rule(form.get("channel", ""), form.get("category") or None, int(days),
                                         user_id=current_user.id)
    except DomainError as exc:
        db.session.rollback()
        rules = list(db.session.scalars(select(ChannelRule).order_by(ChannelRule.channel, ChannelRule.category)))
        return render_template("orders/desk/channel_rules.html", rules=rules, channels=CHANNEL,
                               categories=[c.value for c in Category], form=form, error=str(exc)), 422
    flash(_("Rule saved: %(channel)s, %(category)s, %(days)s days.", channel=CHANNEL[rule.channel],
            category=CATEGORY[rule.category] if rule.category else _("all categories"),
            days=rule.min_shelf_life_days), "success")
    return redirect(url_for("orders_desk.channel_rules"))


@bp.post("/channel-rules/<int:rule_id>/delete")
def channel_rule_delete(rule_id: int):
    try:
        services.delete_channel_rule(rule_id, user_id=current_user.id)
        flash(_("Rule deleted."), "success")
    except DomainError as exc:
        flash(str(exc), "error")
    return redirect(url_for("orders_desk.channel_rules"))

