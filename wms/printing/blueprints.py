"""The printing area's screens: the desk's printers, queue and labels, and the handheld's print button."""
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from .. import desk
from ..handheld import add_menu_item


def register(app) -> None:
    from .handheld import bp as handheld_bp
    from .views import bp

    app.register_blueprint(bp)
    app.register_blueprint(handheld_bp)
    desk.add_navigation(90, "printing.printers", _l("Printers"), setup=True)
    add_menu_item(90, "printing_hh.index", _l("Print a label"))

    from sqlalchemy import func, select

    from ..extensions import db
    from .models import PrintJob

    desk.add_tile(90, lambda n: ngettext("print job failed", "print jobs failed", n), lambda: db.session.scalar(
        select(func.count()).select_from(PrintJob).where(PrintJob.status == "failed")) or 0,
        "printing.jobs", status="failed")
