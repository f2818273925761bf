"""Locations on the desk: the list, a location's page, ranges, CSV import and the warehouse layout."""
from flask_babel import lazy_gettext as _l

from .. import desk


def register(app) -> None:
    from .views import bp

    app.register_blueprint(bp)
    desk.add_navigation(10, "locations.index", _l("Locations"), setup=True)
