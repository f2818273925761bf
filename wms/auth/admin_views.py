"""Admin pages for people (create with badge and PIN, role, badge, reset PIN, unlock, deactivate) and the audit
trail (search by person, day and kind of change; CSV). Admins only. API tokens have a page of their own."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import and_, func, literal, or_, select

from .. import clock, csv_export, desk
from ..access import blueprint_role
from ..audit import AuditEvent
from ..dbtypes import utcnow
from ..errors import DomainError
from ..extensions import db
from ..i18n import LOCALES
from ..paging import Page
from . import people
from .models import Role, User

bp = blueprint_role(Blueprint("auth_admin", __name__, url_prefix="/desk/admin"), Role.ADMIN)

ROLE_WORDS = {Role.WORKER.value: _l("worker"), Role.SUPERVISOR.value: _l("supervisor"), Role.ADMIN.value: _l("admin")}


def register(app) -> None:
    app.register_blueprint(bp)
    desk.add_navigation(96, "auth_admin.people_list", _l("People"), setup=True)
    desk.add_navigation(97, "auth_admin.audit_trail", _l("Audit trail"), setup=True)


@bp.context_processor
def _helpers():
    return {"role_word": lambda code: str(ROLE_WORDS.get(code, code)), "roles": ROLE_WORDS, "now": utcnow(),
            "locales": LOCALES}


# ---------------------------------------------------------------------------------------------- people

def _people_page(error=None, status=200, form=None):
    everyone = db.session.scalars(select(User).order_by(User.active.desc(), User.name, User.id)).all()
    return render_template("auth/admin/people.html", people=everyone, error=error, form=form or {}), status


@bp.get("/people")
def people_list():
    """Everyone who may log in, active first."""
    return _people_page()


@bp.post("/people")
def person_create():
    form = request.form
    try:
        user = people.create_person(form.get("username", ""), name=form.get("name", ""), role=form.get("role", ""),
                                    badge=form.get("badge"), pin=form.get("pin"), password=form.get("password"),
                                    locale=form.get("locale") if form.get("locale") in LOCALES else "pt_BR")
    except DomainError as exc:
        return _people_page(str(exc), exc.status, {k: v for k, v in form.items() if k not in ("pin", "password")})
    flash(_("%(name)s can log in now.", name=user.name), "success")
    return redirect(url_for("auth_admin.people_list"))


def _change(user_id: int, action, done: str):
    try:
        action()
    except DomainError as exc:
        if exc.status == 404:
            abort(404)
        return _people_page(str(exc), exc.status)
    flash(done, "success")
    return redirect(url_for("auth_admin.people_list"))


@bp.post("/people/<int:user_id>/role")
def person_role(user_id: int):
    return _change(user_id, lambda: people.set_role(user_id, request.form.get("role", "")), _("Role changed."))


@bp.post("/people/<int:user_id>/badge")
def person_badge(user_id: int):
    return _change(user_id, lambda: people.set_badge(user_id, request.form.get("badge")), _("Badge changed."))


@bp.post("/people/<int:user_id>/pin")
def person_pin(user_id: int):
    return _change(user_id, lambda: people.reset_pin(user_id, request.form.get("pin", "")), _("PIN reset."))


@bp.post("/people/<int:user_id>/unlock")
def person_unlock(user_id: int):
    return _change(user_id, lambda: people.unlock(user_id), _("Unlocked: they may try again."))


@bp.post("/people/<int:user_id>/active")
def person_active(user_id: int):
    active = request.form.get("active") == "1"
    return _change(user_id, lambda: people.set_active(user_id, active, by_user_id=current_user.id),
                   _("Reactivated.") if active else _("Deactivated: they cannot log in any more."))


# ---------------------------------------------------------------------------------------------- audit trail

def _day(name: str) -> date | None:
    value = (request.args.get(name) or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise DomainError(_l("%(value)s is not a date: use the calendar (YYYY-MM-DD).", value=value[:20])) from None


def _audit_query():
    """Events filtered by the query string: `user` (username), `date_from`/`date_to` (warehouse days), `kind`
    (an action such as user.create, or its family such as user), newest first."""
    zone = ZoneInfo(current_app.config["WMS_TIMEZONE"])
    username = (request.args.get("user") or "").strip()[:64]
    kind = (request.args.get("kind") or "").strip()[:64]
    first, last = _day("date_from"), _day("date_to")
    conditions = []
    if username:
        conditions.append(func.lower(User.username) == username.lower())
    if kind:
        conditions.append(or_(AuditEvent.action == kind, AuditEvent.action.startswith(kind + ".", autoescape=True)))
    if first:
        conditions.append(AuditEvent.at >= datetime.combine(first, time(0), zone).astimezone(UTC))
    if last:
        conditions.append(AuditEvent.at < datetime.combine(last + timedelta(days=1), time(0), zone).astimezone(UTC))
    query = (select(AuditEvent.at, User.username, User.name, AuditEvent.action, AuditEvent.target_type,
                    AuditEvent.target_id, AuditEvent.details)
             .outerjoin(User, User.id == AuditEvent.user_id)
             .where(and_(*conditions) if conditions else literal(True))
             .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()))
    args = {k: v for k, v in {"user": username, "kind": kind, "date_from": first.isoformat() if first else "",
                              "date_to": last.isoformat() if last else ""}.items() if v}
    return query, args


@bp.get("/audit")
def audit_trail():
    try:
        query, args = _audit_query()
    except DomainError as exc:
        return render_template("auth/admin/audit.html", rows=[], page=Page.of(0, 1), args={}, error=str(exc),
                               kinds=_kinds()), exc.status
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    page = Page.of(total, request.args.get("page", default=1, type=int))
    rows = db.session.execute(query.limit(page.per_page).offset(page.offset)).all()
    return render_template("auth/admin/audit.html", rows=rows, page=page, args=args, error=None, kinds=_kinds())


def _kinds() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def details_text(details: dict | None) -> str:
    return ", ".join(f"{key}={value}" for key, value in (details or {}).items())


@bp.get("/audit.csv")
def audit_export():
    query, _args = _audit_query()
    query = query.execution_options(yield_per=1000)

    def rows():
        for at, username, _name, action, target_type, target_id, details in db.session.execute(query):
            yield [at, username, action, target_type, target_id, details_text(details)]

    header = [str(h) for h in (_l("When"), _l("User"), _l("Kind"), _l("Target"), _l("Target id"), _l("Details"))]
    return Response(stream_with_context(csv_export.lines(header, rows())), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition":
                             f'attachment; filename="audit-{clock.today().isoformat()}.csv"'})
