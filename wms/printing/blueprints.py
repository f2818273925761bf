"""The printing area's screens: the desk's printers, queue and labels, and the handheld's print button."""
from flask_babel import lazy_gettext as _l

from .. import desk


def register(app) -> None:
    from .handheld import bp as handheld_bp
    from .views import bp

    app.register_blueprint(bp)
    app.register_blueprint(handheld_bp)
    desk.add_navigation(90, "printing.printers", _l("Printers"))
