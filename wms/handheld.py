"""The handheld menu. Each area adds its own handheld screens under /hh/."""
from flask import Blueprint, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from .access import blueprint_role
from .auth.models import Role
from .station_cards import MENU as MENU_CARD
from .views_common import feedback

bp = blueprint_role(Blueprint("handheld", __name__, url_prefix="/hh"), Role.WORKER)

# (position, endpoint, label) the areas add as they register; the menu numbers them 1, 2, 3...
MENU: list[tuple[int, str, object]] = []


def add_menu_item(position: int, endpoint: str, label) -> None:
    if endpoint not in {e for _p, e, _l in MENU}:
        MENU.append((position, endpoint, label))
        MENU.sort(key=lambda item: item[0])


@bp.get("/")
def menu():
    return render_template("hh/menu.html", items=_items())


def _items():
    return [(str(i), endpoint, label) for i, (_position, endpoint, label) in enumerate(MENU, start=1)]


@bp.post("/")
def choose():
    """Typing a menu number (or scanning a printed menu code) opens that screen."""
    choice = (request.form.get("scan") or "").strip()
    if choice.upper() == MENU_CARD:  # the station card (static/scan.js takes it on the other screens)
        return feedback(render_template("hh/menu.html", items=_items()), ok=True)
    for number, endpoint, _label in _items():
        if choice == number:
            response = feedback("", ok=True)
            response.headers["HX-Redirect"] = url_for(endpoint)
            return response
    return feedback(
        render_template("hh/menu.html", items=_items(), error=_l("Type a number from the menu.")),
        ok=False,
        status=422,
    )
