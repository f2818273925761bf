"""Picking on the handheld: choose a wave, bind a tote to each order, walk the tasks in route order (scan the
location, the product with its lot, confirm the quantity, scan the tote), skip and come back, short picks, leave
the totes in staging. Replenishment of pick faces (scan from, scan to) is in `handheld_replenish`, on the same
blueprint.

As in the stock screens, each step is a pure function of (state in hidden fields, scan): a refused scan answers
the same step with the message, status 422 and the bad sound, and nothing changes. Only the last scan of a
task (the tote, or 0 found) calls a service, with the request's scan_id, so a resend is answered once.
"""
from dataclasses import dataclass, replace

from flask import Blueprint, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import or_, select

from .. import clock, idempotency, uow
from ..access import blueprint_role
from ..auth.models import Role
from ..catalog.models import Lot
from ..errors import DomainError
from ..extensions import db
from ..inventory import lookup
from ..inventory.models import Lpn, StockItem
from ..views_common import StaleScreen, answer, feedback, form_number, form_row, refused, typed_quantity
from . import picks, queries
from . import waves as picking_waves
from .models import (
    TOTE,
    PickTask,
    PickTaskStatus,
    Wave,
    WaveOrder,
    WaveStatus,
)

bp = blueprint_role(Blueprint("picking_hh", __name__, url_prefix="/hh/pick"), Role.WORKER)


def typed_or_all(text: str, most: int, *, least: int) -> int | None:
    """Enter alone is None (the whole task); otherwise a whole number from `least` to `most`."""
    if not (text or "").strip():
        return None
    return typed_quantity(text, most=most, least=least)


# --------------------------------------------------------------------------------------------- waves


def _waves_screen(**context) -> dict:
    waves = queries.active_waves(limit=30)
    return dict(waves=waves, open_tasks=queries.open_task_counts([w.id for w in waves]),
                replenishments=queries.open_replenishment_count(),
                **context)


@bp.get("/")
def waves():
    return render_template("picking/hh/waves.html", **_waves_screen())


@bp.post("/")
def choose_wave():
    code = (request.form.get("scan") or "").strip().upper()
    wave = db.session.scalar(select(Wave).where(Wave.code == code)) if code else None
    if wave is None or wave.status not in (WaveStatus.OPEN, WaveStatus.PICKING):
        error = DomainError(_l("%(code)s is not a wave waiting to be picked: scan or choose one below.",
                               code=code[:20] or "-"))
        return refused("picking/hh/waves.html", error, _waves_screen)
    response = feedback("", ok=True)
    response.headers["HX-Redirect"] = url_for("picking_hh.wave", wave_id=wave.id)
    return response


# --------------------------------------------------------------------------------------------- one wave


@dataclass(frozen=True)
class PickState:
    """Where the picker is in one task: location scanned → product (and lot) confirmed → quantity → tote."""

    task: PickTask | None = None
    at_location: bool = False
    product_ok: bool = False
    lot: Lot | None = None
    quantity: int | None = None
    scanned: int = 0  # units counted by product scans, one per scan

    @property
    def step(self) -> str:
        if not self.at_location:
            return "location"
        if not self.product_ok:
            return "product"
        if self.task.product.lot_tracked and self.lot is None:
            return "lot"
        if self.quantity is None:
            return "quantity"
        return "tote"

    @property
    def substitute(self) -> bool:
        return self.lot is not None and self.lot.id != self.task.lot_id

    def hidden(self) -> dict:
        return {"task_id": self.task.id if self.task else "", "at_location": "1" if self.at_location else "",
                "product_ok": "1" if self.product_ok else "", "lot_id": self.lot.id if self.lot else "",
                "quantity": "" if self.quantity is None else self.quantity,
                "scanned": self.scanned or ""}

    def one_more(self) -> "PickState":
        """A product scan is one unit: the last one needed makes the quantity (no Enter to press)."""
        scanned = self.scanned + 1
        if scanned >= self.task.quantity:
            return replace(self, scanned=self.task.quantity, quantity=self.task.quantity)
        return replace(self, scanned=scanned)


@dataclass
class WaveView:
    """The wave as its screen shows it, read once per request (`queries.screen_wave`): the wave with its orders
    and their totes, and its tasks' figures (all but cancelled, done). A pick changes the figures: they are read
    again with the next task (`tasks_changed`)."""

    wave: Wave
    total: int
    done: int
    tasks_changed: bool = False

    @classmethod
    def read(cls, wave_id: int, *, fresh: bool = False) -> "WaveView":
        return cls(*queries.screen_wave(wave_id, fresh=fresh))

    @property
    def waiting(self) -> list[WaveOrder]:
        """The orders still waiting for a tote, in slot order."""
        return [wo for wo in self.wave.orders if wo.tote_lpn_id is None]


