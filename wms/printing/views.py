"""The desk for labels: printers and where they stand, which printer each station uses, the print queue
(reprint, retry), and printing any label with a preview of exactly what will come out."""
from __future__ import annotations

from math import ceil

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, or_, select

from printers.zpl import SIZES

from ..access import blueprint_role
from ..auth.models import Role, User
from ..errors import DomainError
from ..extensions import db
from . import services
from .models import JobStatus, Printer, PrinterAssignment, PrintJob
from .preview import PreviewError, zpl_to_svg
from .sources import RECORD_KINDS, label_data

bp = blueprint_role(Blueprint("printing", __name__, url_prefix="/desk/printing"), Role.SUPERVISOR)

PER_PAGE = 50
KIND_NAMES = {
    "location": _l("Location"), "product": _l("Product"), "lot": _l("Lot"), "lpn": _l("LPN / pallet"),
    "shipping_correios": _l("Shipping (Correios)"), "shipping_generic": _l("Shipping (other carrier)"),
    "return": _l("Return"),
}
STATUS_NAMES = {"queued": _l("queued"), "sending": _l("sending"), "sent": _l("sent"), "failed": _l("failed")}
REF_HINTS = {"location": _l("Location code"), "product": _l("SKU"), "lot": _l("Lot number or SKU/LOT"),
             "lpn": _l("LPN code")}


@bp.context_processor
def _helpers():
    return {
        "kind_name": lambda code: str(KIND_NAMES.get(code, code or _l("any kind"))),
        "status_name": lambda code: str(STATUS_NAMES.get(code, code)),
        "station_name": lambda code: code or _("every station"),
        "label_kinds": services.KINDS,
        "record_kinds": RECORD_KINDS,
        "label_sizes": list(SIZES),
    }


def _form_int(name: str, default: int | None = None) -> int | None:
    value = (request.form.get(name) or request.args.get(name) or "").strip()
    if not value:
        return default
    if not value.isdigit() or len(value) > 9:
        raise DomainError(_l("%(field)s must be a whole number.", field=name))
    return int(value)


def _printers(active_only: bool = False) -> list[Printer]:
    query = select(Printer).order_by(Printer.name)
    if active_only:
        query = query.where(Printer.active.is_(True))
    return list(db.session.scalars(query))


# --- printers and assignments --------------------------------------------------------------------------


def _render_printers(error: str | None = None, form=None, status: int = 200, assignment_error: str | None = None,
                     assignment_form=None):
    counts = {
        (printer_id, status_): count
        for printer_id, status_, count in db.session.execute(
            select(PrintJob.printer_id, PrintJob.status, func.count())
            .where(PrintJob.status.in_([JobStatus.QUEUED.value, JobStatus.FAILED.value]))
            .group_by(PrintJob.printer_id, PrintJob.status)
        )
    }
    assignments = db.session.scalars(
        select(PrinterAssignment).order_by(PrinterAssignment.station, PrinterAssignment.kind)
    ).all()
    return render_template(
        "printing/desk/printers.html", printers=_printers(), counts=counts, assignments=assignments,
        error=error, form=form or {}, assignment_error=assignment_error, assignment_form=assignment_form or {},
    ), status


@bp.get("/")
def printers():
    return _render_printers()


def _printer_fields() -> dict:
    form = request.form
    return {
        "name": form.get("name", ""),
        "url": form.get("url", ""),
        "dpi": _form_int("dpi", 203),
        "label_size": form.get("label_size", "100x150"),
        "place": form.get("place", ""),
    }


@bp.post("/printers")
def create_printer():
    try:
        printer = services.create_printer(**_printer_fields(), active=True, user_id=current_user.id)
    except DomainError as exc:
        db.session.rollback()
        return _render_printers(error=str(exc), form=request.form, status=exc.status)
    flash(_("Printer %(name)s added.", name=printer.name), "success")
    return redirect(url_for(".printers"))


@bp.route("/printers/<int:printer_id>", methods=["GET", "POST"])
def edit_printer(printer_id: int):
    printer = services.get_printer(printer_id)
    if request.method == "GET":
        return render_template("printing/desk/printer.html", printer=printer, form=None, error=None)
    try:
        services.update_printer(printer_id, **_printer_fields(), active=request.form.get("active") == "1",
                                user_id=current_user.id)
    except DomainError as exc:
        db.session.rollback()
        return render_template("printing/desk/printer.html", printer=services.get_printer(printer_id),
                               form=request.form, error=str(exc)), exc.status
    flash(_("Printer %(name)s saved.", name=printer.name), "success")
    return redirect(url_for(".printers"))


def _flash_job(job_id: int) -> None:
    job = services.get_job(job_id)
    db.session.refresh(job)
    ok, message = services.job_message(job)
    flash(message, "success" if ok else "error")


@bp.post("/printers/<int:printer_id>/test")
def test_printer(printer_id: int):
    try:
        job_id = services.print_test_label(printer_id, user_id=current_user.id)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".printers"))
    _flash_job(job_id)
    return redirect(url_for(".printers"))


