"""The inventory area's screens and menu entries."""
from flask_babel import lazy_gettext as _l

from ..handheld import add_menu_item


def register(app) -> None:
    from . import views
    from .handheld import bp as handheld_bp

    app.register_blueprint(handheld_bp)
    add_menu_item(10, "inventory_hh.here", _l("What's here?"))
    add_menu_item(20, "inventory_hh.move", _l("Move"))
    add_menu_item(30, "inventory_hh.count", _l("Count"))
    views.register(app)  # the desk: its blueprint and navigation
