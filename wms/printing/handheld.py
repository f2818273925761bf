"""Printing from the handheld: a location or product label from "What's here?" (and, later, receiving and
shipping screens). One POST; the answer is a short message with the good or bad sound."""
from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..access import blueprint_role
from ..auth.models import Role
from ..errors import DomainError
from ..views_common import feedback
from . import services

bp = blueprint_role(Blueprint("printing_hh", __name__, url_prefix="/hh/print"), Role.WORKER)

HANDHELD_KINDS = ("location", "product")


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
    return feedback(_screen(found=found), ok=True)


@bp.post("/label")
def print_label():
    form = request.form
    kind = form.get("kind", "")
    if kind not in HANDHELD_KINDS:
        raise DomainError(_l("From the handheld you can print location and product labels."))
    job_id = services.print_record(kind, form.get("ref", ""), station=form.get("station") or None,
                                   printer_name=form.get("printer") or None, user_id=current_user.id,
                                   scan_id=form.get("scan_id"))
    ok, message = services.job_message(services.get_job(job_id))
    return feedback(render_template("printing/hh/_print_result.html", ok=ok, message=message, job_id=job_id),
                    ok=ok)
