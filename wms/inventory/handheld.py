"""The worker's stock screens on the handheld: what's here, move, blind count.

Each screen is one URL. GET shows its first step; POST takes one scan together with the state of the screen,
carried in hidden fields, and answers the next step. A scan that cannot be used answers the same step again with
the message, status 422 and the bad sound: the state it came with is untouched, so nothing changes. Each step
is a pure function of (state, scan), which makes a resent request harmless; the steps that change stock call a
service with the request's scan_id, and the service applies that id once.
"""
from dataclasses import dataclass, field, replace
from datetime import date

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import clock
from ..access import blueprint_role
from ..auth.models import Role
from ..catalog.models import Lot, Product
from ..errors import DomainError
from ..extensions import db
from ..locations.models import Location
from ..views_common import StaleScreen, answer, form_number, refused
from . import lookup, services
from .models import CountStatus, CountTask, Lpn, StockItem

bp = blueprint_role(Blueprint("inventory_hh", __name__, url_prefix="/hh/stock"), Role.WORKER)

MAX_UNITS = 1_000_000


def _load(model, form, name: str):
    """The row a hidden field names, or None when the field is empty."""
    row_id = form_number(form, name)
    if row_id is None:
        return None
    row = db.session.get(model, row_id)
    if row is None:
        raise StaleScreen()
    return row


def _plate(found: lookup.Identified) -> lookup.Identified:
    """A known pallet's SSCC stands for its LPN."""
    if found.kind == "sscc":
        if found.lpn is None:
            raise DomainError(_l("Pallet %(sscc)s is not known here.", sscc=found.sscc))
        found.kind = "lpn"
    return found


def _quantity_typed(text: str, *, zero: bool = False) -> int | None:
    """A typed whole number of units, or None when the text is not a short number (it may be a barcode)."""
    text = text.strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 7):
        return None
    value = int(text)
    if value > MAX_UNITS or (value == 0 and not zero):
        raise DomainError(_l("Type a whole number of units from %(min)s to %(max)s.", min=0 if zero else 1,
                             max=MAX_UNITS))
    return value


# --- what lies where (read only) ---------------------------------------------------------------------------


def _fefo(item: StockItem) -> tuple:
    lot = item.lot
    return ((lot.expires_on or date.max) if lot else date.max, lot.code if lot else "", item.location.code,
            item.lpn.code if item.lpn else "")


def _items(*criteria) -> list[StockItem]:
    rows = db.session.scalars(
        select(StockItem).where(StockItem.quantity > 0, *criteria)
        .options(joinedload(StockItem.product), joinedload(StockItem.lot), joinedload(StockItem.location),
                 joinedload(StockItem.lpn))
    ).all()
    return sorted(rows, key=lambda i: (i.product.sku, *_fefo(i)))


def _by_fefo(items: list[StockItem]) -> list[StockItem]:
    return sorted(items, key=_fefo)


def _loose(location: Location, product: Product) -> list[StockItem]:
    """The product's stock lying loose in the location (not on a plate), FEFO first."""
    return _by_fefo(_items(StockItem.location_id == location.id, StockItem.product_id == product.id,
                           StockItem.lpn_id.is_(None)))


# --- 1. What's here? ---------------------------------------------------------------------------------------


@dataclass
class Shown:
    """What the screen shows: kind (location, product, lot, lpn) and the row, with its stock."""

    kind: str
    thing: object
    items: list[StockItem]

    @property
    def ref(self) -> str:
        return f"{self.kind}:{self.thing.id}"

    @property
    def total(self) -> int:
        return sum(i.quantity for i in self.items)

    @property
    def reserved(self) -> int:
        return sum(i.reserved for i in self.items)


def _show(kind: str, thing) -> Shown:
    if kind == "location":
        items = _items(StockItem.location_id == thing.id)
    elif kind == "product":
        items = _by_fefo(_items(StockItem.product_id == thing.id))
    elif kind == "lot":
        items = _items(StockItem.lot_id == thing.id)
    else:
        items = _items(StockItem.lpn_id == thing.id)
    return Shown(kind, thing, items)


