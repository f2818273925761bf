"""The shipping API for the store, the marketplaces' integrations and the carriers (bearer token, JSON): the
marketplace's shipping label and the NF-e of an order (`shipping` scope), freight quotes for the store's checkout
(`shipping`), and the carriers' tracking events (`tracking`). Its models are in `openapi.py`;
`wms.api.contract.operation` validates with them and puts them in /api/v1/openapi.json."""
from datetime import datetime, timedelta

from flask import Response, url_for

from .. import brazil, guard
from ..api import answer
from ..api.contract import ErrorOut, FieldsRejected, operation, path_id
from ..auth.models import Scope
from ..catalog import services as catalog
from ..dbtypes import utcnow
from ..errors import NotFound
from . import carriers, documents, rules, tracking, tracking_rules
from .openapi import (
    InvoiceIn,
    InvoiceOut,
    LabelIn,
    LabelOut,
    QuoteIn,
    QuotesOut,
    TrackingAnswer,
    TrackingBatchIn,
    TrackingEventIn,
    TrackingEventsIn,
)

ORDER_ID = path_id("order_id", "The order's id.")


@operation("post", "/orders/{order_id}/shipping-label", scope=Scope.SHIPPING,
           summary="The marketplace's own shipping label for the order",
           description="Stored and printed at the packing station byte for byte instead of our label (reprints "
                       "use the stored bytes); `content` keeps its control characters. Content that holds no "
                       "`^XA`…`^XZ` label is refused. A PDF is stored for download. A new label replaces the old "
                       "one.",
           parameters=[ORDER_ID], body=LabelIn,
           answers={201: (LabelOut, "Stored."), 409: (ErrorOut, "The order has shipped or is cancelled.")})
@guard.raw_fields("content")  # the marketplace's printer language, as given
def order_shipping_label(order_id: int, body: LabelIn):
    """Store the marketplace's label of the order (one per box, in order); the station prints it byte for byte."""
    labels = documents.store_marketplace_label(order_id, body.model_dump())
    return answer({"order_id": order_id, "format": labels[0].format, "labels": len(labels),
                   "tracking_codes": [label.tracking_code for label in labels if label.tracking_code]}, 201,
                  location=url_for("api.order_get", order_id=order_id))


@operation("get", "/orders/{order_id}/shipping-label.pdf", scope=Scope.SHIPPING,
           summary="The marketplace's PDF label of the order, as stored", parameters=[ORDER_ID],
           answers={200: (None, "The PDF (application/pdf).")})
