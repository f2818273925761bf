"""Return authorisations: created by the store (API) or on the desk, found by whatever the dock scans, closed
when every unit is inspected (the store is told, `return.received`), and the desk's list of reasons."""
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import select

from .. import audit, clock, events, numbers
from ..catalog.models import Product
from ..dbtypes import utcnow
from ..errors import Conflict, DomainError, NotFound
from ..extensions import db
from ..orders.models import Order
from ..sql import locked
from ..uow import use_case
from . import rules, shipped, words
from .models import ReturnReason, ReturnUnit, Rma, RmaLine, RmaStatus


class RmaRejected(DomainError):
    """The return's data is wrong; `details["fields"]` says what, field by field. Nothing was stored."""

    def __init__(self, fields: dict[str, str]):
        super().__init__(_l("The return was not accepted: see the fields."), fields=fields)


def reasons() -> list[tuple[str, str]]:
    """(code, label) of the reasons the desk keeps; the built-in list until the desk keeps any. Built-in labels
    come in the reader's language."""
    kept = list(db.session.scalars(select(ReturnReason).where(ReturnReason.active.is_(True))
                                   .order_by(ReturnReason.code)))
    pairs = [(r.code, r.label) for r in kept] if kept else list(rules.DEFAULT_REASONS)
    return [(code, words.reason_label(code, label)) for code, label in pairs]


@use_case
def save_reason(code: str, label: str, *, active: bool = True, user_id: int | None) -> ReturnReason:
    code, label = (code or "").strip().lower(), (label or "").strip()
    if not code or len(code) > 30 or not all(c.isascii() and (c.isalnum() or c == "_") for c in code):
        raise DomainError(_l("A reason code is 1 to 30 letters, digits or _."))
    if not label or len(label) > 120 or not label.isprintable():
        raise DomainError(_l("A reason's label is 1 to 120 characters."))
    if not db.session.scalar(select(ReturnReason.id).limit(1)):
        for default_code, default_label in rules.DEFAULT_REASONS:  # keep the built-in list once the desk edits
            db.session.add(ReturnReason(code=default_code, label=default_label))
        db.session.flush()
    reason = db.session.scalar(select(ReturnReason).where(ReturnReason.code == code))
    if reason is None:
        reason = ReturnReason(code=code, label=label)
        db.session.add(reason)
    reason.label, reason.active = label, active
    audit.record("return.reason", reason, user_id=user_id, code=code, active=active)
    return reason


def _text(value, most: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > most or not value.isprintable():
        raise ValueError
    return value.strip() or None


def _day(value) -> date | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) != 10:
        raise ValueError
    return date.fromisoformat(value)


def _order(data: dict, errors: dict) -> Order | None:
    order_id = data.get("order_id")
    if order_id is not None:
        number = numbers.whole(order_id, least=1)
        order = db.session.get(Order, number) if number else None
        if order is None:
            errors["order_id"] = str(_l("No such order."))
        return order
    channel, channel_order_id = data.get("channel"), data.get("channel_order_id")
    if not (isinstance(channel, str) and isinstance(channel_order_id, str)) or len(channel_order_id) > 64:
        errors["order_id"] = str(_l("Give order_id, or channel and channel_order_id."))
        return None
    order = db.session.scalar(select(Order).where(Order.channel == channel,
                                                  Order.channel_order_id == channel_order_id))
    if order is None:
        errors["channel_order_id"] = str(_l("No such order."))
    return order