def _shown_from_scan(raw: str) -> Shown:
    found = lookup.expect(_plate(lookup.identify(raw)), "location", "product", "lpn")
    if found.kind == "location":
        return _show("location", found.location)
    if found.kind == "lpn":
        return _show("lpn", found.lpn)
    if found.lot_code and found.product.lot_tracked:
        if found.lot is None:
            raise DomainError(_l("Lot %(lot)s of %(sku)s is not known here: set the item aside and call your "
                                 "supervisor.", lot=found.lot_code, sku=found.product.sku))
        return _show("lot", found.lot)
    return _show("product", found.product)


def _shown_from_ref(ref: str) -> Shown | None:
    """The result the screen showed before (so an error leaves it in place), from its hidden reference."""
    models = {"location": Location, "product": Product, "lot": Lot, "lpn": Lpn}
    kind, _sep, row_id = (ref or "").partition(":")
    if kind not in models or not row_id.isdigit():
        return None
    thing = db.session.get(models[kind], int(row_id))
    return _show(kind, thing) if thing is not None else None


@bp.get("/here")
def here():
    return render_template("inventory/hh/here.html", shown=None, today=clock.today())


@bp.post("/here")
def here_scan():
    try:
        shown = _shown_from_scan(request.form.get("scan", ""))
    except DomainError as exc:
        return refused("inventory/hh/here.html", exc, lambda: dict(
            shown=_shown_from_ref(request.form.get("shown")), today=clock.today()))
    return answer("inventory/hh/here.html", shown=shown, today=clock.today())


# --- 2. Move -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MoveState:
    """What the worker has chosen so far. The step follows from it: from → what → (lot) → quantity → to,
    or from (an LPN) → to."""

    source: Location | None = None
    lpn: Lpn | None = None
    product: Product | None = None
    lot: Lot | None = None
    quantity: int | None = None
    suggested: int | None = None  # units of the case scanned as the product

    @property
    def step(self) -> str:
        if self.lpn is not None:
            return "lpn_to"
        if self.source is None:
            return "from"
        if self.product is None:
            return "what"
        if self.product.lot_tracked and self.lot is None:
            return "lot"
        if self.quantity is None:
            return "quantity"
        return "to"

    def hidden(self) -> dict:
        values = {"from_id": self.source, "lpn_id": self.lpn, "product_id": self.product, "lot_id": self.lot}
        fields = {name: row.id if row is not None else "" for name, row in values.items()}
        fields.update(quantity=self.quantity or "", suggested=self.suggested or "")
        return fields

    def item(self) -> StockItem | None:
        """The loose stock item the move takes from, once product and lot are known."""
        for item in _loose(self.source, self.product):
            if item.lot_id == (self.lot.id if self.lot else None):
                return item
        return None

    def default_quantity(self) -> int:
        item = self.item()
        free = item.available if item else 0
        return min(self.suggested, free) if self.suggested else free

    def lots_here(self) -> list[StockItem]:
        return [i for i in _loose(self.source, self.product) if i.lot is not None]

    def lpn_items(self) -> list[StockItem]:
        return _items(StockItem.lpn_id == self.lpn.id)


def _move_state(form) -> MoveState:
    return MoveState(
        source=_load(Location, form, "from_id"), lpn=_load(Lpn, form, "lpn_id"),
        product=_load(Product, form, "product_id"), lot=_load(Lot, form, "lot_id"),
        quantity=form_number(form, "quantity"), suggested=form_number(form, "suggested"),
    )


def _lot_text(lot: Lot | str | None) -> str:
    """' lot L123', to follow a SKU in a message; '' without a lot."""
    code = lot.code if isinstance(lot, Lot) else lot
    return " " + str(_l("lot %(code)s", code=code)) if code else ""


