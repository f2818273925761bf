"""The stock desk's counts and adjustments (request, approve, reject, the approval threshold, count tasks)
and the check that every stock item equals its ledger. Routes of the `inventory_desk` blueprint."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from .. import numbers, settings
from ..catalog import services as catalog
from ..catalog.models import Lot, Product
from ..errors import DomainError, NotFound
from ..extensions import db
from ..locations import services as locations
from ..locations.models import Location
from . import adjustments as adjusting
from . import count_queries, queries, rules
from . import counts as counting
from .lpns import lpn_by_code
from .models import Adjustment, AdjustmentStatus, CountStatus, CountTask, Lpn
from .views import COUNT_REASON, bp, wanted_page
from .words import ADJUSTMENT_REASON

# ---------------------------------------------------------------------------------------------- adjustments


def _render_adjustments(*, error: str | None = None, form=None, threshold_error: str | None = None,
                        status: int = 200):
    body = render_template(
        "inventory/desk/adjustments.html", pending=count_queries.pending_adjustments(),
        recent=count_queries.recent_adjustments(), error=error, form=form if form is not None else request.args,
        threshold_error=threshold_error, threshold=settings.get("adjustment_approval_units"),
        reasons=rules.ADJUSTMENT_REASONS, reason_labels=ADJUSTMENT_REASON,
    )
    return body, status


@bp.get("/adjustments")
def adjustments():
    return _render_adjustments()


def _find_stock_item(form) -> tuple[Location, Product, Lot | None, Lpn | None]:
    """The stock item a supervisor names by location code, SKU (or barcode), lot code and LPN code."""
    location_code = (form.get("location") or "").strip().upper()
    location = locations.by_code(location_code) if location_code else None
    if location is None or location.is_virtual:
        raise DomainError(_l("Type the code of a location: %(code)s is not one.", code=location_code or "—"))
    code = (form.get("sku") or "").strip()
    product = catalog.by_sku(code) if code else None
    if product is None and code:
        barcode = catalog.barcode_lookup(code)
        product = barcode.product if barcode else None
    if product is None:
        raise DomainError(_l("Type a SKU or a barcode: %(code)s is not a product.", code=code or "—"))
    lot = None
    lot_code = (form.get("lot") or "").strip()
    if lot_code:
        lot = catalog.find_lot(product.id, lot_code)
        if lot is None:
            raise DomainError(_l("%(sku)s has no lot %(lot)s.", sku=product.sku, lot=lot_code))
    lpn = None
    lpn_code = (form.get("lpn") or "").strip()
    if lpn_code:
        lpn = lpn_by_code(lpn_code)
        if lpn is None:
            raise DomainError(_l("There is no LPN %(code)s.", code=lpn_code))
    return location, product, lot, lpn


def parse_delta(text: str | None) -> int:
    """The change a supervisor types: -3 takes three units away, +5 or 5 adds five."""
    text = (text or "").strip().replace("−", "-")
    delta = numbers.whole(text, least=-1_000_000, most=1_000_000, signed=True) or 0
    if delta == 0:
        raise DomainError(_l("Type the change in units, such as -3 or +5 (not 0)."))
    return delta


@bp.post("/adjustments")
def adjust():
    form = request.form
    try:
        location, product, lot, lpn = _find_stock_item(form)
        delta = parse_delta(form.get("delta"))
        result = adjusting.adjust_stock(
            location_id=location.id, product_id=product.id, lot_id=lot.id if lot else None,
            lpn_id=lpn.id if lpn else None, delta=delta, reason=form.get("reason", ""), note=form.get("note"),
            user_id=current_user.id,
        )
    except DomainError as exc:
        return _render_adjustments(error=str(exc), form=form, status=exc.status)
    what = f"{location.code} · {product.sku}" + (f" · {lot.code}" if lot else "")
    if result["status"] == AdjustmentStatus.APPROVED:
        flash(_("Adjusted %(what)s by %(delta)s.", what=what, delta=f"{delta:+d}"), "success")
    else:
        flash(_("The adjustment of %(what)s by %(delta)s waits for approval.", what=what, delta=f"{delta:+d}"),
              "success")
    return redirect(url_for(".adjustments"))


@bp.post("/adjustments/<int:adjustment_id>/approve", defaults={"decision": "approve"})
@bp.post("/adjustments/<int:adjustment_id>/reject", defaults={"decision": "reject"})
def decide(adjustment_id: int, decision: str):
    """Approve (the stock changes now, by a ledger move) or reject (nothing changes). htmx swaps the row."""
    error, status = None, 200
    try:
        adjusting.decide_adjustment(adjustment_id, approve=decision == "approve", user_id=current_user.id,
                                    note=request.form.get("note"))
    except NotFound:
        raise
    except DomainError as exc:
        error, status = str(exc), exc.status
    from_count = request.form.get("from") == "count"
    if request.headers.get("HX-Request") and (error or from_count):
        row = count_queries.adjustment_rows(select(Adjustment).where(Adjustment.id == adjustment_id))[0]
        from_count = from_count and row.adjustment.count_task_id
        return render_template(
            "inventory/desk/_adjustment_row.html", row=row, row_error=error, swapped=True,
            row_context="count" if from_count else "", threshold=settings.get("adjustment_approval_units"),
            task=db.session.get(CountTask, row.adjustment.count_task_id) if from_count else None,
        ), status
    if error:
        flash(error, "error")
    else:
        flash(_("Adjustment %(id)s approved.", id=adjustment_id) if decision == "approve"
              else _("Adjustment %(id)s rejected.", id=adjustment_id), "success")
    back = request.form.get("next", "")
    back = back if back.startswith("/desk/stock/") and "//" not in back else url_for(".adjustments")
    if request.headers.get("HX-Request"):
        # a decided adjustment leaves the list waiting for approval: the page comes back without it
        return "", 200, {"HX-Redirect": url_for(".adjustments")}
    return redirect(back)


@bp.post("/adjustments/threshold")
def threshold():
    units = numbers.whole(request.form.get("units"), most=1_000_000)
    try:
        if units is None:
            raise DomainError(_l("The approval threshold is a whole number of units from 0 to %(max)s.",
                                 max=1_000_000))
        units = adjusting.set_adjustment_threshold(units, user_id=current_user.id)
    except DomainError as exc:
        return _render_adjustments(threshold_error=str(exc), status=exc.status)
    flash(_("Adjustments and count variances of more than %(units)s units now wait for a supervisor.",
            units=units), "success")
    return redirect(url_for(".adjustments"))


# ---------------------------------------------------------------------------------------------- counts

COUNT_TABS = (CountStatus.OPEN.value, CountStatus.COUNTED.value, CountStatus.DONE.value)


def _render_counts(*, error: str | None = None, form=None, status: int = 200):
    tab = request.args.get("status", CountStatus.OPEN.value)
    tab = tab if tab in COUNT_TABS else CountStatus.OPEN.value
    listing = count_queries.count_listing(tab, wanted_page())
    body = render_template(
        "inventory/desk/counts.html", tab=tab, tabs=COUNT_TABS, tallies=listing.tallies, tasks=listing.tasks,
        page=listing.page, lines=listing.lines, variances=listing.variances, pending=listing.pending,
        error=error, form=form or {}, names=listing.names, reasons=COUNT_REASON,
    )
    return body, status


@bp.get("/counts")
def counts():
    return _render_counts()


@bp.post("/counts")
def create_counts():
    form = request.form
    try:
        result = counting.open_counts(form.get("code", ""), prefix=form.get("scope") == "prefix",
                                      user_id=current_user.id, reason=form.get("reason", "cycle"))
    except DomainError as exc:
        return _render_counts(error=str(exc), form=form, status=exc.status)
    created, already = len(result["created"]), len(result["already_open"])
    message = ngettext("%(num)s count task created.", "%(num)s count tasks created.", created)
    if already:
        message += " " + ngettext("%(num)s location already had an open count.",
                                  "%(num)s locations already had an open count.", already)
    flash(message, "success")
    return redirect(url_for(".counts", status=CountStatus.OPEN.value))


@bp.get("/counts/<int:task_id>")
def count_task(task_id: int):
    task = db.session.get(CountTask, task_id)
    if task is None:
        abort(404)
    return render_template(
        "inventory/desk/count_task.html", task=task, plates=count_queries.plate_codes(line.lpn_id for line in task.lines),
        adjustments=count_queries.count_adjustments(task.id),
        names=queries.user_names([task.created_by_id, task.counted_by_id]),
        threshold=settings.get("adjustment_approval_units"),
    )


# ---------------------------------------------------------------------------------------------- check

@bp.get("/check")
def check():
    """Recompute every stock item from the ledger and show the ones that disagree."""
    items, moves = count_queries.books_size()
    return render_template("inventory/desk/check.html", mismatches=count_queries.mismatches(), items=items, moves=moves)
