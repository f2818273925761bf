"""The return label, printed on request from the desk or the returns dock: the Correios reverse-logistics code
when the RMA has one (the customer posts the parcel with it), else our own RMA code, as Code 128, addressed to
the warehouse (the shipping area's sender address). Queued through the print queue like every label."""
from flask_babel import lazy_gettext as _l

from printers.label_fields import LabelDataError

from .. import audit
from ..errors import DomainError, NotFound
from ..extensions import db
from ..printing import services as printing
from ..shipping import settings as shipping_settings
from ..uow import use_case
from . import rmas
from .models import Rma, RmaStatus

STATION = "returns"


def label_code(rma: Rma) -> str:
    """What the label's barcode says: the carrier's reverse code, else RMA-<id>."""
    return (rma.reverse_code or "").strip() or rma.document


def label_data(rma: Rma) -> dict:
    words = dict(rmas.reasons())
    reasons = []
    for line in rma.lines:
        word = words.get(line.reason, line.reason)
        if word not in reasons:
            reasons.append(word)
    order = rma.order
    return {"rma": label_code(rma), "customer": order.customer_name or "—", "reason": ", ".join(reasons) or "—",
            "order": order.channel_order_id or f"ORDER-{order.id}", "to_address": shipping_settings.sender()}


@use_case
def print_label(rma_id: int, *, station: str | None = STATION, user_id: int | None) -> dict:
    """Queue the RMA's return label; {"job": id, "code": what the barcode says}."""
    rma = db.session.get(Rma, rma_id)
    if rma is None:
        raise NotFound(_l("Return not found."))
    if rma.status == RmaStatus.CANCELLED:
        raise DomainError(_l("Return RMA-%(id)s was cancelled: no label.", id=rma.id))
    try:
        job = printing.queue_label("return", label_data(rma), station=station, user_id=user_id,
                                   reference=rma.document)
    except LabelDataError:
        raise DomainError(_l("The return label cannot be printed: check the sender's address in the shipping "
                             "settings.")) from None
    audit.record("return.label", rma, user_id=user_id, code=label_code(rma), job=job)
    return {"job": job, "code": label_code(rma)}
