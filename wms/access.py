"""Who may open what.

Every endpoint needs a logged-in user with a role, except those marked public.
A blueprint declares the least role its views need (supervisor when it says
nothing); a single view may ask for more with `requires`. The API answers to
tokens instead of sessions.
"""
from functools import wraps

from flask import Blueprint, abort, current_app, jsonify, redirect, request, url_for
from flask_login import current_user

from .auth.models import Role

PUBLIC_ENDPOINTS = {"static", "auth.login", "auth.hh_login", "auth.hh_badge", "health.healthz", "health.favicon"}
_blueprint_roles: dict[str, Role] = {}


def blueprint_role(blueprint: Blueprint, role: Role) -> Blueprint:
    _blueprint_roles[blueprint.name] = role
    return blueprint


def requires(role: Role):
    def decorate(view):
        view.required_role = role

        @wraps(view)
        def wrapped(*args, **kwargs):
            return view(*args, **kwargs)

        wrapped.required_role = role
        return wrapped

    return decorate


def needed_role(endpoint: str) -> Role:
    view = current_app.view_functions.get(endpoint)
    if view is not None and getattr(view, "required_role", None):
        return view.required_role
    blueprint = endpoint.rsplit(".", 1)[0] if "." in endpoint else ""
    return _blueprint_roles.get(blueprint, Role.SUPERVISOR)


def is_handheld_path(path: str) -> bool:
    return path == "/hh" or path.startswith("/hh/")


def login_url_for(path: str) -> str:
    return url_for("auth.hh_login") if is_handheld_path(path) else url_for("auth.login")


def unauthenticated():
    """Send the person to the right login; an htmx request is told to navigate, never swapped a login page."""
    target = login_url_for(request.path)
    if request.headers.get("HX-Request"):
        response = current_app.response_class("", status=401)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target + "?next=" + request.full_path.rstrip("?") if request.method == "GET" else target)


def enforce():
    """app.before_request: refuse anything not public to people without a login and the role."""
    endpoint = request.endpoint
    if endpoint is None:
        return None  # 404/405 are answered by Flask
    if endpoint in PUBLIC_ENDPOINTS or endpoint.startswith("api."):
        return None  # the API blueprint checks its own tokens
    if not current_user.is_authenticated:
        return unauthenticated()
    if not current_user.has_role(needed_role(endpoint)):
        abort(403)
    return None


def api_error(status: int, message: str, **extra):
    body = {"error": message}
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    return response
