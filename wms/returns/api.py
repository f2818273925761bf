"""The returns API for the store: authorise a return, read it back. Described in `openapi.py`."""
from flask import url_for

from ..api import answer, bp, json_body
from . import rmas


def as_dict(rma) -> dict:
    return {"id": rma.id, "order_id": rma.order_id, "status": rma.status, "reverse_code": rma.reverse_code,
            "delivered_on": rma.delivered_on.isoformat() if rma.delivered_on else None,
            "requested_on": rma.requested_on.isoformat(), "within_window": rma.within_window,
            "lines": [{"line_no": ln.line_no, "sku": ln.product.sku, "quantity": ln.quantity, "reason": ln.reason}
                      for ln in rma.lines],
            "outcome": rmas.outcome(rma) if rma.units else None}


@bp.post("/returns")
def return_create():
    rma, created = rmas.create_rma(json_body(), source="api")
    return answer(as_dict(rma), 201, location=url_for("api.return_get", rma_id=rma.id), replayed=not created)


@bp.get("/returns/<int:rma_id>")
def return_get(rma_id: int):
    return answer(as_dict(rmas.get(rma_id)), 200)
