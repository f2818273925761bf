"""The desk for labels: printers and where they stand, which printer each station uses, the print queue
(reprint, retry), and printing any label with a preview of exactly what will come out.

Asking for a label only queues it: the job is sent after the request commits, off the request path, so every
print action redirects to the job's page, which shows the job's state and asks again while it is pending."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from printers.zpl import SIZES

from .. import numbers
from ..access import blueprint_role
from ..auth.models import Role
from ..desk_forms import barcode_svg
from ..errors import DomainError
from . import cards as station_cards
from . import printers as printer_setup
from . import queries, queue
from .models import JobStatus, Printer
from .preview import PreviewError, zpl_to_svg
from .sources import MAX_REF, RECORD_KINDS, label_data

bp = blueprint_role(Blueprint("printing", __name__, url_prefix="/desk/printing"), Role.SUPERVISOR)

MOST_POLLS = 60  # about a minute of "queued" on the job page: then it stops asking (reload to ask again)
KIND_NAMES = {
    "location": _l("Location"), "product": _l("Product"), "lot": _l("Lot"), "lpn": _l("LPN / pallet"),
    "shipping_correios": _l("Shipping (Correios)"), "shipping_generic": _l("Shipping (other carrier)"),
    "return": _l("Return"), "danfe": _l("DANFE (NF-e)"), "packing_slip": _l("Packing slip"),
    "station_card": _l("Station card"),
}
# The stations the app prints from (a station is any code the desk types; these are the ones it names itself).
STATION_NAMES = {"dock": _l("Dock"), "picking": _l("Picking"), "packing": _l("Packing")}
REF_HINTS = {"location": _l("Location code"), "product": _l("SKU"), "lot": _l("Lot number or SKU/LOT"),
             "lpn": _l("LPN code")}


@bp.context_processor
def _helpers():
    return {
        "kind_name": lambda code: str(KIND_NAMES.get(code, code or _l("any kind"))),
        "status_name": lambda code: JobStatus(code).label if code in set(JobStatus) else code,
        "station_name": lambda code: str(STATION_NAMES.get(code, code)) if code else _("every station"),
        "label_kinds": printer_setup.KINDS,
        "record_kinds": RECORD_KINDS,
        "label_sizes": list(SIZES),
    }


def _form_int(name: str, default: int | None = None) -> int | None:
    value = (request.form.get(name) or request.args.get(name) or "").strip()
    if not value:
        return default
    number = numbers.whole(value, most=999_999_999)
    if number is None:
        raise DomainError(_l("%(field)s must be a whole number.", field=name))
    return number


# --- printers and assignments --------------------------------------------------------------------------


def _render_printers(error: str | None = None, form=None, status: int = 200, assignment_error: str | None = None,
                     assignment_form=None):
    return render_template(
        "printing/desk/printers.html", printers=queries.printers(), counts=queries.open_job_counts(),
        assignments=queries.assignments(), error=error, form=form or {}, assignment_error=assignment_error,
        assignment_form=assignment_form or {},
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
        printer = printer_setup.create_printer(**_printer_fields(), active=True, user_id=current_user.id)
    except DomainError as exc:
        return _render_printers(error=str(exc), form=request.form, status=exc.status)
    flash(_("Printer %(name)s added.", name=printer.name), "success")
    return redirect(url_for(".printers"))


@bp.route("/printers/<int:printer_id>", methods=["GET", "POST"])
def edit_printer(printer_id: int):
    printer = printer_setup.get_printer(printer_id)
    if request.method == "GET":
        return render_template("printing/desk/printer.html", printer=printer, form=None, error=None)
    try:
        printer_setup.update_printer(printer_id, **_printer_fields(), active=request.form.get("active") == "1",
                                     user_id=current_user.id)
    except DomainError as exc:
        return render_template("printing/desk/printer.html", printer=printer_setup.get_printer(printer_id),
                               form=request.form, error=str(exc)), exc.status
    flash(_("Printer %(name)s saved.", name=printer.name), "success")
    return redirect(url_for(".printers"))


@bp.post("/printers/<int:printer_id>/test")
def test_printer(printer_id: int):
    try:
        job_id = queue.print_test_label(printer_id, user_id=current_user.id)
    except DomainError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".printers"))
    return redirect(url_for(".job", job_id=job_id))


@bp.post("/assignments")
def assign():
    try:
        printer_setup.assign_printer(request.form.get("station"), request.form.get("kind"),
                                     _form_int("printer_id") or 0, user_id=current_user.id)
    except DomainError as exc:
        return _render_printers(assignment_error=str(exc), assignment_form=request.form, status=exc.status)
    flash(_("Default printer saved."), "success")
    return redirect(url_for(".printers") + "#assignments")


@bp.post("/assignments/<int:assignment_id>/delete")
def unassign(assignment_id: int):
    printer_setup.unassign_printer(assignment_id, user_id=current_user.id)
    flash(_("Default printer removed."), "success")
    return redirect(url_for(".printers") + "#assignments")


# --- jobs ----------------------------------------------------------------------------------------------


@bp.get("/jobs")
def jobs():
    args = request.args
    filters = {"status": args.get("status", ""), "printer": _form_int("printer") or "", "kind": args.get("kind", ""),
               "q": (args.get("q") or "").strip()}
    found = queries.job_page(status=filters["status"], printer_id=filters["printer"] or None, kind=filters["kind"],
                             text=filters["q"], wanted=_form_int("page", 1))
    return render_template("printing/desk/jobs.html", jobs=found.jobs, page=found.page, tallies=found.tallies, filters=filters, printers=queries.printers(),
                           names=found.names)


def _job_state(job_id: int, polls: int) -> dict:
    job = queue.get_job(job_id)
    state = queue.job_state(job)
    return {"job": job, "state": state, "pending": state.pending and polls < MOST_POLLS, "polls": polls}


@bp.get("/jobs/<int:job_id>")
def job(job_id: int):
    context = _job_state(job_id, 0)
    row = context["job"]
    return render_template("printing/desk/job.html", others=queries.printers_like(row), user=queries.user(row.user_id),
                           **context)


@bp.get("/jobs/<int:job_id>/state")
def job_state(job_id: int):
    """The job's state box for the job page's poll (with its status word, swapped out of band)."""
    polls = (numbers.whole(request.args.get("n"), most=MOST_POLLS) or 0) + 1
    return render_template("printing/desk/_job_state.html", out_of_band=True, **_job_state(job_id, polls))


@bp.get("/jobs/<int:job_id>/label.svg")
def job_svg(job_id: int):
    row = queue.get_job(job_id)
    return _svg(row.zpl, f"{row.kind} {row.reference}")


@bp.post("/jobs/<int:job_id>/reprint")
def reprint(job_id: int):
    try:
        new_id = queue.reprint(job_id, printer_id=_form_int("printer_id"), user_id=current_user.id)
    except DomainError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".job", job_id=job_id))
    return redirect(url_for(".job", job_id=new_id))


@bp.post("/jobs/<int:job_id>/retry")
def retry(job_id: int):
    try:
        queue.retry(job_id, user_id=current_user.id)
    except DomainError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".job", job_id=job_id))
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
    printer = printer_setup.choose_printer(None, kind, printer_name or None)
    return printer, queue.render_for(printer, kind, label_data(kind, ref))


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
                error, status = str(exc), exc.status
    return render_template("printing/desk/labels.html", kind=kind, ref=ref, printer_name=printer_name,
                           printer=printer, zpl=zpl, error=error, printers=queries.printers(active_only=True),
                           ref_hints=REF_HINTS), status


@bp.get("/labels/preview.svg")
def label_svg():
    args = request.args
    try:
        _printer, zpl = _label_zpl(args.get("kind", ""), args.get("ref", ""), args.get("printer"))
    except DomainError as exc:
        return Response(str(exc), status=exc.status, mimetype="text/plain")
    return _svg(zpl, f"{args.get('kind')} {args.get('ref')}")


@bp.post("/labels")
def print_label():
    form = request.form
    kind, ref = form.get("kind", ""), (form.get("ref") or "").strip()
    try:
        job_id = queue.print_record(kind, ref, printer_name=form.get("printer") or None,
                                       user_id=current_user.id, copies=_form_int("copies", 1))
    except DomainError as exc:
        flash(str(exc), "error")
        # Only a reference that can be one goes back into the URL (a 100 kB one would not fit a header).
        shown = ref if len(ref) <= MAX_REF else None
        printer = form.get("printer") if len(form.get("printer") or "") <= 64 else None
        return redirect(url_for(".labels", kind=kind[:20], ref=shown, printer=printer or None))
    return redirect(url_for(".job", job_id=job_id))


# --- station cards: the command words and printer names a handheld scans, on cards --------------------------


@bp.get("/cards")
def cards():
    """Every station card with its barcode, to print from the browser (one card per block) or send to a Zebra."""
    shown = [(card, barcode_svg("code128", card.code, module_width=0.5, module_height=22.0, write_text=False))
             for card in station_cards.station_cards()]
    return render_template("printing/desk/cards.html", cards=shown, printers=queries.printers(active_only=True))


@bp.post("/cards")
def print_cards():
    form = request.form
    try:
        job_ids = station_cards.print_cards(form.getlist("card"), printer_name=form.get("printer") or None,
                                            copies=_form_int("copies", 1), user_id=current_user.id)
    except DomainError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".cards"))
    if len(job_ids) == 1:
        return redirect(url_for(".job", job_id=job_ids[0]))
    job = queue.get_job(job_ids[0])
    flash(ngettext("%(num)s card queued for %(printer)s: each one's state is below.",
                   "%(num)s cards queued for %(printer)s: each one's state is below.", len(job_ids),
                   printer=job.printer.name), "success")
    return redirect(url_for(".jobs", kind=station_cards.KIND, printer=job.printer_id))
