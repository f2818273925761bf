"""The words for shipping's status codes on the desk. A shipment ("remessa") is feminine in Portuguese, a package
("volume") and a manifest ("romaneio") masculine: each has its own words, by context."""
from flask_babel import lazy_pgettext

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


def _word(table: dict, code: str | None) -> str:
    return str(table.get(code, code)) if code else ""


def words() -> dict:
    """The template helpers: shipment_status, package_status, manifest_status and order_status (of a code)."""
    return {"shipment_status": lambda code: _word(SHIPMENT_STATUS, code),
            "package_status": lambda code: _word(PACKAGE_STATUS, code),
            "manifest_status": lambda code: _word(MANIFEST_STATUS, code),
            "order_status": lambda code: _word(ORDER_STATUS, code)}
