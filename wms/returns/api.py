"""The returns API for the store (bearer token with the `returns` scope, JSON): authorise a return, read it back.
Its models are in `openapi.py`; `wms.api.contract.operation` validates with them and puts them in
/api/v1/openapi.json."""
from flask import url_for

from ..api import answer
from ..api.contract import operation, path_id
from ..auth.models import Scope
from . import rmas
from .openapi import ReturnIn, ReturnOut


def as_dict(rma) -> dict:
    return {"id": rma.id, "order_id": rma.order_id, "status": rma.status, "reverse_code": rma.reverse_code,
            "delivered_on": rma.delivered_on.isoformat() if rma.delivered_on else None,
            "requested_on": rma.requested_on.isoformat(), "within_window": rma.within_window,
            "lines": [{"line_no": ln.line_no, "sku": ln.product.sku, "quantity": ln.quantity, "reason": ln.reason}
                      for ln in rma.lines],
            "outcome": rmas.outcome(rma) if rma.units else None}


@operation("post", "/returns", scope=Scope.RETURNS, summary="Authorise a return of a shipped order",
           description="Idempotent on order + `reverse_code`: the same again answers the return stored before "
                       "(header Idempotent-Replayed: true). A SKU not shipped on the order, more units than were "
                       "shipped or an unknown reason is named in `fields` (e.g. `lines[0].sku`).",
           body=ReturnIn, answers={201: (ReturnOut, "Authorised (or authorised before).")})
def return_create(body: ReturnIn):
    rma, created = rmas.create_rma(body.model_dump(), source="api")
    return answer(as_dict(rma), 201, location=url_for("api.return_get", rma_id=rma.id), replayed=not created)


@operation("get", "/returns/{rma_id}", scope=Scope.RETURNS,
           summary="A return and, once units arrived, what came back",
           parameters=[path_id("rma_id", "The return's id.")], answers={200: (ReturnOut, "The return.")})
def return_get(rma_id: int):
    return answer(as_dict(rmas.get(rma_id)), 200)
