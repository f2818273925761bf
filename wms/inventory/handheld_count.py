"""The handheld's blind count: open a location's count, scan what is there, finish."""
from dataclasses import dataclass, field, replace

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import numbers
from ..catalog.models import Lot, Product
from ..errors import DomainError
from ..extensions import db
from ..formatting import lazy_number
from ..sql import rows_by_id
from ..views_common import StaleScreen, answer, form_number, form_rows, refused, typed_quantity
from . import lookup
from .counts import open_count, submit_count
from .handheld import MAX_UNITS, bp, plate
from .models import CountStatus, CountTask, Lpn

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
    parts = [numbers.whole(part) for part in text.split(".")]
    if len(parts) != 3 or None in parts:
        raise StaleScreen()
    product_id, lot_id, lpn_id = parts
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
        """The tally with its products, lots and plates: one statement for each kind, however many lines (and
        none once they are in the session: the screen asks for the lines more than once)."""
        products = rows_by_id(Product, {key[0] for key in self.tally})
        lots = rows_by_id(Lot, {key[1] for key in self.tally if key[1]})
        lpns = rows_by_id(Lpn, {key[2] for key in self.tally if key[2]})
        made = []
        for key, quantity in self.tally.items():
            product_id, lot_id, lpn_id = key
            product = products.get(product_id)
            lot = lots.get(lot_id) if lot_id else None
            lpn = lpns.get(lpn_id) if lpn_id else None
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
            raise DomainError(_l("Type a whole number of units from %(min)s to %(max)s.", min=0,
                                 max=lazy_number(MAX_UNITS)))
        return replace(self, tally=tally, last=key, wanted=None, wanted_units=0, mode="scan")


def _count_state(form) -> CountState:
    tally: dict[Key, int] = {}
    for part in filter(None, (form.get("tally") or "").split(",")):
        key_text, _sep, quantity = part.partition("=")
        units = numbers.whole(quantity, most=MAX_UNITS)
        if units is None:
            raise StaleScreen()
        tally[_key_from(key_text)] = units
    last = _key_from(form["last"]) if form.get("last") else None
    mode = form.get("mode") or "scan"
    if mode not in ("scan", "quantity") or (last is not None and last not in tally) or \
            (mode == "quantity" and last is None):
        raise StaleScreen()
    rows = form_rows(form, task=(CountTask, "task_id"), lpn=(Lpn, "lpn_id"), wanted=(Product, "wanted_id"))
    return CountState(**rows, tally=tally, last=last, wanted_units=form_number(form, "wanted_units") or 0, mode=mode)


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
    return CountState(task=open_count(found.location.id, user_id=current_user.id))


def _first_task(raw: str) -> int | None:
    """Enter alone takes the first count of the list."""
    if raw.strip():
        return None
    tasks = _open_tasks()
    if not tasks:
        raise DomainError(_l("No count is waiting: scan the location to count."))
    return tasks[0].id


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


FINISH = "FINISH"  # the command card's code; scanning the counted location again does the same


def _finishes(state: CountState, raw: str) -> bool:
    """A scan that ends the count: FINISH, or the location being counted scanned again."""
    code = raw.strip().upper()
    return state.step == "scan" and code in (FINISH, state.task.location.code)


def _count_scan(state: CountState, raw: str) -> CountState:
    if not raw.strip():
        raise DomainError(_l("Scan the next item, or scan %(code)s again (or FINISH) to finish the count.",
                             code=state.task.location.code))
    try:
        found = lookup.identify(raw)
    except lookup.UnknownScan:
        # a number typed that is no barcode: how many of the last item there are in all
        if state.last is None or numbers.whole(raw, most=MAX_UNITS) is None:
            raise
        return _count_quantity(state, raw)
    found = lookup.expect(plate(found), "product", "lpn")
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
    if not raw.strip():  # Enter alone: back to scanning, the count as it was
        return replace(state, mode="scan")
    quantity = typed_quantity(raw, most=MAX_UNITS, least=0)
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
        if state.task is not None and (action == "finish" or action == "scan" and _finishes(state, raw)):
            # Before any check of the task: a resent Finish must get its first answer back.
            done = submit_count(state.task.id, dict(state.tally), user_id=current_user.id,
                                         scan_id=form.get("scan_id") or None)
            return answer("inventory/hh/count.html", done=done, **_count_screen(CountState()))
        if state.task is not None and state.task.status != CountStatus.OPEN:
            raise StaleScreen(_l("This count was already submitted."))
        if action == "type_quantity" and state.last is not None:
            new = replace(state, mode="quantity")
        elif action == "back":
            new = replace(state, mode="scan", wanted=None, wanted_units=0)
        elif state.step == "start":
            new = _count_open(raw, form_number(form, "take_task") or _first_task(raw))
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