def _state(form, view: WaveView) -> PickState:
    """The picker's state from the screen's hidden fields; no task named: the screen's next task (`_where`)."""
    task_id = form_number(form, "task_id")
    if task_id is None:
        return PickState()
    task = queries.screen_task(task_id)
    if task is None or task.wave_id != view.wave.id:
        raise StaleScreen()
    if task.status != PickTaskStatus.OPEN:
        raise StaleScreen(_l("That task was done meanwhile: here is the next one."))
    lot = form_row(Lot, form, "lot_id")  # the task's own lot is in the session already
    if lot is not None and lot.product_id != task.product_id:
        raise StaleScreen()
    quantity = form_number(form, "quantity")
    scanned = form_number(form, "scanned") or 0
    if quantity is not None and quantity > task.quantity or scanned > task.quantity:
        raise StaleScreen()
    return PickState(task=task, at_location=bool(form.get("at_location")), product_ok=bool(form.get("product_ok")),
                     lot=lot, quantity=quantity, scanned=scanned)


def _lots_here(task: PickTask) -> set[int | None]:
    """The lots of the task's product lying in its location (not on a tote)."""
    return set(db.session.scalars(
        select(StockItem.lot_id).outerjoin(Lpn, StockItem.lpn_id == Lpn.id)
        .where(StockItem.location_id == task.location_id, StockItem.product_id == task.product_id,
               StockItem.quantity > 0, or_(StockItem.lpn_id.is_(None), Lpn.kind != TOTE))))


def _check_lot(state: PickState, lot: Lot) -> PickState:
    """The lot the picker holds: the reserved one (not expired), or an accepted substitute."""
    task = state.task
    if lot.id == task.lot_id:
        if lot.is_expired(clock.today()):
            raise DomainError(_l("Lot %(lot)s expired on %(date)s: set it aside, call your supervisor and skip "
                                 "this task.", lot=lot.code, date=lot.expires_on.isoformat()))
        return replace(state, product_ok=True, lot=lot)
    picks.substitute_item(task, lot)
    return replace(state, product_ok=True, lot=lot)


def _scan_lot_code(state: PickState, found: lookup.Identified) -> PickState:
    task = state.task
    if found.lot is None:
        raise DomainError(_l("Lot %(lot)s of %(sku)s is not known here: set the item aside and pick lot "
                             "%(wanted)s.", lot=found.lot_code, sku=task.product.sku, wanted=task.lot.code))
    return _check_lot(state, found.lot)


def _at_location(state: PickState, raw: str) -> PickState:
    found = lookup.expect(lookup.identify(raw), "location")
    if found.location.id != state.task.location_id:
        raise DomainError(_l("Wrong location: that is %(got)s. Go to %(wanted)s.", got=found.location.code,
                             wanted=state.task.location.code))
    return replace(state, at_location=True)


def _product(state: PickState, raw: str) -> PickState:
    task = state.task
    found = lookup.expect(lookup.identify(raw), "product")
    if found.product.id != task.product_id:
        raise DomainError(_l("Wrong product: that is %(got)s. Pick %(wanted)s.", got=found.product.sku,
                             wanted=task.product.sku))
    if not task.product.lot_tracked:
        return replace(state, product_ok=True)
    if found.lot_code:
        return _scan_lot_code(state, found)
    if _lots_here(task) == {task.lot_id}:
        # Only the reserved lot lies here: the plain barcode cannot be another one.
        return _check_lot(state, task.lot)
    return replace(state, product_ok=True)  # several lots here: the next step asks which


def _lot(state: PickState, raw: str) -> PickState:
    task = state.task
    text = raw.strip()
    lot = db.session.scalar(select(Lot).where(Lot.product_id == task.product_id, Lot.code.in_({text, text.upper()})))
    if lot is not None:
        if lot.id not in _lots_here(task):
            raise DomainError(_l("Lot %(lot)s is not in %(code)s: pick lot %(wanted)s.", lot=lot.code,
                                 code=task.location.code, wanted=task.lot.code))
        return _check_lot(state, lot)
    try:
        found = lookup.expect(lookup.identify(text), "product")
    except lookup.UnknownScan:
        raise DomainError(_l("Lot %(lot)s of %(sku)s is not known here: set the item aside and pick lot "
                             "%(wanted)s.", lot=text[:20], sku=task.product.sku, wanted=task.lot.code)) from None
    if found.product.id != task.product_id:
        raise DomainError(_l("Wrong product: that is %(got)s. Pick %(wanted)s.", got=found.product.sku,
                             wanted=task.product.sku))
    if not found.lot_code:
        raise DomainError(_l("This barcode has no lot: scan the code with the lot or type the lot."))
    return _scan_lot_code(state, found)


