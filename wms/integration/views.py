"""The admin's desk for integration: webhook endpoints (add, switch off/on), their deliveries (status,
attempts, last answer, "send again"), and the customer e-mails."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from .. import numbers
from ..access import blueprint_role
from ..auth.models import Role
from ..errors import DomainError
from ..events import Event
from ..extensions import db
from ..paging import Page
from . import endpoints, rules
from .models import MailMessage, SendStatus, WebhookDelivery, WebhookEndpoint

bp = blueprint_role(Blueprint("integration", __name__, url_prefix="/desk/integration"), Role.ADMIN)

STATUS_NAMES = {"pending": _l("waiting"), "sending": _l("sending"), "delivered": _l("delivered"),
                "failed": _l("failed")}


@bp.context_processor
def _helpers():
    return {"status_name": lambda code: str(STATUS_NAMES.get(code, code)), "event_kinds": rules.EVENT_KINDS}


def _page() -> int:
    return numbers.whole(request.args.get("page", "1"), least=1, most=999_999) or 1


def _render_endpoints(*, error: str | None = None, form=None, created=None, status: int = 200):
    counts = {(endpoint_id, state): count for endpoint_id, state, count in db.session.execute(
        select(WebhookDelivery.endpoint_id, WebhookDelivery.status, func.count())
        .group_by(WebhookDelivery.endpoint_id, WebhookDelivery.status))}
    listed = db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)).all()
    return render_template("integration/desk/endpoints.html", endpoints=listed, counts=counts, error=error,
                           form=form or {}, created=created), status


@bp.get("/webhooks")
def webhooks():
    return _render_endpoints()


@bp.post("/webhooks")
def add_webhook():
    chosen = request.form.getlist("events") or request.form.get("events_text", "")
    try:
        made = endpoints.add_endpoint(request.form.get("url", ""), chosen,
                                      description=request.form.get("description", ""), user_id=current_user.id)
    except DomainError as exc:
        return _render_endpoints(error=str(exc), form=request.form, status=exc.status)
    # Not a redirect: the secret is shown on this answer only, never stored in the clear or in the session.
    response = render_template("integration/desk/created.html", made=made)
    return response, 201, {"Cache-Control": "no-store"}


@bp.post("/webhooks/<int:endpoint_id>/active")
def set_active(endpoint_id: int):
    active = request.form.get("active") == "1"
    endpoint = endpoints.set_active(endpoint_id, active, user_id=current_user.id)
    flash(_("%(url)s is in use again.", url=endpoint.url) if active
          else _("%(url)s is switched off: no events go to it.", url=endpoint.url), "success")
    return redirect(request.form.get("next") == "endpoint" and url_for(".endpoint", endpoint_id=endpoint_id)
                    or url_for(".webhooks"))


@bp.get("/webhooks/<int:endpoint_id>")
def endpoint(endpoint_id: int):
    chosen = endpoints.get_endpoint(endpoint_id)
    state = request.args.get("status", "")
    query = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
    if state in STATUS_NAMES:
        query = query.where(WebhookDelivery.status == state)
    else:
        state = ""
    page = Page.of(db.session.scalar(select(func.count()).select_from(query.subquery())) or 0, _page())
    deliveries = db.session.scalars(
        query.order_by(WebhookDelivery.event_id.desc()).offset(page.offset).limit(page.per_page)).all()
    kinds = dict(db.session.execute(select(Event.id, Event.kind).where(
        Event.id.in_([d.event_id for d in deliveries]))).all()) if deliveries else {}
    return render_template("integration/desk/endpoint.html", endpoint=chosen, deliveries=deliveries, kinds=kinds,
                           state=state, page=page)


@bp.post("/deliveries/<int:delivery_id>/send-again")
def send_again(delivery_id: int):
    delivery = endpoints.send_again(delivery_id, user_id=current_user.id)
    flash(_("Event %(event)s will be sent again to %(url)s with the same webhook-id.",
            event=delivery.event_id, url=delivery.endpoint.url), "success")
    return redirect(url_for(".endpoint", endpoint_id=delivery.endpoint_id))


@bp.get("/mail")
def mails():
    page = Page.of(db.session.scalar(select(func.count()).select_from(MailMessage)) or 0, _page())
    rows = db.session.scalars(select(MailMessage).order_by(MailMessage.id.desc())
                              .offset(page.offset).limit(page.per_page)).all()
    return render_template("integration/desk/mail.html", mails=rows, page=page,
                           statuses=SendStatus)
