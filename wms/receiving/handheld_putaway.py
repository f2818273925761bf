"""Put-away on the handheld: scan the plate (or a product) at the dock; the screen says where to take it; scan
the destination. A different destination needs a reason.
"""
from dataclasses import dataclass, replace

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import clock, idempotency, numbers
from ..errors import DomainError
from ..extensions import db
from ..inventory import lookup
from ..inventory.models import Lpn, StockItem
from ..locations.models import Location
from ..views_common import StaleScreen, answer, form_number, form_row, refused, typed_quantity
from . import queries
from .handheld import MAX_UNITS, bp
from .putaway import (
    OVERRIDE_REASONS,
    PutawayPlan,
    inbound_items,
    plan_for_item,
    plan_for_lpn,
    put_away,
    scan_action,
)


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

    def plan(self) -> PutawayPlan:
        """Where the goods should go: worked out once per state (a scan checks it, then the screen shows it)."""
        plan = self.__dict__.get("_plan")
        if plan is None:
            plan = plan_for_lpn(self.lpn) if self.lpn is not None else plan_for_item(self.item, self.quantity)
            object.__setattr__(self, "_plan", plan)
        return plan

    def aimed_at(self, target: Location) -> "PutawayState":
        """The same goods, scanned to another place than the suggested one: the plan is theirs still."""
        state = replace(self, target=target)
        if "_plan" in self.__dict__:
            object.__setattr__(state, "_plan", self.__dict__["_plan"])
        return state

    def items(self) -> list[StockItem]:
        """The stock items to choose from, with what the screen names of each, in one statement."""
        if not self.choices:
            return []
        found = {item.id: item for item in db.session.scalars(
            select(StockItem).where(StockItem.id.in_(self.choices))
            .options(joinedload(StockItem.product), joinedload(StockItem.lot), joinedload(StockItem.location),
                     joinedload(StockItem.lpn)))}
        return [found[i] for i in self.choices if i in found]


def _putaway_state(form) -> PutawayState:
    choices = (numbers.whole(c) for c in (form.get("choices") or "").split(","))
    return PutawayState(lpn=_row(Lpn, form, "lpn_id", joinedload(Lpn.location).joinedload(Location.warehouse)),
                        item=_row(StockItem, form, "item_id", *ITEM_SHOWN),
                        quantity=form_number(form, "quantity"), target=form_row(Location, form, "target_id"),
                        choices=tuple(c for c in choices if c is not None))


# A stock item with what the screen names and the move reads (product, lot, place, plate), in one statement; a
# plate with its place. The place's warehouse too: the plan starts from it.
ITEM_SHOWN = (joinedload(StockItem.product), joinedload(StockItem.lot),
              joinedload(StockItem.location).joinedload(Location.warehouse), joinedload(StockItem.lpn))


def _row(model, form, name: str, *options):
    """`form_row` with the row's related rows read in the same statement."""
    row_id = form_number(form, name)
    if row_id is None:
        return None
    row = db.session.get(model, row_id, options=options)
    if row is None:
        raise StaleScreen()
    return row


def _putaway_screen(state: PutawayState, **context) -> dict:
    plan = None
    if state.step in ("to", "reason"):
        plan = state.plan()
    return dict(state=state, plan=plan, plates=queries.waiting_plates() if state.step == "what" else [],
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
    items = inbound_items(found.product, found.lot_code)
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
        return refused(template, exc, lambda: _putaway_screen(PutawayState()))
    raw = form.get("scan", "")
    try:
        step = state.step
        if numbers.whole(form.get("pick_lpn")) is not None:
            state = PutawayState(lpn=form_row(Lpn, form, "pick_lpn"))
            state.plan()
        elif step == "choose" or form.get("pick_item"):
            item = form_row(StockItem, form, "pick_item")
            if item is None or item.id not in state.choices:
                raise StaleScreen()
            state = PutawayState(item=item)
        elif step == "what":
            state = _what(raw)
        elif step == "quantity":
            quantity = typed_quantity(raw, most=MAX_UNITS) if raw.strip() else state.item.available
            state = replace(state, quantity=quantity)
            state.plan()  # refuses more than is free; the screen shows this very plan
        elif (earlier := _earlier(state, form.get("scan_id"))) is not None:
            # a resend of the scan that put the goods away: its answer, before any plan (the goods have moved)
            return _done(earlier, other_place=state.target is not None and earlier.get("target") == state.target.code)
        elif step == "to" or (step == "reason" and not form.get("reason") and _is_place(raw)):
            # the destination; on the reason question a scan still counts: the suggested place (the obvious
            # answer) puts the goods there, another place is asked about in its turn
            found = lookup.expect(lookup.identify(raw), "location")
            plan = state.plan()
            if plan.suggestion is None or plan.suggestion.location_id == found.location.id:
                return _put(state, found.location, None, form.get("scan_id"))
            state = state.aimed_at(found.location)
            return answer(template, attention=True, **_putaway_screen(state))
        else:  # reason: a button, or its number typed (1 = the first reason)
            reason = form.get("reason", "") or _typed_reason(raw)
            if reason not in OVERRIDE_REASONS:
                raise DomainError(_l("Choose why the goods go to %(code)s, type the reason's number, or scan "
                                     "%(suggested)s to put them there.", code=state.target.code,
                                     suggested=state.plan().suggestion.code))
            return _put(state, state.target, reason, form.get("scan_id"))
    except StaleScreen as exc:
        return refused(template, exc, lambda: _putaway_screen(PutawayState()))
    except DomainError as exc:
        return refused(template, exc, lambda: _putaway_screen(state))
    return answer(template, **_putaway_screen(state))


def _typed_reason(raw: str) -> str:
    number = numbers.whole(raw, least=1, most=len(OVERRIDE_REASONS))
    return OVERRIDE_REASONS[number - 1] if number is not None else ""


def _is_place(raw: str) -> bool:
    """Whether a scan on the reason question is a place (not a reason's number)."""
    return bool(raw.strip()) and numbers.whole(raw, least=1, most=len(OVERRIDE_REASONS)) is None


def _earlier(state: PutawayState, scan_id: str | None) -> dict | None:
    """The answer already given to this scan id, on the steps whose scan puts the goods away."""
    if state.step not in ("to", "reason"):
        return None
    return idempotency.replay(scan_id or None, scan_action(state.lpn.id if state.lpn else None))


def _put(state: PutawayState, target: Location, reason: str | None, scan_id: str | None):
    # the plan the screen showed (worked out in this request, or now): the service does not work it out again,
    # nor read the scan id's receipt (`_earlier` found none in this transaction)
    done = put_away(target_id=target.id, user_id=current_user.id, lpn_id=state.lpn.id if state.lpn else None,
                    item_id=state.item.id if state.item else None, quantity=state.quantity, reason=reason,
                    scan_id=scan_id or None, plan=state.plan())
    return _done(done, other_place=reason is not None)


def _done(done: dict, *, other_place: bool):
    # another place than the suggested one is accepted, but it is not the normal path: the attention sound
    return answer("receiving/hh/putaway.html", attention=other_place,
                  **_putaway_screen(PutawayState(), done=done, other_place=other_place))