def _confirm(view: WaveView, state: PickState, quantity: int, tote_code: str | None, scan_id: str | None) -> dict:
    """Confirm the task (the last scan of it): the wave's task figures change."""
    done = picks.confirm_pick(state.task.id, quantity=quantity, lot_id=state.lot.id if state.lot else None,
                              tote_code=tote_code, user_id=current_user.id, scan_id=scan_id)
    view.tasks_changed = True
    return done


def _where(view: WaveView, state: PickState | None = None) -> tuple[list, PickState, str]:
    """The orders still waiting for a tote, the picker's state and which screen that makes: tote, task, finish or
    done. With no open task in hand, the next one is read (with the wave's figures: a pick changed them) only when
    the screen can show one: every order has its tote and the figures leave a task open, or they changed."""
    wave = view.wave
    waiting = view.waiting
    if state is None or state.task is None or state.task.status != PickTaskStatus.OPEN:
        task = None
        changed = view.tasks_changed or (state is not None and state.task is not None)
        if changed or (wave.status != WaveStatus.DONE and not waiting and view.total > view.done):
            task, view.total, view.done = queries.next_task_and_figures(wave.id)
            view.tasks_changed = False
        state = PickState(task=task)
    return waiting, state, _screen(view, task_named=state.task is not None)


def _screen(view: WaveView, *, task_named: bool) -> str:
    """Which screen the wave shows: done, tote (an order waits for its tote), finish (no task left) or task."""
    if view.wave.status == WaveStatus.DONE:
        return "done"
    if view.waiting:
        return "tote"
    return "task" if task_named else "finish"


def _answers_location(view: WaveView, form) -> bool:
    """Whether a scan answers a task's location step, from the screen's hidden fields alone (before its task is
    read: this very scan, resent, may have made it out of date). Decided as `_where` and `PickState.step` do."""
    hidden = PickState(at_location=bool(form.get("at_location")))  # its step needs no task before the product's
    return _screen(view, task_named=bool(form.get("task_id"))) == "task" and hidden.step == "location"


def _wave_screen(view: WaveView, state: PickState | None = None, **context) -> dict:
    """Everything the wave screen shows: where the picker is, and the wave's progress."""
    waiting, state, screen = _where(view, state)
    return dict(wave=view.wave, screen=screen, waiting=waiting, state=state, total=view.total,
                done_count=view.done, today=clock.today(), **context)


def _refused_screen(wave_id: int, state: PickState | None = None):
    """The screen of a refused scan, read again after its rollback (`views_common.refused`): the rows the request
    read are expired, the state's task is read again."""
    task_id = state.task.id if state is not None and state.task is not None else None
    lot_id = state.lot.id if state is not None and state.lot is not None else None

    def context() -> dict:
        view = WaveView.read(wave_id, fresh=True)
        again = state
        if task_id is not None:
            again = replace(state, task=queries.screen_task(task_id),
                            lot=db.session.get(Lot, lot_id) if lot_id is not None else None)
        return _wave_screen(view, again)

    return context


@bp.get("/waves/<int:wave_id>")
def wave(wave_id: int):
    return render_template("picking/hh/wave.html", **_wave_screen(WaveView.read(wave_id)))


