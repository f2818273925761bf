"""The inventory area's screens and menu entries."""
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from ..handheld import add_menu_item
from ..station_cards import add_command_card


def register(app) -> None:
    from . import cards, handheld_count, handheld_move, views  # noqa: F401  (the move and count routes)
    from .handheld import bp as handheld_bp

    app.register_blueprint(handheld_bp)
    cards.register(app)  # the stock cards the handheld's stock screens show
    add_menu_item(10, "inventory_hh.here", _l("What's here?"))
    add_menu_item(20, "inventory_hh.move", _l("Move"))
    add_menu_item(30, "inventory_hh.count", _l("Count"))
    add_command_card(handheld_count.FINISH, _l("Finishes the count of the location (as scanning it again does)."),
                     _l("Count"), "inventory_hh.count")
    views.register(app)  # the desk: its blueprint and navigation
    _tiles()


def _tiles() -> None:
    from datetime import timedelta

    from sqlalchemy import func, select

    from .. import clock
    from ..catalog.models import Lot, LotStatus
    from ..desk import add_tile
    from ..extensions import db
    from . import summary
    from .models import Adjustment, CountTask

    def count(stmt) -> int:
        return db.session.scalar(stmt) or 0

    add_tile(10, lambda n: ngettext("adjustment awaiting approval", "adjustments awaiting approval", n), lambda: count(
        select(func.count()).select_from(Adjustment).where(Adjustment.status == "pending")),
        "inventory_desk.adjustments")
    add_tile(11, lambda n: ngettext("count to review", "counts to review", n), lambda: count(
        select(func.count()).select_from(CountTask).where(CountTask.status == "counted")),
        "inventory_desk.counts")
    # The few lots concerned by index (expiry, status), each probed by key in the stock summary.
    add_tile(12, lambda n: ngettext("lot with stock expiring within 30 days", "lots with stock expiring within 30 days",
                                    n), lambda: count(
        select(func.count()).select_from(Lot)
        .where(Lot.expires_on <= clock.today() + timedelta(days=30), summary.lot_in_stock(Lot.id))),
        "inventory_desk.expiry")
    add_tile(13, lambda n: ngettext("lot held (quarantine, blocked, recalled) with stock",
                                    "lots held (quarantine, blocked, recalled) with stock", n), lambda: count(
        select(func.count()).select_from(Lot)
        .where(Lot.status.in_([s.value for s in LotStatus if s != LotStatus.RELEASED]), summary.lot_in_stock(Lot.id))),
        "inventory_desk.stock", view="lot")
