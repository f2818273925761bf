"""The order API for the store, ERP and marketplaces (bearer token with the `orders` scope, JSON). Its models are
in `openapi.py`; `wms.api.contract.operation` validates with them and puts them in /api/v1/openapi.json.

A token is not a person: services get no user id, and the audit trail says the change came through the API.
"""
from flask import g, request, url_for

from ..api import answer
from ..api.contract import ErrorOut, operation, path_id
from ..auth.models import Scope
from . import services
from .openapi import CancelIn, OrderIn, OrderOut, ReleaseIn

ORDER_ID = [path_id("order_id", "The order's id, as answered when it was taken.")]
LOCATION = {"Location": {"description": "The order's address.", "schema": {"type": "string"}}}


def _body(order) -> dict:
    """The order as the API shows it, with the shipping area's shipments (boxes, tracking codes)."""
    from ..shipping.dispatch import shipments_json

    body = services.as_json(order)
    body["shipments"] = shipments_json(order.id)
    return body


def _answer(body: dict, status: int, order_id: int):
    return answer(body, status, location=url_for("api.order_get", order_id=order_id))


@operation("post", "/orders", scope=Scope.ORDERS, summary="Take an order from a channel",
           description="Idempotent on channel + channel_order_id: the same order again gets the same answer "
                       "(header Idempotent-Replayed: true) and is stored once; other contents under a used id get "
                       "409. An unknown channel code is 422. Bad payloads change nothing.",
           body=OrderIn, more_fields=services.order_field_problems,
           rejected=services.OrderRejected.MESSAGE,
           answers={201: (OrderOut, "Taken (or taken before)."),
                    409: (ErrorOut, "The channel order id is used by another order.")},
           headers={201: LOCATION})
def order_create(body: OrderIn):
    """The raw JSON goes to the service: it reads it as every other caller's (desk, demo) and keeps the same
    payload hash for the idempotency check."""
    order, created = services.take_order(request.get_json())
    return answer(_body(order), 201, location=url_for("api.order_get", order_id=order.id),
                  replayed=not created)


@operation("get", "/orders/{order_id}", scope=Scope.ORDERS,
           summary="Status, lines, allocation and tracking of an order", parameters=ORDER_ID,
           answers={200: (OrderOut, "The order.")})
def order_get(order_id: int):
    return _answer(_body(services.get(order_id)), 200, order_id)


@operation("post", "/orders/{order_id}/release", scope=Scope.ORDERS, summary="Payment confirmed: allocate the order",
           description="Idempotent: an order released already is answered as it is. The body is optional.",
           parameters=ORDER_ID, body=ReleaseIn, body_required=False,
           answers={200: (OrderOut, "Released and allocated."), 409: (ErrorOut, "The order is cancelled.")})
def order_release(order_id: int, body: ReleaseIn | None):
    note = body.note if body else None
    order = services.release(order_id, note=f"api:{g.api_token.name}" + (f" {note}" if note else ""))
    return _answer(_body(order), 200, order.id)


@operation("post", "/orders/{order_id}/cancel", scope=Scope.ORDERS, summary="Cancel: undo reservations and picks",
           description="Reservations are released; units already picked go back by ledger moves from the tote to "
                       "the bin they came from when it still takes them, else to the returns location. "
                       "Idempotent. The body is optional.",
           parameters=ORDER_ID, body=CancelIn, body_required=False,
           answers={200: (OrderOut, "Cancelled."), 409: (ErrorOut, "Packed or shipped already.")})
def order_cancel(order_id: int, body: CancelIn | None):
    reason = body.reason if body else None
    order, returned = services.cancel(order_id, reason=f"api:{g.api_token.name}" + (f" {reason}" if reason else ""))
    payload = _body(order)
    payload["returned"] = returned
    return _answer(payload, 200, order.id)