@bp.post("/waves/<int:wave_id>")
def wave_scan(wave_id: int):
    view = WaveView.read(wave_id)
    wave = view.wave
    form = request.form
    raw = form.get("scan", "")
    scan_id = form.get("scan_id") or None
    template = "picking/hh/wave.html"
    # A resent last scan (Enter twice, a retry after a lost answer) gets its first answer, before any check of
    # a screen state that this very scan made out of date.
    # A location scan calls no service: it has no first answer to give again. No receipt found: the service
    # called below does not look again (`idempotency.replay_any`).
    shown_as = {"pick.confirm": "picked", "pick.bind_tote": "bound", "pick.finish": "finished"}
    earlier = None if _answers_location(view, form) else idempotency.replay_any(scan_id, list(shown_as))
    if earlier is not None:
        action, result = earlier
        return answer(template, **_wave_screen(view, **{shown_as[action]: result}))
    try:
        state = _state(form, view)
    except StaleScreen as exc:
        return _refused_unless_sent_twice(template, exc, wave_id, scan_id, shown_as, _refused_screen(wave_id))
    _waiting, state, screen = _where(view, state)  # which step this scan answers
    try:
        if screen == "tote":
            done = picks.bind_tote(wave.id, raw, user_id=current_user.id, scan_id=scan_id)
            return answer(template, **_wave_screen(view, bound=done))
        if screen == "finish":
            done = picks.finish_wave(wave.id, raw, user_id=current_user.id, scan_id=scan_id)
            return answer(template, **_wave_screen(view, finished=done))
        if screen == "done":
            raise StaleScreen(_l("Wave %(wave)s is finished.", wave=wave.code))
        step = state.step
        if step == "location":
            new = _at_location(state, raw)
        elif step == "product" and raw.strip() == "0":
            # nothing of it here: a short pick of 0, without scanning anything
            done = _confirm(view, state, 0, None, scan_id)
            return answer(template, attention=True, **_wave_screen(view, picked=done))
        elif step in ("product", "lot"):
            new = _product(state, raw) if step == "product" else _lot(state, raw)
            if new.step == "quantity":
                new = new.one_more()  # the product scanned is the first unit
        elif step == "quantity":
            if _typed(raw):
                quantity = typed_or_all(raw, state.task.quantity, least=0)
            else:  # another unit scanned
                again = _product(replace(state, product_ok=False), raw)
                if again.lot is not None and state.lot is not None and again.lot.id != state.lot.id:
                    raise DomainError(_l("That is lot %(got)s, not %(lot)s: pick lot %(lot)s.",
                                         got=again.lot.code, lot=state.lot.code))
                new = state.one_more()
                quantity = None
            if quantity is None and not raw.strip():
                quantity = state.task.quantity
            if quantity == 0:
                done = _confirm(view, state, 0, None, scan_id)
                return answer(template, attention=True, **_wave_screen(view, picked=done))
            if quantity is not None:
                new = replace(state, quantity=quantity)
        else:
            done = _confirm(view, state, state.quantity, _tote_scanned(state, raw), scan_id)
            return answer(template, attention=done["short"], **_wave_screen(view, picked=done))
        if new.step == "tote" and _only_tote(wave) is not None:
            # one tote on the cart: it cannot be the wrong one, so the tote scan is skipped
            done = _confirm(view, new, new.quantity, _only_tote(wave), scan_id)
            return answer(template, attention=done["short"], **_wave_screen(view, picked=done))
    except StaleScreen as exc:
        return _refused_unless_sent_twice(template, exc, wave_id, scan_id, shown_as, _refused_screen(wave_id))
    except DomainError as exc:  # a service refused (its own twin's result is answered by `by_scan_id`)
        return refused(template, exc, _refused_screen(wave_id, state))
    return answer(template, **_wave_screen(view, new))


def _refused_unless_sent_twice(template: str, error: DomainError, wave_id: int, scan_id: str | None,
                               shown_as: dict[str, str], context):
    """A scan whose screen went out of date (the task done meanwhile) may have been done by its own twin: the
    same scan sent twice (a handheld retrying a lost answer), the first still uncommitted when this one looked
    for its receipt. Rolled back, it looks once more, and answers the first's result when there is one. (A
    service refusing the twin answers its result itself: `idempotency.by_scan_id`.)"""
    if scan_id:
        uow.abandon()
        earlier = idempotency.replay_any(scan_id, list(shown_as))
        if earlier is not None:
            action, result = earlier
            return answer(template, **_wave_screen(WaveView.read(wave_id, fresh=True), **{shown_as[action]: result}))
    return refused(template, error, context)


def _tote_scanned(state: PickState, raw: str) -> str:
    """The code of the tote scanned at the tote step. The order's own tote's code is its tote (no lookup); anything
    else is looked up, so that a scan that is not a tote says so."""
    tote = state.task.wave_order.tote
    if tote is not None and raw.strip().upper() == tote.code:
        return tote.code
    found = lookup.identify(raw)
    if found.kind != "lpn":
        raise DomainError(_l("Scan the tote of this order: %(tote)s.", tote=tote.code if tote else "-"))
    return found.lpn.code


def _typed(raw: str) -> bool:
    """Enter or a typed number (up to 7 digits); anything longer is a barcode."""
    text = raw.strip()
    return not text or (text.isascii() and text.isdigit() and len(text) <= 7)


def _only_tote(wave: Wave) -> str | None:
    """The code of the wave's one tote when the wave has a single order (the picker holds that tote)."""
    orders = list(wave.orders)
    if len(orders) == 1 and orders[0].tote is not None:
        return orders[0].tote.code
    return None


@bp.post("/waves/<int:wave_id>/skip")
def skip(wave_id: int):
    view = WaveView.read(wave_id)
    template = "picking/hh/wave.html"
    try:
        state = _state(request.form, view)
        task = state.task if state.task is not None else picking_waves.next_task(wave_id)
        if task is None:
            raise StaleScreen()
        done = picks.skip_task(task.id, user_id=current_user.id, scan_id=request.form.get("scan_id") or None)
    except DomainError as exc:
        return refused(template, exc, _refused_screen(wave_id))
    return answer(template, **_wave_screen(view, skipped=done))
