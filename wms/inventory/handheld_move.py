"""The handheld's move screen: from → what → (lot) → quantity → to, or a whole LPN → to."""
import re
from dataclasses import dataclass, field, replace

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import clock
from ..catalog.models import Lot, Product
from ..errors import DomainError
from ..formatting import lazy_number
from ..locations.models import Location
from ..views_common import StaleScreen, answer, form_number, form_rows, refused, typed_quantity
from . import lookup
from .handheld import MAX_UNITS, bp, has_stock, loose_items, plate, stock_items
from .ledger import move_stock
from .lpns import move_lpn
from .models import Lpn, StockItem

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
    # what was read for this state (the loose stock of product at source), so one request reads it once
    read: dict = field(default_factory=dict, init=False, compare=False, repr=False)

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

    def loose(self) -> list[StockItem]:
        """The product's stock lying loose at the source, FEFO first: read once for this state."""
        if "loose" not in self.read:
            self.read["loose"] = loose_items(self.source, self.product)
        return self.read["loose"]

    def but(self, **changes) -> "MoveState":
        """This state with `changes`; what was read stays known while source and product stay the same."""
        new = replace(self, **changes)
        if new.source is self.source and new.product is self.product:
            new.read.update(self.read)
        return new

    def item(self) -> StockItem | None:
        """The loose stock item the move takes from, once product and lot are known."""
        for item in self.loose():
            if item.lot_id == (self.lot.id if self.lot else None):
                return item
        return None

    def default_quantity(self) -> int:
        item = self.item()
        free = item.available if item else 0
        return min(self.suggested, free) if self.suggested else free

    def lots_here(self) -> list[StockItem]:
        return [i for i in self.loose() if i.lot is not None]

    def lpn_items(self) -> list[StockItem]:
        return stock_items(StockItem.lpn_id == self.lpn.id)


def _move_state(form) -> MoveState:
    rows = form_rows(form, source=(Location, "from_id"), lpn=(Lpn, "lpn_id"), product=(Product, "product_id"),
                     lot=(Lot, "lot_id"))
    return MoveState(**rows, quantity=form_number(form, "quantity"), suggested=form_number(form, "suggested"))


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
                             "for picking.", qty=lazy_number(item.quantity), sku=state.product.sku, lot=_lot_text(state.lot),
                             code=state.source.code))
    return state


def _move_from(state: MoveState, raw: str) -> MoveState:
    found = lookup.expect(plate(lookup.identify(raw)), "location", "lpn")
    if found.kind == "lpn":
        if not has_stock(StockItem.lpn_id == found.lpn.id):
            raise DomainError(_l("LPN %(code)s is empty.", code=found.lpn.code))
        return MoveState(lpn=found.lpn)
    if not has_stock(StockItem.location_id == found.location.id):
        raise DomainError(_l("%(code)s is empty: scan the location you take from.", code=found.location.code))
    return MoveState(source=found.location)


def _move_what(state: MoveState, raw: str) -> MoveState:
    found = lookup.expect(lookup.identify(raw), "product")
    product = found.product
    chosen = state.but(product=product, suggested=found.quantity if found.quantity > 1 else None)
    loose = chosen.loose()
    if not loose:
        # On a plate only — read as such: between the two reads another handheld may have brought a loose unit
        # back (each statement sees what was committed before it).
        plates = stock_items(StockItem.location_id == state.source.id, StockItem.product_id == product.id,
                             StockItem.lpn_id.is_not(None))
        if plates:
            raise DomainError(_l("%(sku)s at %(code)s is on LPN %(lpn)s: scan the LPN to move it whole.",
                                 sku=product.sku, code=state.source.code, lpn=plates[0].lpn.code))
        raise DomainError(_l("%(sku)s is not in %(code)s.", sku=product.sku, code=state.source.code))
    if not product.lot_tracked:
        return _with_item(chosen)
    if found.lot_code:
        lot = next((i.lot for i in loose if i.lot and i.lot.code == found.lot_code), None)
        if lot is None:
            raise DomainError(_l("%(sku)s%(lot)s is not in %(code)s.", sku=product.sku,
                                 lot=_lot_text(found.lot_code), code=state.source.code))
        return _with_item(chosen.but(lot=lot))
    lots = {i.lot_id: i.lot for i in loose if i.lot}
    if len(lots) == 1:
        return _with_item(chosen.but(lot=next(iter(lots.values()))))
    return chosen  # several lots here: the next step asks which


def _move_lot(state: MoveState, raw: str, picked: int | None) -> MoveState:
    lots = {i.lot.id: i.lot for i in state.lots_here()}
    if picked is not None:
        if picked not in lots:
            raise StaleScreen()
        return _with_item(state.but(lot=lots[picked]))
    text = raw.strip()
    by_code = {lot.code.upper(): lot for lot in lots.values()}
    if text.upper() in by_code:
        return _with_item(state.but(lot=by_code[text.upper()]))
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
    return _with_item(state.but(lot=by_code[found.lot_code.upper()]))


_TYPED_NUMBER = re.compile(r"[+-]?\d{1,7}([.,]\d{0,7})?|[+-]?[.,]\d{1,7}")


def _typed_number(text: str) -> bool:
    return text.isascii() and _TYPED_NUMBER.fullmatch(text) is not None


def _move_quantity(state: MoveState, raw: str) -> MoveState:
    text = raw.strip()
    if not text:
        quantity = state.default_quantity()
    else:
        if _typed_number(text):  # typed (even "-5" or "2,5": said to be no quantity); a long code is a barcode
            quantity = typed_quantity(text, most=MAX_UNITS)
        else:  # a scan: the case (or GS1 count) says how many
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
                             "%(free)s or less.", free=lazy_number(free), sku=state.product.sku,
                             lot=_lot_text(state.lot), code=state.source.code, qty=lazy_number(quantity)))
    return state.but(quantity=quantity)


def _move_to(state: MoveState, raw: str, scan_id: str | None) -> dict:
    """The last scan: the service checks everything again (stock, lot, destination) and applies it once."""
    found = lookup.expect(lookup.identify(raw), "location")
    if state.lpn is not None:
        return move_lpn(lpn_id=state.lpn.id, target_id=found.location.id, user_id=current_user.id,
                                 scan_id=scan_id)
    return move_stock(
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
