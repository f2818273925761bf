"""Replenishment of pick faces on the handheld: take a job (Enter for the first, or scan its FROM location), scan
the FROM location, the product, the quantity (Enter = all), then the TO location. Routes of the picking handheld
blueprint, with the same step discipline as the pick screens: a refused scan answers the same step and changes
nothing; only the last scan calls the service, once per scan id.
"""
from dataclasses import dataclass, replace

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import clock, idempotency
from ..errors import DomainError
from ..inventory import lookup
from ..views_common import StaleScreen, answer, form_number, form_row, refused
from . import queries, replenishment
from .handheld import bp, typed_or_all
from .models import ReplenishmentStatus, ReplenishmentTask


@dataclass(frozen=True)
class ReplenishState:
    task: ReplenishmentTask | None = None
    at_source: bool = False
    product_ok: bool = False
    quantity: int | None = None

    @property
    def step(self) -> str:
        if self.task is None:
            return "choose"
        if not self.at_source:
            return "from"
        if not self.product_ok:
            return "product"
        if self.quantity is None:
            return "quantity"
        return "to"

    def hidden(self) -> dict:
        return {"task_id": self.task.id if self.task else "", "at_source": "1" if self.at_source else "",
                "product_ok": "1" if self.product_ok else "",
                "quantity": "" if self.quantity is None else self.quantity}


def _replenish_state(form) -> ReplenishState:
    task = form_row(ReplenishmentTask, form, "task_id" if form.get("task_id") else "take")
    if task is None:
        return ReplenishState()
    if task.status != ReplenishmentStatus.OPEN:
        raise StaleScreen(_l("That replenishment was done meanwhile."))
    quantity = form_number(form, "quantity")
    if quantity is not None and not 1 <= quantity <= task.quantity:
        raise StaleScreen()
    return ReplenishState(task=task, at_source=bool(form.get("at_source")), product_ok=bool(form.get("product_ok")),
                          quantity=quantity)


def _replenish_screen(state: ReplenishState | None = None, **context) -> dict:
    return dict(state=state or ReplenishState(), tasks=queries.open_replenishments(), today=clock.today(),
                **context)


def _replenish_product(state: ReplenishState, raw: str) -> ReplenishState:
    task = state.task
    found = lookup.expect(lookup.identify(raw), "product")
    if found.product.id != task.product_id:
        raise DomainError(_l("Wrong product: that is %(got)s. Take %(wanted)s.", got=found.product.sku,
                             wanted=task.product.sku))
    if task.lot is not None and found.lot_code and found.lot_code != task.lot.code:
        raise DomainError(_l("Wrong lot: that is %(got)s. Take lot %(wanted)s.", got=found.lot_code,
                             wanted=task.lot.code))
    return replace(state, product_ok=True)


def _choose_replenishment(raw: str) -> ReplenishState:
    """Enter takes the first job of the list; scanning the FROM location of a job takes that job, already there."""
    tasks = queries.open_replenishments()
    if not tasks:
        raise DomainError(_l("No replenishment is waiting."))
    if not raw.strip():
        return ReplenishState(task=tasks[0][0])
    found = lookup.expect(lookup.identify(raw), "location")
    for task, _wave in tasks:
        if task.from_location_id == found.location.id:
            return ReplenishState(task=task, at_source=True)
    raise DomainError(_l("No replenishment starts at %(code)s: scan the FROM location of a job, or press Enter "
                         "for the first one.", code=found.location.code))


@bp.get("/replenish")
def replenish():
    return render_template("picking/hh/replenish.html", **_replenish_screen())


@bp.post("/replenish")
def replenish_scan():
    form = request.form
    raw = form.get("scan", "")
    template = "picking/hh/replenish.html"
    earlier = idempotency.replay(form.get("scan_id") or None, "replenish.done")
    if earlier is not None:
        return answer(template, **_replenish_screen(done=earlier))
    try:
        state = _replenish_state(form)
    except StaleScreen as exc:
        return refused(template, exc, _replenish_screen)
    if form.get("take") and not form.get("task_id"):
        # a tapped job: its first step, with nothing scanned yet
        return answer(template, **_replenish_screen(state))
    try:
        step = state.step
        if step == "choose":
            new = _choose_replenishment(raw)
        elif step == "from":
            found = lookup.expect(lookup.identify(raw), "location")
            if found.location.id != state.task.from_location_id:
                raise DomainError(_l("Wrong location: that is %(got)s. Go to %(wanted)s.", got=found.location.code,
                                     wanted=state.task.from_location.code))
            new = replace(state, at_source=True)
        elif step == "product":
            new = _replenish_product(state, raw)
        elif step == "quantity":
            quantity = typed_or_all(raw, state.task.quantity, least=1)
            new = replace(state, quantity=state.task.quantity if quantity is None else quantity)
        else:
            found = lookup.expect(lookup.identify(raw), "location")
            if found.location.id != state.task.to_location_id:
                raise DomainError(_l("Wrong location: that is %(got)s. Go to %(wanted)s.", got=found.location.code,
                                     wanted=state.task.to_location.code))
            done = replenishment.complete_replenishment(state.task.id, quantity=state.quantity,
                                                        user_id=current_user.id, scan_id=form.get("scan_id") or None)
            return answer(template, **_replenish_screen(done=done))
    except StaleScreen as exc:
        return refused(template, exc, _replenish_screen)
    except DomainError as exc:
        return refused(template, exc, lambda: _replenish_screen(state))
    return answer(template, **_replenish_screen(new))
