"""The words people read for an order's codes (status, channel, payment, category, history), shared by the
orders desk and the waves desk."""
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

STATUS = {
    "awaiting_payment": _l("awaiting payment"), "released": _l("released"), "allocated": _l("allocated"),
    "partially_allocated": _l("partially allocated"), "backordered": _l("back-ordered"), "picking": _l("picking"),
    "picked": _l("picked"), "packed": _l("packed"), "shipped": _l("shipped"),
    # "pedido" is masculine, while the tasks, waves and counts that share the word "cancelled" are feminine.
    "cancelled": lazy_pgettext("order", "cancelled"),
}
CHANNEL = {"site": _l("site"), "marketplace": _l("marketplace"), "shop": _l("shop")}
PAYMENT = {"pending": _l("pending"), "authorized": _l("authorized"), "paid": _l("paid")}
CATEGORY = {"medicine": _l("medicine"), "cosmetic": _l("cosmetic"), "sanitizer": _l("sanitizer"),
            "food": _l("food"), "health_product": _l("health product"), "other": _l("other")}
TASK_STATUS = {"open": _l("open"), "done": _l("done"), "cancelled": _l("cancelled")}
HISTORY = {"order.take": _l("taken from the channel"), "order.release": _l("released (payment confirmed)"),
           "order.allocate": _l("stock reserved"), "order.unreserve": _l("reservations released"),
           "order.hold": _l("put on hold"), "order.unhold": _l("hold lifted"), "order.cancel": lazy_pgettext("order", "cancelled"),
           "order.lot_unavailable": _l("a reserved lot became unavailable")}
# The details the history keeps with each event (audit.record's keywords), and the words of their coded values.
DETAIL = {"channel": _l("channel"), "channel_order_id": _l("channel's number"), "payment": _l("payment"),
          "note": _l("note"), "reason": _l("reason"), "released": _l("units released"),
          "returned": _l("units put back"), "recall": _l("recall"), "tracking_code": _l("tracking code"),
          "lot": _l("lot"), "status": _l("status"), "reservations": _l("reservations"),
          "backordered": _l("units back-ordered"), "units": _l("units"), "access_key": _l("NF-e access key"),
          "format": _l("format"), "labels": _l("labels")}
DETAIL_VALUES = {"channel": CHANNEL, "payment": PAYMENT, "status": STATUS}


def history_details(details: dict) -> str:
    """`channel: site; payment: paid` as people read it: "canal: site; pagamento: pago"."""
    from flask_babel import gettext

    shown = []
    for key, value in details.items():
        if value in (None, "", [], {}):
            continue
        if isinstance(value, bool):
            value = gettext("yes") if value else gettext("no")
        value = DETAIL_VALUES.get(key, {}).get(value, value) if isinstance(value, str) else value
        shown.append(f"{DETAIL.get(key, key.replace('_', ' '))}: {value}")
    return "; ".join(shown)