def order_shipping_label_pdf(order_id: int):
    found = [label for label in documents.marketplace_labels(order_id) if label.format == "pdf"]
    if not found:
        raise NotFound("This order has no PDF label.")
    return Response(found[0].content, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="order-{order_id}-label.pdf"'})


@operation("post", "/orders/{order_id}/invoice", scope=Scope.SHIPPING,
           summary="The order's NF-e (printed on the label and the DANFE)",
           description="The access key's check digit is verified, and its series, number and issuer CNPJ must be "
                       "the ones given. Replaced while the order has not shipped.",
           parameters=[ORDER_ID], body=InvoiceIn,
           answers={201: (InvoiceOut, "Stored."), 409: (ErrorOut, "The order has shipped or is cancelled.")})
def order_invoice(order_id: int, body: InvoiceIn):
    invoice = documents.attach_invoice(order_id, body.model_dump(exclude_none=True))
    return answer(documents.invoice_json(invoice), 201, location=url_for("api.order_get", order_id=order_id))


def _quote_request(body: QuoteIn) -> tuple[str, list[rules.Parcel]]:
    errors: dict[str, str] = {}
    cep = None
    try:
        cep = brazil.normalize_cep(body.destination_cep)
    except ValueError:
        errors["destination_cep"] = "A CEP of 8 digits (e.g. 01310100)."
    parcels: list[rules.Parcel] = []
    if (body.items is None) == (body.packages is None):
        errors["items"] = "Give items (sku, quantity) or packages (weight_g and size in cm), not both."
    elif body.items is not None:
        units = []
        for index, item in enumerate(body.items):
            product = catalog.by_sku(item.sku)
            unit = carriers.product_unit(product) if product is not None else None
            if product is None:
                errors[f"items[{index}].sku"] = "Unknown SKU."
            elif unit is None:
                errors[f"items[{index}].sku"] = "This product's size or weight is not known yet."
            else:
                units.extend([unit] * item.quantity)
        if not errors:
            try:
                parcels = carriers.parcels_for_units(units)
            except rules.TooBig as exc:
                errors["items"] = f"{exc.unit.key} is bigger than every box we ship."
    else:
        parcels = [rules.Parcel(**package.model_dump()) for package in body.packages]
    if errors:
        raise FieldsRejected(errors, "The quote was not made: see the fields.")
    return cep, parcels


@operation("post", "/freight-quotes", scope=Scope.SHIPPING, summary="Freight quote for the store's checkout",
           description="Each service with a table row for the CEP and every parcel's billed weight (the larger of "
                       "real and cubic weight); the ad valorem on the declared value.",
           body=QuoteIn, answers={200: (QuotesOut, "Quotes, cheapest first (empty when none can go).")})
def freight_quotes(body: QuoteIn):
    """Every service that can take the parcels to the CEP, cheapest first."""
    cep, parcels = _quote_request(body)
    found = carriers.quotes(cep, parcels, declared_value_cents=body.declared_value_cents)
    return answer({"destination_cep": cep, "packages": len(parcels), "quotes": [q.as_json() for q in found]})


# --------------------------------------------------------------------------------------------- carrier tracking

_FUTURE = timedelta(days=1)  # a carrier's clock may be off; an event days ahead is a mistake


def _tracking_event(item: TrackingEventIn, prefix: str, errors: dict) -> dict | None:
    """One event of the body, checked beyond its shape, or None with its problems in `errors` (named `prefix` +
    field)."""
    found = len(errors)
    code = item.code.upper()
    raw_type = str(item.type) if isinstance(item.type, int) else item.type
    type_ = tracking_rules.normalize_type(raw_type)
    if not type_ and tracking_rules.needs_type(code):
        errors[f"{prefix}type"] = "Required for BDE, BDI and BDR (01: delivered; any other: a failed attempt)."
    try:
        occurred_at = datetime.fromisoformat(item.occurred_at)
    except ValueError:
        occurred_at = None
    if occurred_at is None or occurred_at.tzinfo is None:
        errors[f"{prefix}occurred_at"] = "ISO 8601 date and time with its offset, e.g. 2026-12-03T14:05:00-03:00."
    elif occurred_at > utcnow() + _FUTURE:
        errors[f"{prefix}occurred_at"] = "This is more than a day in the future."
    if len(errors) > found:
        return None
    return {"tracking_code": item.tracking_code.upper(), "code": code, "type": type_, "occurred_at": occurred_at,
            "description": item.description or "", "location": item.location or ""}


def _recorded_json(recorded: tracking.Recorded) -> dict:
    return {"event": tracking.event_json(recorded.event), "shipment_status": recorded.shipment_status,
            "status_changed": recorded.status_changed}


@operation("post", "/tracking-events", scope=Scope.TRACKING, summary="A carrier's tracking event for one box",
           description="Stored once: the same tracking code, code, type and time again answers 200 with the "
                       "stored event. The shipment takes the status of its latest event by `occurred_at` (an "
                       "older event arriving late never moves it back); a shipment of several boxes is delivered "
                       "when every box is. A change of status writes `shipment.tracking` to the outbox (webhooks; "
                       "the customer is e-mailed on a failed attempt, a return or a pickup at a unit). Several "
                       "events at once: `{\"events\": [...]}` (any invalid event: 422 and none is stored; an "
                       "unknown tracking code is reported in its result and the others are stored).",
           body=TrackingEventsIn,
           answers={201: (TrackingAnswer, "Stored (a batch: at least one event was new)."),
                    200: (TrackingAnswer, "Stored before: nothing changed."),
                    404: (ErrorOut, "No box has this tracking code.")})
def tracking_events(body: TrackingEventsIn):
    """A carrier's tracking event for one box (or {"events": [...]}): stored once; the shipment follows its
    latest event."""
    errors: dict[str, str] = {}
    if not isinstance(body.root, TrackingBatchIn):
        parsed = _tracking_event(body.root, "", errors)
        if errors:
            raise FieldsRejected(errors, "The event was not stored: see the fields.")
        recorded = tracking.record_event(**parsed)
        return answer(_recorded_json(recorded), 201 if recorded.created else 200)
    parsed_items = [_tracking_event(item, f"events[{index}].", errors) for index, item in enumerate(body.root.events)]
    if errors:
        raise FieldsRejected(errors, "No event was stored: see the fields.")
    results, created = [], False
    for index, parsed in enumerate(parsed_items):
        try:
            recorded = tracking.record_event(**parsed)
        except NotFound as exc:
            results.append({"index": index, "result": "not_found", "error": str(exc)})
            continue
        created = created or recorded.created
        results.append({"index": index, "result": "created" if recorded.created else "stored",
                        **_recorded_json(recorded)})
    return answer({"results": results}, 201 if created else 200)
