"""The dock on the handheld: receive (against an ASN or blind) and put away.

Receive: scan the ASN's reference or a pallet SSCC (or choose an ASN, or start a blind receipt); then scan what
arrives. The service answers what the barcode did not say (lot, expiry, quantity) or whether a supervisor must
allow an over-receipt; the screen asks exactly that and posts the scan again with the answers, carried in hidden
fields until the goods are taken in. A refused or out-of-date step answers the same step again with the message
and the bad sound; nothing changes until the service takes the goods in, once per scan id.

Put away: scan the plate (or a product) at the dock; the screen says where to take it; scan the destination. A
different destination needs a reason.
"""
from dataclasses import dataclass, replace
from datetime import date
from urllib.parse import quote, unquote

from flask import Blueprint, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from .. import clock, gs1
from ..access import blueprint_role
from ..auth.models import Role
from ..errors import DomainError
from ..extensions import db
from ..inventory import lookup
from ..inventory.models import Lpn, StockItem
from ..locations import services as locations
from ..locations.models import Location, LocationKind
from ..views_common import feedback
from . import rules, services, words
from .models import Asn, AsnStatus, Receipt, ReceiptLpn, ReceiptStatus

bp = blueprint_role(Blueprint("receiving_hh", __name__, url_prefix="/hh"), Role.WORKER)

MAX_UNITS = services.MAX_UNITS


class StaleScreen(DomainError):
    """The hidden state names something gone or was tampered with: start the step again."""

    def __init__(self):
        super().__init__(_l("This screen is out of date: start again."))


def _answer(template: str, **context):
    return feedback(render_template(template, **context), ok=True)


def _refused(template: str, error: DomainError, context):
    """The same step again with the message and the bad sound; the refused scan's changes are rolled back."""
    db.session.rollback()
    return feedback(render_template(template, error=str(error), **context()), ok=False, status=error.status)


def _number(text: str | None, *, maximum: int = MAX_UNITS) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit() and len(text) <= 9) or not 1 <= int(text) <= maximum:
        raise DomainError(_l("Type a whole number of units from %(min)s to %(max)s.", min=1, max=maximum))
    return int(text)


# --- receive: choosing the ASN --------------------------------------------------------------------------------


def _waiting_asns() -> list[Asn]:
    today = clock.today()
    return list(db.session.scalars(
        select(Asn).where(Asn.status.in_([AsnStatus.EXPECTED.value, AsnStatus.RECEIVING.value]),
                          Asn.expected_on <= today)
        .order_by(Asn.status.desc(), Asn.expected_on, Asn.id).limit(20)))


def _start_screen(**context) -> dict:
    return dict(asns=_waiting_asns(), **context)


@bp.get("/receive")
def receive():
    return render_template("receiving/hh/start.html", **_start_screen())


@bp.post("/receive")
def receive_start():
    """Scan (or choose) the ASN, scan a pallet SSCC of one, or start a blind receipt."""
    form = request.form
    try:
        if form.get("blind"):
            receipt = services.start_receipt(user_id=current_user.id, reference=form.get("reference"))
            return _opened(receipt)
        if form.get("asn_id", "").isdigit():
            return _opened(services.start_receipt(asn_id=int(form["asn_id"]), user_id=current_user.id))
        raw = form.get("scan", "")
        found = services.open_asns_for(raw)
        if not found:
            raise DomainError(_l("No ASN to receive has the reference or pallet %(text)s: check the delivery "
                                 "note, or start a blind receipt.", text=raw.strip()[:40] or "-"))
        if len(found) > 1:
            return _answer("receiving/hh/start.html", **_start_screen(choices=found))
        receipt = services.start_receipt(asn_id=found[0].id, user_id=current_user.id)
        if raw.strip() != found[0].reference and raw.strip().upper() != found[0].reference.upper():
            # a pallet SSCC: receive it at once, the scan that found the ASN is the pallet's scan
            result = services.receive_scan(receipt.id, raw, user_id=current_user.id,
                                           scan_id=form.get("scan_id") or None)
            return _opened(receipt, result=result)
        return _opened(receipt)
    except DomainError as exc:
        return _refused("receiving/hh/start.html", exc, _start_screen)


