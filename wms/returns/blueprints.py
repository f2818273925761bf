"""The returns area: API routes, the returns dock on the handheld, the desk's board and reports."""
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from .. import desk
from ..handheld import add_menu_item


def register(app) -> None:
    from ..api import openapi  # noqa: F401
    from . import api  # noqa: F401  routes on wms.api.bp, before the app registers it
    from .handheld import bp as handheld_bp
    from .views import bp as desk_bp

    app.register_blueprint(handheld_bp)
    app.register_blueprint(desk_bp)
    add_menu_item(60, "returns_hh.start", _l("Returns"))
    desk.add_navigation(80, "returns_desk.board", _l("Returns"))

    from sqlalchemy import func, select

    from ..extensions import db
    from .models import Rma, RmaStatus

    desk.add_tile(40, lambda n: ngettext("return being received", "returns being received", n), lambda: db.session.scalar(
        select(func.count()).select_from(Rma).where(Rma.status == RmaStatus.RECEIVING.value)) or 0,
        "returns_desk.board", status="receiving")
