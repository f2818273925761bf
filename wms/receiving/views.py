"""The supervisors' desk for receiving: the board (expected today, in progress, closed, with discrepancies),
ASNs (new, CSV import, detail with live progress), receipts, the quarantine queue and the put-away rules.

Views parse, call a service and render; the listings are read-only queries shaped for one screen each.
"""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import clock, numbers
from ..access import blueprint_role
from ..auth.models import Role
from ..catalog.models import Category
from ..errors import DomainError
from . import asns, putaway_rules, queries, receipts, words
from .models import Asn
from .quarantine import decide_hold
from .tolerance import over_tolerance_pct, set_over_tolerance

bp = blueprint_role(Blueprint("receiving_desk", __name__, url_prefix="/desk/receiving"), Role.SUPERVISOR)


@bp.context_processor
def _helpers():
    return words.helpers()


# ---------------------------------------------------------------------------------------------- board


def _board(**context):
    today = clock.today()
    return render_template("receiving/desk/board.html", **queries.board(today), today=today,
                           tolerance=over_tolerance_pct(), form=context.pop("form", {}), **context)


@bp.get("/")
def board():
    return _board()


@bp.post("/tolerance")
def tolerance():
    pct = numbers.whole(request.form.get("pct"))
    try:
        if pct is None:
            raise DomainError(_("The over-receipt tolerance is a whole percentage from 0 to 100."))
        set_over_tolerance(pct, user_id=current_user.id)
    except DomainError as exc:
        return _board(tolerance_error=str(exc)), exc.status
    flash(_("Over-receipts up to %(pct)s%% are accepted without a supervisor.", pct=pct), "success")
    return redirect(url_for(".board"))


@bp.post("/asns/import")
def import_csv():
    upload = request.files.get("file")
    text = upload.read().decode("utf-8-sig", errors="replace") if upload else request.form.get("text", "")
    try:
        report = asns.import_asns_csv(text, user_id=current_user.id)
    except DomainError as exc:
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
            field = words.asn_field(name[name.index("]") + 2:]) if "." in name else ""
            shown.append(_("Line %(n)s %(field)s: %(message)s", n=number, field=field, message=message))
        else:
            shown.append(f"{words.asn_field(name)}: {message}")
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
        asn, created = asns.create_asn(data, source="desk", user_id=current_user.id)
    except asns.AsnInvalid as exc:
        return render_template("receiving/desk/asn_new.html", form=form, errors=_field_errors(exc.fields)), 422
    except DomainError as exc:
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
        lines = receipts.summary(receipt)
    else:
        lines = [receipts.LineView(line.product.sku, line.product.name, line.quantity, line.line_no,
                                   line.lot_code or "", discrepancies={}) for line in asn.lines]
    return dict(asn=asn, lines=lines, receipt=receipt, today=clock.today())


@bp.get("/asns/<int:asn_id>")
def asn(asn_id: int):
    return render_template("receiving/desk/asn.html", **_asn_context(asns.get_asn(asn_id)))


@bp.get("/asns/<int:asn_id>/progress")
def asn_progress(asn_id: int):
    """The progress table alone: htmx polls it while the ASN is being received."""
    return render_template("receiving/desk/_progress.html", **_asn_context(asns.get_asn(asn_id)))


@bp.post("/asns/<int:asn_id>/cancel")
def asn_cancel(asn_id: int):
    try:
        asn = asns.cancel_asn(asn_id, user_id=current_user.id)
    except DomainError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".asn", asn_id=asn_id))
    flash(_("ASN %(reference)s cancelled.", reference=asn.reference), "success")
    return redirect(url_for(".board"))


# ---------------------------------------------------------------------------------------------- receipts


@bp.get("/receipts/<int:receipt_id>")
def receipt(receipt_id: int):
    receipt = receipts.get_receipt(receipt_id)
    return render_template("receiving/desk/receipt.html", receipt=receipt, lines=receipts.summary(receipt),
                           **queries.receipt_detail(receipt))


@bp.post("/receipts/<int:receipt_id>/plates/<int:lpn_id>/print")
def reprint(receipt_id: int, lpn_id: int):
    try:
        receipts.reprint_plate(receipt_id, lpn_id, user_id=current_user.id)
    except DomainError as exc:
        flash(str(exc), "error")
    else:
        flash(_("Label sent to the dock printer."), "success")
    return redirect(url_for(".receipt", receipt_id=receipt_id))


# ---------------------------------------------------------------------------------------------- quarantine


def _quarantine(**context):
    holds = queries.open_holds()
    decided = queries.decided_holds()
    names = queries.user_names([h.decided_by_id for h in decided])
    return render_template("receiving/desk/quarantine.html", holds=holds, decided=decided, names=names,
                           today=clock.today(), **context)


@bp.get("/quarantine")
def quarantine():
    return _quarantine()


@bp.post("/quarantine/<int:hold_id>")
def decide(hold_id: int):
    release = request.form.get("decision") == "release"
    try:
        result = decide_hold(hold_id, release=release, reason=request.form.get("reason", ""),
                             user_id=current_user.id)
    except DomainError as exc:
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
    return render_template("receiving/desk/rules.html", rules=queries.putaway_rules(), zones=queries.zone_codes(),
                           kinds=words.RULE_KIND, categories=[c.value for c in Category], form=context.pop("form", {}),
                           **context)


@bp.get("/putaway-rules")
def rules():
    return _rules()


def _priority(text: str | None) -> int:
    priority = numbers.whole(text)
    if priority is None:
        raise DomainError(_("The priority is a whole number from 0 to 9999 (lowest is tried first)."))
    return priority


@bp.post("/putaway-rules", defaults={"rule_id": None})
@bp.post("/putaway-rules/<int:rule_id>")
def rule_save(rule_id: int | None):
    form = request.form
    try:
        putaway_rules.save_rule(rule_id=rule_id, priority=_priority(form.get("priority")),
                                location_kind=form.get("location_kind", ""), sku=form.get("sku"),
                                category=form.get("category"), zone=form.get("zone"),
                                active=form.get("active", "1") == "1", note=form.get("note"),
                                user_id=current_user.id)
    except DomainError as exc:
        return _rules(error=str(exc), error_rule=rule_id, form=form), exc.status
    flash(_("Put-away rule saved."), "success")
    return redirect(url_for(".rules"))


@bp.post("/putaway-rules/<int:rule_id>/delete")
def rule_delete(rule_id: int):
    putaway_rules.delete_rule(rule_id, user_id=current_user.id)
    flash(_("Put-away rule deleted."), "success")
    return redirect(url_for(".rules"))
