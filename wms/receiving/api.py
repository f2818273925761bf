"""The ASN API for suppliers and the ERP (bearer token, JSON). Described in `openapi.py`.

A token is not a person: the services get no user id; the ASN's source says it came through the API.
"""
from flask import url_for

from ..api import answer, bp, json_body
from .asns import asn_as_dict, create_asn, get_asn


def _answer(body: dict, status: int, asn_id: int):
    return answer(body, status, location=url_for("api.asn_get", asn_id=asn_id))


@bp.post("/asns")
def asn_create():
    """Announce a delivery. The same supplier and reference with the same contents again is answered the same
    (201, `Idempotent-Replayed: true`) and stored once; other contents under a used reference get 409."""
    asn, created = create_asn(json_body(), source="api")
    return answer(asn_as_dict(asn), 201, location=url_for("api.asn_get", asn_id=asn.id),
                  replayed=not created)


@bp.get("/asns/<int:asn_id>")
def asn_get(asn_id: int):
    return _answer(asn_as_dict(get_asn(asn_id)), 200, asn_id)