def _with_item(state: MoveState) -> MoveState:
    """Once the product (and its lot) is chosen, there must be free units of it to move."""
    item = state.item()
    if item is None:
        raise DomainError(_l("%(sku)s%(lot)s is not in %(code)s.", sku=state.product.sku,
                             lot=_lot_text(state.lot), code=state.source.code))
    if item.available <= 0:
        raise DomainError(_l("All %(qty)s of %(sku)s%(lot)s at %(code)s are reserved for orders: leave them "
                             "for picking.", qty=item.quantity, sku=state.product.sku, lot=_lot_text(state.lot),
                             code=state.source.code))
    return state


def _move_from(state: MoveState, raw: str) -> MoveState:
    found = lookup.expect(_plate(lookup.identify(raw)), "location", "lpn")
    if found.kind == "lpn":
        if not _items(StockItem.lpn_id == found.lpn.id):
            raise DomainError(_l("LPN %(code)s is empty.", code=found.lpn.code))
        return MoveState(lpn=found.lpn)
    if not _items(StockItem.location_id == found.location.id):
        raise DomainError(_l("%(code)s is empty: scan the location you take from.", code=found.location.code))
    return MoveState(source=found.location)


def _move_what(state: MoveState, raw: str) -> MoveState:
    found = lookup.expect(lookup.identify(raw), "product")
    product = found.product
    loose = _loose(state.source, product)
    if not loose:
        plates = _items(StockItem.location_id == state.source.id, StockItem.product_id == product.id)
        if plates:
            raise DomainError(_l("%(sku)s at %(code)s is on LPN %(lpn)s: scan the LPN to move it whole.",
                                 sku=product.sku, code=state.source.code, lpn=plates[0].lpn.code))
        raise DomainError(_l("%(sku)s is not in %(code)s.", sku=product.sku, code=state.source.code))
    suggested = found.quantity if found.quantity > 1 else None
    chosen = replace(state, product=product, suggested=suggested)
    if not product.lot_tracked:
        return _with_item(chosen)
    if found.lot_code:
        lot = next((i.lot for i in loose if i.lot and i.lot.code == found.lot_code), None)
        if lot is None:
            raise DomainError(_l("%(sku)s%(lot)s is not in %(code)s.", sku=product.sku,
                                 lot=_lot_text(found.lot_code), code=state.source.code))
        return _with_item(replace(chosen, lot=lot))
    lots = {i.lot_id: i.lot for i in loose if i.lot}
    if len(lots) == 1:
        return _with_item(replace(chosen, lot=next(iter(lots.values()))))
    return chosen  # several lots here: the next step asks which


def _move_lot(state: MoveState, raw: str, picked: int | None) -> MoveState:
    lots = {i.lot.id: i.lot for i in state.lots_here()}
    if picked is not None:
        if picked not in lots:
            raise StaleScreen()
        return _with_item(replace(state, lot=lots[picked]))
    text = raw.strip()
    by_code = {lot.code.upper(): lot for lot in lots.values()}
    if text.upper() in by_code:
        return _with_item(replace(state, lot=by_code[text.upper()]))
    try:
        found = lookup.expect(lookup.identify(text), "product")
    except lookup.UnknownScan:  # a typed lot code that is not here
        raise DomainError(_l("%(sku)s%(lot)s is not in %(code)s.", sku=state.product.sku,
                             lot=_lot_text(text[:20]), code=state.source.code)) from None
    if found.product.id != state.product.id:
        raise DomainError(_l("That was %(got)s, not %(sku)s: scan the lot of %(sku)s.", got=found.product.sku,
                             sku=state.product.sku))
    if not found.lot_code:
        raise DomainError(_l("This barcode has no lot: scan the code with the lot, type the lot or choose it "
                             "below."))
    if found.lot_code.upper() not in by_code:
        raise DomainError(_l("%(sku)s%(lot)s is not in %(code)s.", sku=state.product.sku,
                             lot=_lot_text(found.lot_code), code=state.source.code))
    return _with_item(replace(state, lot=by_code[found.lot_code.upper()]))


