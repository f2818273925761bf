"""The supervisors' desk for orders: the list with filters, an order's lines, allocations, picks and history,
holds and manual release, cancelling, and the channels' shelf-life rules."""
from datetime import date
from decimal import Decimal

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_currency, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from .. import numbers
from ..access import blueprint_role
from ..auth.models import Role
from ..board.views import RISK_WORDS
from ..catalog.models import Category
from ..errors import DomainError
from ..extensions import db
from ..picking import allocation, backorders
from ..views_common import desk_post
from . import queries, services
from .models import ChannelRule, OrderStatus
from .words import CATEGORY, CHANNEL, HISTORY, PAYMENT, STATUS, TASK_STATUS, history_details

bp = blueprint_role(Blueprint("orders_desk", __name__, url_prefix="/desk/orders"), Role.SUPERVISOR)


@bp.context_processor
def _helpers():
    return {
        "order_status": lambda code: str(STATUS.get(code, code)),
        "channel_name": lambda code: str(CHANNEL.get(code, code)),
        "payment_name": lambda code: str(PAYMENT.get(code, code)),
        "category_name": lambda code: str(CATEGORY.get(code, code)) if code else _("all categories"),
        "task_status": lambda code: str(TASK_STATUS.get(code, code)),
        "history_action": lambda code: str(HISTORY.get(code, code)),
        "history_details": history_details,
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
    criteria = queries.OrderFilter(
        status=filters["status"] if filters["status"] in STATUS or filters["status"] == "open" else None,
        channel=filters["channel"] if filters["channel"] in CHANNEL else None, q=filters["q"] or None,
        promised_from=_date(filters["promised_from"]), promised_to=_date(filters["promised_to"]),
        held=bool(filters["held"]))
    rows, page, urgent = queries.order_page(criteria, request.args.get("page", 1, type=int))
    return render_template("orders/desk/list.html", rows=rows, urgent=urgent, risk_words=RISK_WORDS,
                           filters=filters, page=page, statuses=STATUS, channels=CHANNEL,
                           counts=queries.counts_by_status())


@bp.get("/<int:order_id>")
def order(order_id: int):
    order = services.get(order_id)
    return render_template("orders/desk/order.html", order=order, history=queries.history(order),
                           min_days={line.id: allocation.line_min_shelf_life(line, order) for line in order.lines},
                           error=request.args.get("error"), **queries.picking_of(order))


def _act(order_id: int, action):
    """Run `action()`, which answers the message to show, and go back to the order."""
    return desk_post(action, lambda message: message, url_for("orders_desk.order", order_id=order_id))


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
        result = allocation.allocate_order(order_id, user_id=current_user.id)
        return ngettext("Order %(id)s: %(status)s, %(missing)s unit back-ordered.",
                        "Order %(id)s: %(status)s, %(missing)s units back-ordered.", result["backordered"], id=order_id,
                        status=STATUS.get(result["status"], result["status"]), missing=result["backordered"])
    return _act(order_id, action)


@bp.post("/<int:order_id>/cancel")
def cancel(order_id: int):
    def action():
        _order, returned = services.cancel(order_id, user_id=current_user.id, reason=request.form.get("reason"))
        units = sum(r["quantity"] for r in returned)
        return ngettext("Order %(id)s cancelled; %(units)s picked unit put back.",
                        "Order %(id)s cancelled; %(units)s picked units put back.", units, id=order_id, units=units)
    return _act(order_id, action)


@bp.post("/allocate-backorders")
def allocate_backorders():
    result = backorders.allocate_backorders(user_id=current_user.id)
    flash(ngettext("Tried %(orders)s order again; %(improved)s got more stock.",
                   "Tried %(orders)s orders again; %(improved)s got more stock.", result["orders"], **result), "success")
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
        number = numbers.whole(days)
        if number is None:
            raise DomainError(_l("Shelf life is a whole number of days from 0 to 3650."))
        rule = services.set_channel_rule(form.get("channel", ""), form.get("category") or None, number,
                                         user_id=current_user.id)
    except DomainError as exc:
        rules = list(db.session.scalars(select(ChannelRule).order_by(ChannelRule.channel, ChannelRule.category)))
        return render_template("orders/desk/channel_rules.html", rules=rules, channels=CHANNEL,
                               categories=[c.value for c in Category], form=form, error=str(exc)), 422
    flash(_("Rule saved: %(channel)s, %(category)s, %(days)s days.", channel=CHANNEL[rule.channel],
            category=CATEGORY[rule.category] if rule.category else _("all categories"),
            days=rule.min_shelf_life_days), "success")
    return redirect(url_for("orders_desk.channel_rules"))


@bp.post("/channel-rules/<int:rule_id>/delete")
def channel_rule_delete(rule_id: int):
    return desk_post(lambda: services.delete_channel_rule(rule_id, user_id=current_user.id), _("Rule deleted."),
                     url_for("orders_desk.channel_rules"))

