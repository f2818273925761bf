"""The shipping API for the store, the marketplaces' integrations and the carriers (bearer token, JSON): the
marketplace's shipping label and the NF-e of an order, freight quotes for the store's checkout, and the carriers'
tracking events. Described in openapi.py."""
import re
from datetime import datetime, timedelta

from flask import Response, url_for

from .. import brazil, guard, numbers
from ..api import answer, bp, json_body
from ..catalog import services as catalog
from ..dbtypes import utcnow
from ..errors import DomainError, NotFound
from . import carriers, documents, rules, tracking, tracking_rules


@bp.post("/orders/<int:order_id>/shipping-label")
@guard.raw_fields("content")  # the marketplace's printer language, as given
def order_shipping_label(order_id: int):
    """Store the marketplace's label of the order (one per box, in order); the station prints it byte for byte."""
    labels = documents.store_marketplace_label(order_id, json_body())
    return answer({"order_id": order_id, "format": labels[0].format, "labels": len(labels),
                   "tracking_codes": [label.tracking_code for label in labels if label.tracking_code]}, 201,
                  location=url_for("api.order_get", order_id=order_id))


@bp.get("/orders/<int:order_id>/shipping-label.pdf")
def order_shipping_label_pdf(order_id: int):
    found = [label for label in documents.marketplace_labels(order_id) if label.format == "pdf"]
    if not found:
        raise NotFound("This order has no PDF label.")
    return Response(found[0].content, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="order-{order_id}-label.pdf"'})


@bp.post("/orders/<int:order_id>/invoice")
def order_invoice(order_id: int):
    """The order's NF-e: the access key's check digit is verified; the key prints on the label and the DANFE."""
    invoice = documents.attach_invoice(order_id, json_body())
    return answer(documents.invoice_json(invoice), 201, location=url_for("api.order_get", order_id=order_id))


MAX_ITEMS = 200


def _quote_request(body: dict) -> tuple[str, list[rules.Parcel], int]:
    errors: dict[str, str] = {}
    cep = None
    try:
        cep = brazil.normalize_cep(body.get("destination_cep") if isinstance(body.get("destination_cep"), str)
                                   else "")
    except ValueError:
        errors["destination_cep"] = "A CEP of 8 digits (e.g. 01310100)."
    declared = body.get("declared_value_cents", 0)
    declared = numbers.whole(declared, most=10**10) if not isinstance(declared, str) else None
    if declared is None:
        errors["declared_value_cents"] = "A whole number of cents, 0 or more."
    items, packages = body.get("items"), body.get("packages")
    parcels: list[rules.Parcel] = []
    if (items is None) == (packages is None):
        errors["items"] = "Give items (sku, quantity) or packages (weight_g and size in cm), not both."
    elif items is not None:
        if not isinstance(items, list) or not 1 <= len(items) <= MAX_ITEMS:
            errors["items"] = f"1 to {MAX_ITEMS} items."
        else:
            units = []
            for index, item in enumerate(items):
                sku = item.get("sku") if isinstance(item, dict) else None
                quantity = numbers.whole(item.get("quantity"), least=1, most=1000) \
                    if isinstance(item, dict) and not isinstance(item.get("quantity"), str) else None
                product = catalog.by_sku(sku) if isinstance(sku, str) and 0 < len(sku) <= 40 else None
                if product is None:
                    errors[f"items[{index}].sku"] = "Unknown SKU."
                elif quantity is None:
                    errors[f"items[{index}].quantity"] = "A whole number from 1 to 1000."
                else:
                    unit = carriers.product_unit(product)
                    if unit is None:
                        errors[f"items[{index}].sku"] = "This product's size or weight is not known yet."
                    else:
                        units.extend([unit] * quantity)
            if not errors:
                try:
                    parcels = carriers.parcels_for_units(units)
                except rules.TooBig as exc:
                    errors["items"] = f"{exc.unit.key} is bigger than every box we ship."
    else:
        if not isinstance(packages, list) or not 1 <= len(packages) <= MAX_ITEMS:
            errors["packages"] = f"1 to {MAX_ITEMS} packages."
        else:
            for index, package in enumerate(packages):
                values = {}
                for key, most in (("weight_g", 1_000_000), ("length_cm", 500), ("width_cm", 500),
                                  ("height_cm", 500)):
                    raw = package.get(key) if isinstance(package, dict) else None
                    values[key] = numbers.whole(raw, least=1, most=most) if not isinstance(raw, str) else None
                    if values[key] is None:
                        errors[f"packages[{index}].{key}"] = f"A whole number from 1 to {most}."
                if all(v is not None for v in values.values()):
                    parcels.append(rules.Parcel(**values))
    if errors:
        raise DomainError("The quote was not made: see the fields.", fields=errors)
    return cep, parcels, declared


@bp.post("/freight-quotes")
def freight_quotes():
    """Every service that can take the parcels to the CEP, cheapest first."""
    cep, parcels, declared = _quote_request(json_body())
    found = carriers.quotes(cep, parcels, declared_value_cents=declared)
    return answer({"destination_cep": cep, "packages": len(parcels), "quotes": [q.as_json() for q in found]})


# --------------------------------------------------------------------------------------------- carrier tracking

MAX_EVENTS = 100
_TRACKING_RE = re.compile(r"[A-Z0-9-]{4,40}")
_EVENT_CODE_RE = re.compile(r"[A-Z0-9_]{1,20}")
_TYPE_RE = re.compile(r"[A-Z0-9]{0,4}")
_FUTURE = timedelta(days=1)  # a carrier's clock may be off; an event days ahead is a mistake


def _text_field(item: dict, key: str, most: int, errors: dict, name: str) -> str:
    value = item.get(key)
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > most:
        errors[name] = f"Text of at most {most} characters."
        return ""
    return value


def _tracking_event(item, prefix: str, errors: dict) -> dict | None:
    """One event of the body, parsed, or None with its problems in `errors` (named `prefix` + field)."""
    if not isinstance(item, dict):
        errors[prefix.rstrip(".") or "body"] = "An object with tracking_code, code, occurred_at."
        return None
    found = len(errors)
    tracking_code = item.get("tracking_code")
    tracking_code = tracking_code.strip().upper() if isinstance(tracking_code, str) else ""
    if not _TRACKING_RE.fullmatch(tracking_code):
        errors[f"{prefix}tracking_code"] = "The box's tracking code: 4 to 40 letters, digits or dashes."
    code = item.get("code")
    code = code.strip().upper() if isinstance(code, str) else ""
    if not _EVENT_CODE_RE.fullmatch(code):
        errors[f"{prefix}code"] = "The carrier's event code (e.g. BDE, OEC, DELIVERED): 1 to 20 letters or digits."
    raw_type = item.get("type")
    if isinstance(raw_type, int) and not isinstance(raw_type, bool) and 0 <= raw_type <= 99:
        raw_type = str(raw_type)
    type_ = tracking_rules.normalize_type(raw_type) if isinstance(raw_type, str) or raw_type is None else None
    if type_ is None or not _TYPE_RE.fullmatch(type_):
        errors[f"{prefix}type"] = "The event's type (Correios tipo, e.g. 01): up to 4 letters or digits."
    elif not type_ and tracking_rules.needs_type(code):
        errors[f"{prefix}type"] = "Required for BDE, BDI and BDR (01: delivered; any other: a failed attempt)."
    occurred_at = None
    raw_time = item.get("occurred_at")
    try:
        occurred_at = datetime.fromisoformat(raw_time) if isinstance(raw_time, str) and len(raw_time) <= 40 \
            else None
    except ValueError:
        occurred_at = None
    if occurred_at is None or occurred_at.tzinfo is None:
        errors[f"{prefix}occurred_at"] = "ISO 8601 date and time with its offset, e.g. 2026-12-03T14:05:00-03:00."
    elif occurred_at > utcnow() + _FUTURE:
        errors[f"{prefix}occurred_at"] = "This is more than a day in the future."
    description = _text_field(item, "description", 200, errors, f"{prefix}description")
    location = _text_field(item, "location", 120, errors, f"{prefix}location")
    if len(errors) > found:
        return None
    return {"tracking_code": tracking_code, "code": code, "type": type_, "occurred_at": occurred_at,
            "description": description, "location": location}


def _recorded_json(recorded: tracking.Recorded) -> dict:
    return {"event": tracking.event_json(recorded.event), "shipment_status": recorded.shipment_status,
            "status_changed": recorded.status_changed}


@bp.post("/tracking-events")
def tracking_events():
    """A carrier's tracking event for one box (or {"events": [...]}): stored once; the shipment follows its
    latest event."""
    body = json_body()
    errors: dict[str, str] = {}
    if "events" not in body:
        parsed = _tracking_event(body, "", errors)
        if errors:
            raise DomainError("The event was not stored: see the fields.", fields=errors)
        recorded = tracking.record_event(**parsed)
        return answer(_recorded_json(recorded), 201 if recorded.created else 200)
    items = body["events"]
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_EVENTS:
        raise DomainError("No event was stored: see the fields.",
                          fields={"events": f"A list of 1 to {MAX_EVENTS} events."})
    parsed_items = [_tracking_event(item, f"events[{index}].", errors) for index, item in enumerate(items)]
    if errors:
        raise DomainError("No event was stored: see the fields.", fields=errors)
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
