"""The words for shipping's status codes on the desk. A shipment ("remessa") is feminine in Portuguese, a package
("volume") and a manifest ("romaneio") masculine: each has its own words, by context."""
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from ..orders.words import CHANNEL
from ..orders.words import STATUS as ORDER_STATUS

SHIPMENT_STATUS = {
    "packed": lazy_pgettext("shipment", "packed"), "posted": lazy_pgettext("shipment", "posted"),
    "in_transit": lazy_pgettext("shipment", "in transit"),
    "out_for_delivery": lazy_pgettext("shipment", "out for delivery"),
    "awaiting_pickup": lazy_pgettext("shipment", "awaiting pickup"),
    "delivered": lazy_pgettext("shipment", "delivered"),
    "failed_attempt": lazy_pgettext("shipment", "failed delivery attempt"),
    "returned": lazy_pgettext("shipment", "returned"),
}
PACKAGE_STATUS = {"open": lazy_pgettext("package", "open"), "closed": lazy_pgettext("package", "closed"),
                  "shipped": lazy_pgettext("package", "shipped"), "cancelled": lazy_pgettext("package", "cancelled")}
MANIFEST_STATUS = {"open": lazy_pgettext("manifest", "open"), "closed": lazy_pgettext("manifest", "closed")}

# The shipping settings (wms/shipping/settings.py DEFAULTS) as the desk form labels them.
SETTING = {"sender_name": _l("Sender's name"), "sender_street": _l("Sender's street"),
           "sender_number": _l("Sender's number"), "sender_complement": _l("Sender's address complement"),
           "sender_district": _l("Sender's district"), "sender_city": _l("Sender's city"),
           "sender_state": _l("Sender's state"), "sender_cep": _l("Sender's CEP"), "sender_phone": _l("Sender's phone"),
           "weight_tolerance_percent": _l("Weight tolerance (%)"), "weight_tolerance_min_g": _l("Weight tolerance at least (g)"),
           "require_invoice": _l("NF-e required before shipping (1 = yes)"),
           "late_after_days": _l("Late after (days), when the freight table has no days")}


def _word(table: dict, code: str | None) -> str:
    return str(table.get(code, code)) if code else ""


def words() -> dict:
    """The template helpers: the words of a shipment, package, manifest or order status, a channel, a setting."""
    return {"shipment_status": lambda code: _word(SHIPMENT_STATUS, code),
            "package_status": lambda code: _word(PACKAGE_STATUS, code),
            "manifest_status": lambda code: _word(MANIFEST_STATUS, code),
            "order_status": lambda code: _word(ORDER_STATUS, code),
            "channel_name": lambda code: _word(CHANNEL, code), "setting_label": lambda key: _word(SETTING, key)}