def _opened(receipt: Receipt, result: dict | None = None):
    response = _answer("receiving/hh/receive.html", **_receive_screen(receipt, ReceiveState(), result=result))
    response.headers["HX-Push-Url"] = url_for("receiving_hh.receipt", receipt_id=receipt.id)
    return response


# --- receive: scanning what arrives -------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceiveState:
    """A product scan being completed: the scan itself and the answers so far. `need` is the question asked:
    lot, expiry, quantity, supervisor (a badge) or pin."""

    pending: str = ""
    need: str = ""
    lot: str = ""
    expires_on: date | None = None
    quantity: int | None = None
    damaged: bool = False
    badge: str = ""
    units: int = 1  # units in one of what was scanned (a case), for the quantity question
    expected_lots: tuple[str, ...] = ()
    label: str = ""  # the product scanned, as the worker reads it: SKU and name

    def hidden(self) -> dict:
        return {"pending": quote(self.pending, safe=""), "need": self.need, "lot": self.lot,
                "expires_on": self.expires_on.isoformat() if self.expires_on else "",
                "quantity": self.quantity or "", "damaged": "1" if self.damaged else "", "badge": self.badge,
                "units": self.units, "expected_lots": ",".join(self.expected_lots), "label": self.label}

    def answers(self, pin: str | None = None) -> services.Answers:
        return services.Answers(lot=self.lot or None, expires_on=self.expires_on, quantity=self.quantity,
                                damaged=self.damaged, supervisor_badge=self.badge or None, supervisor_pin=pin)


NEEDS = ("", "lot", "expiry", "quantity", "supervisor", "pin")


def _receive_state(form) -> ReceiveState:
    need = form.get("need") or ""
    if need not in NEEDS:
        raise StaleScreen()
    expires_on = None
    if form.get("expires_on"):
        try:
            expires_on = date.fromisoformat(form["expires_on"])
        except ValueError:
            raise StaleScreen() from None
    units = form.get("units") or "1"
    if not units.isdigit():
        raise StaleScreen()
    quantity = form.get("quantity") or ""
    if quantity and not quantity.isdigit():
        raise StaleScreen()
    state = ReceiveState(pending=unquote(form.get("pending") or ""), need=need, lot=(form.get("lot") or "")[:20],
                         expires_on=expires_on, quantity=int(quantity) if quantity else None,
                         damaged=bool(form.get("damaged")), badge=(form.get("badge") or "")[:64],
                         units=int(units), expected_lots=tuple(filter(None, (form.get("expected_lots") or "")
                                                                      .split(","))),
                         label=(form.get("label") or "")[:250])
    if need and not state.pending:
        raise StaleScreen()
    return state


def _progress(receipt: Receipt) -> list[services.LineView]:
    return services.summary(receipt)


def _building(receipt: Receipt) -> list[ReceiptLpn]:
    return [plate for plate in receipt.plates if plate.building]


def _receive_screen(receipt: Receipt, state: ReceiveState, **context) -> dict:
    return dict(receipt=receipt, state=state, lines=_progress(receipt), building=_building(receipt),
                today=clock.today(), **context)


def _lot_answer(state: ReceiveState, text: str) -> ReceiveState:
    """A lot typed, or scanned on its own label (a GS1 code with the lot, and often the expiry)."""
    text = text.strip()
    if not text:
        raise DomainError(_l("Scan or type the lot."))
    scan = lookup.read(text)
    if scan.kind == "gs1" and scan.lot:
        pending = lookup.read(state.pending)
        if scan.gtin and pending.gtin and scan.gtin != pending.gtin:
            raise DomainError(_l("That label is for another product: scan the lot of the item you scanned."))
        return replace(state, lot=scan.lot, expires_on=state.expires_on or scan.expires_on)
    if len(text) > 20 or set(text) - gs1.GS1_CHARSET_82:
        raise DomainError(_l("A lot is 1 to 20 letters, digits or GS1 signs."))
    return replace(state, lot=text)


