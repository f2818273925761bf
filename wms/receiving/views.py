"""The supervisors' desk for receiving: the board (expected today, in progress, closed, with discrepancies),
ASNs (new, CSV import, detail with live progress), receipts, the quarantine queue and the put-away rules.

Views parse, call a service and render; the listings are read-only queries shaped for one screen each.
"""
from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import clock
from ..access import blueprint_role
from ..auth.models import Role, User
from ..catalog.models import Category
from ..errors import DomainError
from ..extensions import db
from ..inventory.models import StockItem
from ..locations.models import Zone
from . import services, words
from .models import (
    Asn,
    AsnStatus,
    Discrepancy,
    Hold,
    HoldStatus,
    PutawayRule,
    Receipt,
    ReceiptItem,
    ReceiptStatus,
)

bp = blueprint_role(Blueprint("receiving_desk", __name__, url_prefix="/desk/receiving"), Role.SUPERVISOR)


@bp.context_processor
def _helpers():
    return words.helpers()


def _names(ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


# ---------------------------------------------------------------------------------------------- board


def _units_by_asn(asn_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(expected, received) units per ASN."""
    if not asn_ids:
        return {}
    asns = db.session.scalars(select(Asn).where(Asn.id.in_(asn_ids)).options(selectinload(Asn.lines))).all()
    received = services.received_by_line([line.id for asn in asns for line in asn.lines])
    return {asn.id: (sum(line.quantity for line in asn.lines), sum(received.get(line.id, 0) for line in asn.lines))
            for asn in asns}


def _discrepancy_counts(receipt_ids: list[int]) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = {}
    if not receipt_ids:
        return counts
    rows = db.session.execute(select(Discrepancy.receipt_id, Discrepancy.kind, func.sum(Discrepancy.quantity))
                              .where(Discrepancy.receipt_id.in_(receipt_ids))
                              .group_by(Discrepancy.receipt_id, Discrepancy.kind))
    for receipt_id, kind, total in rows:
        counts.setdefault(receipt_id, {})[kind] = int(total)
    return counts


def _board(**context):
    today = clock.today()
    expected = list(db.session.scalars(
        select(Asn).where(Asn.status == AsnStatus.EXPECTED.value, Asn.expected_on <= today)
        .order_by(Asn.expected_on, Asn.id).limit(200)))
    coming = list(db.session.scalars(
        select(Asn).where(Asn.status == AsnStatus.EXPECTED.value, Asn.expected_on > today,
                          Asn.expected_on <= today + timedelta(days=7))
        .order_by(Asn.expected_on, Asn.id).limit(200)))
    open_receipts = list(db.session.scalars(select(Receipt).where(Receipt.status == ReceiptStatus.OPEN.value)
                                            .order_by(Receipt.opened_at, Receipt.id)))
    since = clock.today() - timedelta(days=7)
    closed = [r for r in db.session.scalars(
        select(Receipt).where(Receipt.status == ReceiptStatus.CLOSED.value)
        .order_by(Receipt.closed_at.desc(), Receipt.id.desc()).limit(200)) if r.closed_at.date() >= since]
    receipt_ids = [r.id for r in open_receipts + closed]
    counts = _discrepancy_counts(receipt_ids)
    units = _units_by_asn([a.id for a in expected + coming] + [r.asn_id for r in open_receipts + closed if r.asn_id])
    scanned = dict(db.session.execute(select(ReceiptItem.receipt_id, func.sum(ReceiptItem.quantity))
                                      .where(ReceiptItem.receipt_id.in_(receipt_ids))
                                      .group_by(ReceiptItem.receipt_id)).all()) if receipt_ids else {}
    return render_template(
        "receiving/desk/board.html", expected=expected, coming=coming, open_receipts=open_receipts, closed=closed,
        with_discrepancies=[r for r in closed if counts.get(r.id)], counts=counts, units=units, scanned=scanned,
        today=today, tolerance=services.over_tolerance_pct(), form=context.pop("form", {}), **context)


@bp.get("/")
def board():
    return _board()


@bp.post("/tolerance")
def tolerance():
    text = (request.form.get("pct") or "").strip()
    try:
        if not text.isdigit():
            raise DomainError(_("The over-receipt tolerance is a whole percentage from 0 to 100."))
        services.set_over_tolerance(int(text), user_id=current_user.id)
    except DomainError as exc:
        db.session.rollback()
        return _board(tolerance_error=str(exc)), exc.status
    flash(_("Over-receipts up to %(pct)s%% are accepted without a supervisor.", pct=int(text)), "success")
    return redirect(url_for(".board"))


@bp.post("/asns/import")
def import_csv():
    upload = request.files.get("file")
    text = upload.read().decode("utf-8-sig", errors="replace") if upload else request.form.get("text", "")
    try:
        report = services.import_asns_csv(text, user_id=current_user.id)
    except DomainError as exc:
        db.session.rollback()
        return _board(import_error=str(exc)), exc.status
    if report.errors:
        return _board(import_report=report), 422
    flash(_("ASNs imported: %(created)s; already there: %(unchanged)s.", created=len(report.created),
            unchanged=len(report.unchanged)), "success")
    return redirect(url_for(".board"))


# ---------------------------------------------------------------------------------------------- ASNs


def _parse_lines(text: str) -> list[dict]:
    """One line per row: SKU or GTIN; quantity; lot; expiry (YYYY-MM-DD); SSCC (separated by ; , or tabs)."""
    lines = []
    for row in (text or "").splitlines():
        if not row.strip():
            continue
        for separator in ("\t", ";", ","):
            if separator in row:
                cells = [cell.strip() for cell in row.split(separator)]
                break
        else:
            cells = row.split()
        cells += [""] * (5 - len(cells))
        lines.append({"sku": cells[0], "quantity": cells[1], "lot": cells[2], "expires_on": cells[3],
                      "sscc": cells[4]})
    return lines


def _field_errors(fields: dict[str, str]) -> list[str]:
    """`lines[2].sku` → "Line 3, sku: ..." for a person."""
    shown = []
    for name, message in fields.items():
        if name.startswith("lines["):
            number = int(name[6:name.index("]")]) + 1
            field = name[name.index("]") + 2:] if "." in name else ""
            shown.append(_("Line %(n)s %(field)s: %(message)s", n=number, field=field, message=message))
        else:
            shown.append(f"{name}: {message}")
    return shown


@bp.route("/asns/new", methods=["GET", "POST"])
def asn_new():
    form = request.form if request.method == "POST" else {"expected_on": clock.today().isoformat()}
    if request.method == "GET":
        return render_template("receiving/desk/asn_new.html", form=form, errors=[])
    data = {"supplier": form.get("supplier"), "reference": form.get("reference"),
            "expected_on": form.get("expected_on"), "note": form.get("note"),
            "lines": _parse_lines(form.get("lines", ""))}
    try:
        asn, created = services.create_asn(data, source="desk", user_id=current_user.id)
    except services.AsnInvalid as exc:
        db.session.rollback()
        return render_template("receiving/desk/asn_new.html", form=form, errors=_field_errors(exc.fields)), 422
    except DomainError as exc:
        db.session.rollback()
        return render_template("receiving/desk/asn_new.html", form=form, errors=[str(exc)]), exc.status
    if created:
        flash(_("ASN %(reference)s of %(supplier)s created.", reference=asn.reference, supplier=asn.supplier),
              "success")
    else:
        flash(_("This ASN already existed with the same lines."), "success")
    return redirect(url_for(".asn", asn_id=asn.id))


def _asn_context(asn: Asn) -> dict:
    receipt = next((r for r in reversed(asn.receipts)), None)
    if receipt is not None:
        lines = services.summary(receipt)
    else:
        lines = [services.LineView(line.product.sku, line.product.name, line.quantity, line.line_no,
                                   line.lot_code or "", discrepancies={}) for line in asn.lines]
    return dict(asn=asn, lines=lines, receipt=receipt, today=clock.today())


@bp.get("/asns/<int:asn_id>")
def asn(asn_id: int):
    return render_template("receiving/desk/asn.html", **_asn_context(services.get_asn(asn_id)))


@bp.get("/asns/<int:asn_id>/progress")
def asn_progress(asn_id: int):
    """The progress table alone: htmx polls it while the ASN is being received."""
    return render_template("receiving/desk/_progress.html", **_asn_context(services.get_asn(asn_id)))


@bp.post("/asns/<int:asn_id>/cancel")
def asn_cancel(asn_id: int):
    try:
        asn = services.cancel_asn(asn_id, user_id=current_user.id)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".asn", asn_id=asn_id))
    flash(_("ASN %(reference)s cancelled.", reference=asn.reference), "success")
    return redirect(url_for(".board"))


# ---------------------------------------------------------------------------------------------- receipts


@bp.get("/receipts/<int:receipt_id>")
def receipt(receipt_id: int):
    receipt = services.get_receipt(receipt_id)
    items = db.session.scalars(select(ReceiptItem).where(ReceiptItem.receipt_id == receipt.id)
                               .order_by(ReceiptItem.id.desc()).limit(300)).all()
    names = _names([i.user_id for i in items] + [i.approved_by_id for i in items]
                   + [d.user_id for d in receipt.discrepancies] + [d.approved_by_id for d in receipt.discrepancies]
                   + [receipt.opened_by_id, receipt.closed_by_id])
    plates = []
    for plate in receipt.plates:
        units = db.session.scalar(select(func.coalesce(func.sum(StockItem.quantity), 0))
                                  .where(StockItem.lpn_id == plate.lpn_id))
        plates.append((plate, units))
    return render_template("receiving/desk/receipt.html", receipt=receipt, lines=services.summary(receipt),
                           items=items, plates=plates, names=names)


@bp.post("/receipts/<int:receipt_id>/plates/<int:lpn_id>/print")
def reprint(receipt_id: int, lpn_id: int):
    try:
        services.reprint_plate(receipt_id, lpn_id, user_id=current_user.id)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(_("Label sent to the dock printer."), "success")
    return redirect(url_for(".receipt", receipt_id=receipt_id))


# ---------------------------------------------------------------------------------------------- quarantine


def _quarantine(**context):
    holds = services.open_holds()
    decided = list(db.session.scalars(select(Hold).where(Hold.status != HoldStatus.OPEN.value)
                                      .order_by(Hold.decided_at.desc(), Hold.id.desc()).limit(30)))
    names = _names([h.decided_by_id for h in decided])
    return render_template("receiving/desk/quarantine.html", holds=holds, decided=decided, names=names,
                           today=clock.today(), **context)


@bp.get("/quarantine")
def quarantine():
    return _quarantine()


@bp.post("/quarantine/<int:hold_id>")
def decide(hold_id: int):
    release = request.form.get("decision") == "release"
    try:
        result = services.decide_hold(hold_id, release=release, reason=request.form.get("reason", ""),
                                      user_id=current_user.id)
    except DomainError as exc:
        db.session.rollback()
        return _quarantine(error=str(exc), error_hold=hold_id), exc.status
    if release:
        flash(_("Released: the goods may be put away into stock."), "success")
    else:
        flash(_("Rejected: the goods stay in quarantine until returned or scrapped."), "success")
    if result.get("lot") and result.get("lot_status"):
        flash(_("Lot %(lot)s is now %(status)s.", lot=result["lot"], status=result["lot_status"]), "success")
    return redirect(url_for(".quarantine"))


# ---------------------------------------------------------------------------------------------- put-away rules


def _rules(**context):
    rules_ = list(db.session.scalars(select(PutawayRule).order_by(PutawayRule.priority, PutawayRule.id)))
    zones = list(db.session.scalars(select(Zone.code).order_by(Zone.code)))
    return render_template("receiving/desk/rules.html", rules=rules_, zones=zones, kinds=words.RULE_KIND,
                           categories=[c.value for c in Category], form=context.pop("form", {}), **context)


@bp.get("/putaway-rules")
def rules():
    return _rules()


def _priority(text: str | None) -> int:
    text = (text or "").strip()
    if not text.isdigit():
        raise DomainError(_("The priority is a whole number from 0 to 9999 (lowest is tried first)."))
    return int(text)


@bp.post("/putaway-rules", defaults={"rule_id": None})
@bp.post("/putaway-rules/<int:rule_id>")
def rule_save(rule_id: int | None):
    form = request.form
    try:
        services.save_rule(rule_id=rule_id, priority=_priority(form.get("priority")),
                           location_kind=form.get("location_kind", ""), sku=form.get("sku"),
                           category=form.get("category"), zone=form.get("zone"),
                           active=form.get("active", "1") == "1", note=form.get("note"), user_id=current_user.id)
    except DomainError as exc:
        db.session.rollback()
        return _rules(error=str(exc), error_rule=rule_id, form=form), exc.status
    flash(_("Put-away rule saved."), "success")
    return redirect(url_for(".rules"))


@bp.post("/putaway-rules/<int:rule_id>/delete")
def rule_delete(rule_id: int):
    services.delete_rule(rule_id, user_id=current_user.id)
    flash(_("Put-away rule deleted."), "success")
    return redirect(url_for(".rules"))
