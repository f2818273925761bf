"""Printing from the handheld: a location or product label from "What's here?" (and, later, receiving and
shipping screens), and the print screen, where every step takes a scan: the location or product, then the printer
(its name, on the printer's sticker; Enter = the default printer), then the number of copies (Enter = 1).
The last step queues the label and answers at once ("Label queued for X."); the answer polls the job's state
until the printer took it (good news, no second sound) or did not (the bad sound)."""
from dataclasses import dataclass

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from .. import numbers
from ..access import blueprint_role
from ..auth.models import Role
from ..errors import DomainError
from ..extensions import db
from ..views_common import StaleScreen, answer, feedback, form_row, refused, typed_quantity
from . import queue
from .models import Printer
from .printers import choose_printer, switched_off

bp = blueprint_role(Blueprint("printing_hh", __name__, url_prefix="/hh/print"), Role.WORKER)

HANDHELD_KINDS = ("location", "product")
MOST_POLLS = 30  # about half a minute of "queued": then the screen stops asking (the job stays in the queue)
TEMPLATE = "printing/hh/print.html"


def _screen(**context):
    return render_template(TEMPLATE, **context)


@dataclass(frozen=True)
class PrintState:
    """The print screen's steps: what (a location or product scanned) → printer → copies."""

    found: object = None  # lookup.Identified
    printer: Printer | None = None

    @property
    def step(self) -> str:
        if self.found is None:
            return "what"
        return "copies" if self.printer is not None else "printer"

    @property
    def kind(self) -> str:
        return self.found.kind

    @property
    def ref(self) -> str:
        return self.found.location.code if self.kind == "location" else self.found.product.sku

    def hidden(self) -> dict:
        if self.found is None:
            return {}
        return {"kind": self.kind, "ref": self.ref, "printer_id": self.printer.id if self.printer else ""}

    def default_printer(self) -> Printer | None:
        try:
            return choose_printer(None, self.kind)
        except DomainError:
            return None


def _identify(raw: str):
    from ..inventory import lookup

    return lookup.expect(lookup.identify(raw), *HANDHELD_KINDS)


def _print_state(form) -> PrintState:
    kind, ref = form.get("kind") or "", form.get("ref") or ""
    if not kind:
        return PrintState()
    if kind not in HANDHELD_KINDS:
        raise StaleScreen()
    try:
        found = _identify(ref)
    except DomainError:
        raise StaleScreen() from None
    if found.kind != kind:
        raise StaleScreen()
    return PrintState(found=found, printer=form_row(Printer, form, "printer_id"))


def _printer(state: PrintState, raw: str) -> Printer:
    """The printer scanned by its name (any case), or Enter for the default one; it must take this label."""
    from .sources import label_data

    code = raw.strip()
    if not code:
        printer = choose_printer(None, state.kind)
    else:
        named = db.session.scalars(select(Printer).where(func.upper(Printer.name) == code.upper())).all()
        printer = next((p for p in named if p.name == code), named[0] if len(named) == 1 else None)
        if printer is None:
            default = state.default_printer()
            raise DomainError(
                _l("%(code)s is not a printer: scan the name on the printer's sticker, or press Enter for "
                   "%(printer)s.", code=code[:40], printer=default.name) if default else
                _l("%(code)s is not a printer: scan the name on the printer's sticker.", code=code[:40]))
        if not printer.active:
            raise switched_off(printer)
    queue.render_for(printer, state.kind, label_data(state.kind, state.ref))  # refuses a wrong label size now
    return printer


@bp.get("/")
def index():
    """Scan (or type) a location or a product; then the printer and the copies, by scan or Enter."""
    return _screen(state=PrintState())


@bp.post("/")
def scan():
    form = request.form
    raw = form.get("scan", "")
    try:
        state = _print_state(form)
    except StaleScreen as exc:
        return refused(TEMPLATE, exc, lambda: dict(state=PrintState()))
    try:
        if state.step == "what":
            return answer(TEMPLATE, state=PrintState(found=_identify(raw)))
        if state.step == "printer":
            return answer(TEMPLATE, state=PrintState(found=state.found, printer=_printer(state, raw)))
        copies = typed_quantity(raw, most=queue.MAX_COPIES, unit=_l("copies")) if raw.strip() else 1
        done = queue.print_scanned(state.kind, state.ref, printer_name=state.printer.name, copies=copies,
                                   user_id=current_user.id, scan_id=form.get("scan_id"))
    except DomainError as exc:
        return refused(TEMPLATE, exc, lambda: dict(state=_print_state(form)))
    job_id = int(done["job_id"])
    job = queue.job_state(queue.get_job(job_id))
    return answer(TEMPLATE, state=PrintState(), job=dict(state=job, pending=job.pending, job_id=job_id, polls=0))


def _state(job_id: int, polls: int):
    state = queue.job_state(queue.get_job(job_id))
    pending = state.pending and polls < MOST_POLLS
    return render_template("printing/hh/_print_result.html", state=state, pending=pending, job_id=job_id,
                           polls=polls), state


@bp.post("/label")
def print_label():
    form = request.form
    kind = form.get("kind", "")
    if kind not in HANDHELD_KINDS:
        raise DomainError(_l("From the handheld you can print location and product labels."))
    done = queue.print_scanned(kind, form.get("ref", ""), station=form.get("station") or None,
                               printer_name=form.get("printer") or None, user_id=current_user.id,
                               scan_id=form.get("scan_id"))
    body, _state_now = _state(int(done["job_id"]), 0)
    return feedback(body, ok=True)  # queued: the label is asked for; the poll tells how it went


@bp.get("/jobs/<int:job_id>/state")
def job_state(job_id: int):
    """The job's state for the answer's poll. Only a printer problem sounds (bad); news while it is still
    pending, and the good end, stay quiet: the tap already had its good sound."""
    polls = numbers.whole(request.args.get("n"), most=MOST_POLLS) or 0
    body, state = _state(job_id, polls + 1)
    if state.ok or state.pending:
        return body
    return feedback(body, ok=False)
