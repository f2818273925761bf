"""The recall area: the desk's recall, trace, distribution map and lot history."""
from flask_babel import lazy_gettext as _l

from .. import desk


def register(app) -> None:
    from .views import bp

    app.register_blueprint(bp)
    desk.add_navigation(85, "recall_desk.recalls", _l("Recalls"))
