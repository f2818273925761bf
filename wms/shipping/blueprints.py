"""The shipping area: its API routes, handheld screens (packing, dock), desk screens and menu entries."""
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from .. import desk
from ..handheld import add_menu_item


def register(app) -> None:
    from ..api import openapi  # noqa: F401  GET /api/v1/openapi.json
    from . import api  # noqa: F401  routes on wms.api.bp, before the app registers it
    from .handheld import bp as handheld_bp
    from .views import bp as desk_bp

    app.register_blueprint(handheld_bp)
    app.register_blueprint(desk_bp)
    add_menu_item(70, "shipping_hh.pack_start", _l("Pack"))
    add_menu_item(75, "shipping_hh.dock_start", _l("Dock"))
    desk.add_navigation(40, "shipping_desk.board", _l("Shipping"))
    desk.add_navigation(41, "shipping_desk.manifests", _l("Manifests"))
    desk.add_navigation(88, "shipping_desk.carriers_page", _l("Carriers"), setup=True)
    desk.add_navigation(89, "shipping_desk.boxes", _l("Box types"), setup=True)

    from sqlalchemy import func, select

    from ..extensions import db
    from ..orders.models import Order, OrderStatus
    from . import carriers

    desk.add_tile(40, lambda n: ngettext("order waiting to be packed", "orders waiting to be packed", n), lambda: db.session.scalar(
        select(func.count()).select_from(Order).where(Order.status == OrderStatus.PICKED.value)) or 0,
        "shipping_desk.board")
    desk.add_tile(41, lambda n: ngettext("carrier service running out of tracking numbers", "carrier services running out of tracking numbers", n),
                  lambda: len(carriers.ranges_running_out()), "shipping_desk.carriers_page")
