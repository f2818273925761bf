"""Printing from the handheld: a location or product label from "What's here?" (and, later, receiving and
shipping screens). One POST queues the label and answers at once ("Label queued for X."); the answer polls
the job's state until the printer took it (good news, no second sound) or did not (the bad sound)."""
from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import numbers
from ..access import blueprint_role
from ..auth.models import Role
from ..errors import DomainError
from ..views_common import answer, feedback
from . import queue

bp = blueprint_role(Blueprint("printing_hh", __name__, url_prefix="/hh/print"), Role.WORKER)

HANDHELD_KINDS = ("location", "product")
MOST_POLLS = 30  # about half a minute of "queued": then the screen stops asking (the job stays in the queue)


def _screen(**context):
    return render_template("printing/hh/print.html", **context)


@bp.get("/")
def index():
    """Scan (or type) a location or a product: its print buttons appear."""
    return _screen(found=None)


@bp.post("/")
def scan():
    from ..inventory import lookup

    try:
        found = lookup.expect(lookup.identify(request.form.get("scan", "")), "location", "product")
    except DomainError as exc:
        return feedback(_screen(found=None, error=str(exc)), ok=False, status=exc.status)
    return answer("printing/hh/print.html", found=found)


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
