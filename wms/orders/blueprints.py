"""The orders area: its API routes, desk screens and navigation."""
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from .. import desk


def register(app) -> None:
    from ..api import openapi  # noqa: F401  GET /api/v1/openapi.json, generated from the operations
    from . import api  # noqa: F401  routes on wms.api.bp, before the app registers it
    from .views import bp

    app.register_blueprint(bp)
    desk.add_navigation(60, "orders_desk.orders", _l("Orders"))
    desk.add_navigation(75, "orders_desk.channel_rules", _l("Channel rules"), setup=True)

    from sqlalchemy import func, select

    from .. import clock
    from ..extensions import db
    from .models import OPEN_STATUSES, Order, OrderStatus

    def count(*criteria) -> int:
        return db.session.scalar(select(func.count()).select_from(Order).where(*criteria)) or 0

    desk.add_tile(30, lambda n: ngettext("order back-ordered or partly allocated", "orders back-ordered or partly allocated", n), lambda: count(Order.status.in_(
        [OrderStatus.BACKORDERED.value, OrderStatus.PARTIALLY_ALLOCATED.value])),
        "orders_desk.orders", status="backordered")
    desk.add_tile(31, lambda n: ngettext("open order promised by today", "open orders promised by today", n), lambda: count(
        Order.status.in_([s.value for s in OPEN_STATUSES]), Order.promised_ship_date <= clock.today()),
        "orders_desk.orders", status="open")
    desk.add_tile(32, lambda n: ngettext("order on hold", "orders on hold", n), lambda: count(Order.on_hold.is_(True)),
                  "orders_desk.orders", held="1")