def _move_quantity(state: MoveState, raw: str) -> MoveState:
    text = raw.strip()
    if not text:
        quantity = state.default_quantity()
    else:
        quantity = _quantity_typed(text)
        if quantity is None:  # a scan: the case (or GS1 count) says how many
            found = lookup.expect(lookup.identify(text), "product")
            if found.product.id != state.product.id:
                raise DomainError(_l("That was %(got)s, not %(sku)s: type the quantity or scan %(sku)s.",
                                     got=found.product.sku, sku=state.product.sku))
            if state.lot and found.lot_code and found.lot_code != state.lot.code:
                raise DomainError(_l("That is lot %(got)s, not %(lot)s.", got=found.lot_code, lot=state.lot.code))
            quantity = found.quantity
    item = state.item()
    free = item.available if item else 0
    if quantity > free:
        raise DomainError(_l("Only %(free)s of %(sku)s%(lot)s at %(code)s are free, not %(qty)s: type "
                             "%(free)s or less.", free=free, sku=state.product.sku, lot=_lot_text(state.lot),
                             code=state.source.code, qty=quantity))
    return replace(state, quantity=quantity)


def _move_to(state: MoveState, raw: str, scan_id: str | None) -> dict:
    """The last scan: the service checks everything again (stock, lot, destination) and applies it once."""
    found = lookup.expect(lookup.identify(raw), "location")
    if state.lpn is not None:
        return services.move_lpn(lpn_id=state.lpn.id, target_id=found.location.id, user_id=current_user.id,
                                 scan_id=scan_id)
    return services.move_stock(
        product_id=state.product.id, lot_id=state.lot.id if state.lot else None, source_id=state.source.id,
        target_id=found.location.id, quantity=state.quantity, user_id=current_user.id, scan_id=scan_id,
    )


@bp.get("/move")
def move():
    return render_template("inventory/hh/move.html", state=MoveState(), today=clock.today())


@bp.post("/move")
def move_scan():
    form = request.form
    try:
        state = _move_state(form)
    except StaleScreen as exc:
        return refused("inventory/hh/move.html", exc, lambda: dict(state=MoveState(), today=clock.today()))
    raw = form.get("scan", "")
    try:
        step = state.step
        if step == "from":
            new = _move_from(state, raw)
        elif step == "what":
            new = _move_what(state, raw)
        elif step == "lot":
            new = _move_lot(state, raw, form_number(form, "pick_lot"))
        elif step == "quantity":
            new = _move_quantity(state, raw)
        else:
            done = _move_to(state, raw, form.get("scan_id") or None)
            return answer("inventory/hh/move.html", state=MoveState(), done=done, today=clock.today())
    except StaleScreen as exc:
        return refused("inventory/hh/move.html", exc, lambda: dict(state=MoveState(), today=clock.today()))
    except DomainError as exc:
        return refused("inventory/hh/move.html", exc, lambda: dict(state=state, today=clock.today()))
    return answer("inventory/hh/move.html", state=new, today=clock.today())


# --- 3. Blind count ----------------------------------------------------------------------------------------
#
# The tally lives in hidden fields of the form, not in a server-side draft. Each scan then answers a pure
# function of (tally, scan): a request the network resends, or an Enter pressed twice, gives the same tally
# again instead of counting one unit twice, which a draft updated in place would need its own scan-id
# bookkeeping to avoid. It needs no new table either, and a bin's tally is a few short lines. What it costs: a
# screen closed mid-count loses its tally; the count task stays open, so the worker scans the bin and counts
# again, which a blind count asks for anyway.

Key = tuple[int, int | None, int | None]  # product, lot, LPN: what submit_count takes


def _key_text(key: Key) -> str:
    return ".".join(str(part or 0) for part in key)


def _key_from(text: str) -> Key:
    parts = text.split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise StaleScreen()
    product_id, lot_id, lpn_id = (int(p) for p in parts)
    return product_id, lot_id or None, lpn_id or None


@dataclass
class Line:
    key: Key
    quantity: int
    product: Product
    lot: Lot | None
    lpn: Lpn | None


