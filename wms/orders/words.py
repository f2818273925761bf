"""The words people read for an order's codes (status, channel, payment, category, history), shared by the
orders desk and the waves desk."""
from flask_babel import lazy_gettext as _l

STATUS = {
    "awaiting_payment": _l("awaiting payment"), "released": _l("released"), "allocated": _l("allocated"),
    "partially_allocated": _l("partially allocated"), "backordered": _l("back-ordered"), "picking": _l("picking"),
    "picked": _l("picked"), "packed": _l("packed"), "shipped": _l("shipped"), "cancelled": _l("cancelled"),
}
CHANNEL = {"site": _l("site"), "marketplace": _l("marketplace"), "shop": _l("shop")}
PAYMENT = {"pending": _l("pending"), "authorized": _l("authorized"), "paid": _l("paid")}
CATEGORY = {"medicine": _l("medicine"), "cosmetic": _l("cosmetic"), "sanitizer": _l("sanitizer"),
            "food": _l("food"), "health_product": _l("health product"), "other": _l("other")}
TASK_STATUS = {"open": _l("open"), "done": _l("done"), "cancelled": _l("cancelled")}
HISTORY = {"order.take": _l("taken from the channel"), "order.release": _l("released (payment confirmed)"),
           "order.allocate": _l("stock reserved"), "order.unreserve": _l("reservations released"),
           "order.hold": _l("put on hold"), "order.unhold": _l("hold lifted"), "order.cancel": _l("cancelled"),
           "order.lot_unavailable": _l("a reserved lot became unavailable")}