def _expiry_answer(state: ReceiveState, text: str) -> ReceiveState:
    text = text.strip()
    scan = None
    if text[:2] == "17" or lookup.gs_substitutes() and any(c in text for c in lookup.gs_substitutes()):
        try:
            scan = lookup.read(text)
        except DomainError:
            scan = None
    if scan is not None and scan.expires_on:
        return replace(state, expires_on=scan.expires_on)
    try:
        return replace(state, expires_on=rules.parse_expiry(text, clock.today()))
    except ValueError as exc:
        raise DomainError(exc.args[0]) from None


def _plain_code(raw: str) -> bool:
    try:
        return lookup.read(raw).kind == "code" and len(raw.strip()) <= 40
    except DomainError:
        return False


def _after(state: ReceiveState, result: dict) -> ReceiveState:
    """The state for the next scan: the question the service asked, or a clean screen once the goods are in."""
    if result.get("status") != "need":
        return ReceiveState()
    return replace(state, need=result["need"], units=result.get("units") or state.units,
                   expected_lots=tuple(result.get("expected_lots") or state.expected_lots),
                   label=f"{result['sku']} {result['name']}")


@bp.get("/receive/<int:receipt_id>")
def receipt(receipt_id: int):
    receipt = services.get_receipt(receipt_id)
    if receipt.status != ReceiptStatus.OPEN:
        return render_template("receiving/hh/closed.html", receipt=receipt, lines=_progress(receipt))
    return render_template("receiving/hh/receive.html", **_receive_screen(receipt, ReceiveState()))


