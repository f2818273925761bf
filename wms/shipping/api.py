"""The shipping API for the store and the marketplaces' integrations (bearer token, JSON): the marketplace's
shipping label and the NF-e of an order, and freight quotes for the store's checkout. Described in openapi.py."""
from flask import Response, url_for

from .. import brazil, guard, numbers
from ..api import answer, bp, json_body
from ..catalog import services as catalog
from ..errors import DomainError
from . import carriers, documents, rules


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
        from ..errors import NotFound

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
