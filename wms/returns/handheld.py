"""The returns dock on the handheld: scan the return label, RMA, order or tracking code; then each unit (and its
lot when the code has none); say its condition; choose its disposition where the rules leave it open; scan the
put-away bin when it is restocked. Each step is a pure function of (hidden fields, scan); a refused scan answers
the same step with the message and the bad sound, and nothing changes."""
from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import uow
from ..access import blueprint_role
from ..auth.models import Role
from ..errors import DomainError
from ..extensions import db
from ..inventory import lookup
from ..views_common import StaleScreen, answer, feedback, refused
from . import dock, labels, rmas
from .models import Condition, Disposition, ReturnUnit, Rma

bp = blueprint_role(Blueprint("returns_hh", __name__, url_prefix="/hh/returns"), Role.WORKER)

TEMPLATE = "returns/hh/screen.html"
CONDITIONS = {"1": Condition.SEALED, "2": Condition.OPENED, "3": Condition.DAMAGED}
DISPOSITIONS = {"1": Disposition.RESTOCK, "2": Disposition.QUARANTINE, "3": Disposition.SCRAP,
                "4": Disposition.SUPPLIER}
CONDITION_WORDS = {Condition.SEALED: _l("Sealed"), Condition.OPENED: _l("Opened"), Condition.DAMAGED: _l("Damaged")}
DISPOSITION_WORDS = {Disposition.RESTOCK: _l("Restock"), Disposition.QUARANTINE: _l("Quarantine"),
                     Disposition.SCRAP: _l("Scrap"), Disposition.SUPPLIER: _l("Back to supplier")}


@bp.context_processor
def _words():
    return {"condition_words": CONDITION_WORDS, "disposition_words": DISPOSITION_WORDS,
            "conditions": CONDITIONS, "dispositions": DISPOSITIONS}


def _rma(rma_id: int) -> Rma:
    rma = db.session.get(Rma, rma_id)
    if rma is None:
        raise StaleScreen()
    return rma


def _unit(unit_id: int | None) -> ReturnUnit:
    unit = db.session.get(ReturnUnit, unit_id) if unit_id else None
    if unit is None:
        raise StaleScreen()
    return unit


def _progress(rma: Rma) -> dict:
    """The units received so far, read in one statement with the product and lot the list names."""
    units = list(db.session.scalars(select(ReturnUnit).where(ReturnUnit.rma_id == rma.id).order_by(ReturnUnit.id)
                                    .options(joinedload(ReturnUnit.product), joinedload(ReturnUnit.lot))))
    return {"expected": rma.expected_units, "received": sum(u.quantity for u in units),
            "waiting": [u for u in units if u.disposition is None]}


@bp.get("/")
def start():
    return render_template(TEMPLATE, step="find")


@bp.post("/")
def find():
    try:
        rma = rmas.find_open(request.form.get("scan", ""))
    except DomainError as error:
        return refused(TEMPLATE, error, lambda: {"step": "find"})
    return answer(TEMPLATE, step="unit", rma=rma, **_progress(rma))


@bp.post("/<int:rma_id>/unit")
def unit(rma_id: int):
    form = request.form
    raw = form.get("raw") or form.get("scan", "")
    lot_code = form.get("scan") if form.get("raw") else None
    try:
        got = dock.receive_unit(rma_id, raw, lot_code=lot_code, user_id=current_user.id,
                                scan_id=form.get("scan_id") or None)
    except dock.NeedLot as need:
        return answer(TEMPLATE, attention=True, **_lot_context(rma_id, raw, need))
    except DomainError as error:
        if lot_code is not None:  # the lot was refused: the same unit's lot is asked again
            return refused(TEMPLATE, error, lambda: _asked_again(rma_id, raw))
        return refused(TEMPLATE, error, lambda: _unit_context(rma_id))
    returned = _unit(got["unit_id"])
    return answer(TEMPLATE, step="condition", rma=returned.rma, unit=returned, got=got,
                  attention=got["flag"] != "ok")


def _unit_context(rma_id: int) -> dict:
    rma = _rma(rma_id)
    return {"step": "unit", "rma": rma, **_progress(rma)}


def _lot_context(rma_id: int, raw: str, need: dock.NeedLot) -> dict:
    rma = _rma(rma_id)
    return {"step": "lot", "rma": rma, "raw": raw[:200], "need": str(need), **_progress(rma)}


