"""The integration area's desk pages (admin) and its `wms webhook` commands."""
from flask_babel import lazy_gettext as _l

from .. import desk


def register(app) -> None:
    from .commands import register as register_commands
    from .views import bp

    app.register_blueprint(bp)
    register_commands(app)
    desk.add_navigation(95, "integration.webhooks", _l("Webhooks"), setup=True)