@dataclass(frozen=True)
class CountState:
    task: CountTask | None = None
    tally: dict[Key, int] = field(default_factory=dict)  # in the order first scanned
    last: Key | None = None
    lpn: Lpn | None = None  # the plate being counted, if any
    wanted: Product | None = None  # a lot-tracked product scanned without its lot
    wanted_units: int = 0
    mode: str = "scan"  # or "quantity": the next number is the total of the last line

    @property
    def step(self) -> str:
        if self.task is None:
            return "start"
        if self.wanted is not None:
            return "lot"
        return self.mode

    def hidden(self) -> dict:
        return {
            "task_id": self.task.id if self.task else "",
            "tally": ",".join(f"{_key_text(k)}={q}" for k, q in self.tally.items()),
            "last": _key_text(self.last) if self.last else "",
            "lpn_id": self.lpn.id if self.lpn else "",
            "wanted_id": self.wanted.id if self.wanted else "",
            "wanted_units": self.wanted_units or "",
            "mode": self.mode,
        }

    def lines(self) -> list[Line]:
        made = []
        for key, quantity in self.tally.items():
            product_id, lot_id, lpn_id = key
            product = db.session.get(Product, product_id)
            lot = db.session.get(Lot, lot_id) if lot_id else None
            lpn = db.session.get(Lpn, lpn_id) if lpn_id else None
            if product is None or (lot_id and lot is None) or (lpn_id and lpn is None):
                raise StaleScreen()
            made.append(Line(key, quantity, product, lot, lpn))
        return made

    def line(self, key: Key | None) -> Line | None:
        return next((line for line in self.lines() if line.key == key), None)

    def added(self, key: Key, units: int) -> "CountState":
        tally = dict(self.tally)
        tally[key] = tally.get(key, 0) + units
        if tally[key] > MAX_UNITS:
            raise DomainError(_l("Type a whole number of units from %(min)s to %(max)s.", min=0, max=MAX_UNITS))
        return replace(self, tally=tally, last=key, wanted=None, wanted_units=0, mode="scan")


def _count_state(form) -> CountState:
    tally: dict[Key, int] = {}
    for part in filter(None, (form.get("tally") or "").split(",")):
        key_text, _sep, quantity = part.partition("=")
        if not quantity.isdigit() or int(quantity) > MAX_UNITS:
            raise StaleScreen()
        tally[_key_from(key_text)] = int(quantity)
    last = _key_from(form["last"]) if form.get("last") else None
    mode = form.get("mode") or "scan"
    if mode not in ("scan", "quantity") or (last is not None and last not in tally) or \
            (mode == "quantity" and last is None):
        raise StaleScreen()
    return CountState(
        task=_load(CountTask, form, "task_id"), tally=tally, last=last, lpn=_load(Lpn, form, "lpn_id"),
        wanted=_load(Product, form, "wanted_id"), wanted_units=form_number(form, "wanted_units") or 0, mode=mode,
    )


def _open_tasks() -> list[CountTask]:
    return list(db.session.scalars(
        select(CountTask).where(CountTask.status == CountStatus.OPEN.value)
        .options(joinedload(CountTask.location)).order_by(CountTask.created_at, CountTask.id).limit(20)
    ))


def _count_open(raw: str, task_id: int | None) -> CountState:
    if task_id is not None:
        task = db.session.get(CountTask, task_id)
        if task is None or task.status != CountStatus.OPEN:
            raise DomainError(_l("This count was already taken and submitted: choose another one."))
        return CountState(task=task)
    found = lookup.expect(lookup.identify(raw), "location")
    return CountState(task=services.open_count(found.location.id, user_id=current_user.id))


def _count_product(state: CountState, found: lookup.Identified) -> CountState:
    product = found.product
    if not product.lot_tracked:
        return state.added((product.id, None, state.lpn.id if state.lpn else None), found.quantity)
    if not found.lot_code:
        return replace(state, wanted=product, wanted_units=found.quantity, mode="scan")
    if found.lot is None:
        raise DomainError(_l("Lot %(lot)s of %(sku)s is not known here: set the item aside and call your "
                             "supervisor.", lot=found.lot_code, sku=product.sku))
    return state.added((product.id, found.lot.id, state.lpn.id if state.lpn else None), found.quantity)


