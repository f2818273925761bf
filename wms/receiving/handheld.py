"""The dock on the handheld: receive (against an ASN or blind).

Scan the ASN's reference or a pallet SSCC (or choose an ASN, or start a blind receipt); then scan what arrives.
The service answers what the barcode did not say (lot, expiry, quantity) or whether a supervisor must allow an
over-receipt; the screen asks exactly that and posts the scan again with the answers, carried in hidden fields
until the goods are taken in. A refused or out-of-date step answers the same step again with the message and the
bad sound; nothing changes until the service takes the goods in, once per scan id.

Put-away screens are in `handheld_putaway`, on the same blueprint.
"""
from dataclasses import dataclass, replace
from datetime import date
from urllib.parse import quote, unquote

from flask import Blueprint, render_template, request, url_for
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import clock, gs1, numbers
from ..access import blueprint_role
from ..auth.models import Role
from ..errors import DomainError
from ..extensions import db
from ..formatting import lazy_number
from ..inventory import lookup
from ..locations import services as locations
from ..locations.models import LocationKind
from ..views_common import StaleScreen, answer, feedback, form_number, refused, typed_quantity
from . import asns, dock_scan, queries, receipts, rules, words
from .models import Receipt, ReceiptLpn, ReceiptStatus

bp = blueprint_role(Blueprint("receiving_hh", __name__, url_prefix="/hh"), Role.WORKER)

MAX_UNITS = rules.MAX_UNITS


# --- receive: choosing the ASN --------------------------------------------------------------------------------


def _start_screen(**context) -> dict:
    asns = queries.waiting_asns(clock.today())
    shown = context.get("choices") or asns
    return dict(asns=asns, line_counts=queries.line_counts([asn.id for asn in shown]), **context)


@bp.get("/receive")
def receive():
    return render_template("receiving/hh/start.html", **_start_screen())


@bp.post("/receive")
def receive_start():
    """Scan (or choose) the ASN, scan a pallet SSCC of one, or start a blind receipt."""
    form = request.form
    try:
        if form.get("blind"):
            receipt = receipts.start_receipt(user_id=current_user.id, reference=form.get("reference"))
            return _opened(receipt)
        asn_id = numbers.whole(form.get("asn_id"))
        if asn_id is not None:
            return _opened(receipts.start_receipt(asn_id=asn_id, user_id=current_user.id))
        raw = form.get("scan", "")
        found = asns.open_asns_for(raw)
        if not found:
            raise DomainError(_l("No ASN to receive has the reference or pallet %(text)s: check the delivery "
                                 "note, or start a blind receipt.", text=raw.strip()[:40] or "-"))
        if len(found) > 1:
            return answer("receiving/hh/start.html", **_start_screen(choices=found))
        receipt = receipts.start_receipt(asn_id=found[0].id, user_id=current_user.id)
        if raw.strip() != found[0].reference and raw.strip().upper() != found[0].reference.upper():
            # a pallet SSCC: receive it at once, the scan that found the ASN is the pallet's scan
            result = dock_scan.receive_scan(receipt.id, raw, user_id=current_user.id,
                                            scan_id=form.get("scan_id") or None)
            return _opened(receipt, result=result)
        return _opened(receipt)
    except DomainError as exc:
        return refused("receiving/hh/start.html", exc, _start_screen)


