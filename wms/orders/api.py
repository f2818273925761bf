"""The order API for the store, ERP and marketplaces (bearer token, JSON). Described in `openapi.py`.

A token is not a person: services get no user id, and the audit trail says the change came through the API.
"""
from flask import g, request, url_for

from ..api import answer, bp, json_body
from . import services


def _answer(body: dict, status: int, order_id: int):
    return answer(body, status, location=url_for("api.order_get", order_id=order_id))


def _optional_body() -> dict:
    """Release and cancel take an optional JSON object ({"note"} / {"reason"}); no body at all is fine."""
    return json_body() if request.get_data() else {}


def _text(body: dict, key: str) -> str | None:
    """An optional text field; anything else than text (a number, a list) is refused, not ignored."""
    from flask_babel import lazy_gettext as _l

    from ..errors import DomainError

    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise DomainError(_l("%(field)s must be text.", field=key), fields={key: "Must be text."})
    if len(value.strip()) > 200:
        raise DomainError(_l("%(field)s is too long: at most %(limit)s characters (%(length)s given).",
                             field=key, limit=200, length=len(value.strip())))
    return value.strip() or None


@bp.post("/orders")
def order_create():
    """Take an order. The same channel order sent again is answered the same (201, with
    `Idempotent-Replayed: true`) and stored once."""
    order, created = services.take_order(json_body())
    return answer(services.as_json(order), 201, location=url_for("api.order_get", order_id=order.id),
                  replayed=not created)


@bp.get("/orders/<int:order_id>")
def order_get(order_id: int):
    return _answer(services.as_json(services.get(order_id)), 200, order_id)


@bp.post("/orders/<int:order_id>/release")
def order_release(order_id: int):
    note = _text(_optional_body(), "note")
    order = services.release(order_id, note=f"api:{g.api_token.name}" + (f" {note}" if note else ""))
    return _answer(services.as_json(order), 200, order.id)


@bp.post("/orders/<int:order_id>/cancel")
def order_cancel(order_id: int):
    reason = _text(_optional_body(), "reason")
    order, returned = services.cancel(order_id, reason=f"api:{g.api_token.name}" + (f" {reason}" if reason else ""))
    body = services.as_json(order)
    body["returned"] = returned
    return _answer(body, 200, order.id)