@bp.post("/receive/<int:receipt_id>")
def receipt_scan(receipt_id: int):
    receipt = services.get_receipt(receipt_id)
    template = "receiving/hh/receive.html"
    form = request.form
    try:
        state = _receive_state(form)
    except StaleScreen as exc:
        return _refused(template, exc, lambda: _receive_screen(receipt, ReceiveState()))
    if form.get("cancel"):
        return _answer(template, **_receive_screen(receipt, ReceiveState()))
    if form.get("damaged_next"):
        return _answer(template, **_receive_screen(receipt, ReceiveState(damaged=True)))
    raw = form.get("scan", "")
    scan_id = form.get("scan_id") or None
    try:
        pin = None
        if not state.need:
            # a dock's code moves the receipt there (a product or pallet code is never looked up as a place)
            dock = locations.by_code(raw) if _plain_code(raw) else None
            if dock is not None and not dock.is_virtual:
                if dock.kind != LocationKind.RECEIVING.value:
                    raise DomainError(_l("%(code)s is not a dock: scan what arrived.", code=dock.code))
                services.change_dock(receipt.id, dock.id, user_id=current_user.id)
                return _answer(template, **_receive_screen(receipt, ReceiveState(), dock_changed=dock.code))
            state = replace(state, pending=raw)
        elif state.need == "lot":
            state = _lot_answer(state, raw)
        elif state.need == "expiry":
            state = _expiry_answer(state, raw)
        elif state.need == "quantity":
            quantity = _number(raw, maximum=MAX_UNITS // max(state.units, 1))
            if quantity is None:
                raise DomainError(_l("Type how many."))
            state = replace(state, quantity=quantity)
        elif state.need == "supervisor":
            supervisor = services.supervisor_by_badge(raw.strip())
            state = replace(state, badge=supervisor.badge, need="pin")
            return _answer(template, **_receive_screen(receipt, state, supervisor=supervisor.name))
        else:  # pin
            pin = raw.strip()
        result = services.receive_scan(receipt.id, state.pending, state.answers(pin), user_id=current_user.id,
                                       scan_id=scan_id)
    except DomainError as exc:
        if state.need == "pin":
            state = replace(state, need="supervisor", badge="")
        return _refused(template, exc, lambda: _receive_screen(services.get_receipt(receipt_id), state))
    db.session.expire_all()
    receipt = services.get_receipt(receipt_id)
    screen = _receive_screen(receipt, _after(state, result), result=result)
    bad = result["status"] == "refused" or result.get("need") == "supervisor"
    return feedback(render_template(template, **screen), ok=not bad)


@bp.post("/receive/<int:receipt_id>/plate")
def receipt_plate(receipt_id: int):
    """Finish the plate being built (its label prints), or start a new pallet or tote."""
    receipt = services.get_receipt(receipt_id)
    action = request.form.get("action", "finish")
    try:
        if action == "finish":
            done = services.finish_plates(receipt.id, user_id=current_user.id)
        else:
            done = services.new_plate(receipt.id, kind="tote" if action == "tote" else "pallet",
                                      user_id=current_user.id)
    except DomainError as exc:
        return _refused("receiving/hh/receive.html", exc, lambda: _receive_screen(
            services.get_receipt(receipt_id), ReceiveState()))
    db.session.expire_all()
    return _answer("receiving/hh/receive.html", **_receive_screen(services.get_receipt(receipt_id), ReceiveState(),
                                                                 plates=done))


@bp.get("/receive/<int:receipt_id>/close")
def receipt_close_check(receipt_id: int):
    receipt = services.get_receipt(receipt_id)
    return render_template("receiving/hh/close.html", receipt=receipt, lines=_progress(receipt))


@bp.post("/receive/<int:receipt_id>/close")
def receipt_close(receipt_id: int):
    try:
        done = services.close_receipt(receipt_id, user_id=current_user.id,
                                      scan_id=request.form.get("scan_id") or None)
    except DomainError as exc:
        return _refused("receiving/hh/close.html", exc, lambda: dict(
            receipt=services.get_receipt(receipt_id), lines=_progress(services.get_receipt(receipt_id))))
    db.session.expire_all()
    receipt = services.get_receipt(receipt_id)
    return _answer("receiving/hh/closed.html", receipt=receipt, lines=_progress(receipt), done=done)


# --- put away ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PutawayState:
    """What is being put away (a plate, or units of one stock item) and where it should go."""

    lpn: Lpn | None = None
    item: StockItem | None = None
    quantity: int | None = None
    target: Location | None = None  # scanned, not the suggestion: waiting for a reason
    choices: tuple[int, ...] = ()  # stock items to choose from, when a product scan named several

    @property
    def step(self) -> str:
        if self.lpn is None and self.item is None:
            return "choose" if self.choices else "what"
        if self.item is not None and self.quantity is None:
            return "quantity"
        return "reason" if self.target is not None else "to"

    def hidden(self) -> dict:
        return {"lpn_id": self.lpn.id if self.lpn else "", "item_id": self.item.id if self.item else "",
                "quantity": self.quantity or "", "target_id": self.target.id if self.target else "",
                "choices": ",".join(map(str, self.choices))}

    def plan(self) -> services.PutawayPlan:
        if self.lpn is not None:
            return services.plan_for_lpn(self.lpn)
        return services.plan_for_item(self.item, self.quantity)

    def items(self) -> list[StockItem]:
        return [item for item in (db.session.get(StockItem, i) for i in self.choices) if item is not None]


def _load(model, text: str | None):
    text = (text or "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise StaleScreen()
    row = db.session.get(model, int(text))
    if row is None:
        raise StaleScreen()
    return row


def _putaway_state(form) -> PutawayState:
    choices = tuple(int(c) for c in (form.get("choices") or "").split(",") if c.isdigit())
    quantity = form.get("quantity") or ""
    if quantity and not quantity.isdigit():
        raise StaleScreen()
    return PutawayState(lpn=_load(Lpn, form.get("lpn_id")), item=_load(StockItem, form.get("item_id")),
                        quantity=int(quantity) if quantity else None, target=_load(Location, form.get("target_id")),
                        choices=choices)


def _waiting_plates() -> list[Lpn]:
    """Plates on a dock or in quarantine, for put-away (the newest first)."""
    return list(db.session.scalars(
        select(Lpn).join(Location, Location.id == Lpn.location_id)
        .where(Location.kind.in_([LocationKind.RECEIVING.value, LocationKind.QUARANTINE.value]),
               select(StockItem.id).where(StockItem.lpn_id == Lpn.id, StockItem.quantity > 0).exists())
        .order_by(Lpn.id.desc()).limit(12)))


def _putaway_screen(state: PutawayState, **context) -> dict:
    plan = None
    if state.step in ("to", "reason"):
        plan = state.plan()
    return dict(state=state, plan=plan, plates=_waiting_plates() if state.step == "what" else [],
                reasons=OVERRIDE_REASON_LABELS, today=clock.today(), **context)


OVERRIDE_REASON_LABELS = {
    "full": _l("The suggested place is full"), "blocked": _l("The suggested place is blocked or damaged"),
    "closer": _l("A better place nearby"), "supervisor": _l("The supervisor said so"), "other": _l("Other"),
}


def _what(raw: str) -> PutawayState:
    found = lookup.identify(raw)
    if found.kind == "sscc" and found.lpn is not None:
        found.kind = "lpn"
    lookup.expect(found, "lpn", "product")
    if found.kind == "lpn":
        state = PutawayState(lpn=found.lpn)
        state.plan()  # refuses an empty or split plate now
        return state
    items = services.inbound_items(found.product, found.lot_code)
    if not items:
        raise DomainError(_l("%(sku)s is not waiting at a dock or in quarantine.", sku=found.product.sku))
    if len(items) == 1:
        return PutawayState(item=items[0])
    return PutawayState(choices=tuple(item.id for item in items))


@bp.get("/putaway")
def putaway():
    return render_template("receiving/hh/putaway.html", **_putaway_screen(PutawayState()))


@bp.post("/putaway")
def putaway_scan():
    template = "receiving/hh/putaway.html"
    form = request.form
    try:
        state = _putaway_state(form)
    except StaleScreen as exc:
        return _refused(template, exc, lambda: _putaway_screen(PutawayState()))
    raw = form.get("scan", "")
    try:
        step = state.step
        if form.get("pick_lpn", "").isdigit():
            state = PutawayState(lpn=_load(Lpn, form["pick_lpn"]))
            state.plan()
        elif step == "choose" or form.get("pick_item"):
            item = _load(StockItem, form.get("pick_item"))
            if item is None or item.id not in state.choices:
                raise StaleScreen()
            state = PutawayState(item=item)
        elif step == "what":
            state = _what(raw)
        elif step == "quantity":
            quantity = _number(raw) or state.item.available
            services.plan_for_item(state.item, quantity)  # refuses more than is free
            state = replace(state, quantity=quantity)
        elif step == "to":
            found = lookup.expect(lookup.identify(raw), "location")
            plan = state.plan()
            if plan.suggestion is None or plan.suggestion.location_id == found.location.id:
                return _put(state, found.location, None, form.get("scan_id"))
            state = replace(state, target=found.location)
        else:  # reason
            reason = form.get("reason", "")
            if reason not in services.OVERRIDE_REASONS:
                raise DomainError(_l("Choose why the goods go to %(code)s.", code=state.target.code))
            return _put(state, state.target, reason, form.get("scan_id"))
    except StaleScreen as exc:
        return _refused(template, exc, lambda: _putaway_screen(PutawayState()))
    except DomainError as exc:
        return _refused(template, exc, lambda: _putaway_screen(state))
    return _answer(template, **_putaway_screen(state))


def _put(state: PutawayState, target: Location, reason: str | None, scan_id: str | None):
    done = services.put_away(target_id=target.id, user_id=current_user.id, lpn_id=state.lpn.id if state.lpn else None,
                             item_id=state.item.id if state.item else None, quantity=state.quantity,
                             reason=reason, scan_id=scan_id or None)
    db.session.expire_all()
    return _answer("receiving/hh/putaway.html", **_putaway_screen(PutawayState(), done=done))


@bp.context_processor
def _words():
    return words.helpers()
