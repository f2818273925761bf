"""The REST API for the store, ERP and marketplaces: JSON in and out, bearer tokens with scopes.

Each endpoint is declared once with `wms.api.contract.operation` (its scope, its Pydantic models, its answers):
the same declaration routes it, validates its body and describes it in `GET /api/v1/openapi.json`. Areas add
theirs in `wms/<area>/api.py`; this module checks the token.
"""
from datetime import timedelta

from flask import Blueprint, g, jsonify, request
from flask_babel import gettext as _

from .. import access
from ..auth import services as auth_services
from ..dbtypes import utcnow
from ..extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # tokens, not cookies: no CSRF risk


@bp.before_request
def require_token():
    header = request.headers.get("Authorization", "")
    secret = header[7:].strip() if header.lower().startswith("bearer ") else ""
    token = auth_services.token_for(secret)
    if token is None:
        response = access.api_error(401, _("A valid API token is required (Authorization: Bearer ...)."))
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        # A write per API call would serialise reads on SQLite; "last used" to the minute is enough.
        token.last_used_at = now  # committed with the request's unit of work
    g.api_token = token
    return None


def json_body() -> dict:
    """The request's JSON object, or a 400 that says why not (for routes not declared with `operation`)."""
    from .contract import read_json

    return read_json(True)


def answer(body: dict, status: int = 200, *, location: str | None = None, replayed: bool = False):
    """A JSON answer; `location` names the resource, `replayed` marks an idempotent repeat of a create."""
    response = jsonify(body)
    response.status_code = status
    if location:
        response.headers["Location"] = location
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


from . import openapi, products, stock  # noqa: E402,F401  their routes, on bp before the app registers it
