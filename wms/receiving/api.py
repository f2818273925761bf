"""The ASN API for suppliers and the ERP (bearer token with the `receiving` scope, JSON). Its models are in
`openapi.py`; `wms.api.contract.operation` validates with them and puts them in /api/v1/openapi.json.

A token is not a person: the services get no user id; the ASN's source says it came through the API.
"""
from flask import request, url_for

from ..api import answer
from ..api.contract import operation, path_id
from ..auth.models import Scope
from . import asns as services
from .openapi import AsnConflict, AsnIn, AsnOut


def _domain_problems(data: dict) -> dict[str, str]:
    """The receiving rules' own findings (unknown product, SSCC check digit...), listed with the contract's."""
    try:
        services.clean_asn(data)
    except services.AsnInvalid as exc:
        return exc.fields
    return {}


@operation("post", "/asns", scope=Scope.RECEIVING, summary="Announce a delivery (advance ship notice)",
           description="Idempotent on supplier + reference: the same ASN again gets the same answer (header "
                       "Idempotent-Replayed: true) and is stored once; other contents under a used reference get "
                       "409. Bad payloads change nothing. When the receipt closes, the ERP gets a "
                       "`receipt.closed` event.",
           body=AsnIn, more_fields=_domain_problems, rejected=services.AsnInvalid({}).message,
           answers={201: (AsnOut, "Announced (or announced before)."),
                    409: (AsnConflict, "The supplier used this reference for other contents (`asn_id` names it).")})
def asn_create(body: AsnIn):
    asn, created = services.create_asn(request.get_json(), source="api")
    return answer(services.asn_as_dict(asn), 201, location=url_for("api.asn_get", asn_id=asn.id),
                  replayed=not created)


@operation("get", "/asns/{asn_id}", scope=Scope.RECEIVING, summary="An ASN with what was received of each line",
           parameters=[path_id("asn_id", "The ASN's id.")], answers={200: (AsnOut, "The ASN.")})
def asn_get(asn_id: int):
    return answer(services.asn_as_dict(services.get_asn(asn_id)), 200,
                  location=url_for("api.asn_get", asn_id=asn_id))