def _count_scan(state: CountState, raw: str) -> CountState:
    found = lookup.expect(_plate(lookup.identify(raw)), "product", "lpn")
    if found.kind == "lpn":
        return replace(state, lpn=found.lpn, mode="scan")
    return _count_product(state, found)


def _count_lot(state: CountState, raw: str) -> CountState:
    product = state.wanted
    text = raw.strip()
    lot = db.session.scalar(select(Lot).where(Lot.product_id == product.id, Lot.code.in_({text, text.upper()})))
    if lot is not None:
        return state.added((product.id, lot.id, state.lpn.id if state.lpn else None), state.wanted_units or 1)
    try:
        found = lookup.expect(lookup.identify(text), "product")
    except lookup.UnknownScan:  # a typed lot code the catalogue does not know
        raise DomainError(_l("Lot %(lot)s of %(sku)s is not known here: set the item aside and call your "
                             "supervisor.", lot=text[:20], sku=product.sku)) from None
    if found.product.id != product.id:
        raise DomainError(_l("That was %(got)s, not %(sku)s: scan the lot of %(sku)s.", got=found.product.sku,
                             sku=product.sku))
    if not found.lot_code:
        raise DomainError(_l("This barcode has no lot: scan the code with the lot or type the lot."))
    if found.lot is None:
        raise DomainError(_l("Lot %(lot)s of %(sku)s is not known here: set the item aside and call your "
                             "supervisor.", lot=found.lot_code, sku=product.sku))
    # The lot names the item scanned before; it is not one more unit.
    return state.added((product.id, found.lot.id, state.lpn.id if state.lpn else None), state.wanted_units or 1)


def _count_quantity(state: CountState, raw: str) -> CountState:
    quantity = _quantity_typed(raw, zero=True)
    if quantity is None:
        raise DomainError(_l("Type a whole number of units from %(min)s to %(max)s.", min=0, max=MAX_UNITS))
    tally = dict(state.tally)
    if quantity:
        tally[state.last] = quantity
        last = state.last
    else:  # 0 takes a wrong scan back out of the count
        tally.pop(state.last, None)
        last = next(reversed(tally), None)
    return replace(state, tally=tally, last=last, mode="scan")


def _count_screen(state: CountState, **context) -> dict:
    return dict(state=state, lines=state.lines() if state.task else [], tasks=_open_tasks(), **context)


@bp.get("/count")
def count():
    return render_template("inventory/hh/count.html", **_count_screen(CountState()))


@bp.post("/count")
def count_scan():
    form = request.form
    action = form.get("action") or "scan"
    try:
        state = _count_state(form)
        state.lines()
    except StaleScreen as exc:
        return refused("inventory/hh/count.html", exc, lambda: _count_screen(CountState()))
    raw = form.get("scan", "")
    try:
        if action == "finish" and state.task is not None:
            # Before any check of the task: a resent Finish must get its first answer back.
            done = services.submit_count(state.task.id, dict(state.tally), user_id=current_user.id,
                                         scan_id=form.get("scan_id") or None)
            return answer("inventory/hh/count.html", done=done, **_count_screen(CountState()))
        if state.task is not None and state.task.status != CountStatus.OPEN:
            raise StaleScreen(_l("This count was already submitted."))
        if action == "type_quantity" and state.last is not None:
            new = replace(state, mode="quantity")
        elif action == "back":
            new = replace(state, mode="scan", wanted=None, wanted_units=0)
        elif state.step == "start":
            new = _count_open(raw, form_number(form, "take_task"))
        elif state.step == "lot":
            new = _count_lot(state, raw)
        elif state.step == "quantity":
            new = _count_quantity(state, raw)
        else:
            new = _count_scan(state, raw)
    except StaleScreen as exc:
        return refused("inventory/hh/count.html", exc, lambda: _count_screen(CountState()))
    except DomainError as exc:
        # A count submitted meanwhile (a second Finish with a new scan id) goes back to the start.
        return refused("inventory/hh/count.html", exc, lambda: _count_screen(
            state if state.task is None or state.task.status == CountStatus.OPEN else CountState()))
    return answer("inventory/hh/count.html", **_count_screen(new))