def _lines(data: dict, order: Order | None, errors: dict) -> list[tuple[Product, int, str]]:
    lines = data.get("lines")
    if not isinstance(lines, list) or not 1 <= len(lines) <= 200:
        errors["lines"] = str(_l("Give 1 to 200 lines."))
        return []
    codes = {code for code, _label in reasons()}
    left: dict[int, int] = {}
    if order is not None:
        for (product_id, _lot), quantity in shipped.shipped_on(order.id).items():
            left[product_id] = left.get(product_id, 0) + quantity
    clean = []
    for index, line in enumerate(lines):
        where = f"lines[{index}]"
        if not isinstance(line, dict):
            errors[where] = str(_l("A line is an object with sku, quantity and reason."))
            continue
        sku = line.get("sku")
        product = db.session.scalar(select(Product).where(Product.sku == sku)) \
            if isinstance(sku, str) and len(sku) <= 40 else None
        quantity = numbers.whole(line.get("quantity"), least=1, most=100000)
        reason = line.get("reason")
        if product is None:
            errors[f"{where}.sku"] = str(_l("Unknown SKU."))
        elif order is not None and product.id not in left:
            errors[f"{where}.sku"] = str(_l("%(sku)s was not shipped on this order.", sku=product.sku))
        if quantity is None:
            errors[f"{where}.quantity"] = str(_l("A whole number from 1 to 100000."))
        elif product is not None and product.id in left:
            left[product.id] -= quantity
            if left[product.id] < 0:
                errors[f"{where}.quantity"] = str(_l("More units than were shipped."))
        if not isinstance(reason, str) or reason not in codes:
            errors[f"{where}.reason"] = str(_l("Unknown reason: one of %(codes)s.", codes=", ".join(sorted(codes))))
        if product is not None and quantity is not None:
            clean.append((product, quantity, reason))
    return clean


@use_case
def create_rma(data: dict, *, source: str = "desk", user_id: int | None = None) -> tuple[Rma, bool]:
    """Authorise a return of a shipped order; (rma, created). The same order and reverse code again answers
    the return stored before. Whether the request is inside the 7-day window is recorded, not enforced."""
    if not isinstance(data, dict):
        raise RmaRejected({"": str(_l("The body must be a JSON object."))})
    errors: dict[str, str] = {}
    order = _order(data, errors)
    if order is not None and not shipped.shipped_on(order.id):
        errors["order_id"] = str(_l("Order %(id)s has shipped nothing yet.", id=order.id))
    try:
        reverse_code = _text(data.get("reverse_code"), 40)
    except ValueError:
        errors["reverse_code"] = str(_l("At most 40 printable characters."))
        reverse_code = None
    dates = {}
    for name in ("delivered_on", "requested_on"):
        try:
            dates[name] = _day(data.get(name))
        except ValueError:
            errors[name] = str(_l("A date as YYYY-MM-DD."))
    try:
        note = _text(data.get("note"), 200)
    except ValueError:
        errors["note"] = str(_l("At most 200 printable characters."))
        note = None
    lines = _lines(data, order, errors)
    if errors:
        raise RmaRejected(errors)
    if reverse_code:
        earlier = db.session.scalar(select(Rma).where(Rma.order_id == order.id, Rma.reverse_code == reverse_code))
        if earlier is not None:
            return earlier, False
    requested_on = dates["requested_on"] or clock.today()
    delivered_on = dates["delivered_on"]
    rma = Rma(order_id=order.id, reverse_code=reverse_code, source=source, delivered_on=delivered_on,
              requested_on=requested_on, within_window=rules.within_window(delivered_on, requested_on),
              note=note, created_by_id=user_id)
    for number, (product, quantity, reason) in enumerate(lines, start=1):
        rma.lines.append(RmaLine(line_no=number, product_id=product.id, quantity=quantity, reason=reason))
    db.session.add(rma)
    db.session.flush()
    audit.record("return.authorise", rma, user_id=user_id, order=order.id, source=source,
                 within_window=rma.within_window)
    return rma, True


def get(rma_id: int) -> Rma:
    rma = db.session.get(Rma, rma_id) if numbers.whole(rma_id, least=1) else None
    if rma is None:
        raise NotFound(_l("Return not found."))
    return rma


def _open(query) -> Rma | None:
    return db.session.scalar(query.where(Rma.status.in_([RmaStatus.EXPECTED.value, RmaStatus.RECEIVING.value]))
                             .order_by(Rma.id.desc()).limit(1))


