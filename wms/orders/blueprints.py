"""The orders area: its API routes, desk screens and navigation."""
from flask_babel import lazy_gettext as _l

from .. import desk


def register(app) -> None:
    from ..api import openapi  # noqa: F401  GET /api/v1/openapi.json, merged from every area's PATHS
    from . import api  # noqa: F401  routes on wms.api.bp, before the app registers it
    from .views import bp

    app.register_blueprint(bp)
    desk.add_navigation(60, "orders_desk.orders", _l("Orders"))
    desk.add_navigation(75, "orders_desk.channel_rules", _l("Channel rules"))
