"""The receiving area: its API routes, handheld screens, desk screens and menu entries."""
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from .. import desk
from ..handheld import add_menu_item
from ..station_cards import add_command_card


def register(app) -> None:
    from ..api import openapi  # noqa: F401  GET /api/v1/openapi.json, generated from the operations

    # api: routes on wms.api.bp, before the app registers it; handheld_putaway: screens on the handheld blueprint
    from . import api, handheld_putaway  # noqa: F401
    from .handheld import bp as handheld_bp
    from .tolerance import register_settings
    from .views import bp as desk_bp

    register_settings()
    app.register_blueprint(handheld_bp)
    app.register_blueprint(desk_bp)
    add_menu_item(50, "receiving_hh.receive", _l("Receive"))
    add_menu_item(55, "receiving_hh.putaway", _l("Put away"))
    from .handheld import CLOSE

    add_command_card(CLOSE, _l("Asks to close the receipt being received and shows what is missing; scanned "
                               "again, closes it."), _l("Receive"), "receiving_hh.receive")
    desk.add_navigation(5, "receiving_desk.board", _l("Receiving"))
    desk.add_navigation(6, "receiving_desk.quarantine", _l("Quarantine"))
    desk.add_navigation(86, "receiving_desk.rules", _l("Put-away rules"), setup=True)

    from sqlalchemy import func, select

    from .. import clock
    from ..extensions import db
    from .models import Asn, AsnStatus, Hold, HoldStatus

    desk.add_tile(20, lambda n: ngettext("ASN expected by today, not received yet", "ASNs expected by today, not received yet", n), lambda: db.session.scalar(
        select(func.count()).select_from(Asn).where(Asn.status == AsnStatus.EXPECTED.value,
                                                    Asn.expected_on <= clock.today())) or 0,
        "receiving_desk.board")
    desk.add_tile(21, lambda n: ngettext("quarantine hold waiting for QA", "quarantine holds waiting for QA", n), lambda: db.session.scalar(
        select(func.count()).select_from(Hold).where(Hold.status == HoldStatus.OPEN.value)) or 0,
        "receiving_desk.quarantine")