def find_open(raw: str) -> Rma:
    """The open return a dock scan names: RMA-<id>, the reverse-logistics code, the order (ORDER-<id> or the
    channel's order id) or the tracking code of its shipment."""
    code = (raw or "").strip()
    if not code or len(code) > 64 or not code.isprintable():
        raise DomainError(_l("Scan the return label, the RMA, the order or the tracking code."))
    upper = code.upper()
    found = None
    rma_id = numbers.whole(upper[4:], least=1) if upper.startswith("RMA-") else None
    if rma_id:
        found = db.session.get(Rma, rma_id)
    if found is None:
        found = _open(select(Rma).where(Rma.reverse_code == code))
    order = None
    if found is None:
        order_id = shipped.order_id_of(upper)
        order = db.session.get(Order, order_id) if order_id else None
        order = order or db.session.scalar(select(Order).where(Order.channel_order_id == code).limit(1)) \
            or shipped.order_by_tracking(code)
        if order is not None:
            found = _open(select(Rma).where(Rma.order_id == order.id))
    if found is None:
        if order is not None:
            raise NotFound(_l("Order %(id)s has no open return: ask the desk to authorise one.", id=order.id))
        raise NotFound(_l("%(code)s is no open return, order or tracking code.", code=code[:40]))
    if found.status not in (RmaStatus.EXPECTED, RmaStatus.RECEIVING):
        raise Conflict(_l("Return RMA-%(id)s is %(status)s.", id=found.id, status=found.status))
    return found


def outcome(rma: Rma) -> dict:
    """Per line: what was expected, received, in which condition and where it went; and the unexpected units."""
    lines = []
    for line in rma.lines:
        units = [u for u in rma.units if u.rma_line_id == line.id and not u.unexpected]
        lines.append({"line_no": line.line_no, "sku": line.product.sku, "reason": line.reason,
                      "expected": line.quantity, "received": sum(u.quantity for u in units),
                      "units": [_unit(u) for u in units]})
    unexpected = [_unit(u) for u in rma.units if u.unexpected or u.rma_line_id is None]
    return {"rma_id": rma.id, "order_id": rma.order_id, "reverse_code": rma.reverse_code, "lines": lines,
            "unexpected": unexpected}


def _unit(unit: ReturnUnit) -> dict:
    return {"sku": unit.product.sku, "lot": unit.lot.code if unit.lot else None, "serial": unit.serial,
            "quantity": unit.quantity, "condition": unit.condition, "disposition": unit.disposition,
            "flag": unit.flag}


@use_case
def close_rma(rma_id: int, *, user_id: int | None) -> dict:
    """Every unit inspected: the return is received, and the store is told what came back for the refund."""
    rma = locked(Rma, rma_id) if numbers.whole(rma_id, least=1) else None
    if rma is None:
        raise NotFound(_l("Return not found."))
    if rma.status == RmaStatus.RECEIVED:
        return outcome(rma)
    if rma.status not in (RmaStatus.EXPECTED, RmaStatus.RECEIVING):
        raise Conflict(_l("Return RMA-%(id)s is %(status)s.", id=rma.id, status=rma.status))
    if not rma.units:
        raise DomainError(_l("Nothing was received on RMA-%(id)s yet.", id=rma.id))
    waiting = sum(u.quantity for u in rma.units if u.disposition is None)
    if waiting:
        raise DomainError(lazy_ngettext("%(num)s unit of RMA-%(id)s is not inspected yet.",
                                        "%(num)s units of RMA-%(id)s are not inspected yet.", waiting, id=rma.id))
    rma.status = RmaStatus.RECEIVED.value
    rma.closed_at = utcnow()
    rma.closed_by_id = user_id
    result = outcome(rma)
    events.emit("return.received", result)
    audit.record("return.close", rma, user_id=user_id, units=sum(u.quantity for u in rma.units))
    return result


@use_case
def cancel_rma(rma_id: int, *, user_id: int | None) -> Rma:
    # locked: a unit being taken in on it at this moment is seen, not cancelled under
    rma = locked(Rma, rma_id) if numbers.whole(rma_id, least=1) else None
    if rma is None:
        raise NotFound(_l("Return not found."))
    if rma.units:
        raise Conflict(_l("Units of RMA-%(id)s were received: it cannot be cancelled.", id=rma.id))
    rma.status = RmaStatus.CANCELLED.value
    audit.record("return.cancel", rma, user_id=user_id)
    return rma
