"""The catalogue on the desk: products, their barcodes and lots, CSV import."""
from flask_babel import lazy_gettext as _l

from .. import desk


def register(app) -> None:
    from .views import bp

    app.register_blueprint(bp)
    desk.add_navigation(20, "catalog.index", _l("Products"), setup=True)