@bp.post("/assignments")
def assign():
    try:
        services.assign_printer(request.form.get("station"), request.form.get("kind"), _form_int("printer_id") or 0,
                                user_id=current_user.id)
    except DomainError as exc:
        db.session.rollback()
        return _render_printers(assignment_error=str(exc), assignment_form=request.form, status=exc.status)
    flash(_("Default printer saved."), "success")
    return redirect(url_for(".printers") + "#assignments")


@bp.post("/assignments/<int:assignment_id>/delete")
def unassign(assignment_id: int):
    services.unassign_printer(assignment_id, user_id=current_user.id)
    flash(_("Default printer removed."), "success")
    return redirect(url_for(".printers") + "#assignments")


# --- jobs ----------------------------------------------------------------------------------------------


@bp.get("/jobs")
def jobs():
    args = request.args
    status = args.get("status", "")
    printer_id = _form_int("printer")
    kind = args.get("kind", "")
    text = (args.get("q") or "").strip()
    query = select(PrintJob)
    if status in STATUS_NAMES:
        query = query.where(PrintJob.status == status)
    if printer_id:
        query = query.where(PrintJob.printer_id == printer_id)
    if kind in services.KINDS:
        query = query.where(PrintJob.kind == kind)
    if text:
        pattern = f"%{text}%"
        query = query.where(or_(PrintJob.reference.ilike(pattern), PrintJob.station.ilike(pattern)))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    pages = max(1, ceil(total / PER_PAGE))
    page = min(max(1, _form_int("page", 1)), pages)
    rows = db.session.scalars(query.order_by(PrintJob.id.desc()).limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    tallies = dict(db.session.execute(select(PrintJob.status, func.count()).group_by(PrintJob.status)).all())
    names = dict(db.session.execute(
        select(User.id, User.name).where(User.id.in_({row.user_id for row in rows if row.user_id}))).all())
    filters = {"status": status, "printer": printer_id or "", "kind": kind, "q": text}
    return render_template("printing/desk/jobs.html", jobs=rows, page=page, pages=pages, total=total,
                           tallies=tallies, filters=filters, printers=_printers(), names=names)


@bp.get("/jobs/<int:job_id>")
def job(job_id: int):
    row = services.get_job(job_id)
    others = [p for p in _printers(active_only=True)
              if (p.dpi, p.label_size) == (row.printer.dpi, row.printer.label_size)]
    user = db.session.get(User, row.user_id) if row.user_id else None
    return render_template("printing/desk/job.html", job=row, others=others, user=user)


@bp.get("/jobs/<int:job_id>/label.svg")
def job_svg(job_id: int):
    row = services.get_job(job_id)
    return _svg(row.zpl, f"{row.kind} {row.reference}")


@bp.post("/jobs/<int:job_id>/reprint")
def reprint(job_id: int):
    try:
        new_id = services.reprint(job_id, printer_id=_form_int("printer_id"), user_id=current_user.id)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".job", job_id=job_id))
    _flash_job(new_id)
    return redirect(url_for(".job", job_id=new_id))


@bp.post("/jobs/<int:job_id>/retry")
def retry(job_id: int):
    try:
        services.retry(job_id, user_id=current_user.id)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".job", job_id=job_id))
    _flash_job(job_id)
    return redirect(url_for(".job", job_id=job_id))


# --- print any label, with its preview ---------------------------------------------------------------


def _svg(zpl: str, title: str) -> Response:
    try:
        svg = zpl_to_svg(zpl, title=title)
    except PreviewError as exc:
        abort(Response(str(exc), status=422, mimetype="text/plain"))
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


def _label_zpl(kind: str, ref: str, printer_name: str | None) -> tuple[Printer, str]:
    printer = services.choose_printer(None, kind, printer_name or None)
    return printer, services.render_for(printer, kind, label_data(kind, ref))


@bp.get("/labels")
def labels():
    args = request.args
    kind = args.get("kind", "location")
    ref = (args.get("ref") or "").strip()
    printer_name = args.get("printer") or ""
    error = printer = zpl = None
    status = 200
    if kind not in RECORD_KINDS:
        kind = "location"
    if ref:
        try:
            printer, zpl = _label_zpl(kind, ref, printer_name)
        except DomainError as exc:
            db.session.rollback()
            error, status = str(exc), exc.status
    return render_template("printing/desk/labels.html", kind=kind, ref=ref, printer_name=printer_name,
                           printer=printer, zpl=zpl, error=error, printers=_printers(active_only=True),
                           ref_hints=REF_HINTS), status


@bp.get("/labels/preview.svg")
def label_svg():
    args = request.args
    try:
        _printer, zpl = _label_zpl(args.get("kind", ""), args.get("ref", ""), args.get("printer"))
    except DomainError as exc:
        db.session.rollback()
        return Response(str(exc), status=exc.status, mimetype="text/plain")
    return _svg(zpl, f"{args.get('kind')} {args.get('ref')}")


@bp.post("/labels")
def print_label():
    form = request.form
    kind, ref = form.get("kind", ""), (form.get("ref") or "").strip()
    try:
        job_id = services.print_record(kind, ref, printer_name=form.get("printer") or None,
                                       user_id=current_user.id, copies=_form_int("copies", 1))
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".labels", kind=kind, ref=ref, printer=form.get("printer") or None))
    _flash_job(job_id)
    return redirect(url_for(".job", job_id=job_id))
