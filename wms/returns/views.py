"""The desk's returns: the board (expected, being received, received), a return's detail and outcome, a new
return for an order, the reasons report (CSV), the reasons list, and supplier returns to dispatch."""
from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import numbers
from ..access import blueprint_role
from ..auth.models import Role
from ..catalog.models import Category
from ..errors import DomainError
from . import disposition, labels, queries, rmas, supplier
from .models import RmaStatus

bp = blueprint_role(Blueprint("returns_desk", __name__, url_prefix="/desk/returns"), Role.SUPERVISOR)

STATUS_WORDS = {RmaStatus.EXPECTED: _l("expected"), RmaStatus.RECEIVING: _l("being received"),
                RmaStatus.RECEIVED: _l("received"), RmaStatus.CANCELLED: _l("cancelled")}

CATEGORY_WORDS = {Category.MEDICINE: _l("medicine"), Category.COSMETIC: _l("cosmetic"),
                  Category.SANITIZER: _l("sanitizer"), Category.FOOD: _l("food"),
                  Category.HEALTH_PRODUCT: _l("health product"), Category.OTHER: _l("other")}


@bp.app_template_global("supplier_returns_of_holds")
def _supplier_returns_of_holds(hold_ids) -> dict[int, str]:
    """For the receiving quarantine queue: the supplier return each rejected hold is on already."""
    return supplier.on_supplier_returns([int(i) for i in hold_ids][:500])


@bp.context_processor
def _helpers():
    return {"status_word": lambda code: str(STATUS_WORDS.get(code, code))}


def _board(form=None, error=None, fields=None, status=200):
    chosen = request.args.get("status")
    return render_template("returns/desk/board.html", statuses=[s.value for s in RmaStatus], chosen=chosen,
                           reasons=rmas.reasons(), form=form or {}, error=error, fields=fields or {},
                           **queries.board(chosen)), status


@bp.get("/")
def board():
    return _board()


@bp.post("/")
def create():
    form = request.form
    lines = []
    for index in range(3):
        sku = (form.get(f"sku{index}") or "").strip()
        if sku:
            lines.append({"sku": sku, "quantity": numbers.whole(form.get(f"quantity{index}"), least=1,
                                                               most=100000), "reason": form.get(f"reason{index}")})
    data = {"order_id": (form.get("order_id") or "").strip() or None, "lines": lines,
            "reverse_code": form.get("reverse_code") or None, "delivered_on": form.get("delivered_on") or None}
    try:
        rma, _created = rmas.create_rma(data, source="desk", user_id=current_user.id)
    except DomainError as error:
        return _board(form, str(error), error.details.get("fields"), status=error.status)
    flash(_("Return RMA-%(id)s authorised.", id=rma.id))
    return redirect(url_for(".detail", rma_id=rma.id))


@bp.get("/<int:rma_id>")
def detail(rma_id: int):
    rma = rmas.get(rma_id)
    return render_template("returns/desk/detail.html", rma=rma, outcome=rmas.outcome(rma))


@bp.post("/<int:rma_id>/close")
def close(rma_id: int):
    rmas.close_rma(rma_id, user_id=current_user.id)
    flash(_("Return RMA-%(id)s closed: the store is told.", id=rma_id))
    return redirect(url_for(".detail", rma_id=rma_id))


@bp.post("/<int:rma_id>/label")
def print_label(rma_id: int):
    printed = labels.print_label(rma_id, station=request.form.get("station") or labels.STATION,
                                 user_id=current_user.id)
    flash(_("Return label %(code)s sent to the printer.", code=printed["code"]))
    return redirect(url_for(".detail", rma_id=rma_id))


@bp.post("/<int:rma_id>/cancel")
def cancel(rma_id: int):
    rmas.cancel_rma(rma_id, user_id=current_user.id)
    return redirect(url_for(".detail", rma_id=rma_id))


@bp.get("/reasons")
def reasons():
    rows = queries.reasons_report()
    if request.args.get("format") == "csv":
        return Response(queries.reasons_csv(rows), mimetype="text/csv",
                        headers={"Content-Disposition": "attachment; filename=return-reasons.csv"})
    return render_template("returns/desk/reasons.html", rows=rows, reasons=rmas.reasons())


@bp.post("/reasons")
def save_reason():
    rmas.save_reason(request.form.get("code", ""), request.form.get("label", ""),
                     active=request.form.get("active", "1") == "1", user_id=current_user.id)
    return redirect(url_for(".reasons"))


@bp.get("/rules")
def disposition_rules():
    from .handheld import CONDITION_WORDS, DISPOSITION_WORDS

    return render_template("returns/desk/rules.html", rules=disposition.kept(), defaults=disposition.rows(),
                           categories=[(c.value, str(w)) for c, w in CATEGORY_WORDS.items()], conditions=CONDITION_WORDS,
                           dispositions=DISPOSITION_WORDS)


@bp.post("/rules")
def save_disposition_rule():
    form = request.form
    disposition.save_rule(form.get("condition", ""), form.get("category", ""), form.get("anvisa", ""),
                          form.get("disposition", ""), user_id=current_user.id)
    flash(_("Disposition rule saved."))
    return redirect(url_for(".disposition_rules"))


@bp.post("/rules/<int:rule_id>/delete")
def delete_disposition_rule(rule_id: int):
    disposition.delete_rule(rule_id, user_id=current_user.id)
    flash(_("Disposition rule deleted."))
    return redirect(url_for(".disposition_rules"))


@bp.get("/supplier")
def supplier_returns():
    return render_template("returns/desk/supplier.html", documents=supplier.documents())


@bp.post("/supplier/hold/<int:hold_id>")
def add_rejected_hold(hold_id: int):
    """The quarantine queue's button: receiving's rejected goods join their supplier's return document."""
    document = supplier.add_rejected_hold(hold_id, user_id=current_user.id)
    flash(_("The rejected goods are on %(code)s for %(supplier)s: dispatch it when they leave.",
            code=document.document_code, supplier=document.supplier))
    return redirect(url_for(".supplier_returns"))


@bp.post("/supplier/<int:document_id>/dispatch")
def dispatch(document_id: int):
    supplier.dispatch(document_id, carrier_reference=request.form.get("carrier_reference"),
                      user_id=current_user.id)
    return redirect(url_for(".supplier_returns"))