def _opened(receipt: Receipt, result: dict | None = None):
    response = answer("receiving/hh/receive.html", **_receive_screen(receipt, ReceiveState(), result=result))
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

    def answers(self, pin: str | None = None) -> dock_scan.Answers:
        return dock_scan.Answers(lot=self.lot or None, expires_on=self.expires_on, quantity=self.quantity,
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
    units = form_number(form, "units")
    state = ReceiveState(pending=unquote(form.get("pending") or ""), need=need, lot=(form.get("lot") or "")[:20],
                         expires_on=expires_on, quantity=form_number(form, "quantity"),
                         damaged=bool(form.get("damaged")), badge=(form.get("badge") or "")[:64],
                         units=1 if units is None else units,
                         expected_lots=tuple(filter(None, (form.get("expected_lots") or "").split(","))),
                         label=(form.get("label") or "")[:250])
    if need and not state.pending:
        raise StaleScreen()
    return state


def _progress(receipt: Receipt) -> list[receipts.LineView]:
    return receipts.summary(receipt)


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
        expires_on = rules.parse_expiry(text, clock.today())
    except ValueError as exc:
        raise DomainError(exc.args[0]) from None
    if expires_on < clock.today():
        # refused at once, before the quantity: a typo is typed again; goods really expired go back to the driver
        raise DomainError(_l("%(date)s has already passed: expired goods are not received. Check the label and "
                             "type the date again, or cancel this item and hand it back to the driver.",
                             date=format_date(expires_on, "short")))
    return replace(state, expires_on=expires_on)


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
    receipt = receipts.get_receipt(receipt_id)
    if receipt.status != ReceiptStatus.OPEN:
        return render_template("receiving/hh/closed.html", receipt=receipt, lines=_progress(receipt))
    return render_template("receiving/hh/receive.html", **_receive_screen(receipt, ReceiveState()))


@bp.post("/receive/<int:receipt_id>")
def receipt_scan(receipt_id: int):
    receipt = receipts.get_receipt(receipt_id)
    template = "receiving/hh/receive.html"
    form = request.form
    try:
        state = _receive_state(form)
    except StaleScreen as exc:
        return refused(template, exc, lambda: _receive_screen(receipt, ReceiveState()))
    if form.get("cancel"):
        return answer(template, **_receive_screen(receipt, ReceiveState()))
    if form.get("damaged_next"):
        return answer(template, **_receive_screen(receipt, ReceiveState(damaged=True)))
    raw = form.get("scan", "")
    scan_id = form.get("scan_id") or None
    if not state.need and _closes(receipt, raw):
        return _close_screen(receipt)
    try:
        pin = None
        if not state.need:
            # a dock's code moves the receipt there (a product or pallet code is never looked up as a place)
            dock = locations.by_code(raw) if _plain_code(raw) else None
            if dock is not None and not dock.is_virtual:
                if dock.kind != LocationKind.RECEIVING.value:
                    raise DomainError(_l("%(code)s is not a dock: scan what arrived.", code=dock.code))
                receipts.change_dock(receipt.id, dock.id, user_id=current_user.id)
                return answer(template, **_receive_screen(receipt, ReceiveState(), dock_changed=dock.code))
            state = replace(state, pending=raw)
        elif state.need == "lot":
            state = _lot_answer(state, raw)
        elif state.need == "expiry":
            state = _expiry_answer(state, raw)
        elif state.need == "quantity":
            if not raw.strip():
                raise DomainError(_l("Type how many."))
            unit = _l("cases of %(n)s", n=lazy_number(state.units)) if state.units > 1 else None
            state = replace(state, quantity=typed_quantity(raw, most=MAX_UNITS // max(state.units, 1), unit=unit))
        elif state.need == "supervisor":
            supervisor = dock_scan.supervisor_by_badge(raw.strip())
            state = replace(state, badge=supervisor.badge, need="pin")
            return answer(template, **_receive_screen(receipt, state, supervisor=supervisor.name))
        else:  # pin
            pin = raw.strip()
        result = dock_scan.receive_scan(receipt.id, state.pending, state.answers(pin), user_id=current_user.id,
                                        scan_id=scan_id)
    except DomainError as exc:
        # a wrong PIN asks for the PIN again (the same supervisor is still standing there); Cancel starts over
        return refused(template, exc, lambda: _receive_screen(receipts.get_receipt(receipt_id), state,
                                                              supervisor=_supervisor_name(state)))
    # The screen from what this request read and wrote (the receipt, its plates, the ASN's lines as the scan
    # judged them: `receipts.asn_lines`); the totals are summed again, after the scan.
    screen = _receive_screen(receipt, _after(state, result), result=result)
    bad = result["status"] == "refused" or result.get("need") == "supervisor"
    # goods taken in but sent to quarantine (not on the ASN, short-dated, ...) sound the attention tone
    attention = result.get("outcome") == "quarantine"
    return feedback(render_template(template, **screen), ok=not bad, attention=attention)


def _supervisor_name(state: ReceiveState) -> str | None:
    if state.need != "pin" or not state.badge:
        return None
    try:
        return dock_scan.supervisor_by_badge(state.badge).name
    except DomainError:
        return None


@bp.post("/receive/<int:receipt_id>/plate")
def receipt_plate(receipt_id: int):
    """Finish the plate being built (its label prints), or start a new pallet or tote."""
    receipt = receipts.get_receipt(receipt_id)
    action = request.form.get("action", "finish")
    try:
        if action == "finish":
            done = receipts.finish_plates(receipt.id, user_id=current_user.id)
        else:
            done = receipts.new_plate(receipt.id, kind="tote" if action == "tote" else "pallet",
                                      user_id=current_user.id)
    except DomainError as exc:
        return refused("receiving/hh/receive.html", exc, lambda: _receive_screen(
            receipts.get_receipt(receipt_id), ReceiveState()))
    db.session.expire_all()
    return answer("receiving/hh/receive.html", **_receive_screen(receipts.get_receipt(receipt_id), ReceiveState(),
                                                                 plates=done))


CLOSE = "CLOSE"  # the command card's code


def _closes(receipt: Receipt, raw: str) -> bool:
    """A scan that asks to close the receipt: CLOSE, or the ASN's (or the blind receipt's) reference again."""
    code = raw.strip().upper()
    return bool(code) and code in (CLOSE, (_reference(receipt) or "").strip().upper())


def _close_screen(receipt: Receipt):
    response = answer("receiving/hh/close.html", receipt=receipt, lines=_progress(receipt))
    response.headers["HX-Push-Url"] = url_for("receiving_hh.receipt_close_check", receipt_id=receipt.id)
    return response


@bp.get("/receive/<int:receipt_id>/close")
def receipt_close_check(receipt_id: int):
    receipt = receipts.get_receipt(receipt_id)
    return render_template("receiving/hh/close.html", receipt=receipt, lines=_progress(receipt))


@bp.post("/receive/<int:receipt_id>/close")
def receipt_close(receipt_id: int):
    """Close on the button, or on a second scan of CLOSE or the reference; Enter alone goes back to receiving."""
    form = request.form
    if "scan" in form and not form.get("confirm"):
        receipt = receipts.get_receipt(receipt_id)
        if not form["scan"].strip():
            response = answer("receiving/hh/receive.html", **_receive_screen(receipt, ReceiveState()))
            response.headers["HX-Push-Url"] = url_for("receiving_hh.receipt", receipt_id=receipt.id)
            return response
        if not _closes(receipt, form["scan"]):
            code, reference = form["scan"].strip()[:40], _reference(receipt)
            error = DomainError(
                _l("%(code)s does not close this receipt: scan CLOSE or %(reference)s again, or press Enter to "
                   "go back to receiving.", code=code, reference=reference) if reference else
                _l("%(code)s does not close this receipt: scan CLOSE again, or press Enter to go back to "
                   "receiving.", code=code))
            return refused("receiving/hh/close.html", error, lambda: dict(
                receipt=receipts.get_receipt(receipt_id), lines=_progress(receipts.get_receipt(receipt_id))))
    try:
        done = receipts.close_receipt(receipt_id, user_id=current_user.id,
                                      scan_id=request.form.get("scan_id") or None)
    except DomainError as exc:
        return refused("receiving/hh/close.html", exc, lambda: dict(
            receipt=receipts.get_receipt(receipt_id), lines=_progress(receipts.get_receipt(receipt_id))))
    db.session.expire_all()
    receipt = receipts.get_receipt(receipt_id)
    return answer("receiving/hh/closed.html", receipt=receipt, lines=_progress(receipt), done=done)


def _reference(receipt: Receipt) -> str | None:
    """What names the receipt on the delivery note: the ASN's reference, or the blind receipt's own."""
    return receipt.asn.reference if receipt.asn else receipt.reference


@bp.context_processor
def _words():
    return words.helpers()
