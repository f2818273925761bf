"""The order API for the store, ERP and marketplaces (bearer token, JSON). Described in `openapi.py`.

A token is not a person: services get no user id, and the audit trail says the change came through the API.
"""
from flask import g, request, url_for

from ..api import answer, bp, json_body
from . import services


def _answer(body: dict, status: int, order_id: int):
    return answer(body, status, location=url_for("api.order_get", order_id=order_id))


def _body(order) -> dict:
    """The order as the API shows it, with the shipping area's shipments (boxes, tracking codes)."""
    from ..shipping.dispatch import shipments_json

    body = services.as_json(order)
    body["shipments"] = shipments_json(order.id)
    return body


def _optional_body() -> dict:
    """Release and cancel take an optional JSON object ({"note"} / {"reason"}); no body at all is fine."""
    return json_body() if request.get_data() else {}


def _text(body: dict, key: str) -> str | None:
    value = body.get(key)
    return value.strip()[:200] or None if isinstance(value, str) else None


@bp.post("/orders")
def order_create():
    """Take an order. The same channel order sent again is answered the same (201, with
    `Idempotent-Replayed: true`) and stored once."""
    order, created = services.take_order(json_body())
    return answer(_body(order), 201, location=url_for("api.order_get", order_id=order.id),
                  replayed=not created)


@bp.get("/orders/<int:order_id>")
def order_get(order_id: int):
    return _answer(_body(services.get(order_id)), 200, order_id)


@bp.post("/orders/<int:order_id>/release")
def order_release(order_id: int):
    note = _text(_optional_body(), "note")
    order = services.release(order_id, note=f"api:{g.api_token.name}" + (f" {note}" if note else ""))
    return _answer(_body(order), 200, order.id)


@bp.post("/orders/<int:order_id>/cancel")
def order_cancel(order_id: int):
    reason = _text(_optional_body(), "reason")
    order, returned = services.cancel(order_id, reason=f"api:{g.api_token.name}" + (f" {reason}" if reason else ""))
    body = _body(order)
    body["returned"] = returned
    return _answer(body, 200, order.id)