def _asked_again(rma_id: int, raw: str) -> dict:
    """The lot step once more, for the unit scanned before it (read again: the refusal rolled back). A unit
    code that no longer names a lot-tracked product means the screen is stale: the unit is asked again."""
    try:
        found = lookup.expect(lookup.identify(raw), "product")
    except DomainError:
        return _unit_context(rma_id)
    if not found.product.lot_tracked:
        return _unit_context(rma_id)
    return _lot_context(rma_id, raw, dock.NeedLot(found.product))


def _inspect_context(unit: ReturnUnit, condition: str | None, disposition: str | None, result: dict | None = None):
    result = result or {}
    step = {"disposition": "disposition", "location": "location"}.get(result.get("need"), "condition")
    return {"step": step, "rma": unit.rma, "unit": unit, "condition": condition, "disposition": disposition,
            "allowed": result.get("allowed", []), "suggested": result.get("suggested")}


@bp.get("/unit/<int:unit_id>")
def unit_screen(unit_id: int):
    returned = _unit(unit_id)
    if returned.disposition is not None:
        raise StaleScreen()
    return render_template(TEMPLATE, **_inspect_context(returned, None, None))


@bp.post("/unit/<int:unit_id>")
def inspect(unit_id: int):
    form = request.form
    returned = _unit(unit_id)
    step = form.get("step", "condition")
    condition, disposition = form.get("condition") or None, form.get("disposition") or None
    scan = (form.get("scan") or "").strip()
    target = None
    if step == "condition" and not condition:
        condition = CONDITIONS.get(scan) or (scan.lower() if scan.lower() in {c.value for c in Condition} else None)
    elif step == "disposition" and not disposition:
        choice = DISPOSITIONS.get(scan) or (scan.lower() if scan.lower() in {d.value for d in Disposition} else None)
        disposition = choice
    elif step == "location":
        target = scan
    if condition not in {c.value for c in Condition}:
        error = DomainError(_l("Choose the condition: 1 sealed, 2 opened, 3 damaged."))
        return refused(TEMPLATE, error, lambda: _inspect_context(_unit(unit_id), None, None))
    try:
        result = dock.inspect_unit(unit_id, condition=condition, disposition=disposition, target=target,
                                   user_id=current_user.id, scan_id=form.get("scan_id") or None)
    except DomainError as error:
        last = {"disposition": {"need": "disposition"}, "location": {"need": "location"}}.get(step)
        return refused(TEMPLATE, error, lambda: _retry(unit_id, condition, disposition if step == "location"
                                                       else None, last))
    if "need" in result:
        return answer(TEMPLATE, **_inspect_context(returned, condition, result.get("disposition", disposition),
                                                   result))
    db.session.expire_all()
    rma = _rma(returned.rma_id)
    return answer(TEMPLATE, step="unit", rma=rma, done=result, attention=result["disposition"] != "restock",
                  **_progress(rma))


def _retry(unit_id: int, condition, disposition, last: dict | None) -> dict:
    unit = _unit(unit_id)
    if last is None:
        return _inspect_context(unit, None, None)
    try:
        result = uow.dry_run(dock.inspect_unit, unit_id, condition=condition, disposition=disposition, user_id=None)
    except DomainError:
        return _inspect_context(unit, None, None)
    return _inspect_context(unit, condition, result.get("disposition", disposition), result)


@bp.post("/<int:rma_id>/label")
def print_label(rma_id: int):
    try:
        printed = labels.print_label(rma_id, user_id=current_user.id)
    except DomainError as error:
        return refused(TEMPLATE, error, lambda: _unit_context(rma_id))
    rma = _rma(rma_id)
    return answer(TEMPLATE, step="unit", rma=rma, printed=_l("Return label %(code)s sent to the printer.",
                                                             code=printed["code"]), **_progress(rma))


@bp.post("/<int:rma_id>/close")
def close(rma_id: int):
    try:
        rmas.close_rma(rma_id, user_id=current_user.id)
    except DomainError as error:
        return refused(TEMPLATE, error, lambda: _unit_context(rma_id))
    return answer(TEMPLATE, step="find", closed=_rma(rma_id))


@bp.errorhandler(StaleScreen)
def _stale(error):
    return feedback(render_template(TEMPLATE, step="find", error=str(error)), ok=False, status=409)
