"""Logins: desk (username + password) and handheld (badge + PIN), logout, language."""
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from .. import desk
from ..access import blueprint_role, requires
from ..errors import DomainError
from ..i18n import LOCALES
from ..views_common import feedback
from . import services
from .models import Role

bp = blueprint_role(Blueprint("auth", __name__), Role.WORKER)


def _safe_next(default: str) -> str:
    target = request.values.get("next") or ""
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc:
        return target
    return default


def _home_for(user) -> str:
    return url_for("desk.home") if user.has_role(Role.SUPERVISOR) else url_for("handheld.menu")


@bp.route("/login", methods=["GET", "POST"])
def login():
    error, status = None, 200
    if request.method == "POST":
        try:
            user = services.login_with_password(request.form.get("username", ""), request.form.get("password", ""),
                                                address=request.remote_addr)
        except DomainError as exc:
            error, status = str(exc), exc.status
        else:
            session.permanent = True
            login_user(user)
            return redirect(_safe_next(_home_for(user)))
    return render_template("auth/login.html", error=error), (status if error else 200)


@bp.get("/hh/login")
def hh_login():
    return render_template("auth/hh_login.html")


@bp.post("/hh/login")
def hh_badge():
    """First the badge scan, then the PIN: both posted here by htmx. The badge alone is not looked up: any badge
    is asked for its PIN, and the person's name is shown only once badge and PIN were right (a badge scanned by
    a stranger tells nothing about who has it)."""
    badge = (request.form.get("badge") or request.form.get("scan") or "").strip()
    pin = request.form.get("pin")
    if pin is None:
        if not badge or len(badge) > 64:
            error = _("Scan your badge.")
            return feedback(render_template("auth/_hh_badge.html", error=error), ok=False, status=422)
        return feedback(render_template("auth/_hh_pin.html", badge=badge), ok=True)
    try:
        user = services.login_with_badge(badge, pin, address=request.remote_addr)
    except DomainError as exc:
        return feedback(render_template("auth/_hh_pin.html", badge=badge, error=str(exc)), ok=False,
                        status=429 if exc.status == 429 else 422)
    session.permanent = True
    login_user(user)
    response = feedback("", ok=True)
    response.headers["HX-Redirect"] = url_for("handheld.menu")
    return response


@bp.post("/logout")
def logout():
    handheld = bool(request.form.get("handheld"))
    if current_user.is_authenticated:
        services.logout(current_user.id)  # every session of this person ends, a copied cookie too
    logout_user()
    session.clear()
    return redirect(url_for("auth.hh_login") if handheld else url_for("auth.login"))


@bp.post("/language")
def language():
    locale = request.form.get("locale", "")
    if locale in LOCALES:
        session["locale"] = locale
        if current_user.is_authenticated:
            services.set_locale(current_user, locale)
    back = _safe_next(url_for("desk.home"))
    if request.headers.get("HX-Request"):
        response = feedback("", ok=True)
        response.headers["HX-Refresh"] = "true"
        return response
    return redirect(back)


@bp.app_context_processor
def _languages():
    from ..i18n import bound_gettext

    return {"LOCALES": LOCALES, "_": bound_gettext()}


# ------------------------------------------------------------------------------------------------ API tokens (admin)

def _tokens_page(*, created: str | None = None, error: str | None = None, form=None, status: int = 200):
    from .models import ALL_SCOPES

    return render_template("auth/api_tokens.html", tokens=services.tokens(), scopes=ALL_SCOPES, created=created,
                           error=error, form=form or {}), status


@bp.get("/desk/api-tokens")
@requires(Role.ADMIN)
def api_tokens():
    return _tokens_page()


@bp.post("/desk/api-tokens")
@requires(Role.ADMIN)
def api_token_create():
    """Make a token and show it this once (no redirect: it is kept nowhere but in this answer)."""
    scopes = request.form.getlist("scopes")
    try:
        secret = services.create_token(request.form.get("name", ""), scopes, user_id=current_user.id)
    except DomainError as exc:
        return _tokens_page(error=str(exc), form=request.form, status=exc.status)
    body, _status = _tokens_page(created=secret)
    return body, 201, {"Cache-Control": "no-store"}


@bp.post("/desk/api-tokens/<int:token_id>/revoke")
@requires(Role.ADMIN)
def api_token_revoke(token_id: int):
    row = services.deactivate_token(token_id, user_id=current_user.id)
    flash(_("Token %(name)s revoked: it is refused from now on.", name=row.name), "success")
    return redirect(url_for("auth.api_tokens"))


desk.add_navigation(96, "auth.api_tokens", _l("API tokens"), setup=True)
