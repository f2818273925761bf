"""The supervisors' desk: home and navigation. Each area adds its own desk blueprint."""
from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from .access import blueprint_role, requires
from .auth.models import Role

bp = blueprint_role(Blueprint("desk", __name__), Role.SUPERVISOR)

# (endpoint, label) pairs the areas add to the desk navigation as they register, in `position` order.
NAVIGATION: list[tuple[str, object]] = []
_positions: dict[str, int] = {}


def add_navigation(position: int, endpoint: str, label) -> None:
    if endpoint not in _positions:
        _positions[endpoint] = position
        NAVIGATION.append((endpoint, label))
        NAVIGATION.sort(key=lambda item: _positions[item[0]])


@bp.get("/")
@requires(Role.WORKER)
def index():
    if current_user.has_role(Role.SUPERVISOR):
        return redirect(url_for("desk.home"))
    return redirect(url_for("handheld.menu"))


@bp.get("/desk")
def home():
    return render_template("desk/home.html")


@bp.app_context_processor
def _navigation():
    return {"desk_navigation": NAVIGATION}
