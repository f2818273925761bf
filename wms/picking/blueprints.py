"""The picking area: handheld picking and replenishment, the desk's waves. Its event handlers are wired in
wms/handlers.py."""
from flask_babel import lazy_gettext as _l

from .. import desk
from ..handheld import add_menu_item


def register(app) -> None:
    from . import handheld_replenish  # noqa: F401  (the replenishment routes of the handheld blueprint)
    from .handheld import bp as handheld_bp
    from .views import bp as desk_bp

    app.register_blueprint(handheld_bp)
    app.register_blueprint(desk_bp)
    add_menu_item(40, "picking_hh.waves", _l("Pick"))
    add_menu_item(45, "picking_hh.replenish", _l("Replenish"))
    desk.add_navigation(70, "picking_desk.waves", _l("Waves"))
